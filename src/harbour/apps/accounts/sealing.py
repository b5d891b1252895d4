"""Secrets kept in the database sealed with the instance secret (Fernet: AES-128-CBC with an
HMAC-SHA256 tag). A copy of the database alone — a stolen backup, a read-only SQL account —
then does not give away the safeguarding roles' second factors; the key stays in
``HARBOUR_SECRET_KEY`` (or ``DATA_DIR/secret.key``), which backups keep apart (docs/deployment.md)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "sealed:v1:"


class UnsealError(Exception):
    """A sealed value that this instance's secret cannot open (the secret was changed)."""


def _fernet() -> Fernet:
    # A key of its own for this use, derived from the instance secret.
    digest = hashlib.sha256(b"harbour/sealing/v1\0" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(plain: str) -> str:
    """``plain`` sealed for storage; the empty string stays empty."""
    if not plain:
        return ""
    return PREFIX + _fernet().encrypt(plain.encode()).decode("ascii")


def unseal(stored: str) -> str:
    """The plain value of a stored one. A value stored before sealing existed is returned as
    it is (and sealed at its next save)."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except InvalidToken:
        raise UnsealError(
            "a sealed secret cannot be opened: HARBOUR_SECRET_KEY differs from the one it was "
            "sealed with"
        ) from None


def is_sealed(stored: str) -> bool:
    """Whether a stored value is sealed (or empty)."""
    return not stored or stored.startswith(PREFIX)
