"""``harbour events ingest``: load the gateways' decision-event spool into the database."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from harbour.cli.django_env import setup_django
from harbour.paths import spool_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``events`` command group."""
    parser = sub.add_parser("events", help="decision events: load the spool into the database")
    actions = parser.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    ingest = actions.add_parser(
        "ingest",
        help="load spooled decision events, exactly once",
        description="Load the spool in batches (one transaction each, acknowledged after the "
        "commit). Without --once, keeps loading every --interval seconds until stopped.",
    )
    ingest.add_argument("--once", action="store_true", help="load what is there, then exit")
    ingest.add_argument("--batch", type=int, default=5000, metavar="N", help="events a batch")
    ingest.add_argument("--interval", type=float, default=2.0, metavar="SECONDS")
    ingest.set_defaults(func=_ingest)
    status = actions.add_parser("status", help="what is waiting in the spool and what is stored")
    status.set_defaults(func=_status)


def _ingest(args: argparse.Namespace) -> int:
    if args.batch < 1:
        print("harbour events ingest: --batch must be at least 1", file=sys.stderr)
        return 2
    setup_django(migrate=True)
    from harbour.apps.events.ingest import IngestBusy, ingest

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    spool = spool_dir()
    while True:
        try:
            result = ingest(spool, batch_size=args.batch, stop=stop)
        except IngestBusy as exc:
            print(f"harbour events ingest: {exc}", file=sys.stderr)
            return 1
        if args.once or result.stored or result.rejected:
            rejects = f", {result.rejected} unreadable lines kept" if result.rejected else ""
            print(f"stored {result.stored} events in {result.batches} batches{rejects}")
        if args.once or stop.wait(args.interval):
            return 0


def _status(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from django.db.models import Max

    from harbour.apps.events.models import DecisionEvent, SpoolReject
    from harbour.events.spool import SpoolReader

    pending = SpoolReader(spool_dir()).pending_bytes()
    latest = DecisionEvent.objects.aggregate(latest=Max("time"))["latest"]
    print(f"spool {spool_dir()}: {pending} bytes waiting")
    print(f"stored events: {DecisionEvent.objects.count()}, latest {latest or 'none'}")
    print(f"unreadable spool lines kept: {SpoolReject.objects.count()}")
    return 0


def _register_demo_data() -> None:
    from harbour.apps.events.demo import seed_week
    from harbour.apps.webfilter.demo import seed_requests
    from harbour.cli import demo_cmd

    for seeder in (seed_requests, seed_week):  # unblocks first, so the week's events show them
        if seeder not in demo_cmd.demo_seeders:
            demo_cmd.demo_seeders.append(seeder)


_register_demo_data()
