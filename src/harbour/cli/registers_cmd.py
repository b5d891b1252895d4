"""``harbour registers``: import training and consent records, list or send reminders, and
refresh the gateway snapshot (agreements lapse and guest devices expire with time)."""

from __future__ import annotations

import argparse
import sys

from harbour.cli import demo_cmd
from harbour.cli.django_env import setup_django
from harbour.cli.inputs import read_text
from harbour.cli.people_cmd import cli_actor


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``registers`` command group."""
    registers = sub.add_parser(
        "registers", help="agreements, training, consent, devices and reviews"
    )
    actions = registers.add_subparsers(dest="registers_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import", help="import training or consent records from CSV (all or nothing)"
    )
    imp.add_argument("kind", choices=["training", "consent"])
    imp.add_argument("file")
    imp.add_argument(
        "--dry-run", action="store_true", help="check the file and show what would be added"
    )
    imp.set_defaults(func=_import)
    remind = actions.add_parser(
        "remind", help="list agreements to sign and training due; --send emails them"
    )
    remind.add_argument("--send", action="store_true", help="email each person their own reminders")
    remind.set_defaults(func=_remind)
    refresh = actions.add_parser(
        "refresh", help="rewrite the gateway snapshot (run daily without the worker)"
    )
    refresh.set_defaults(func=_refresh)


def _import(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.policies.service import NoPolicy, current_policy
    from harbour.apps.registers.imports import ImportProblems, apply, plan

    text = read_text(args.file)
    if text is None:
        return 2
    try:
        policy = current_policy()
        result = plan(args.kind, text, args.file, policy)
    except NoPolicy as exc:
        print(f"harbour: {exc}", file=sys.stderr)
        return 2
    except ImportProblems as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{args.file}: {len(exc.problems)} problem(s); nothing was imported", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"dry run: {result.summary()}; nothing changed")
        return 0
    apply(result, policy, cli_actor())
    print(f"imported {args.file}: {result.summary()}")
    return 0


def _remind(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.policies.service import NoPolicy, current_policy
    from harbour.apps.registers import reminders

    try:
        policy = current_policy()
    except NoPolicy as exc:
        print(f"harbour: {exc}", file=sys.stderr)
        return 2
    items = reminders.due_reminders(policy)
    for item in items:
        due = f" due {item.due.isoformat()}" if item.due else ""
        print(f"{item.person.external_id:<10} {item.kind:<9} {item.state:<9} {item.what}{due}")
    print(f"{len(items)} reminder(s)")
    if args.send:
        sent, skipped = reminders.send(policy, actor=cli_actor())
        print(f"emailed {sent} people; {skipped} without an email address or not delivered")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.policies.service import write_gateway_snapshot
    from harbour.paths import policy_snapshot_path

    write_gateway_snapshot()
    print(f"wrote {policy_snapshot_path()}")
    return 0


def _seed_demo(actor: str) -> None:
    from harbour.apps.registers.demo import seed

    seed(actor)


if _seed_demo not in demo_cmd.demo_seeders:
    demo_cmd.demo_seeders.append(_seed_demo)
