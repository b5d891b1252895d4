"""``harbour filter selftest``: check the live DNS and proxy paths as every group."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from harbour.paths import data_dir, policy_snapshot_path


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def add_parser(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``selftest`` to the ``filter`` command group."""
    test = actions.add_parser(
        "selftest",
        help="check through the live DNS resolver and/or Squid that each group is filtered as the policy says",
    )
    test.add_argument("--dns", type=_address, metavar="HOST:PORT", help="the Harbour DNS resolver to ask")
    test.add_argument("--proxy", type=_address, metavar="HOST:PORT", help="the Squid proxy running Harbour's helper")
    test.add_argument("--client", action="append", default=[], metavar="ADDR=GROUP",
                      help="probe as GROUP from source address ADDR (default: addresses of this machine "
                           "that the devices and networks map to a group)")
    test.add_argument("--no-record", action="store_true", help="do not record the result for the annual review")
    test.set_defaults(func=_selftest)


def _selftest(args: argparse.Namespace) -> int:
    from harbour.filtering.engine import EngineError, FilterEngine
    from harbour.gateways.selftest import client_addresses, parse_client, run, summary
    from harbour.policy.snapshot import read_snapshot

    if not args.dns and not args.proxy:
        print("harbour filter selftest: give --dns HOST:PORT and/or --proxy HOST:PORT", file=sys.stderr)
        return 2
    try:
        engine = FilterEngine.open(data_dir())
        clients = dict(parse_client(c)[::-1] for c in args.client) or client_addresses(
            engine.policy, read_snapshot(policy_snapshot_path()).devices
        )
    except (EngineError, ValueError) as exc:
        print(f"harbour filter selftest: {exc}", file=sys.stderr)
        return 2
    unknown = sorted(set(clients) - set(engine.policy.groups))
    if unknown:
        print(f"harbour filter selftest: unknown group(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    if not clients:
        print("harbour filter selftest: no address of this machine maps to a group; "
              "give --client ADDR=GROUP", file=sys.stderr)
        return 2
    results = run(engine, clients, args.dns, args.proxy)
    width = max(len(r.target) for r in results)
    for r in results:
        mark = "ok  " if r.passed else "FAIL"
        print(f"{mark} {r.group:<16} {r.path:<5} {r.check:<14} {r.target:<{width}}  expected {r.expected}: {r.observed}")
    untested = sorted(set(engine.policy.groups) - set(clients))
    if untested:
        print(f"not tested from here (no address of this machine maps to them): {', '.join(untested)}")
    line = summary(results, datetime.now(UTC))
    print(line)
    passed = all(r.passed for r in results)
    if not args.no_record:
        _record(passed, [r.as_dict() for r in results], line)
    return 0 if passed else 1


def _record(passed: bool, checks: list[dict[str, object]], line: str) -> None:
    """Keep the result for the annual review (the database may be elsewhere: never fatal)."""
    try:
        from harbour.cli.django_env import setup_django
        from harbour.cli.people_cmd import cli_actor

        setup_django(migrate=True)
        from harbour.apps.audit.chain import record
        from harbour.apps.registers.models import Review
        from harbour.apps.registers.reviews import record_self_test
        from harbour.apps.reports.models import SelfTestRun

        run = SelfTestRun.objects.create(ran_by=cli_actor(), passed=passed, checks=checks, summary=line)
        record(cli_actor(), "create", run, summary=line)
        review = Review.objects.filter(trigger="annual", completed=False).order_by("-held_on").first()
        if review is not None:  # the annual review in progress shows the latest result
            record_self_test(review, {"passed": passed, "summary": line, "checks": checks}, cli_actor())
    except Exception as exc:  # noqa: BLE001 - the self-test result still stands on stdout
        print(f"(the result could not be recorded in the database: {exc})", file=sys.stderr)
