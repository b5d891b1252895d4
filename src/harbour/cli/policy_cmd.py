"""``harbour policy check|render``: validate the policy file and print its appendices."""

from __future__ import annotations

import argparse
import sys

from harbour.policy import PolicyError, load_policy
from harbour.policy.render import render_html, render_markdown


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``policy`` command group."""
    policy = sub.add_parser("policy", help="check and render the policy file")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    check = actions.add_parser("check", help="validate a policy file; report every problem")
    check.add_argument("file")
    check.set_defaults(func=_check)

    render = actions.add_parser("render", help="print the policy appendices")
    render.add_argument("file")
    render.add_argument("--format", choices=["md", "html"], default="md")
    render.set_defaults(func=_render)

    adopt = actions.add_parser("adopt", help="make a policy file the school's active policy")
    adopt.add_argument("file")
    adopt.set_defaults(func=_adopt)


def _load(path: str):  # type: ignore[no-untyped-def]
    try:
        return load_policy(path)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}; the policy was not accepted", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    policy = _load(args.file)
    if policy is None:
        return 2
    print(
        f"{args.file}: OK — {policy.school.name}, version {policy.version}: "
        f"{len(policy.groups)} groups, {len(policy.times)} time windows, "
        f"{len(policy.activities)} activity rows, {len(policy.devices)} device types, "
        f"{len(policy.sanctions.pupils)}+{len(policy.sanctions.staff)} incident types, "
        f"{len(policy.training)} training requirements, {len(policy.acceptable_use)} agreements"
    )
    return 0


def _render(args: argparse.Namespace) -> int:
    policy = _load(args.file)
    if policy is None:
        return 2
    sys.stdout.write(render_markdown(policy) if args.format == "md" else render_html(policy))
    return 0


def _adopt(args: argparse.Namespace) -> int:
    if _load(args.file) is None:
        return 2
    from harbour.cli.django_env import setup_django
    from harbour.cli.people_cmd import cli_actor

    setup_django(migrate=True)
    from harbour.apps.policies.service import adopt_policy

    with open(args.file, encoding="utf-8") as handle:
        row = adopt_policy(handle.read(), args.file, cli_actor())
    print(f"policy {row.version} is active; the gateways pick it up within seconds")
    return 0
