"""Home-page cards: what each role should look at in the registers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from harbour.apps.accounts.gate import can
from harbour.apps.policies.service import NoPolicy, current_policy
from harbour.apps.registers import aup, training
from harbour.apps.registers.reviews import policy_review_state, prompts
from harbour.apps.registers.views.common import person_for

REVIEW_WARNING_DAYS = 60


def home_cards(request: HttpRequest) -> list[dict[str, Any]]:
    """Unsigned agreements (own), overdue training, reviews to hold, the policy review date."""
    try:
        policy = current_policy()
    except NoPolicy:
        return []
    cards: list[dict[str, Any]] = []
    person = person_for(request.user)
    if person is not None:
        todo = [s for s in aup.statuses(person, policy) if not s.current]
        late = [d for d in training.duties(person, policy) if d.state in {"overdue", "due soon"}]
        if todo or late:
            cards.append(
                {
                    "title": "Your agreements and training",
                    "value": len(todo) + len(late),
                    "text": "to sign or complete",
                    "url": "/registers/me/",
                    "css": "sev4",
                }
            )
    if can(request.user, "registers.training"):
        overdue = sum(
            1 for _, ds in training.compliance(policy) for d in ds if d.state == "overdue"
        )
        if overdue:
            cards.append(
                {
                    "title": "Training overdue",
                    "value": overdue,
                    "text": "duties past their date",
                    "url": "/registers/training/",
                    "css": "sev4",
                }
            )
    if can(request.user, "registers.reviews") and (todo_reviews := prompts()):
        cards.append(
            {
                "title": "Reviews to hold",
                "value": len(todo_reviews),
                "text": "; ".join(todo_reviews),
                "url": "/registers/reviews/",
                "css": "sev4",
            }
        )
    state = policy_review_state(policy)
    if state and can(request.user, "registers.reviews_view") and state[1] <= REVIEW_WARNING_DAYS:
        due, days = state
        text = f"was due {due:%d %b %Y}" if days < 0 else f"due {due:%d %b %Y} ({days} days)"
        cards.append(
            {
                "title": "Online safety policy review",
                "value": None,
                "text": text,
                "url": "/registers/reviews/",
                "css": "sev5" if days < 0 else "sev4",
            }
        )
    return cards
