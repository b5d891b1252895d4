"""Benchmark: decision events from the spool into the database, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_ingest.py                  # 500,000 events, both databases
    .venv/bin/python bench/bench_ingest.py --events 100000 --pg-url postgresql://postgres@127.0.0.1:5432/postgres

Writes N realistic decision events to a spool with the gateways' SpoolWriter, then times
``harbour.apps.events.ingest.ingest`` loading them (parse, bulk insert, commit, ack) into a
fresh database. It also prints events per CPU-second of the ingest process, which stays
meaningful on a busy machine. The comparison is the loader most people would write first: one Django
``save()`` per event in one transaction (measured on a sample). Target: >= 100,000 events/s.
Each database runs in its own process, since Django reads its database settings once.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from measure import server_cpu

REPO = Path(__file__).resolve().parent.parent
TARGET = 100_000  # events/s, issue 8
HOSTS = [
    "www.bbc.co.uk",
    "classroom.example.org",
    "games.example.com",
    "search.example.net",
    "video.example.com",
    "maths.example.sch.uk",
    "casino.example.com",
    "chat.example.org",
]
CATEGORIES = [[], [], ["games"], ["audio-video"], ["gambling"], ["chat"], ["educational_games"]]


def write_spool(spool: Path, count: int) -> None:
    """``count`` decision events in the spool, as the Squid helper would write them."""
    from harbour.events.spool import SpoolWriter

    rng = random.Random(3)
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    writer = SpoolWriter(spool, background=False, rotate_bytes=32 << 20)
    for index in range(count):
        host = rng.choice(HOSTS)
        categories = rng.choice(CATEGORIES)
        blocked = bool(categories) and categories[0] in ("gambling", "games", "chat")
        writer.append(
            {
                "time": (start + timedelta(milliseconds=index * 7)).isoformat(),
                "device": f"LAPTOP-{index % 300:03d}",
                "ip": f"10.10.{index % 250}.{index % 200 + 1}",
                "user": f"pupil{index % 400:03d}",
                "group": "pupils-ks2",
                "url": f"https://{host}/page/{index % 977}?q=lesson",
                "host": host,
                "search_terms": ["volcano facts"] if index % 20 == 0 else [],
                "categories": categories,
                "action": "block" if blocked else "allow",
                "activity": "gambling" if blocked else None,
                "level": "unacceptable" if blocked else None,
                "reason_code": "policy" if categories else "default",
                "rule": "activities.gambling:all" if blocked else None,
                "source": "proxy",
                "policy_version": "a1b2c3d4e5f6",
            }
        )
        if index % 10000 == 9999:
            writer.flush()
    writer.close()


def run_backend(label: str, count: int, sample: int) -> dict[str, float]:
    """In this process: migrate a fresh database, fill a spool, time the ingest."""
    from harbour.cli.django_env import setup_django

    setup_django(migrate=True)
    from django.db import transaction

    from harbour.apps.events.ingest import COLUMNS, event_values, ingest, ingest_hooks
    from harbour.apps.events.models import DecisionEvent
    from harbour.paths import spool_dir

    ingest_hooks.clear()  # time the loading itself; monitoring's classifier has its own bench
    spool = spool_dir()
    write_spool(spool, count)
    server = server_cpu()
    began, cpu = time.perf_counter(), time.process_time()
    result = ingest(spool)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    server = server_cpu() - server
    assert result.stored == count == DecisionEvent.objects.count(), (result, count)
    # The naive loader: one INSERT per event.
    other = Path(tempfile.mkdtemp(prefix="harbour-bench-naive-"))
    write_spool(other, sample)
    from harbour.events.spool import SpoolReader

    events = [e for _, batch in SpoolReader(other).batches(sample) for e in batch]
    DecisionEvent.objects.all().delete()
    began = time.perf_counter()
    with transaction.atomic():
        for event in events:
            fields = dict(zip(COLUMNS, event_values(event), strict=True))
            fields["categories"] = json.loads(fields["categories"])
            DecisionEvent(**fields).save()
    naive = time.perf_counter() - began
    return {
        "label": label,
        "events": count,
        "seconds": elapsed,
        "rate": count / elapsed,
        "cpu_rate": count / cpu,
        "server_rate": count / server if server else 0.0,
        "naive_rate": sample / naive,
    }


def child(args: argparse.Namespace) -> int:
    print(json.dumps(run_backend(args.child, args.events, args.sample)))
    return 0


def _pg_database(url: str) -> tuple[str, str] | None:
    """A fresh, empty database on the server at ``url``: (its URL, its name), or None."""
    try:
        import psycopg
    except ImportError:
        return None
    name = f"harbour_bench_ingest_{os.getpid()}"
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL at {url} is not available ({exc}); skipping it", file=sys.stderr)
        return None
    return url.rsplit("/", 1)[0] + "/" + name, name


def _drop(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _verdict(rate: float) -> str:
    return "met" if rate >= TARGET else f"not met ({rate / TARGET:.0%})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--sample", type=int, default=20_000, help="events for the naive loader")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "HARBOUR_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    results = []
    plans: list[tuple[str, dict[str, str], tuple[str, str] | None]] = [("SQLite", {}, None)]
    pg = _pg_database(args.pg_url)
    if pg:
        plans.append(("PostgreSQL", {"DATABASE_URL": pg[0]}, pg))
    for label, env, cleanup in plans:
        data = tempfile.mkdtemp(prefix="harbour-bench-ingest-")
        environ = {
            **os.environ,
            **env,
            "HARBOUR_DATA_DIR": data,
            "HARBOUR_SECRET_KEY": "bench-only-secret",
        }
        argv = [
            sys.executable,
            __file__,
            "--child",
            label,
            "--events",
            str(args.events),
            "--sample",
            str(args.sample),
        ]
        try:
            out = subprocess.run(argv, env=environ, check=True, capture_output=True, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        except subprocess.CalledProcessError as exc:
            print(f"{label}: failed\n{exc.stderr}", file=sys.stderr)
        finally:
            if cleanup:
                _drop(args.pg_url, cleanup[1])
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'database':<11} {'events':>9} {'seconds':>8} {'events/s':>10} {'per CPU-s':>10} "
        f"{'server/CPU-s':>12} {'one-by-one/s':>13} {'ratio':>6}  target {TARGET:,}/s"
    )
    for r in results:
        # The PostgreSQL server works in its own process, beside the ingest: with a core each,
        # the slower of the two sets the pace.
        bound = min(r["cpu_rate"], r["server_rate"] or r["cpu_rate"])
        server = f"{r['server_rate']:>12,.0f}" if r["server_rate"] else f"{'-':>12}"
        print(
            f"{r['label']:<11} {r['events']:>9} {r['seconds']:>8.2f} {r['rate']:>10,.0f} "
            f"{r['cpu_rate']:>10,.0f} {server} {r['naive_rate']:>13,.0f} "
            f"{r['rate'] / r['naive_rate']:>5.1f}x  wall: {_verdict(r['rate'])}, "
            f"free cores: {_verdict(bound)}"
        )
    print("events/s: wall clock. per CPU-s: events per second of the ingest process's own CPU")
    print("time; server/CPU-s: the same for the PostgreSQL backend (read from /proc), which runs")
    print("beside it. ratio: events/s against the naive loader (one Django save() per event).")
    print("free cores: the rate the CPU times allow with a free core for ingest (and one for the")
    print("server). On a shared, loaded machine the wall rate is bounded by the CPU share the")
    print("process gets.")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
