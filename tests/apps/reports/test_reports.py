"""The weekly and governors' reports: true figures, the same in HTML and PDF, no child named
where they must not be, delivered on schedule."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from harbour.apps.alerts.models import Alert
from harbour.apps.events.models import DecisionEvent
from harbour.apps.people.models import Person
from harbour.apps.policies.service import current_policy
from harbour.apps.reports import delivery
from harbour.apps.reports.governors import build_governors
from harbour.apps.reports.models import ReportRun
from harbour.apps.reports.period import Period
from harbour.apps.reports.render import document_html, pdf_bytes
from harbour.apps.reports.weekly import build_weekly
from harbour.cli import main
from tests.fixtures import sign_in

LONDON = ZoneInfo("Europe/London")
WEEK = Period(date(2026, 11, 16), date(2026, 11, 22), LONDON)


def event(n: int, when: datetime, user: str, action: str, category: str, activity: str, reason: str = "policy", group: str = "pupils-ks2") -> DecisionEvent:
    return DecisionEvent(
        spool_id=f"test-{n}", time=when, source="proxy", user=user, group=group, url=f"http://{category}.example/",
        host=f"{category}.example", category=category, categories=[category], action=action,
        activity=activity, level="unacceptable" if action == "block" else "acceptable", reason_code=reason,
    )


@pytest.fixture
def week(school):
    Person.objects.create(kind="pupil", external_id="UPN-A1", first_name="Zebedee", last_name="Quartermaine",
                          year=5, username="zeb.q")
    rows = []
    n = 0
    for day in range(16, 23):
        for _ in range(day - 15):  # 1 on Monday .. 7 on Sunday: 28 gambling blocks
            n += 1
            rows.append(event(n, datetime(2026, 11, day, 10, 0, tzinfo=LONDON), "zeb.q", "block", "gambling", "gambling"))
        n += 1
        rows.append(event(n, datetime(2026, 11, day, 11, 0, tzinfo=LONDON), "zeb.q", "allow", "news", ""))
    n += 1
    rows.append(event(n, datetime(2026, 11, 18, 9, 0, tzinfo=LONDON), "zeb.q", "block", "iwf", "illegal-content", reason="locked"))
    n += 1  # outside the week: must not be counted
    rows.append(event(n, datetime(2026, 11, 23, 0, 30, tzinfo=LONDON), "zeb.q", "block", "gambling", "gambling"))
    DecisionEvent.objects.bulk_create(rows)
    when = datetime(2026, 11, 17, 14, 0, tzinfo=LONDON)
    Alert.objects.create(username="zeb.q", first_seen=when, last_seen=when, category="suicide", severity=5,
                         evidence=[{"context": "how many pills to die", "matched": "pills to die"}], source="search",
                         group_key="zeb.q|suicide")
    return WEEK


def test_weekly_figures_match_the_database(week) -> None:
    report = build_weekly(current_policy(), week, show_names=True)
    assert report.totals["decisions"] == 28 + 7 + 1
    assert report.totals["blocked"] == 29
    assert report.totals["locked-tier hits"] == 1
    assert dict(report.blocked_by_category)["gambling"] == 28
    assert [b for _, _, b in report.per_day] == [1, 2, 4, 4, 5, 6, 7]  # the locked hit is on Wednesday
    assert report.top_users[0][0] == "Zebedee Quartermaine (zeb.q)" and report.top_users[0][2] == 29
    assert report.totals["serious alerts (4-5)"] == 1


def test_weekly_pdf_prints_the_same_figures_as_the_database(week) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    pdf = pdf_bytes("weekly", build_weekly(current_policy(), week, show_names=True))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    def figure(label: str) -> int:
        found = re.search(rf"^{label}\s+(\d+)\s*$", text, re.MULTILINE)
        assert found, f"no {label} line in the PDF"
        return int(found.group(1))

    in_week = DecisionEvent.objects.filter(time__gte=week.since, time__lt=week.until)
    assert figure("Blocked") == in_week.filter(action="block").count()
    assert figure("Decisions") == in_week.count()
    assert figure("Locked-tier hits") == in_week.filter(reason_code="locked").count()
    assert "Zebedee Quartermaine" in text and "how many pills to die" in text


def test_pseudonymous_weekly_report_names_nobody(week) -> None:
    html = document_html("weekly", build_weekly(current_policy(), week, show_names=False))
    assert "Zebedee" not in html and "zeb.q" not in html and "pills to die" not in html
    assert "User 1" in html


def test_governors_report_identifies_no_child(week) -> None:
    report = build_governors(current_policy(), Period(date(2026, 9, 1), date(2026, 12, 31), LONDON))
    html = document_html("governors", report)
    assert "Online gambling" in html  # blocked attempts by activity, as governors read it
    for secret in ("Zebedee", "Quartermaine", "zeb.q", "UPN-A1", "pills"):
        assert secret not in html
    text = pdf_bytes("governors", report)
    assert text.startswith(b"%PDF")


@pytest.mark.parametrize("name,weekly,governors", [
    ("alice", 200, 200), ("dora", 200, 200), ("harry", 200, 200), ("ivan", 404, 404),
    ("bob", 404, 404), ("gina", 404, 200),
])
def test_report_pages_are_for_the_roles_that_receive_them(school, client, name, weekly, governors) -> None:
    sign_in(client, school[name])
    assert client.get("/reports/weekly/").status_code == weekly
    assert client.get("/reports/governors/").status_code == governors


def test_the_pdf_download_is_audited(week, client, school) -> None:
    from harbour.apps.audit.models import AuditEntry

    sign_in(client, school["alice"])
    response = client.get("/reports/weekly/?from=2026-11-16&to=2026-11-22&format=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(actor="alice", action="export", object_type="reports.weekly").exists()


def test_a_backwards_period_is_refused_with_a_message(school, client) -> None:
    sign_in(client, school["harry"])
    page = client.get("/reports/weekly/?from=2026-11-22&to=2026-11-16").content.decode()
    assert "cannot be used" in page


def test_the_weekly_report_is_sent_on_monday_morning_once_to_head_and_dsl(week, school, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for name, user in school.items():
        user.email = f"{name}@school.example"
        user.save()
    sunday = datetime(2026, 11, 22, 20, 0, tzinfo=LONDON)
    monday_early = datetime(2026, 11, 23, 6, 0, tzinfo=LONDON)
    monday = datetime(2026, 11, 23, 7, 5, tzinfo=LONDON)
    ReportRun.objects.create(kind="governors", period_start=date(2026, 4, 1), period_end=date(2026, 8, 31),
                             sha256="x", scheduled=True)
    ReportRun.objects.create(kind="weekly", period_start=date(2026, 11, 9), period_end=date(2026, 11, 15),
                             sha256="x", scheduled=True)
    delivery.scheduled_job(sunday)
    delivery.scheduled_job(monday_early)
    assert not mail.outbox
    delivery.scheduled_job(monday)
    delivery.scheduled_job(monday)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@school.example", "dora@school.example", "harry@school.example"]
    assert message.attachments[0][0] == "weekly-2026-11-16-2026-11-22.pdf"
    assert ReportRun.objects.get(kind="weekly", period_start=date(2026, 11, 16)).sent_to == message.to


def test_report_command_writes_html_and_refuses_other_extensions(week, tmp_path, capsys) -> None:
    out = tmp_path / "weekly.html"
    assert main(["report", "weekly", "--from", "2026-11-16", "--to", "2026-11-22", "-o", str(out)]) == 0
    assert "Zebedee Quartermaine" in out.read_text()
    assert main(["report", "weekly", "-o", str(tmp_path / "weekly.docx")]) == 2
    assert main(["report", "weekly", "--from", "16/11/2026", "-o", str(out)]) == 2
    assert "is not a date" in capsys.readouterr().err


def test_the_headteacher_sees_last_weeks_figures_on_the_home_page(school, client) -> None:
    from django.utils import timezone

    from harbour.apps.reports.period import last_week

    week = last_week(timezone.localdate(), LONDON)
    when = week.since.replace(hour=10)
    DecisionEvent.objects.bulk_create([
        event(n, when, "zeb.q", "block", "gambling", "gambling") for n in range(3)
    ] + [event(9, when, "zeb.q", "block", "iwf", "illegal-content", reason="locked")])
    page = sign_in(client, school["harry"]).get("/").content.decode()
    assert "Last week&#x27;s filtering and monitoring" in page or "Last week's filtering and monitoring" in page
    assert "4 blocked" in page and "1 illegal-content block" in page
    assert "Last week" not in sign_in(client.__class__(), school["bob"]).get("/").content.decode()
