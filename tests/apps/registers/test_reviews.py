"""Reviews: the self-test slot, the next annual review date, and the policy's review date."""

from __future__ import annotations

from datetime import date

import pytest

from harbour.apps.registers import reviews
from harbour.policy import load_policy
from tests.paths import SAMPLE_POLICY

pytestmark = pytest.mark.django_db


def test_the_next_annual_review_is_a_year_after_the_last_signed_off_one() -> None:
    assert reviews.next_annual_review() is None
    review = reviews.save_review(
        {"title": "Annual", "trigger": "annual", "held_on": date(2026, 2, 28)}, "harry"
    )
    assert reviews.next_annual_review() is None  # not signed off yet
    reviews.save_review({"completed": True}, "harry", review)
    reviews.save_review(
        {
            "title": "After an incident",
            "trigger": "incident",
            "held_on": date(2026, 6, 1),
            "completed": True,
        },
        "harry",
    )
    assert reviews.next_annual_review() == date(2027, 2, 28)


def test_a_filter_self_test_result_is_recorded_in_its_slot_and_audited() -> None:
    from harbour.apps.audit.models import AuditEntry

    review = reviews.save_review({"title": "Annual", "held_on": date(2026, 10, 1)}, "harry")
    reviews.record_self_test(
        review, {"child-abuse": "blocked", "terrorist": "blocked", "adult": "blocked"}, "system"
    )
    review.refresh_from_db()
    assert review.self_test["adult"] == "blocked"
    assert AuditEntry.objects.filter(object_type="registers.review", action="update").count() == 1


def test_unknown_checklist_items_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown checklist items: vibes"):
        reviews.save_review(
            {"title": "x", "held_on": date(2026, 1, 1), "checks": {"vibes": {"done": True}}},
            "harry",
        )


def test_the_policy_review_date_counts_down_and_goes_negative_when_overdue() -> None:
    policy = load_policy(SAMPLE_POLICY)  # policy_review_due = 2027-09-01
    assert reviews.policy_review_state(policy, date(2027, 8, 2)) == (date(2027, 9, 1), 30)
    assert reviews.policy_review_state(policy, date(2027, 9, 3)) == (date(2027, 9, 1), -2)


def test_leaders_are_prompted_for_the_reviews_the_standards_call_for(school) -> None:
    from harbour.apps.policies.service import adopt_policy

    assert reviews.prompts(date(2026, 11, 1)) == [
        "No annual filtering and monitoring review has been signed off"
    ]
    reviews.save_review(
        {"title": "Annual", "trigger": "annual", "held_on": date(2025, 11, 1), "completed": True},
        "harry",
    )
    reviews.save_assessment(
        {"title": "AI tool", "technology": "chatbot", "review_on": date(2026, 10, 1)}, "harry"
    )
    assert reviews.prompts(date(2026, 10, 31)) == ["1 risk assessment(s) past their review date"]
    adopt_policy(SAMPLE_POLICY.read_text() + "\n# changed\n", "edited", "ivan")
    found = reviews.prompts(date(2026, 11, 1))
    assert found[0] == "The annual filtering and monitoring review was due 01 Nov 2026"
    assert found[1].endswith("after the last review: record a configuration-change review")
