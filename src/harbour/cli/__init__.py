"""The ``harbour`` command: one sub-command module per area of the product."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from harbour import __version__
from harbour.paths import DATA_ENV

# Each module exposes ``register(subparsers)``; the handler it sets returns an exit code.
# The order is also the order of the demo's seeders: agreements are signed before the week of
# browsing is decided, and the reports' extra week comes last.
COMMAND_MODULES = [
    "harbour.cli.policy_cmd",
    "harbour.cli.people_cmd",
    "harbour.cli.audit_cmd",
    "harbour.cli.demo_cmd",
    "harbour.cli.lists_cmd",
    "harbour.cli.filter_cmd",
    "harbour.cli.serve_cmd",
    "harbour.cli.dns_cmd",
    "harbour.cli.squid_cmd",
    "harbour.cli.registers_cmd",
    "harbour.cli.alerts_cmd",
    "harbour.cli.monitor_cmd",
    "harbour.cli.events_cmd",
    "harbour.cli.worker_cmd",
    "harbour.cli.records_cmd",
    "harbour.cli.report_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(prog="harbour", description=__doc__)
    parser.add_argument("--version", action="version", version=f"harbour {__version__}")
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=f"data directory (default: ${DATA_ENV}, else ./var)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``harbour`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data:
        os.environ[DATA_ENV] = os.path.abspath(args.data)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
