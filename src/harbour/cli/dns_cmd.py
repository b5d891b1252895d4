"""``harbour dns``: the filtering DNS resolver for the school network."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from pathlib import Path

from harbour.paths import data_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``dns`` command."""
    parser = sub.add_parser(
        "dns",
        help="run the filtering DNS resolver",
        description=(
            "Answer DNS for the school network with the policy applied per client: blocked "
            "names get the block page's address (or NXDOMAIN, as the policy says), search "
            "engines get their safe-search hosts, everything else is forwarded to the upstreams."
        ),
    )
    parser.add_argument("--listen", default="127.0.0.1:53", metavar="ADDR:PORT",
                        help="where to answer, UDP and TCP (default 127.0.0.1:53)")  # fmt: skip
    parser.add_argument("--upstream", action="append", required=True, metavar="ADDR:PORT",
                        help="a resolver to forward to; repeat for failover, tried in order")  # fmt: skip
    parser.add_argument("--block-address", action="append", default=[], metavar="ADDR",
                        help="IPv4 and/or IPv6 address of the block page (default 0.0.0.0)")  # fmt: skip
    parser.add_argument("--policy", metavar="FILE",
                        help="use this policy file instead of the data dir's snapshot")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="processes sharing the port (SO_REUSEPORT); default 1")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=1.8, metavar="SECONDS",
                        help="answer SERVFAIL when no upstream replied within this (default 1.8)")  # fmt: skip
    parser.set_defaults(func=_run)


def _fail(message: str) -> int:
    print(f"harbour dns: {message}", file=sys.stderr)
    return 2


def _block_addresses(values: list[str]) -> tuple[str | None, str | None]:
    v4: str | None = None
    v6: str | None = None
    for value in values:
        address = ipaddress.ip_address(value)  # ValueError names the bad value
        if address.version == 4:
            v4 = str(address)
        else:
            v6 = str(address)
    return v4 or ("0.0.0.0" if v6 is None else None), v6


def _run(args: argparse.Namespace) -> int:
    from harbour.filtering import EngineError
    from harbour.gateways.dns import workers
    from harbour.gateways.dns.decider import EngineDecider
    from harbour.gateways.dns.resolver import Settings
    from harbour.gateways.dns.server import DnsServer
    from harbour.gateways.dns.spool import open_spool
    from harbour.gateways.dns.upstream import parse_endpoint
    from harbour.policy import PolicyError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s harbour-dns %(message)s")
    try:
        host, port = parse_endpoint(args.listen)
        upstreams = [parse_endpoint(u) for u in args.upstream]
        v4, v6 = _block_addresses(args.block_address)
    except ValueError as exc:
        return _fail(str(exc))
    if args.workers < 1 or args.timeout <= 0:
        return _fail("--workers must be at least 1 and --timeout positive")
    root = data_dir()
    policy = Path(args.policy) if args.policy else None
    try:
        EngineDecider.open(root, policy)  # fail now, in the parent, with a clear message
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except (EngineError, OSError) as exc:
        return _fail(str(exc))
    settings = Settings(block_ipv4=v4, block_ipv6=v6)

    def make_server() -> DnsServer:
        return DnsServer(
            EngineDecider.open(root, policy),
            upstreams,
            open_spool(root),
            settings,
            attempt_timeout=min(0.6, args.timeout),
            deadline=args.timeout,
        )

    def announce(bound: int) -> None:
        print(f"harbour dns: answering on {host}:{bound} (UDP and TCP), "
              f"{args.workers} worker(s), upstreams {', '.join(args.upstream)}", flush=True)  # fmt: skip

    try:
        return workers.run(make_server, host, port, args.workers, announce)
    except OSError as exc:
        return _fail(f"cannot listen on {args.listen}: {exc}")
