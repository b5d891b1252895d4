"""Reading the UT1 category collection: a folder (or .tar.gz) with one folder per category.

Each category folder holds ``domains``, ``urls`` and ``expressions`` (any of them may be split
as ``domains.0``, ``domains.1``, ... or gzip-compressed as ``domains.gz``) and ``usage``
(``black`` or ``white``). Aliases are symbolic links to a category folder, or small files whose
content is the target's name (``porn`` containing ``adult``).
"""

from __future__ import annotations

import re
from pathlib import Path

from harbour.filtering.compiled import SegmentBuilder
from harbour.filtering.entries import Entries, ListImportError, read_file

KINDS = ("domains", "urls", "expressions")
_PART = re.compile(r"^(domains|urls|expressions)(?:\.(\d+))?(\.gz)?$")
_ALIAS_MAX_BYTES = 64


def find_root(folder: Path) -> Path:
    """The folder holding the category folders: ``folder`` itself, or its only sub-folder
    (tarballs wrap the collection in ``blacklists/``)."""
    current = folder
    for _ in range(3):
        if any(_is_category(p) for p in current.iterdir()):
            return current
        subs = [p for p in current.iterdir() if p.is_dir() and not p.is_symlink()]
        if len(subs) != 1:
            break
        current = subs[0]
    raise ListImportError(
        [f"{folder}: no category folders (with domains, urls or expressions) found"]
    )


def _is_category(path: Path) -> bool:
    return (
        path.is_dir() and not path.is_symlink() and any(_PART.match(p.name) for p in path.iterdir())
    )


def list_files(category: Path) -> dict[str, list[Path]]:
    """The list files of a category folder by kind, split parts in numeric order."""
    found: dict[str, list[tuple[int, Path]]] = {kind: [] for kind in KINDS}
    for path in category.iterdir():
        match = _PART.match(path.name)
        if match and path.is_file():
            found[match.group(1)].append((int(match.group(2) or -1), path))
    return {kind: [p for _, p in sorted(parts)] for kind, parts in found.items()}


def _usage(category: Path) -> str:
    usage = category / "usage"
    if usage.is_file():
        words = usage.read_text(encoding="utf-8", errors="replace").split()
        if "white" in words:
            return "white"
    return "black"


def read_collection(
    root: Path, builder: SegmentBuilder, only: set[str] | None = None, skip_bad: bool = False
) -> ListImportError | None:
    """Read every category (or those in ``only``, aliases resolved) into ``builder``.

    Raises :class:`ListImportError` naming file and line for every bad entry; with
    ``skip_bad`` the good entries are kept and the problems are returned instead.
    """
    root = find_root(root)
    categories = sorted(p.name for p in root.iterdir() if _is_category(p))
    aliases = _aliases(root, set(categories))
    wanted = None if only is None else {aliases.get(name, name) for name in only}
    if wanted is not None and (unknown := wanted - set(categories)):
        raise ListImportError([f"{root}: no such categories: {', '.join(sorted(unknown))}"])
    problems: list[str] = []
    unlisted = 0
    for name in categories:
        if wanted is not None and name not in wanted:
            continue
        entries = Entries()
        for kind, paths in list_files(root / name).items():
            for path in paths:
                read_file(entries, kind, path)
        problems.extend(entries.problems)
        unlisted += entries.unlisted
        builder.category(name, _usage(root / name))
        builder.add_domains(name, entries.domains)
        builder.add_urls(name, entries.urls)
        builder.add_expressions(name, entries.expressions)
    if problems and not skip_bad:
        raise ListImportError(problems, unlisted)
    builder.aliases.update({a: t for a, t in aliases.items() if t in builder.categories})
    return ListImportError(problems, unlisted) if problems else None


def _aliases(root: Path, categories: set[str]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for path in root.iterdir():
        if path.name in categories:
            continue
        if path.is_symlink():
            target = Path(path.readlink()).name
        elif path.is_file() and path.stat().st_size <= _ALIAS_MAX_BYTES:
            target = path.read_text(encoding="utf-8", errors="replace").strip()
        else:
            continue
        if target in categories:
            aliases[path.name] = target
    return aliases
