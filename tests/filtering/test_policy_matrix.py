"""The sample school's User Actions matrix, enforced on real UT1 domains in every URL spelling.

Pupils (KS2), staff and the Digital Leaders, in lesson time, at lunch and after school.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from harbour.filtering import FilterEngine, Reason, normalise_url
from tests.filtering.conftest import is_ip, only_in
from tests.paths import UT1

LONDON = ZoneInfo("Europe/London")
LESSON = datetime(2026, 11, 24, 10, 30, tzinfo=LONDON)  # a Tuesday
LUNCH = datetime(2026, 11, 24, 12, 15, tzinfo=LONDON)
AFTER_SCHOOL = datetime(2026, 11, 24, 16, 0, tzinfo=LONDON)
WINDOWS = {"lesson": LESSON, "lunch": LUNCH, "after-school": AFTER_SCHOOL}

# (group, category) -> the action in lesson time, at lunch, after school
MATRIX = {
    ("pupils-ks2", "games"): ("block", "block", "block"),
    ("pupils-ks2", "educational_games"): ("block", "allow", "allow"),
    ("pupils-ks2", "gambling"): ("block", "block", "block"),
    ("pupils-ks2", "shopping"): ("block", "block", "block"),
    ("pupils-ks2", "audio-video"): ("block", "block", "block"),
    ("pupils-ks2", "social_networks"): ("block", "block", "block"),
    ("staff", "games"): ("block", "allow", "allow"),
    ("staff", "educational_games"): ("allow", "allow", "allow"),
    ("staff", "gambling"): ("block", "block", "block"),
    ("staff", "shopping"): ("block", "allow", "allow"),
    ("staff", "audio-video"): ("allow", "allow", "allow"),
    ("staff", "social_networks"): ("allow", "allow", "allow"),
    ("digital-leaders", "games"): ("block", "block", "block"),
    ("digital-leaders", "educational_games"): ("block", "allow", "allow"),
    ("digital-leaders", "audio-video"): ("allow", "allow", "allow"),
    ("digital-leaders", "social_networks"): ("block", "block", "block"),
    ("digital-leaders", "gambling"): ("block", "block", "block"),
}


def spellings(domain: str) -> list[str]:
    """The same site written the ways point 2 of the issue lists."""
    return [
        f"http://{domain}/",
        f"HTTPS://{domain.upper()}.:443/",
        f"http://pupil:secret@www.{domain}:80/a/../index.html",
        f"https://sub.{domain}./%70age?x=1#top",
        f"http://{domain}/a/%2e%2e/b/./c",
        domain,
    ]


@pytest.mark.parametrize(("group", "category"), sorted(MATRIX))
def test_the_matrix_decides_each_group_category_and_window(
    engine: FilterEngine, group: str, category: str
) -> None:
    who = engine.who_for_group(group)
    domains = only_in(engine, category, count=2)
    assert domains, f"no domain only in {category}"
    for (window, when), expected in zip(WINDOWS.items(), MATRIX[(group, category)], strict=True):
        for domain in domains:
            for url in spellings(domain):
                decision = engine.decide(who, url, when)
                assert decision.action == expected, (group, category, window, url, decision.reason)
                assert category in decision.categories
                assert decision.reason_code is Reason.POLICY
                assert decision.rule and decision.rule.startswith("activities.")
                assert decision.policy_version == engine.policy_version


def test_pupil_is_blocked_from_gambling_in_lesson_time(engine: FilterEngine) -> None:
    domain = only_in(engine, "gambling", 1)[0]
    decision = engine.decide(engine.who_for_group("pupils-ks2"), f"http://{domain}/", LESSON)
    assert (decision.action, decision.activity, decision.level) == (
        "block",
        "gambling",
        "unacceptable",
    )
    assert decision.rule == "activities.gambling:all"
    assert decision.matches[0].entry == domain


def test_international_domain_names_match_their_punycode_entries(engine: FilterEngine) -> None:
    entry = only_in(engine, "gambling", 1, want=lambda d: d.startswith("xn--"))[0]
    unicode_host = entry.encode().decode("idna")
    decision = engine.decide(engine.who_for_group("pupils-ks2"), f"http://{unicode_host}/", LESSON)
    assert decision.action == "block" and "gambling" in decision.categories


def test_ip_literals_in_any_spelling_match_ip_entries(engine: FilterEngine) -> None:
    ip = only_in(engine, "games", 1, want=is_ip)[0]
    a, b, c, d = (int(p) for p in ip.split("."))
    number = (a << 24) + (b << 16) + (c << 8) + d
    who = engine.who_for_group("pupils-ks2")
    for spelling in (ip, str(number), hex(number), f"0{a:o}.0{b:o}.0{c:o}.0{d:o}"):
        decision = engine.decide(who, f"http://{spelling}/", LESSON)
        assert decision.action == "block" and "games" in decision.categories, spelling


def test_url_entries_match_their_path_and_below_but_not_a_longer_name(engine: FilterEngine) -> None:
    who = engine.who_for_group("pupils-ks2")
    with open(UT1 / "adult" / "urls", encoding="utf-8") as handle:
        entry = next(line.strip() for line in handle if line.count("/") == 1 and "?" not in line)
    host = normalise_url(entry).host
    if {m.category for m in engine.matcher.match_host(host)}:
        pytest.skip("first url entry's host is listed whole")
    assert engine.decide(who, f"http://{entry}", LESSON).action == "block"
    assert engine.decide(who, f"http://{entry}/deeper/page", LESSON).action == "block"
    assert engine.decide(who, f"http://{entry}x", LESSON).action == "allow"
    assert engine.decide(who, f"http://{host}/", LESSON).action == "allow"


def test_an_unlisted_site_is_allowed_by_default(engine: FilterEngine) -> None:
    decision = engine.decide(
        engine.who_for_group("pupils-ks2"), "http://harbour-test.example/", LESSON
    )
    assert (decision.action, decision.reason_code, decision.activity) == (
        "allow",
        Reason.DEFAULT,
        None,
    )


def test_the_school_allow_list_lets_a_site_through(engine: FilterEngine) -> None:
    decision = engine.decide(
        engine.who_for_group("pupils-ks1"), "https://www.bbc.co.uk/news", LESSON
    )
    assert (decision.action, decision.reason_code, decision.rule) == (
        "allow",
        Reason.ALLOWLIST,
        "local_lists.school-allow",
    )


def test_the_school_block_list_blocks_everyone_through_its_row(engine: FilterEngine) -> None:
    decision = engine.decide(engine.who_for_group("staff"), "http://blocked.example.org/x", LUNCH)
    assert (decision.action, decision.activity) == ("block", "school-blocklist")


def test_a_site_in_several_categories_is_blocked_if_any_of_its_rows_blocks(
    engine: FilterEngine,
) -> None:
    games = set((UT1 / "games" / "domains").read_text().split())
    both = sorted(d for d in (UT1 / "gambling" / "domains").read_text().split() if d in games)
    assert both, "UT1 lists no domain as both games and gambling"
    staff = engine.who_for_group("staff")
    decision = engine.decide(staff, f"https://{both[0]}/", LUNCH)  # games allowed, gambling never
    assert {"games", "gambling"} <= set(decision.categories)
    assert (decision.action, decision.activity) == ("block", "gambling")
