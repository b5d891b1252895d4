"""``harbour dns``: the filtering DNS resolver for the school network."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from pathlib import Path

from harbour.cli import demo_cmd
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
                        help="a resolver to forward to; repeat for failover, tried in order; "
                             "'sample' runs Harbour's built-in sample zone (demos offline)")  # fmt: skip
    parser.add_argument("--client", action="append", default=[], metavar="ADDR=GROUP",
                        help="filter this client address as GROUP (demos and tests; in production "
                             "the device register and the policy's network ranges decide)")  # fmt: skip
    parser.add_argument("--block-address", action="append", default=[], metavar="ADDR",
                        help="IPv4 and/or IPv6 address of the block page (default 0.0.0.0)")  # fmt: skip
    parser.add_argument("--policy", metavar="FILE",
                        help="use this policy file instead of the data dir's snapshot")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="processes sharing the port (SO_REUSEPORT); default 1")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=1.8, metavar="SECONDS",
                        help="answer SERVFAIL when no upstream replied within this (default 1.8)")  # fmt: skip
    parser.set_defaults(func=_run)


DEMO_PORT = 8053


def demo_process(args: argparse.Namespace, data: Path) -> list[tuple[str, list[str], str]]:
    """The resolver ``harbour demo`` runs: sample upstream, a pupil and a staff address."""
    del args, data
    argv = [sys.executable, "-m", "harbour.cli", "dns", "--listen", f"127.0.0.1:{DEMO_PORT}",
            "--upstream", "sample", "--client", "127.0.0.2=pupils-ks2",
            "--client", "127.0.0.3=staff", "--block-address", "127.0.0.1"]  # fmt: skip
    note = (f"DNS:          127.0.0.1:{DEMO_PORT} (UDP and TCP); as a pupil: "
            f"dig -p {DEMO_PORT} @127.0.0.1 -b 127.0.0.2 tiktok.com (as staff: -b 127.0.0.3)")  # fmt: skip
    return [("dns", argv, note)]


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


def _client_map(values: list[str]) -> dict[str, str]:
    mapping = {}
    for value in values:
        address, sep, group = value.partition("=")
        if not sep or not group:
            raise ValueError(f"--client {value!r}: write ADDRESS=GROUP, e.g. 10.10.4.7=pupils-ks2")
        mapping[str(ipaddress.ip_address(address))] = group
    return mapping


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
        upstreams = [parse_endpoint(u) for u in args.upstream if u != "sample"]
        v4, v6 = _block_addresses(args.block_address)
        clients = _client_map(args.client)
    except ValueError as exc:
        return _fail(str(exc))
    if "sample" in args.upstream:
        from harbour.gateways.dns.localzone import SAMPLE_RECORDS, LocalZone

        upstreams.append(("127.0.0.1", LocalZone(SAMPLE_RECORDS).start()))
    if args.workers < 1 or args.timeout <= 0:
        return _fail("--workers must be at least 1 and --timeout positive")
    root = data_dir()
    policy = Path(args.policy) if args.policy else None
    try:
        EngineDecider.open(root, policy, clients)  # fail now, in the parent, with a clear message
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except (EngineError, OSError) as exc:
        return _fail(str(exc))
    settings = Settings(block_ipv4=v4, block_ipv6=v6)

    def make_server() -> DnsServer:
        return DnsServer(
            EngineDecider.open(root, policy, clients),
            upstreams,
            open_spool(root),
            settings,
            attempt_timeout=min(0.6, args.timeout),
            deadline=args.timeout,
        )

    def announce(bound: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        print(f"harbour dns: answering on {shown}:{bound} (UDP and TCP), "
              f"{args.workers} worker(s), upstreams {', '.join(args.upstream)}", flush=True)  # fmt: skip

    try:
        return workers.run(make_server, host, port, args.workers, announce)
    except OSError as exc:
        return _fail(f"cannot listen on {args.listen}: {exc}")


demo_cmd.demo_processes.append(demo_process)
