"""What the User Actions matrix allows, for whom, and when."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from harbour.policy import Level, load_policy
from harbour.policy.matrix import judge_activity
from tests.paths import SAMPLE_POLICY

LONDON = ZoneInfo("Europe/London")
TUESDAY_LESSON = datetime(2026, 11, 24, 10, 30, tzinfo=LONDON)
TUESDAY_LUNCH = datetime(2026, 11, 24, 12, 15, tzinfo=LONDON)
TUESDAY_AFTER_SCHOOL = datetime(2026, 11, 24, 16, 0, tzinfo=LONDON)
SATURDAY_LUNCH = datetime(2026, 11, 28, 12, 15, tzinfo=LONDON)


@pytest.fixture(scope="module")
def policy():
    return load_policy(SAMPLE_POLICY)


def verdict(policy, activity, groups, when):
    return judge_activity(policy, policy.activities[activity], frozenset(groups), when)


def test_pupil_is_blocked_from_gambling_in_lesson_time(policy) -> None:
    result = verdict(policy, "gambling", {"pupils-ks2"}, TUESDAY_LESSON)
    assert not result.allowed and result.level is Level.UNACCEPTABLE and result.selector == "all"


def test_educational_games_are_allowed_for_pupils_only_in_the_named_windows(policy) -> None:
    assert not verdict(policy, "online-gaming-educational", {"pupils-ks1"}, TUESDAY_LESSON).allowed
    assert verdict(policy, "online-gaming-educational", {"pupils-ks1"}, TUESDAY_LUNCH).allowed
    assert verdict(policy, "online-gaming-educational", {"pupils-ks2"}, TUESDAY_AFTER_SCHOOL).allowed
    assert not verdict(policy, "online-gaming-educational", {"pupils-ks2"}, SATURDAY_LUNCH).allowed


def test_staff_may_game_and_shop_at_lunch_but_not_in_lessons(policy) -> None:
    for activity in ("online-gaming", "online-shopping"):
        assert verdict(policy, activity, {"staff"}, TUESDAY_LUNCH).allowed
        assert not verdict(policy, activity, {"staff"}, TUESDAY_LESSON).allowed


def test_windows_are_read_in_the_schools_timezone(policy) -> None:
    # 12:15 in London in summer is 11:15 UTC.
    summer_lunch_utc = datetime(2026, 6, 16, 11, 15, tzinfo=ZoneInfo("UTC"))
    assert verdict(policy, "online-gaming", {"staff"}, summer_lunch_utc).allowed


def test_video_broadcasting_is_for_digital_leaders_not_other_pupils(policy) -> None:
    assert not verdict(policy, "video-broadcasting", {"pupils-ks2"}, TUESDAY_LESSON).allowed
    assert verdict(policy, "video-broadcasting", {"pupils-ks2", "digital-leaders"}, TUESDAY_LESSON).allowed
    assert verdict(policy, "video-broadcasting", {"digital-leaders"}, TUESDAY_LESSON).allowed
    assert verdict(policy, "video-broadcasting", {"staff"}, TUESDAY_LESSON).allowed


def test_social_media_has_no_nominated_pupils_but_staff_are_nominated(policy) -> None:
    pupil = verdict(policy, "social-media", {"pupils-ks2"}, TUESDAY_LUNCH)
    assert not pupil.allowed and pupil.level is Level.NOMINATED_USERS
    assert verdict(policy, "social-media", {"staff"}, TUESDAY_LESSON).allowed
    assert not verdict(policy, "social-media", {"visitors"}, TUESDAY_LESSON).allowed


def test_illegal_content_is_blocked_for_everyone_at_every_time(policy) -> None:
    for groups in ({"staff"}, {"pupils-ks1"}, {"digital-leaders"}, {"governors"}):
        result = verdict(policy, "illegal-content", groups, TUESDAY_LUNCH)
        assert not result.allowed and result.level is Level.UNACCEPTABLE_ILLEGAL
