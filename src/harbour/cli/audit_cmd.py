"""``harbour audit verify``: check the audit log's hash chain end to end."""

from __future__ import annotations

import argparse
import sys

from harbour.cli.django_env import setup_django


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``audit`` command group."""
    audit = sub.add_parser("audit", help="the tamper-evident audit log")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="exit 0 if the chain is intact, 1 naming the first broken entry")
    verify.set_defaults(func=_verify)


def _verify(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.audit.chain import verify

    report = verify()
    if report.ok:
        print(f"audit log intact: {report.entries} entries")
        return 0
    print(f"audit log BROKEN at entry #{report.broken_at}: {report.problem}", file=sys.stderr)
    return 1
