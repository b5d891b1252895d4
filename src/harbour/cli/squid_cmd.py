"""``harbour squid-helper``: the URL rewriter Squid runs (``url_rewrite_program``), and
``harbour squid-pool``: one loaded engine that serves every helper child Squid starts."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import time
from pathlib import Path

from harbour.events import SpoolWriter
from harbour.filtering import EngineError, FilterEngine
from harbour.gateways.squid import (
    DEFAULT_BLOCK_URL,
    BlockPage,
    CachedDecider,
    SquidHelper,
)
from harbour.gateways.squid.pool import HelperPool, PoolError, hand_off
from harbour.paths import DATA_ENV, data_dir, policy_snapshot_path, spool_dir, squid_pool_socket
from harbour.policy import PolicyError

BLOCK_URL_ENV = "HARBOUR_BLOCK_URL"
# Requests that between them take every branch of the helper's answer (see _warm_up).
_WARM_UP = (
    "http://harbour.invalid/",
    "https://www.google.com/search?q=harbour",
    "https://www.youtube.com/results?search_query=harbour",
    "www.bing.com:443",
    "http://HARBOUR.invalid:80/a/../b?x=%41",
    "http://[::1]/",
    "http://[not-an-address/",
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``squid-helper`` command."""
    parser = sub.add_parser(
        "squid-helper",
        help="Squid URL rewriter: filter each request with the policy (see docs/squid.md)",
        description="Answer Squid's url_rewrite_program protocol on stdin/stdout, with or "
        "without concurrency channel IDs: blocked requests are redirected to the block page, "
        "safe search is forced for the groups the policy names, and every decision goes to "
        "the event spool. Picks up a new policy, lists or override within seconds.",
    )
    parser.add_argument(
        "--data",
        dest="helper_data",
        metavar="DIR",
        help="data directory (the same as 'harbour --data DIR squid-helper')",
    )
    parser.add_argument(
        "--policy", metavar="FILE", help="use this policy file, not the data dir's snapshot"
    )
    parser.add_argument(
        "--block-url",
        metavar="URL",
        default=os.environ.get(BLOCK_URL_ENV, DEFAULT_BLOCK_URL),
        help=f"Harbour's block page (default: ${BLOCK_URL_ENV}, else {DEFAULT_BLOCK_URL})",
    )
    parser.add_argument(
        "--no-events",
        action="store_true",
        help="do not write decision events (testing only: the DfE log needs them)",
    )
    parser.add_argument(
        "--pool",
        metavar="SOCKET",
        help="hand the pipes to the 'harbour squid-pool' listening here (default: "
        "DATA/run/squid-pool.sock when a pool runs; otherwise this process answers)",
    )
    parser.add_argument(
        "--no-pool", action="store_true", help="always answer in this process, never in a pool"
    )
    parser.set_defaults(func=_run)

    pool = sub.add_parser(
        "squid-pool",
        help="serve every Squid helper child from one loaded engine (see docs/squid.md)",
        description="Load the policy and lists once and listen on a Unix socket; each "
        "'harbour squid-helper' child Squid starts hands its pipes over and a worker forked "
        "from this process answers them, so eight children share one engine's memory. Children "
        "answer by themselves whenever no pool is running.",
    )
    pool.add_argument("--data", dest="helper_data", metavar="DIR", help="data directory")
    pool.add_argument(
        "--socket", metavar="PATH", help="where to listen (default: DATA/run/squid-pool.sock)"
    )
    pool.add_argument(
        "--group",
        metavar="GROUP",
        help="give this group the socket (mode 0660): the group Squid runs its helpers as",
    )
    pool.set_defaults(func=_run_pool)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)  # unwinds to the finally below, which flushes the spool


def _open(args: argparse.Namespace, name: str) -> CachedDecider | int:
    """The engine behind a decider for the data dir (or ``--policy``), or an exit code after
    saying plainly on stderr (Squid's cache.log) why it cannot start."""
    logging.basicConfig(level=logging.WARNING, format=f"harbour {name}: %(message)s")
    try:
        if getattr(args, "policy", None):
            engine = FilterEngine.from_policy(Path(args.policy), data_dir())
            snapshot = None
        else:
            engine = FilterEngine.open(data_dir())
            snapshot = policy_snapshot_path()
    except PolicyError as exc:
        for problem in exc.problems:
            print(f"harbour {name}: {problem}", file=sys.stderr)
        return 2
    except (EngineError, OSError, ValueError) as exc:
        print(f"harbour {name}: cannot start: {exc}", file=sys.stderr)
        return 2
    return CachedDecider(engine, snapshot)


def _serve(decider: CachedDecider, block_url: str, events: bool) -> int:
    """Answer Squid on this process's standard streams until it closes them."""
    decider.block_page = BlockPage(block_url)
    try:
        spool = SpoolWriter(spool_dir()) if events else None
    except OSError as exc:  # e.g. Squid's user may not write the spool folder
        print(f"harbour squid-helper: cannot write decision events: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    # The caches hold hundreds of thousands of objects that live as long as the process, and
    # the request path allocates no cycles: full collections would rescan the caches over and
    # over (a fifth of the CPU time). Start-up objects are frozen, and collections made rare.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        return SquidHelper(decider, spool).serve()
    finally:
        if spool is not None:
            spool.close()


def _use_data_dir(args: argparse.Namespace) -> None:
    if args.helper_data:
        os.environ[DATA_ENV] = os.path.abspath(args.helper_data)


def _run(args: argparse.Namespace) -> int:
    _use_data_dir(args)
    if not (args.policy or args.no_pool):
        request = {"block_url": args.block_url, "events": not args.no_events}
        try:
            if hand_off(Path(args.pool) if args.pool else squid_pool_socket(), request):
                return 0  # a pool worker answers Squid on these pipes from now on
        except PoolError as exc:
            print(f"harbour squid-helper: {exc}", file=sys.stderr)
            return 1  # answering here as well could answer Squid twice: let it start another
    decider = _open(args, "squid-helper")
    if isinstance(decider, int):
        return decider
    return _serve(decider, args.block_url, not args.no_events)


def _warm_up(decider: CachedDecider) -> None:
    """Take every path a request can take once, before any worker is forked: what that loads
    (modules, encoders, caches' first entries) is then shared by all workers, not copied."""
    helper = SquidHelper(decider, spool=None)
    for url in _WARM_UP:
        helper.answer(f"0 {url} 127.0.0.1/- - GET")
    decider.reset()


def _run_pool(args: argparse.Namespace) -> int:
    _use_data_dir(args)
    decider = _open(args, "squid-pool")
    if isinstance(decider, int):
        return decider

    def serve(request: dict[str, object]) -> int:
        block_url = request.get("block_url")
        return _serve(
            decider,
            block_url if isinstance(block_url, str) else DEFAULT_BLOCK_URL,
            request.get("events") is not False,
        )

    _warm_up(decider)
    pool = HelperPool(
        Path(args.socket) if args.socket else squid_pool_socket(),
        serve,
        tick=lambda: decider.tick(time.time()),
        group=args.group,
    )
    try:
        server = pool.listen()
    except (OSError, KeyError) as exc:
        print(f"harbour squid-pool: cannot listen on {pool.path}: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, pool.stop)
    signal.signal(signal.SIGINT, pool.stop)
    print(f"harbour squid-pool: serving Squid's helper children on {pool.path}", file=sys.stderr)
    return pool.run(server)
