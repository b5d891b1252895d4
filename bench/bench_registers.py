"""Benchmark: what the registers cost the gateway snapshot, and how soon signing lifts filtering.

    .venv/bin/python bench/bench_registers.py                 # 2,000 pupils, 200 staff
    .venv/bin/python bench/bench_registers.py --pupils 20000 --staff 2000

In a fresh data directory (SQLite) with the sample policy, a directory of N people of whom 90%
have signed their agreements and 20 registered devices:

1. snapshot build time with the registers' contributors (agreement restrictions, devices)
   against the same build without them: the ratio is what the registers add to every write;
2. seconds from a new member of staff signing to a real ``harbour squid-helper`` process
   letting them through (the alternative is someone moving them between filter groups by
   hand, which takes as long as it takes someone to notice);
3. training compliance for every member of staff (the training page's work).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE = "chatter.example"


def prepare(data: Path, pupils: int, staff: int) -> None:
    """Lists, policy, directory, signatures and devices."""
    from harbour.filtering import ListStore

    source = data.parent / "ut1" / "social_networks"
    source.mkdir(parents=True)
    (source / "domains").write_text(f"{SITE}\n")
    ListStore(data / "lists").import_categories(data.parent / "ut1", {"social_networks"})

    from harbour.cli.django_env import setup_django

    setup_django(migrate=True)
    from harbour.apps.people.models import Person
    from harbour.apps.policies.service import adopt_policy, current_policy
    from harbour.apps.registers.aup import applies_to
    from harbour.apps.registers.models import Device, Signature

    adopt_policy((REPO / "examples" / "policy.toml").read_text(), "bench", "bench")
    people = [
        Person(
            kind="pupil",
            external_id=f"P{i:06d}",
            first_name="Pupil",
            last_name=str(i),
            year=i % 7,
            username=f"pupil{i}",
        )
        for i in range(pupils)
    ] + [
        Person(
            kind="staff",
            external_id=f"S{i:05d}",
            first_name="Staff",
            last_name=str(i),
            role="staff",
            start_date=date(2020, 9, 1),
            username=f"staff{i}",
        )
        for i in range(staff)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    policy = current_policy()
    today = date.today()
    signatures = []
    for index, person in enumerate(Person.objects.all()):
        if index % 10 == 0:
            continue
        for key in applies_to(person, policy):
            signatures.append(
                Signature(
                    person=person,
                    agreement=key,
                    version=policy.acceptable_use[key].version,
                    method="paper",
                    signer_name="bench",
                    signed_on=today - timedelta(days=3),
                    recorded_by="bench",
                )
            )
    Signature.objects.bulk_create(signatures, batch_size=2000)
    Device.objects.bulk_create(
        [
            Device(
                name=f"Laptop {i}",
                device_type="school-single-user",
                ip=f"10.20.1.{i + 1}",
                owner=Person.objects.get(external_id=f"S{i:05d}"),
                added_by="bench",
            )
            for i in range(20)
        ]
    )


def time_snapshot(rounds: int = 5) -> tuple[float, float]:
    """Median seconds to build the snapshot with and without the registers' contributors."""
    from harbour.apps.policies import service

    def median(build_rounds: int) -> float:
        times = []
        for _ in range(build_rounds):
            start = time.perf_counter()
            service.build_snapshot()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    with_registers = median(rounds)
    saved = list(service.contributors)
    service.contributors[:] = [
        c for c in saved if not c.__module__.startswith("harbour.apps.registers")
    ]
    try:
        without = median(rounds)
    finally:
        service.contributors[:] = saved
    return with_registers, without


def sign_to_pass(data: Path, trials: int) -> list[float]:
    """Seconds from signing to the Squid helper passing the new teacher's request."""
    from harbour.apps.people.models import Person
    from harbour.apps.policies.service import current_policy, write_gateway_snapshot
    from harbour.apps.registers.aup import sign

    results = []
    for trial in range(trials):
        person = Person.objects.create(
            kind="staff",
            external_id=f"N{trial}",
            first_name="New",
            last_name=str(trial),
            role="staff",
            username=f"new{trial}",
        )
        write_gateway_snapshot()
        argv = [sys.executable, "-m", "harbour", "--data", str(data), "squid-helper"]
        helper = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        assert "status=302" in _ask(helper, 0, person.username), "blocked before signing"
        start = time.perf_counter()
        sign(person, "staff", current_policy(), "bench")
        channel = 1
        while "status=302" in _ask(helper, channel, person.username):
            channel += 1
            time.sleep(0.02)
        results.append(time.perf_counter() - start)
        helper.stdin.close()  # type: ignore[union-attr]
        helper.wait(timeout=10)
    return results


def _ask(helper: subprocess.Popen[bytes], channel: int, name: str) -> str:
    assert helper.stdin is not None and helper.stdout is not None
    helper.stdin.write(f"{channel} http://{SITE}/ 10.20.0.7/- {name} GET\n".encode())
    helper.stdin.flush()
    return helper.stdout.readline().decode()


def time_compliance() -> float:
    from harbour.apps.policies.service import current_policy
    from harbour.apps.registers.training import compliance

    start = time.perf_counter()
    compliance(current_policy())
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="harbour-bench-registers-"))
    data = root / "data"
    os.environ["HARBOUR_DATA_DIR"] = str(data)
    os.environ.setdefault("HARBOUR_SECRET_KEY", "bench-secret")
    prepare(data, args.pupils, args.staff)
    with_registers, without = time_snapshot()
    compliance_s = time_compliance()
    print(f"directory: {args.pupils} pupils, {args.staff} staff, 90% signed, 20 devices")
    print(f"snapshot build with registers:    {with_registers * 1000:8.1f} ms")
    print(f"snapshot build without registers: {without * 1000:8.1f} ms")
    print(f"ratio (with / without):           {with_registers / without:8.2f}x")
    print(f"training compliance, {args.staff} staff: {compliance_s * 1000:.1f} ms", flush=True)
    latencies = sign_to_pass(data, args.trials)
    print(
        f"sign -> squid-helper passes:      median {statistics.median(latencies):.2f} s, "
        f"max {max(latencies):.2f} s over {len(latencies)} trials "
        "(by hand: someone moves them between filter groups when they notice)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
