"""Removed network access: the person is filtered as the policy's no-access group until the
DSL restores it.

Convention: a policy group named ``no-access`` is used when the policy has one; otherwise
the policy's ``filtering.no_aup_group`` (the group for people without a current agreement);
otherwise its ``unknown_clients_group``.
"""

from __future__ import annotations

from harbour.apps.records import vocab
from harbour.apps.records.models import Action
from harbour.policy import Policy
from harbour.policy.snapshot import Snapshot

NO_ACCESS_GROUP = "no-access"


def no_access_group(policy: Policy) -> str:
    """The group a person without network access is filtered as."""
    if NO_ACCESS_GROUP in policy.groups:
        return NO_ACCESS_GROUP
    return policy.filtering.no_aup_group or policy.filtering.unknown_clients_group


def restricted_usernames() -> set[str]:
    """Usernames whose network access is removed now."""
    rows = Action.objects.filter(
        code=vocab.NO_ACCESS_ACTION,
        status=vocab.DONE,
        restored_on__isnull=True,
        person__username__isnull=False,
    ).values_list("person__username", flat=True)
    return set(rows)


def contribute(snap: Snapshot, policy: Policy) -> None:
    """Snapshot contributor: put each restricted user in the no-access group only."""
    group = no_access_group(policy)
    for username in restricted_usernames():
        snap.users[username] = [group]
