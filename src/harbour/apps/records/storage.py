"""Evidence files: content-addressed under ``data_dir()/evidence``, never in a web root.

A file is named by its SHA-256, so the same screenshot added twice is stored once and any
change to a stored file shows when its hash is checked.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from harbour.paths import data_dir

MAX_BYTES = 50 * 1024 * 1024


class EvidenceTooLarge(ValueError):
    """The upload is larger than :data:`MAX_BYTES`."""


def evidence_root() -> Path:
    """The folder that holds evidence files (created with owner-only permissions)."""
    root = data_dir() / "evidence"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def path_for(sha256: str) -> Path:
    """Where the file with ``sha256`` is (or would be) stored."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return evidence_root() / sha256[:2] / sha256


def store(chunks: Iterable[bytes]) -> tuple[str, int]:
    """Write ``chunks`` to the store; return (sha256, size). Writes are atomic."""
    root = evidence_root()
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > MAX_BYTES:
                    raise EvidenceTooLarge(
                        f"evidence files are limited to {MAX_BYTES // (1024 * 1024)} MB"
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        target = path_for(digest.hexdigest())
        target.parent.mkdir(exist_ok=True, mode=0o700)
        os.replace(tmp, target)
        os.chmod(target, 0o600)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def read(sha256: str) -> bytes:
    """The stored bytes, checked against their hash (raises ValueError if they changed)."""
    data = path_for(sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"evidence file {sha256[:12]}… no longer matches its hash")
    return data


def discard(sha256: str) -> None:
    """Remove a stored file (retention deletion) once nothing refers to it."""
    path_for(sha256).unlink(missing_ok=True)
