"""``harbour squid-helper``: the URL rewriter Squid runs (``url_rewrite_program``)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
from pathlib import Path

from harbour.events import SpoolWriter
from harbour.filtering import EngineError, FilterEngine
from harbour.gateways.squid import (
    DEFAULT_BLOCK_URL,
    BlockPage,
    CachedDecider,
    SquidHelper,
)
from harbour.paths import DATA_ENV, data_dir, policy_snapshot_path, spool_dir
from harbour.policy import PolicyError

BLOCK_URL_ENV = "HARBOUR_BLOCK_URL"


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
    parser.set_defaults(func=_run)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)  # unwinds to the finally below, which flushes the spool


def _run(args: argparse.Namespace) -> int:
    if args.helper_data:
        os.environ[DATA_ENV] = os.path.abspath(args.helper_data)
    # stderr is Squid's cache.log: say what is wrong there, plainly.
    logging.basicConfig(level=logging.WARNING, format="harbour squid-helper: %(message)s")
    try:
        if args.policy:
            engine = FilterEngine.from_policy(Path(args.policy), data_dir())
            snapshot = None
        else:
            engine = FilterEngine.open(data_dir())
            snapshot = policy_snapshot_path()
    except PolicyError as exc:
        for problem in exc.problems:
            print(f"harbour squid-helper: {problem}", file=sys.stderr)
        return 2
    except (EngineError, OSError, ValueError) as exc:
        print(f"harbour squid-helper: cannot start: {exc}", file=sys.stderr)
        return 2
    decider = CachedDecider(engine, snapshot, block_page=BlockPage(args.block_url))
    try:
        spool = None if args.no_events else SpoolWriter(spool_dir())
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
