"""Benchmark: what monitoring costs ingest, and how fast a critical alert reaches the DSL.

    .venv/bin/python bench/bench_alerts.py                 # 200,000 events, 5 alert latencies
    .venv/bin/python bench/bench_alerts.py --events 50000 --latency-runs 3

1. Ingest throughput: the same spooled decision events (``bench_ingest``'s realistic mix,
   one search in twenty) loaded by ``harbour.apps.events.ingest.ingest`` without hooks and
   with monitoring's hook (classify search terms and address words, raise alerts). The ratio
   is what monitoring costs the loader a school would run anyway; the time inside the hook
   is printed on its own.
2. Alert latency: a pupil's search for a suicide method is spooled while ``harbour worker``'s
   jobs run (ingest and alert delivery every 2 s); the time until a real SMTP server on
   127.0.0.1 has the DSL's email. Needs the dev extra (aiosmtpd).

SQLite in a fresh temporary data directory; set DATABASE_URL for PostgreSQL.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RISKY = "https://www.google.com/search?q=how+to+kill+myself+painlessly"


def _write_spool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "bench_ingest", REPO / "bench" / "bench_ingest.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.write_spool


def ingest_rate(spool: Path, count: int, hooked: bool) -> tuple[float, float]:
    """Events per second loading ``count`` fresh events, with or without monitoring's hook,
    and the seconds spent inside the hook itself."""
    from harbour.apps.alerts.raising import alerts_for_events
    from harbour.apps.events.ingest import ingest, ingest_hooks

    spent = [0.0]

    def timed(rows: list) -> None:  # type: ignore[type-arg]
        began = time.perf_counter()
        alerts_for_events(rows)
        spent[0] += time.perf_counter() - began

    ingest_hooks.clear()
    if hooked:
        ingest_hooks.append(timed)
    _write_spool()(spool, count)
    began = time.perf_counter()
    result = ingest(spool)
    elapsed = time.perf_counter() - began
    assert result.stored == count, result
    return count / elapsed, spent[0]


def latencies(runs: int) -> list[float]:
    """Seconds from spooling a critical search to the email arriving, ``runs`` times."""
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connections

    from harbour.apps.alerts.raising import alerts_for_events
    from harbour.apps.events.ingest import ingest_hooks
    from harbour.apps.events.worker import run_worker
    from harbour.events.spool import SpoolWriter
    from harbour.paths import spool_dir

    arrived = threading.Event()

    class Inbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            arrived.set()
            return "250 OK"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=8025 + os.getpid() % 1000)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    ingest_hooks[:] = [alerts_for_events]
    stop = threading.Event()

    def work() -> None:
        try:
            run_worker(stop)
        finally:
            connections.close_all()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    found = []
    try:
        for run in range(runs):
            arrived.clear()
            event = {
                "time": datetime.now().astimezone().isoformat(),
                "device": f"CB-{run}",
                "ip": "10.20.0.7",
                "user": f"latency{run}",
                "group": "pupils-ks2",
                "url": RISKY,
                "host": "www.google.com",
                "search_terms": ["how to kill myself painlessly"],
                "categories": [],
                "action": "allow",
                "activity": None,
                "level": None,
                "reason_code": "default",
                "rule": None,
                "source": "proxy",
                "policy_version": "",
            }
            began = time.perf_counter()
            with SpoolWriter(spool_dir(), background=False) as writer:
                writer.append(event)
            if not arrived.wait(30):
                raise SystemExit("no email within 30 s")
            found.append(time.perf_counter() - began)
            time.sleep(0.3 + run * 0.37 % 1.0)  # land at different points of the 2 s cycle
    finally:
        stop.set()
        worker.join(10)
        controller.stop()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--latency-runs", type=int, default=5)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="harbour-bench-alerts-"))
    os.environ["HARBOUR_DATA_DIR"] = str(data)
    os.environ.setdefault("HARBOUR_SECRET_KEY", "bench-only")
    from harbour.cli.django_env import setup_django

    setup_django(migrate=True)
    from harbour.apps.alerts.classify import school_classifier
    from harbour.apps.policies.service import adopt_policy

    adopt_policy((REPO / "examples" / "policy.toml").read_text(), "examples/policy.toml", "bench")
    school_classifier()  # built once per policy; not part of either timing
    plain, _ = ingest_rate(data / "spool-plain", args.events, hooked=False)
    hooked, inside = ingest_rate(data / "spool-hooked", args.events, hooked=True)
    print(f"ingest without monitoring: {plain:>10,.0f} events/s ({args.events:,} events)")
    print(f"ingest with monitoring:    {hooked:>10,.0f} events/s")
    print(f"ratio with/without:        {hooked / plain:>10.2f}")
    print(
        f"the hook alone:            {args.events / inside:>10,.0f} events/s "
        "(the rest: the hook's rows built from each batch, and less overlap with the database)"
    )
    if args.latency_runs:
        found = latencies(args.latency_runs)
        print(
            f"critical search -> DSL email: median {statistics.median(found):.2f} s, "
            f"max {max(found):.2f} s over {len(found)} runs (worker cycle 2 s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
