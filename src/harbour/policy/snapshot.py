"""The compiled policy snapshot: everything the gateways need, in one file.

The web application writes it whenever the policy, the directory, devices or overrides
change; DNS workers and Squid helpers read it and reload it when it changes. The gateways
never touch the database, so they keep filtering when it is down.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from harbour.policy.load import load_policy_text
from harbour.policy.model import Policy

FORMAT = 1


@dataclass(frozen=True)
class DeviceEntry:
    """A registered device or address range and the group its traffic is filtered as."""

    name: str
    group: str
    ip: str | None = None
    cidr: str | None = None
    mac: str | None = None
    device_type: str | None = None
    owner: str | None = None
    expires: str | None = None  # ISO-8601; guest and temporary access


@dataclass(frozen=True)
class Override:
    """An approved unblock: a domain or category allowed for groups until it expires.

    ``target`` is ``domain:example.org`` or ``category:games``. Never applies to the locked tier.
    """

    id: int
    target: str
    groups: tuple[str, ...]
    starts: str
    expires: str
    reason: str = ""

    def active(self, moment: datetime) -> bool:
        """True while ``moment`` (timezone-aware) is within the override's period."""
        return datetime.fromisoformat(self.starts) <= moment < datetime.fromisoformat(self.expires)


@dataclass
class Snapshot:
    """A policy with the directory facts the engines need."""

    policy_text: str
    users: dict[str, list[str]] = field(default_factory=dict)
    devices: list[DeviceEntry] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    written_at: str = ""
    _policy: Policy | None = field(default=None, repr=False, compare=False)

    @property
    def policy(self) -> Policy:
        """The parsed policy (parsed once, on first use)."""
        if self._policy is None:
            self._policy = load_policy_text(self.policy_text, "<snapshot>")
        return self._policy

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary of the snapshot."""
        return {
            "format": FORMAT,
            "policy_version": self.policy.version,
            "policy_text": self.policy_text,
            "users": self.users,
            "devices": [asdict(d) for d in self.devices],
            "overrides": [asdict(o) for o in self.overrides],
            "written_at": self.written_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        """Rebuild a snapshot from :meth:`to_json`'s output."""
        if data.get("format") != FORMAT:
            raise ValueError(f"policy snapshot format {data.get('format')!r} is not {FORMAT}")
        return cls(
            policy_text=data["policy_text"],
            users={k: list(v) for k, v in data.get("users", {}).items()},
            devices=[DeviceEntry(**d) for d in data.get("devices", [])],
            overrides=[Override(**{**o, "groups": tuple(o["groups"])}) for o in data.get("overrides", [])],
            written_at=data.get("written_at", ""),
        )


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    """Write atomically: readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".policy-", suffix=".json")
    # mkstemp makes the file 0600; the gateways may run as other users of the same group (Squid
    # runs its helpers as 'proxy'), and the snapshot holds no secrets beyond usernames.
    os.fchmod(fd, 0o640)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(snapshot.to_json(), out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(path: Path) -> Snapshot:
    """Read a snapshot written by :func:`write_snapshot`."""
    with open(path, encoding="utf-8") as handle:
        return Snapshot.from_json(json.load(handle))
