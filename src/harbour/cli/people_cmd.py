"""``harbour people import``: load the roster from an MIS export, all or nothing;
``harbour people reset-2fa``: make a login enrol its second factor again."""

from __future__ import annotations

import argparse
import getpass
import sys

from harbour.cli.django_env import setup_django
from harbour.cli.inputs import read_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``people`` command group."""
    people = sub.add_parser("people", help="the directory of pupils, staff, governors and visitors")
    actions = people.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="import a roster CSV (see docs/roster.md for columns)")
    imp.add_argument("file")
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would change; change nothing"
    )
    imp.add_argument(
        "--mark-leavers", action="store_true", help="mark people missing from the file as left"
    )
    imp.set_defaults(func=_import)
    reset = actions.add_parser(
        "reset-2fa",
        help="forget a login's second factor (lost phone): they enrol again at next sign-in",
    )
    reset.add_argument("username")
    reset.set_defaults(func=_reset_second_factor)


def cli_actor() -> str:
    """How the audit log names someone acting at the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def _import(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.people.roster import RosterError, apply_plan, parse_roster, plan_import
    from harbour.apps.policies.service import NoPolicy, current_policy, write_gateway_snapshot

    text = read_text(args.file)
    if text is None:
        return 2
    try:
        rows = parse_roster(text, args.file, current_policy())
    except NoPolicy as exc:
        print(f"harbour: {exc}", file=sys.stderr)
        return 2
    except RosterError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{args.file}: {len(exc.problems)} problem(s); nothing was imported", file=sys.stderr)
        return 2
    plan = plan_import(rows, mark_leavers=args.mark_leavers)
    if args.dry_run:
        for values in plan.create:
            print(f"add     {values['external_id']} {values['kind']}")
        for person, changes in plan.update:
            print(f"update  {person.external_id} {', '.join(sorted(changes))}")
        for person in plan.leave:
            print(f"left    {person.external_id}")
        print(f"dry run: {plan.summary()}; nothing changed")
        return 0
    apply_plan(plan, cli_actor())
    write_gateway_snapshot()
    print(f"imported {args.file}: {plan.summary()}")
    return 0


def _reset_second_factor(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from django.contrib.auth import get_user_model

    from harbour.apps.accounts import totp
    from harbour.apps.accounts.models import Profile

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        print(f"harbour: no login named {args.username!r}", file=sys.stderr)
        return 2
    profile, _ = Profile.objects.get_or_create(user=user)
    totp.reset(profile, cli_actor())
    print(f"{args.username} will set up their authenticator app again at their next sign-in")
    return 0
