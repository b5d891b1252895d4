"""Acceptable use agreements: who must sign which, who has, and what filtering does meanwhile.

An agreement in the policy (``[acceptable_use.KEY]``) applies to the people in its ``groups``;
one without groups applies by audience (staff, pupils, governors, visitors; a parents'
agreement is signed by a parent for each pupil). A signature is *current* while it is for the
policy's version of the agreement and, when ``renew_months`` is set, younger than that.

When ``filtering.require_current_aup`` is true, anyone in a group an agreement names who has
no current signature for it is filtered as ``filtering.no_aup_group`` until they sign.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.apps.audit.chain import record
from harbour.apps.people.models import Person
from harbour.apps.registers.dates import add_months, lapse_cutoff
from harbour.apps.registers.models import Restriction, Signature
from harbour.policy.model import AcceptableUse, Policy
from harbour.policy.snapshot import Snapshot

# Audience -> the directory kind it covers when the agreement names no groups.
AUDIENCE_KINDS = {
    "staff": "staff",
    "pupils": "pupil",
    "governors": "governor",
    "visitors": "visitor",
    "parents": "pupil",
}


@dataclass(frozen=True)
class AgreementStatus:
    """One agreement for one person: their newest signature of it, and whether it is current."""

    key: str
    agreement: AcceptableUse
    signature: Signature | None
    current: bool
    gates_filtering: bool

    @property
    def state(self) -> str:
        """'signed', 'renewal due', 'new version' or 'not signed'."""
        if self.current:
            return "signed"
        if self.signature is None:
            return "not signed"
        if self.signature.version != self.agreement.version:
            return "new version"
        return "renewal due"


def gating_agreements(groups: Iterable[str], policy: Policy) -> list[str]:
    """Keys of the agreements whose groups include one of ``groups`` (they gate filtering)."""
    mine = set(groups)
    return [key for key, aup in policy.acceptable_use.items() if mine & set(aup.groups)]


def applies_to(person: Person, policy: Policy, groups: Iterable[str] | None = None) -> list[str]:
    """Keys of the agreements ``person`` (or, for parents' agreements, their parent) signs."""
    mine = set(person.filter_groups(policy) if groups is None else groups)
    return [key for key, aup in policy.acceptable_use.items() if _applies(aup, mine, person.kind)]


def _applies(aup: AcceptableUse, groups: set[str], kind: str) -> bool:
    if aup.groups:
        return bool(groups & set(aup.groups))
    return AUDIENCE_KINDS.get(aup.audience) == kind


def is_current(signature: Signature, agreement: AcceptableUse, today: date) -> bool:
    """True when the signature is for the agreement's version and has not lapsed."""
    if signature.version != agreement.version:
        return False
    return agreement.renew_months is None or today < add_months(
        signature.signed_on, agreement.renew_months
    )


def newest_signatures(person_ids: Iterable[int] | None = None) -> dict[tuple[int, str], Signature]:
    """The newest signature per (person id, agreement key), optionally for some people only."""
    rows = Signature.objects.order_by("person_id", "agreement", "-signed_on", "-id")
    if person_ids is not None:
        rows = rows.filter(person_id__in=list(person_ids))
    newest: dict[tuple[int, str], Signature] = {}
    for signature in rows:
        newest.setdefault((signature.person_id, signature.agreement), signature)
    return newest


def statuses(person: Person, policy: Policy, today: date | None = None) -> list[AgreementStatus]:
    """Every agreement that applies to ``person``, with where they stand."""
    today = today or timezone.localdate()
    groups = person.filter_groups(policy)
    gating = set(gating_agreements(groups, policy))
    newest = newest_signatures([person.pk])
    found = []
    for key in applies_to(person, policy, groups):
        aup = policy.acceptable_use[key]
        signature = newest.get((person.pk, key))
        current = signature is not None and is_current(signature, aup, today)
        found.append(AgreementStatus(key, aup, signature, current, key in gating))
    return found


def sign(
    person: Person,
    key: str,
    policy: Policy,
    actor: Any,
    *,
    signer_name: str = "",
    method: str = "electronic",
    signed_on: date | None = None,
    ip: str | None = None,
    device: str = "",
    snapshot: bool = True,
) -> Signature:
    """Record a signature of the policy's current version of agreement ``key``, audit it and
    (unless ``snapshot`` is false) rewrite the gateway snapshot at once, so any no-agreement
    filtering is lifted."""
    from harbour.apps.policies.service import write_gateway_snapshot

    if key not in policy.acceptable_use:
        raise ValueError(f"the policy has no acceptable use agreement {key!r}")
    if key not in applies_to(person, policy):
        raise ValueError(f"agreement {key!r} does not apply to {person.display_name}")
    aup = policy.acceptable_use[key]
    with transaction.atomic():
        signature = Signature.objects.create(
            person=person,
            agreement=key,
            version=aup.version,
            method=method,
            signer_name=signer_name or person.display_name,
            signed_on=signed_on or timezone.localdate(),
            ip=ip or None,
            device=device[:200],
            recorded_by=_name(actor),
        )
        record(
            actor,
            "sign" if method == "electronic" else "create",
            signature,
            summary=f"{aup.title} {aup.version} signed ({signature.get_method_display()})",
            after={
                "person": person.external_id,
                "agreement": key,
                "version": aup.version,
                "method": method,
                "signed_on": signature.signed_on,
                "ip": signature.ip,
            },
        )
    if snapshot:
        write_gateway_snapshot()
    return signature


def sign_paper_forms(
    people: list[Person], key: str, policy: Policy, actor: Any, signed_on: date, signer: str
) -> list[Signature]:
    """Record a batch of paper forms (a class's, say) in one transaction and one snapshot
    write. ``signer`` is "pupil" or "parent": who signed each form."""
    from harbour.apps.policies.service import write_gateway_snapshot

    with transaction.atomic():
        done = [
            sign(
                person,
                key,
                policy,
                actor,
                method="paper",
                signed_on=signed_on,
                snapshot=False,
                signer_name=person.display_name
                if signer == "pupil"
                else f"Parent or carer of {person.display_name}",
            )
            for person in people
        ]
    write_gateway_snapshot()
    return done


def _name(actor: Any) -> str:
    from harbour.apps.audit.chain import actor_name

    return actor_name(actor)[:150]


@dataclass
class Coverage:
    """How many of the people an agreement applies to hold a current signature."""

    key: str
    agreement: AcceptableUse
    applies: int = 0
    current: int = 0
    by_group: dict[str, list[int]] | None = None  # group -> [applies, current]

    @property
    def percent(self) -> int:
        return round(100 * self.current / self.applies) if self.applies else 100


def coverage(
    policy: Policy, today: date | None = None
) -> tuple[list[Coverage], list[tuple[Person, list[str]]]]:
    """Coverage per agreement (and per group), and everyone with something to sign."""
    signers = current_signers(policy, today or timezone.localdate())
    table = {
        key: Coverage(key, aup, by_group=defaultdict(lambda: [0, 0]))
        for key, aup in policy.acceptable_use.items()
    }
    outstanding: list[tuple[Person, list[str]]] = []
    for person in Person.objects.filter(active=True):
        groups = person.filter_groups(policy)
        missing = []
        for key in applies_to(person, policy, groups):
            row = table[key]
            ok = person.pk in signers[key]
            row.applies += 1
            row.current += ok
            for group in sorted(groups) or [person.kind]:
                row.by_group[group][0] += 1  # type: ignore[index]
                row.by_group[group][1] += ok  # type: ignore[index]
            if not ok:
                missing.append(key)
        if missing:
            outstanding.append((person, missing))
    for row in table.values():
        row.by_group = dict(sorted(row.by_group.items()))  # type: ignore[union-attr]
    return list(table.values()), outstanding


def current_signers(policy: Policy, today: date) -> dict[str, set[int]]:
    """For each agreement, the ids of the people holding a current signature of it (read as
    plain tuples: this runs on every snapshot write)."""
    found: dict[str, set[int]] = {}
    for key, agreement in policy.acceptable_use.items():
        rows = Signature.objects.filter(agreement=key, version=agreement.version)
        if agreement.renew_months is not None:
            rows = rows.filter(signed_on__gt=lapse_cutoff(today, agreement.renew_months))
        found[key] = set(rows.values_list("person_id", flat=True))
    return found


def restrict_unsigned(snapshot: Snapshot, policy: Policy) -> None:
    """Snapshot contributor: people without a current agreement their groups need are
    filtered as the no-agreement group. Each start and end of a restriction is audited."""
    fallback = policy.filtering.no_aup_group
    restricted: dict[str, list[str]] = {}
    if policy.filtering.require_current_aup and fallback:
        signers = current_signers(policy, timezone.localdate())
        ids = dict(
            Person.objects.filter(active=True, username__isnull=False).values_list("username", "pk")
        )
        gating: dict[tuple[str, ...], list[str]] = {}
        for username, groups in snapshot.users.items():
            person_id = ids.get(username)
            if person_id is None:
                continue
            keys = gating.get(tuple(groups))
            if keys is None:
                keys = gating[tuple(groups)] = gating_agreements(groups, policy)
            missing = [key for key in keys if person_id not in signers[key]]
            if missing:
                restricted[username] = missing
                snapshot.users[username] = [fallback]
    _record_changes(restricted, fallback or "")


def _record_changes(restricted: dict[str, list[str]], group: str) -> None:
    """Keep the Restriction rows in step with the snapshot, auditing each change."""
    with transaction.atomic():
        existing = {r.username: r for r in Restriction.objects.select_for_update()}
        for username, missing in restricted.items():
            if username not in existing:
                row = Restriction.objects.create(username=username, missing=missing)
                record(
                    "system",
                    "aup-restrict",
                    row,
                    summary=f"{username} filtered as {group}: no current {', '.join(missing)} agreement",
                    after={"username": username, "group": group, "missing": missing},
                )
        for username, row in existing.items():
            if username not in restricted:
                record(
                    "system",
                    "aup-lift",
                    row,
                    summary=f"{username} no longer filtered as {group}: restriction lifted",
                    before={"username": username, "missing": row.missing},
                )
                row.delete()
