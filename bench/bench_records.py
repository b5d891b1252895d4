"""Benchmark: safeguarding records at a school's scale, and what the safeguarding rules cost.

    .venv/bin/python bench/bench_records.py                     # 2,000 pupils, 5,000 records
    .venv/bin/python bench/bench_records.py --pupils 20000 --records 50000

In a fresh data directory (SQLite) with the sample policy, measured in-process through the
real views (session, second factor, gate, audit log):

1. a teacher's report (the form POST): Harbour's full path (validation, the sanctions matrix,
   the hash-chained audit entries, the flowchart) against a plain insert of the same row, the
   minimum any form-to-table tool would do; the ratio is what the rules cost per report;
2. the DSL's dashboard, a record page and a pupil's chronology with many entries;
3. the transfer-file PDF (WeasyPrint) for that pupil;
4. the weight of the report form a teacher loads on a phone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def prepare(pupils: int, records: int) -> dict:
    """Policy, directory, logins and a history of records (bulk-loaded)."""
    from django.utils import timezone

    from harbour.apps.accounts.service import ensure_login
    from harbour.apps.people.models import Person
    from harbour.apps.policies.service import adopt_policy
    from harbour.apps.records.models import Action, Involvement, Record

    adopt_policy((REPO / "examples" / "policy.toml").read_text(), "bench", "bench")
    Person.objects.bulk_create(
        Person(
            kind="pupil",
            external_id=f"P{i:06d}",
            first_name="Pupil",
            last_name=str(i),
            year=i % 7,
            username=f"pupil{i}",
        )
        for i in range(pupils)
    )
    users = {
        name: ensure_login(name, role, "bench-password-1", "bench")
        for name, role in (("dsl", "dsl"), ("teacher", "staff"))
    }
    people = list(Person.objects.order_by("pk"))
    now = timezone.now()
    rows = Record.objects.bulk_create(
        Record(
            kind="concern",
            what_happened=f"history {i}",
            occurred_at=now - timedelta(hours=i),
            risk_category="bullying",
            four_cs=["conduct"],
            severity=1 + i % 5,
            status="closed" if i % 3 else "open",
            reporter_name="teacher",
            reported_by=users["teacher"],
        )
        for i in range(records)
    )
    focus = people[0]  # one pupil with a long history
    Involvement.objects.bulk_create(
        Involvement(
            record=r, person=focus if i % 100 == 0 else people[i % len(people)], part="victim"
        )
        for i, r in enumerate(rows)
    )
    Action.objects.bulk_create(
        Action(record=r, code="inform-parents", title="Inform parents / carers", created_by="bench")
        for r in rows[::10]
    )
    return {"users": users, "focus": focus, "record": rows[0]}


def _client(user):
    from django.test import Client

    from harbour.apps.accounts.middleware import SESSION_FLAG

    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_FLAG] = True
    session.save()
    return client


def _time(call, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    os.environ["HARBOUR_DATA_DIR"] = tempfile.mkdtemp(prefix="harbour-bench-records-")
    os.environ["HARBOUR_ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("DATABASE_URL", None)
    from harbour.cli.django_env import setup_django

    setup_django(migrate=True)
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.utils import timezone

    from harbour.apps.records.models import Record

    start = time.perf_counter()
    facts = prepare(args.pupils, args.records)
    print(
        f"loaded {args.pupils} pupils and {args.records} records in {time.perf_counter() - start:.1f} s"
    )
    teacher, dsl = _client(facts["users"]["teacher"]), _client(facts["users"]["dsl"])

    form = {
        "kind": "concern",
        "what_happened": "Pupil upset after messages in a group chat",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "four_cs": ["conduct"],
        "risk_category": "bullying",
        "severity": "3",
        "victims": facts["focus"].external_id,
        "incident_type": "offensive-messages",
        "instigators": "P000001",
    }

    def harbour_report() -> None:
        assert teacher.post("/records/report/", form).status_code == 302

    def plain_insert() -> None:
        Record.objects.create(
            kind="concern",
            what_happened=form["what_happened"],
            occurred_at=timezone.now(),
            risk_category="bullying",
            four_cs=["conduct"],
            severity=3,
            reporter_name="teacher",
        )

    full, plain = _time(harbour_report, args.repeat), _time(plain_insert, args.repeat)
    ratio = statistics.median(full) / statistics.median(plain)
    print(f"report (Harbour, full path)    {_ms(full)}")
    print(f"report (plain insert)          {_ms(plain)}")
    print(f"  ratio: the safeguarding rules cost {ratio:.1f}x a plain insert per report")
    pages = {
        "DSL dashboard": "/records/",
        "record page": f"/records/{facts['record'].pk}/",
        "pupil chronology": f"/records/people/{facts['focus'].pk}/",
    }
    for label, url in pages.items():
        assert dsl.get(url).status_code == 200, url
        print(f"{label:<30} {_ms(_time(lambda url=url: dsl.get(url), args.repeat))}")
    entries = len(dsl.get(pages["pupil chronology"]).content.split(b"<tr>")) - 2
    pdf_url = f"/records/people/{facts['focus'].pk}/transfer.pdf"
    print(
        f"transfer PDF ({entries} entries)     {_ms(_time(lambda: dsl.get(pdf_url), max(3, args.repeat // 10)))}"
    )
    size = len(teacher.get("/records/report/").content)
    print(
        f"report form page weight         {size / 1024:.1f} KiB at {args.pupils} pupils (names come as you type)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
