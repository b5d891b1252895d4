"""``harbour report weekly|governors``: write a report as PDF or HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harbour.cli.django_env import setup_django


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``report`` command."""
    report = sub.add_parser("report", help="write the weekly or the governors' report")
    report.add_argument("kind", choices=["weekly", "governors"])
    report.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD (default: last week / this term)")
    report.add_argument("--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD")
    report.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.pdf or FILE.html")
    report.add_argument("--send", action="store_true", help="also email it to the people who receive it")
    report.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from django.utils import timezone

    from harbour.apps.policies.service import NoPolicy, current_policy
    from harbour.apps.reports.delivery import generate, parse_day
    from harbour.apps.reports.period import Period, last_week, term_containing
    from harbour.apps.reports.render import write_report
    from harbour.cli.people_cmd import cli_actor

    output = Path(args.output)
    if output.suffix.lower() not in {".pdf", ".html"}:
        print(f"harbour report: -o {args.output}: the file must end in .pdf or .html", file=sys.stderr)
        return 2
    try:
        policy = current_policy()
        default = (last_week if args.kind == "weekly" else term_containing)(timezone.localdate(), policy.zone())
        start = parse_day(args.start) if args.start else default.start
        end = parse_day(args.end) if args.end else default.end
        period = Period(start, end, policy.zone())
    except (NoPolicy, ValueError) as exc:
        print(f"harbour report: {exc}", file=sys.stderr)
        return 2
    run = generate(args.kind, policy, period, cli_actor(), send=args.send)
    if output.suffix.lower() == ".pdf":
        output.write_bytes(Path(run.path).read_bytes())
    else:
        from harbour.apps.reports.delivery import build

        write_report(args.kind, build(args.kind, policy, period), output)
    sent = f"; emailed to {len(run.sent_to)}" if run.sent_to else ""
    print(f"wrote {output} ({args.kind}, {period.label()}){sent}")
    return 0


def _register_demo_data() -> None:
    from harbour.apps.reports.demo import seed_browsing
    from harbour.cli import demo_cmd

    if seed_browsing not in demo_cmd.demo_seeders:
        demo_cmd.demo_seeders.append(seed_browsing)


_register_demo_data()
