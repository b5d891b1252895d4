"""``harbour worker``: run the periodic jobs (event ingest, override expiry, alerts, reports)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from harbour.cli.django_env import setup_django


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``worker`` command and put the worker in the demo."""
    parser = sub.add_parser(
        "worker",
        help="run the periodic jobs: ingest events, expire unblocks, send alerts",
        description="Runs every registered job at its interval; stops cleanly on SIGTERM.",
    )
    parser.add_argument("--once", action="store_true", help="run every job once, then exit")
    parser.add_argument("--list", action="store_true", help="list the jobs and exit")
    parser.set_defaults(func=_worker)


def _worker(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.events.jobqueue import QueueError, queue_from_env
    from harbour.apps.events.worker import local_jobs, periodic_jobs, run_worker

    if args.list:
        for name, interval, _ in periodic_jobs:
            where = "this machine" if name in local_jobs else "shared"
            print(f"{name:<28} every {interval:g} s  ({where})")
        return 0
    try:
        queue = queue_from_env()
    except QueueError as exc:
        print(f"harbour worker: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        failures = run_worker(stop, once=args.once, queue=queue)
    finally:
        if queue is not None:
            queue.close()
    return 1 if args.once and failures else 0


def _demo_worker(args: argparse.Namespace, data_dir: Path) -> list[tuple[str, list[str], str]]:
    argv = [sys.executable, "-m", "harbour.cli", "worker"]
    return [
        ("worker", argv, "Worker:       ingesting decision events every 2 s, expiring unblocks")
    ]


def _register_in_demo() -> None:
    from harbour.cli import demo_cmd

    if _demo_worker not in demo_cmd.demo_processes:
        demo_cmd.demo_processes.append(_demo_worker)


_register_in_demo()
