"""``harbour lists import|update|status``: compile category lists and locked feeds."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from harbour.filtering import EngineError, FilterEngine, ListImportError, ListStore
from harbour.paths import data_dir, lists_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``lists`` command group."""
    parser = sub.add_parser("lists", help="import and inspect the filtering lists")
    actions = parser.add_subparsers(dest="lists_command", metavar="ACTION", required=True)

    imp = actions.add_parser(
        "import",
        help="compile a UT1 collection (folder or .tar.gz), or a locked feed, and serve it",
        description="With --locked NAME, SRC is a locked feed file (see docs/lists.md): a tier "
        "nothing can allow.",
    )
    imp.add_argument(
        "--locked", metavar="NAME", help="import SRC as the locked feed NAME (e.g. iwf, ctiru)"
    )
    _selection(imp)
    imp.add_argument("source", metavar="SRC")
    imp.set_defaults(func=_import)

    update = actions.add_parser("update", help="refresh the category collection from a URL or path")
    update.add_argument("--from", dest="location", required=True, metavar="URL|PATH")
    _selection(update)
    update.set_defaults(func=_update)

    status = actions.add_parser("status", help="show the lists being served")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=_status)


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", metavar="CATS", help="comma-separated categories to import (default all)"
    )
    parser.add_argument(
        "--skip-bad",
        action="store_true",
        help="import the good entries and list the bad ones (never for locked feeds)",
    )


def _only(value: str | None) -> set[str] | None:
    return {c.strip() for c in value.split(",") if c.strip()} if value else None


def _run(store: ListStore, action, label: str) -> int:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    try:
        generation = action()
    except ListImportError as exc:
        print(str(exc), file=sys.stderr)
        print(
            f"harbour lists: {label} failed; the lists already in force keep serving",
            file=sys.stderr,
        )
        return 2
    if store.skipped is not None:
        print(str(store.skipped), file=sys.stderr)
        print(f"harbour lists: {store.skipped.count} bad entries skipped", file=sys.stderr)
    print(f"{label}: serving {generation} ({time.monotonic() - started:.1f} s)")
    return 0


def _import(args: argparse.Namespace) -> int:
    store = ListStore(lists_dir())
    if args.locked:
        return _run(
            store,
            lambda: store.import_locked(args.locked, Path(args.source)),
            f"locked feed {args.locked}",
        )
    return _run(
        store,
        lambda: store.import_categories(Path(args.source), _only(args.only), args.skip_bad),
        f"import of {args.source}",
    )


def _update(args: argparse.Namespace) -> int:
    store = ListStore(lists_dir())
    return _run(
        store,
        lambda: store.update_from(args.location, _only(args.only), args.skip_bad),
        f"update from {args.location}",
    )


def _status(args: argparse.Namespace) -> int:
    status = ListStore(lists_dir()).status()
    if args.json:
        print(json.dumps(status, indent=1))
        return 0
    if status["generation"] is None:
        print(f"no lists imported yet in {lists_dir()}; run 'harbour lists import SRC'")
        return 1
    print(f"serving {status['generation']} (built {status['created']}; {status['note']})")
    for segment in status["segments"]:
        counts = segment["categories"]
        domains = sum(c["domains"] for c in counts.values())
        urls = sum(c["urls"] for c in counts.values())
        tier = "LOCKED " if segment["locked"] else ""
        print(
            f"  {tier}{segment['name']}: {len(counts)} categories, {domains} domains, {urls} URLs  [{segment['source']}]"
        )
        if not segment["locked"] and len(counts) <= 100:
            names = ", ".join(
                f"{n} ({c['domains'] + c['urls']})" for n, c in sorted(counts.items())
            )
            print(f"    {names}")
    _warn_missing()
    return 0


def _warn_missing() -> None:
    """Say which lists the compiled policy names but nobody imported (rows that never match)."""
    try:
        missing = FilterEngine.open(data_dir()).unlisted_categories()
    except (EngineError, OSError, ValueError):
        return  # no policy snapshot yet: nothing to compare with
    if missing:
        print(f"the policy names lists that are not imported: {', '.join(missing)}")
