"""Raise alerts: from text, from decision events, and from blocks on the locked illegal tier.

A repeat (same user and category within the policy's repeat window, while the first alert is
still open) is folded into the open alert: its count goes up, it keeps the highest severity,
and the new evidence is appended. Every alert created or changed is audited and routed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from harbour.apps.alerts.classify import Finding, event_texts, find_risks, school_classifier
from harbour.apps.alerts.models import MAX_EVIDENCE, OPEN_STATUSES, Alert
from harbour.apps.alerts.routing import monitoring_settings, plan_notifications
from harbour.apps.audit.chain import record, snapshot

LOCKED_REASON = "locked"
SYSTEM = "monitoring"
_AUDIT_EXCLUDE = ("evidence",)  # the audit log says what happened, not what was typed


@dataclass(frozen=True)
class Subject:
    """Who and where the text came from."""

    username: str = ""
    device: str = ""
    ip: str = ""
    application: str = ""
    when: datetime | None = None

    @property
    def identity(self) -> str:
        """What repeats are grouped by: the user, else the device, else the address."""
        if self.username:
            return f"user:{self.username.lower()}"
        if self.device:
            return f"device:{self.device.lower()}"
        return f"ip:{self.ip}"


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        moment = parse_datetime(value) or timezone.now()
    else:
        return timezone.now()
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _person_for(username: str) -> Any:
    from harbour.apps.people.models import Person

    if not username:
        return None
    return Person.objects.filter(username__iexact=username).first()


def _serialise(key: str) -> None:
    """Let one writer at a time look for and create the open alert of ``key``.

    PostgreSQL: a transaction-scoped advisory lock on the key's hash (row locks cannot guard
    a row that does not exist yet). SQLite: write transactions are already serial.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


def raise_alert(subject: Subject, finding: Finding, policy_version: str = "") -> Alert:
    """Create an alert for ``finding``, or fold it into the open alert it repeats."""
    when = _moment(subject.when)
    key = f"{subject.identity}|{finding.category}"
    item = {
        "at": when.isoformat(),
        "source": finding.source,
        "matched": finding.matched,
        "context": finding.context,
    }
    window = timedelta(minutes=monitoring_settings().repeat_window_minutes)
    with transaction.atomic():
        _serialise(key)
        open_alert = None
        if window:
            open_alert = (
                Alert.objects.select_for_update()
                .filter(group_key=key, status__in=OPEN_STATUSES, last_seen__gte=when - window)
                .order_by("-last_seen")
                .first()
            )
        if open_alert is None:
            alert = Alert.objects.create(
                person=_person_for(subject.username),
                username=subject.username,
                device=subject.device,
                ip=subject.ip,
                application=subject.application,
                first_seen=when,
                last_seen=when,
                category=finding.category,
                severity=finding.severity,
                evidence=[item],
                source=finding.source,
                group_key=key,
                policy_version=policy_version,
            )
            record(
                SYSTEM,
                "raise",
                alert,
                summary=f"severity {alert.severity} {alert.category} alert ({alert.source})",
                after=snapshot(alert, exclude=_AUDIT_EXCLUDE),
            )
        else:
            alert = open_alert
            before = snapshot(alert, exclude=_AUDIT_EXCLUDE)
            alert.repeat_count += 1
            alert.severity = max(alert.severity, finding.severity)
            alert.last_seen = max(alert.last_seen, when)
            kept = alert.evidence
            if len(kept) >= MAX_EVIDENCE:  # keep the first match and the latest ones
                kept = kept[:1] + kept[-(MAX_EVIDENCE - 2) :]
            alert.evidence = [*kept, item]
            alert.save()
            record(
                SYSTEM,
                "repeat",
                alert,
                summary=f"repeat #{alert.repeat_count}, severity now {alert.severity}",
                before=before,
                after=snapshot(alert, exclude=_AUDIT_EXCLUDE),
            )
        plan_notifications(alert)
    return alert


def strongest(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per category, the most severe (the first seen on a tie), gravest first."""
    best: dict[str, Finding] = {}
    for finding in findings:
        held = best.get(finding.category)
        if held is None or finding.severity > held.severity:
            best[finding.category] = finding
    return sorted(best.values(), key=lambda f: -f.severity)


def raise_alerts_for_texts(texts: Iterable[tuple[str, str]], subject: Subject) -> list[Alert]:
    """Classify each (source, text) pair about one subject; one alert per category found."""
    classifier = school_classifier()
    findings = strongest(f for source, text in texts for f in find_risks(classifier, text, source))
    version = _policy_version() if findings else ""
    return [raise_alert(subject, finding, version) for finding in findings]


def raise_alerts_for_text(text: str, subject: Subject, source: str = "text-event") -> list[Alert]:
    """Classify ``text`` with the school's classifier; raise one alert per risk found."""
    return raise_alerts_for_texts([(source, text)], subject)


def _policy_version() -> str:
    from harbour.apps.policies.service import NoPolicy, active_version

    try:
        return active_version().version
    except NoPolicy:
        return ""


def _field(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, dict) else getattr(event, name, None)


def locked_finding(event: Any) -> Finding | None:
    """A block on the locked illegal-content tier is a severity-5 ``illegal`` risk by itself.

    The evidence names the site and the list, not the full address: feed URLs are confidential.
    """
    if str(_field(event, "reason_code") or "").lower() != LOCKED_REASON:
        return None
    host = str(_field(event, "host") or "") or "an address"
    rule = str(_field(event, "rule") or "the illegal-content feed")
    return Finding("illegal", 5, host, f"blocked: {host} is on {rule}", "locked-tier")


def event_findings(event: Any, classify: Any) -> list[Finding]:
    """The strongest finding per category in one decision event (locked tier first)."""
    locked = locked_finding(event)
    found = [locked] if locked is not None else []
    for source, text in event_texts(event):
        found += classify(text, source)
    return strongest(found) if found else found


def subject_of(event: Any) -> Subject:
    """Who an event is about, from a decision event row or its spool record."""
    return Subject(
        username=str(_field(event, "user") or ""),
        device=str(_field(event, "device") or ""),
        ip=str(_field(event, "ip") or ""),
        when=_field(event, "time"),
    )


class _Memo:
    """Findings per (text, source) for the current classifier, kept across batches: real
    traffic repeats the same pages and searches, so most texts are judged once."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self.owner: object = None
        self.found: dict[tuple[str, str], list[Finding]] = {}

    def classifier_for(self, classifier: object) -> dict[tuple[str, str], list[Finding]]:
        if classifier is not self.owner or len(self.found) > self.LIMIT:
            self.owner, self.found = classifier, {}
        return self.found


_memo = _Memo()


def alerts_for_events(events: Iterable[Any]) -> list[Alert]:
    """Raise the alerts a batch of decision events calls for. The ingest hook.

    It runs inside the batch's transaction: if it fails, the batch and its alerts come back
    together rather than events being stored with their alerts lost. A text is classified
    once per classifier (a new policy or ignore rule makes a new one).
    """
    classifier = school_classifier()
    found = _memo.classifier_for(classifier)

    def classify(text: str, source: str) -> list[Finding]:
        key = (text, source)
        if key not in found:
            found[key] = find_risks(classifier, text, source)
        return found[key]

    version = ""
    raised: list[Alert] = []
    for event in events:
        findings = event_findings(event, classify)
        if findings:
            version = version or _policy_version()
            subject = subject_of(event)
            raised.extend(raise_alert(subject, f, version) for f in findings)
    return raised
