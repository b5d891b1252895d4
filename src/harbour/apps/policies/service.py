"""Adopt a policy, read the active one, and write the snapshot the gateways use."""

from __future__ import annotations

import threading
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.audit.chain import record
from harbour.apps.policies.models import PolicyVersion
from harbour.paths import policy_snapshot_path
from harbour.policy import Policy, load_policy_text
from harbour.policy.snapshot import Snapshot, write_snapshot

_cache: dict[str, Policy] = {}
_lock = threading.Lock()


class NoPolicy(Exception):
    """No policy has been adopted yet."""


def adopt_policy(text: str, source: str, actor: Any) -> PolicyVersion:
    """Validate ``text`` (raises PolicyError), make it the active version, audit, snapshot."""
    policy = load_policy_text(text, source)
    with transaction.atomic():
        previous = PolicyVersion.objects.filter(active=True).first()
        if previous and previous.version == policy.version:
            return previous
        PolicyVersion.objects.filter(active=True).update(active=False)
        adopted = PolicyVersion.objects.create(
            version=policy.version, text=text, source=source, adopted_by=str(actor), active=True
        )
        record(
            actor,
            "adopt",
            adopted,
            summary=f"policy {policy.version} adopted from {source}",
            before={"version": previous.version} if previous else None,
            after={"version": policy.version, "source": source},
        )
        transaction.on_commit(write_gateway_snapshot)
    return adopted


def active_version() -> PolicyVersion:
    """The active policy row; raises :class:`NoPolicy` before any adoption."""
    found = PolicyVersion.objects.filter(active=True).first()
    if found is None:
        raise NoPolicy("no policy adopted yet: run 'harbour policy adopt FILE' or 'harbour demo'")
    return found


def current_policy() -> Policy:
    """The active policy, parsed once per version."""
    row = active_version()
    with _lock:
        if row.version not in _cache:
            _cache[row.version] = load_policy_text(row.text, f"policy {row.version}")
        return _cache[row.version]


# Other apps add what the gateways need (devices, overrides, agreement status) here.
SnapshotContributor = Any
contributors: list[SnapshotContributor] = []


def build_snapshot() -> Snapshot:
    """Collect the active policy and the directory facts into a snapshot."""
    from harbour.apps.people.models import Person

    row = active_version()
    policy = current_policy()
    users = {
        p.username: sorted(p.filter_groups(policy))
        for p in Person.objects.filter(active=True).exclude(username=None)
    }
    snap = Snapshot(policy_text=row.text, users=users, written_at=timezone.now().isoformat())
    for contribute in contributors:
        contribute(snap, policy)
    return snap


def write_gateway_snapshot() -> None:
    """Write the snapshot atomically; the DNS and Squid paths reload it within seconds."""
    try:
        snap = build_snapshot()
    except NoPolicy:
        return
    write_snapshot(policy_snapshot_path(), snap)
