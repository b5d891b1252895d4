"""The list store: compiled generations under ``lists_dir()``, swapped in atomically.

Layout::

    lists/
      current -> gen-20261124T120000-3f2a       (symlink; replaced with one rename)
      gen-20261124T120000-3f2a/
        generation.json
        categories/        the category collection (UT1)  - see harbour.filtering.compiled
        locked-iwf/        one segment per locked feed

An import builds a complete new generation beside the serving one (unchanged segments are
hard-linked, not copied) and only then repoints ``current``. Readers notice the new target
with one ``readlink``; a failed import never touches ``current``, so the old lists keep
serving.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harbour.filtering.compiled import Segment, SegmentBuilder
from harbour.filtering.entries import ListImportError
from harbour.filtering.feeds import read_feed
from harbour.filtering.ut1 import read_collection

CATEGORIES = "categories"
LOCKED_PREFIX = "locked-"
CURRENT = "current"
_KEEP_GENERATIONS = 2
_DOWNLOAD_TIMEOUT = 60


class ListStore:
    """Compiled lists in one folder (normally :func:`harbour.paths.lists_dir`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.skipped: ListImportError | None = None  # bad entries the last import left out

    # -- reading ---------------------------------------------------------------------------

    def generation(self) -> str | None:
        """The serving generation's folder name, or None before the first import (one syscall:
        cheap enough to poll)."""
        try:
            return os.readlink(self.root / CURRENT)
        except OSError:
            return None

    def segments(self) -> list[Segment]:
        """Memory-map every segment of the serving generation."""
        generation = self.generation()
        if generation is None:
            return []
        folder = self.root / generation
        return [
            Segment.open(p) for p in sorted(folder.iterdir()) if (p / "manifest.json").is_file()
        ]

    def status(self) -> dict[str, Any]:
        """What is serving: generation, when and from what it was built, counts per category."""
        generation = self.generation()
        if generation is None:
            return {"generation": None, "segments": []}
        info = json.loads((self.root / generation / "generation.json").read_text(encoding="utf-8"))
        segments = []
        for segment in self.segments():
            manifest = segment.manifest
            segments.append(
                {
                    "name": segment.name,
                    "locked": segment.locked,
                    "source": manifest.get("source", ""),
                    "categories": manifest["counts"],
                    "aliases": manifest.get("aliases", {}),
                }
            )
        return {**info, "generation": generation, "segments": segments}

    # -- writing ---------------------------------------------------------------------------

    def import_categories(
        self, source: Path, only: set[str] | None = None, skip_bad: bool = False
    ) -> str:
        """Compile a UT1 collection (folder or .tar.gz) and serve it; return the generation.

        A bad entry fails the import, unless ``skip_bad``: then the rest is imported and the
        problems are kept in :attr:`skipped`. Locked feeds already imported are kept as they are.
        """
        source = Path(source)
        label = str(source) if not only else f"{source} ({', '.join(sorted(only))})"
        with self._locked(), _unpacked(source, self.root) as folder:
            builder = SegmentBuilder(CATEGORIES, source=label)
            self.skipped = read_collection(folder, builder, only, skip_bad)
            note = f"imported {label}"
            if self.skipped is not None:
                note += f", {self.skipped.count} bad entries skipped"
            return self._publish(CATEGORIES, builder.write, note)

    def import_locked(self, name: str, feed: Path) -> str:
        """Compile a locked feed file as category ``name`` and serve it; return the generation."""
        builder = SegmentBuilder(LOCKED_PREFIX + name, locked=True, source=str(feed))
        read_feed(name, Path(feed), builder)
        with self._locked():
            return self._publish(
                LOCKED_PREFIX + name, builder.write, f"locked feed {name} from {feed}"
            )

    def update_from(
        self, location: str, only: set[str] | None = None, skip_bad: bool = False
    ) -> str:
        """Import a collection from a local path or an http(s) URL of a .tar.gz."""
        if not location.startswith(("http://", "https://")):
            return self.import_categories(Path(location), only, skip_bad)
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".download-") as tmp:
            archive = Path(tmp) / "lists.tar.gz"
            try:
                with (
                    urllib.request.urlopen(location, timeout=_DOWNLOAD_TIMEOUT) as response,
                    open(archive, "wb") as out,
                ):
                    shutil.copyfileobj(response, out)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                raise ListImportError([f"{location}: download failed: {exc}"]) from None
            return self.import_categories(archive, only, skip_bad)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".import.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one import at a time; readers never wait
            yield

    def _publish(self, segment: str, write: Callable[[Path], Any], note: str) -> str:
        """Build a new generation: ``write`` the new segment, link the others, swap."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"gen-{stamp}-{secrets.token_hex(3)}"
        staging = self.root / f".staging-{name}"
        try:
            staging.mkdir()
            write(staging / segment)
            previous = self.generation()
            if previous is not None:
                for old in (self.root / previous).iterdir():
                    if old.is_dir() and old.name != segment:
                        shutil.copytree(old, staging / old.name, copy_function=_link_or_copy)
            info = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "note": note}
            (staging / "generation.json").write_text(json.dumps(info), encoding="utf-8")
            _fsync_dir(staging)
            staging.rename(self.root / name)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        link = self.root / f".current-{secrets.token_hex(4)}"
        os.symlink(name, link)
        os.replace(link, self.root / CURRENT)
        _fsync_dir(self.root)
        self._prune(name)
        return name

    def _prune(self, serving: str) -> None:
        """Delete all but the newest generations (mapped files stay valid for old readers)."""
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        for old in generations[:-_KEEP_GENERATIONS]:
            if old.name != serving:
                shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _unpacked(source: Path, scratch: Path) -> Iterator[Path]:
    """``source`` as a folder: itself, or a .tar.gz extracted into a temporary folder."""
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise ListImportError([f"{source}: no such file or folder"])
    with tempfile.TemporaryDirectory(dir=scratch, prefix=".unpack-") as tmp:
        try:
            with tarfile.open(source, "r:*") as archive:
                archive.extractall(tmp, filter="data")
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            raise ListImportError([f"{source}: archive is damaged or incomplete: {exc}"]) from None
        yield Path(tmp)
