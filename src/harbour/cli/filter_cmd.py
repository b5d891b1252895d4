"""``harbour filter decide|compile-policy``: ask the filtering engine what it would do."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from harbour.filtering import EngineError, FilterEngine, Who, compile_policy
from harbour.paths import data_dir
from harbour.policy import PolicyError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``filter`` command group."""
    parser = sub.add_parser("filter", help="filtering decisions from the policy and the lists")
    actions = parser.add_subparsers(dest="filter_command", metavar="ACTION", required=True)

    decide = actions.add_parser(
        "decide",
        help="print one JSON decision per URL",
        description="Decide each URL for a user, group or client address, as the gateways would.",
    )
    who = decide.add_mutually_exclusive_group()
    who.add_argument("--user", metavar="NAME", help="a directory user (groups from the snapshot)")
    who.add_argument("--group", metavar="GROUP", help="anyone in this policy group")
    who.add_argument("--ip", metavar="ADDR", help="a client address (devices, then network ranges)")
    decide.add_argument(
        "--at", metavar="ISO-8601", help="when (default now; no offset = school time)"
    )
    decide.add_argument(
        "--policy", metavar="FILE", help="use this policy file, not the data dir's snapshot"
    )
    decide.add_argument("urls", nargs="+", metavar="URL")
    decide.set_defaults(func=_decide)

    compile_ = actions.add_parser(
        "compile-policy", help="write the data dir's policy snapshot from a policy file"
    )
    compile_.add_argument("file")
    compile_.set_defaults(func=_compile)

    from harbour.cli.selftest_cmd import add_parser as add_selftest

    add_selftest(actions)


def _fail(message: str) -> int:
    print(f"harbour filter: {message}", file=sys.stderr)
    return 2


def _policy_problems(exc: PolicyError) -> int:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    return 2


def _decide(args: argparse.Namespace) -> int:
    try:
        when = datetime.fromisoformat(args.at) if args.at else None
    except ValueError:
        return _fail(f"--at {args.at!r} is not an ISO-8601 date and time, e.g. 2026-11-24T12:30")
    try:
        if args.policy:
            engine = FilterEngine.from_policy(Path(args.policy), data_dir())
        else:
            engine = FilterEngine.open(data_dir())
        if args.user:
            who = engine.who_for_user(args.user)
        elif args.group:
            who = engine.who_for_group(args.group)
        elif args.ip:
            who = engine.who_for_ip(args.ip, when)
        else:
            who = Who(groups=frozenset([engine.policy.filtering.unknown_clients_group]))
    except PolicyError as exc:
        return _policy_problems(exc)
    except (EngineError, OSError, ValueError) as exc:
        return _fail(str(exc))
    missing = engine.unlisted_categories()
    if missing:
        print(
            f"harbour filter: warning: the policy names lists that are not imported: "
            f"{', '.join(missing)}",
            file=sys.stderr,
        )
    for url in args.urls:
        decision = engine.decide(who, url, when)
        print(json.dumps({**decision.to_json(), "groups": sorted(who.groups)}), flush=True)
    return 0


def _compile(args: argparse.Namespace) -> int:
    try:
        path = compile_policy(Path(args.file), data_dir())
    except PolicyError as exc:
        return _policy_problems(exc)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    print(f"wrote {path}")
    return 0
