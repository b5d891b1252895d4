"""Records as JSON for the API; reporters get only what they reported."""

from __future__ import annotations

from typing import Any

from harbour.apps.records import flowchart, retention, service
from harbour.apps.records.models import Action, Evidence, Record


def summary(rec: Record) -> dict[str, Any]:
    """The fields a list shows."""
    return {
        "id": rec.pk,
        "kind": rec.kind,
        "status": rec.status,
        "severity": rec.severity,
        "risk_category": rec.risk_category,
        "four_cs": rec.four_cs,
        "occurred_at": rec.occurred_at.isoformat(),
        "created_at": rec.created_at.isoformat(),
        "reporter": rec.reporter_name,
    }


def action(item: Action) -> dict[str, Any]:
    """An action as JSON."""
    return {
        "id": item.pk,
        "code": item.code,
        "title": item.title,
        "recommended": item.recommended,
        "policy_version": item.policy_version,
        "incident_type": item.incident_type,
        "person": item.person.external_id if item.person else None,
        "owner": item.owner.username if item.owner else None,
        "due_on": item.due_on,
        "status": item.status,
        "done_on": item.done_on,
        "reason": item.reason,
        "reference": item.reference,
        "restored_on": item.restored_on,
    }


def evidence(item: Evidence) -> dict[str, Any]:
    """An evidence item and its chain of custody as JSON."""
    return {
        "id": item.pk,
        "kind": item.kind,
        "url": item.url,
        "filename": item.filename,
        "sha256": item.sha256,
        "size": item.size,
        "added_by": item.added_by,
        "added_at": item.added_at.isoformat(),
        "custody": [
            {"action": c.action, "actor": c.actor, "at": c.at.isoformat(), "to_whom": c.to_whom}
            for c in item.custody.all()
        ],
    }


def detail(rec: Record, full: bool, technical_only: bool = False) -> dict[str, Any]:
    """Everything about a record the reader may see."""
    out = summary(rec) | {"what_happened": rec.what_happened, "location": rec.location}
    if not full:
        return out
    policy = service.policy_or_none()
    out |= {
        "incident_type": rec.incident_type,
        "nude_image_suspected": rec.nude_image_suspected,
        "technical": rec.technical,
        "shared_with_head": rec.shared_with_head,
        "outcome": rec.outcome,
        "closing_reason": rec.closing_reason,
        "closed_at": rec.closed_at.isoformat() if rec.closed_at else None,
        "closed_by": rec.closed_by,
        "people": [
            {
                "person": i.person.external_id,
                "kind": i.person.kind,
                "name": i.person.display_name,
                "part": i.part,
            }
            for i in rec.involvements.select_related("person")
        ],
        "flowcharts": [f.key for f in flowchart.flows_for(rec, policy)],
        "steps": [
            {
                "step": s.step,
                "answer": s.answer,
                "on": s.on,
                "reference": s.reference,
                "recorded_by": s.recorded_by,
            }
            for s in rec.steps.all()
        ],
        "missing_steps": [s.key for s in flowchart.missing_steps(rec, policy)],
        "actions": [action(a) for a in rec.actions.select_related("person", "owner")],
        "evidence": [evidence(e) for e in rec.evidence.prefetch_related("custody")],
        "reviews": [
            {
                "reviewer_one": r.reviewer_one,
                "reviewer_two": r.reviewer_two,
                "computer": r.computer,
                "reason_for_concern": r.reason_for_concern,
                "conclusion": r.conclusion,
                "reviewed_on": r.reviewed_on,
            }
            for r in rec.reviews.all()
        ],
        "notes": [
            {"text": n.text, "author": n.author, "at": n.created_at.isoformat()}
            for n in rec.notes.all()
        ],
        "linked_records": sorted(
            {link.to_record_id for link in rec.links_out.all()}
            | {link.from_record_id for link in rec.links_in.all()}
        ),
        "linked_alerts": [
            {"alert_id": a.alert_id, "summary": a.summary} for a in rec.alert_links.all()
        ],
        "keep_until": retention.keep_until(rec),
    }
    if technical_only:
        del out["notes"], out["reviews"]
    return out
