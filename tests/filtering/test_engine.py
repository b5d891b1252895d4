"""Decision order beyond the matrix: locked tier, overrides, allow lists, who, reloads."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from harbour.filtering import EngineError, FilterEngine, ListStore, Reason, compile_policy
from harbour.policy.snapshot import DeviceEntry, Override, read_snapshot, write_snapshot
from tests.paths import SAMPLE_POLICY, UT1

LONDON = ZoneInfo("Europe/London")
LESSON = datetime(2026, 11, 24, 10, 30, tzinfo=LONDON)
GAME = "0000100.com"  # in UT1 "games" only


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data dir: the sample policy, UT1 games, and a locked IWF-style feed."""
    if not (UT1 / "games" / "domains").is_file():
        pytest.skip(f"the UT1 lists are not at {UT1}")
    store = ListStore(tmp_path / "lists")
    store.import_categories(UT1, {"games"})
    feed = tmp_path / "iwf.txt"
    feed.write_text("illegal.example\nhttp://www.bbc.co.uk/locked/page\n")
    store.import_locked("iwf", feed)
    compile_policy(SAMPLE_POLICY, tmp_path)
    return tmp_path


def with_snapshot(data: Path, **changes: object) -> FilterEngine:
    snapshot = read_snapshot(data / "policy.json")
    for key, value in changes.items():
        setattr(snapshot, key, value)
    write_snapshot(data / "policy.json", snapshot)
    return FilterEngine.open(data)


def override(target: str, groups: tuple[str, ...], hours: int = 1, oid: int = 1) -> Override:
    return Override(
        id=oid,
        target=target,
        groups=groups,
        starts=(LESSON - timedelta(minutes=5)).isoformat(),
        expires=(LESSON + timedelta(hours=hours)).isoformat(),
        reason="Year 5 coding lesson",
    )


def test_the_locked_tier_blocks_everyone_even_on_the_allow_list(data: Path) -> None:
    engine = FilterEngine.open(data)
    for group in ("staff", "digital-leaders", "pupils-ks2"):
        decision = engine.decide(
            engine.who_for_group(group), "https://www.bbc.co.uk/locked/page", LESSON
        )
        assert (decision.action, decision.reason_code, decision.rule) == (
            "block",
            Reason.LOCKED,
            "locked.iwf",
        )
        assert decision.level == "unacceptable-illegal"
        assert decision.activity == "illegal-content"
    assert (
        engine.decide(engine.who_for_group("staff"), "https://www.bbc.co.uk/news", LESSON).action
        == "allow"
    )


def test_the_locked_tier_cannot_be_overridden(data: Path) -> None:
    engine = with_snapshot(
        data,
        overrides=[
            override("domain:illegal.example", ("staff",), oid=1),
            override("category:iwf", ("staff",), oid=2),
        ],
    )
    decision = engine.decide(engine.who_for_group("staff"), "http://sub.illegal.example/", LESSON)
    assert (decision.action, decision.reason_code) == ("block", Reason.LOCKED)
    assert engine.decide_host(engine.who_for_group("staff"), "illegal.example", LESSON).blocked


def test_an_approved_override_unblocks_for_its_groups_until_it_expires(data: Path) -> None:
    engine = with_snapshot(
        data, overrides=[override(f"domain:{GAME}", ("pupils-ks2",), hours=1, oid=7)]
    )
    pupils, infants = engine.who_for_group("pupils-ks2"), engine.who_for_group("pupils-ks1")
    during = engine.decide(pupils, f"http://www.{GAME}/play", LESSON)
    assert (during.action, during.reason_code, during.rule) == (
        "allow",
        Reason.OVERRIDE,
        "override:7",
    )
    assert "Year 5 coding lesson" in during.reason
    assert engine.decide(infants, f"http://www.{GAME}/play", LESSON).action == "block"
    after = engine.decide(pupils, f"http://www.{GAME}/play", LESSON + timedelta(hours=1, seconds=1))
    assert (after.action, after.reason_code) == ("block", Reason.POLICY)
    before = engine.decide(pupils, f"http://www.{GAME}/play", LESSON - timedelta(minutes=6))
    assert before.action == "block"


def test_a_category_override_unblocks_the_whole_category(data: Path) -> None:
    engine = with_snapshot(data, overrides=[override("category:games", ("pupils-ks2",))])
    decision = engine.decide(engine.who_for_group("pupils-ks2"), f"http://{GAME}/", LESSON)
    assert (decision.action, decision.reason_code) == ("allow", Reason.OVERRIDE)


def test_an_engine_picks_up_a_new_override_without_restarting(data: Path) -> None:
    engine = FilterEngine.open(data)
    pupils = engine.who_for_group("pupils-ks2")
    assert engine.decide(pupils, f"http://{GAME}/", LESSON).blocked
    snapshot = read_snapshot(data / "policy.json")
    snapshot.overrides = [override(f"domain:{GAME}", ("pupils-ks2",))]
    write_snapshot(data / "policy.json", snapshot)
    assert engine.maybe_reload(force=True)
    assert engine.decide(pupils, f"http://{GAME}/", LESSON).action == "allow"
    assert not engine.maybe_reload(force=True)


def test_an_engine_picks_up_new_lists_and_keeps_serving_through_a_bad_import(data: Path) -> None:
    engine = FilterEngine.open(data)
    pupils = engine.who_for_group("pupils-ks2")
    gambling = (UT1 / "gambling" / "domains").read_text().split()[0]
    assert not engine.decide(pupils, f"http://{gambling}/", LESSON).blocked
    ListStore(data / "lists").import_categories(UT1, {"games", "gambling"})
    assert engine.maybe_reload(force=True)
    assert engine.decide(pupils, f"http://{gambling}/", LESSON).blocked
    assert engine.decide(pupils, "http://illegal.example/", LESSON).reason_code is Reason.LOCKED


def test_a_broken_snapshot_is_not_loaded_and_the_old_policy_keeps_serving(data: Path) -> None:
    engine = FilterEngine.open(data)
    version = engine.policy_version
    (data / "policy.json").write_text("{ not json")
    os.utime(data / "policy.json", ns=(1, 1))
    assert not engine.maybe_reload(force=True)
    assert engine.policy_version == version
    assert engine.decide(engine.who_for_group("pupils-ks2"), f"http://{GAME}/", LESSON).blocked


def test_clients_are_placed_by_device_then_network_then_as_unknown(data: Path) -> None:
    engine = with_snapshot(
        data,
        devices=[
            DeviceEntry(name="staffroom-pc-1", group="staff", ip="10.10.5.5"),
            DeviceEntry(name="library-laptops", group="pupils-ks1", cidr="10.10.6.0/24"),
            DeviceEntry(name="staff-ipv6", group="staff", cidr="2001:db8:20::/48"),
            DeviceEntry(name="head-laptop", group="staff", ip="2001:DB8:30::0001"),
            DeviceEntry(
                name="old-trolley",
                group="staff",
                cidr="10.10.8.0/24",
                expires="2026-01-01T00:00:00+00:00",
            ),
            DeviceEntry(
                name="old-tablet",
                group="staff",
                ip="10.10.7.7",
                expires="2026-01-01T00:00:00+00:00",
            ),
        ],
    )
    assert engine.who_for_ip("10.10.5.5", LESSON).device == "staffroom-pc-1"
    assert engine.who_for_ip("10.10.5.5", LESSON).groups == {"staff"}
    assert engine.who_for_ip("10.10.6.9", LESSON).groups == {"pupils-ks1"}
    assert engine.who_for_ip("10.10.7.7", LESSON).groups == {"pupils-ks2"}  # expired: pupil Wi-Fi
    assert engine.who_for_ip("10.20.1.1", LESSON).groups == {"staff"}
    assert engine.who_for_ip("[2001:DB8:20::7]", LESSON).device == "staff-ipv6"
    assert engine.who_for_ip("2001:db8:30::1", LESSON).device == "head-laptop"
    assert engine.who_for_ip("10.10.8.8", LESSON).groups == {"pupils-ks2"}  # range expired
    assert engine.who_for_ip("192.0.2.1", LESSON).groups == {"visitors"}
    with pytest.raises(EngineError):
        engine.who_for_ip("not-an-ip")


def test_users_get_their_directory_groups_and_strangers_the_unknown_group(data: Path) -> None:
    engine = with_snapshot(data, users={"jsmith": ["pupils-ks2", "digital-leaders"]})
    assert engine.who_for_user("jsmith").groups == {"pupils-ks2", "digital-leaders"}
    assert engine.who_for_user("nobody").groups == {"visitors"}
    youtube = engine.decide(
        engine.who_for_user("jsmith"), "https://www.youtube.com/watch?v=x", LESSON
    )
    assert youtube.categories == ()  # audio-video is not imported in this data dir
    with pytest.raises(EngineError, match="unknown group"):
        engine.who_for_group("year-12")


def test_an_unparseable_url_is_blocked_with_an_error_not_an_exception(data: Path) -> None:
    engine = FilterEngine.open(data)
    decision = engine.decide(engine.who_for_group("staff"), "http://exa mple.com/", LESSON)
    assert (decision.action, decision.reason_code) == ("block", Reason.ERROR)
    assert decision.error and "exa mple" in decision.error


def test_the_dns_path_judges_whole_domains_only(data: Path) -> None:
    engine = FilterEngine.open(data)
    pupils = engine.who_for_group("pupils-ks2")
    assert engine.decide_host(pupils, f"WWW.{GAME}.", LESSON).blocked
    assert not engine.decide_host(pupils, "www.bbc.co.uk", LESSON).blocked  # only a page is locked


def test_safe_search_applies_to_the_groups_the_policy_names(data: Path) -> None:
    engine = FilterEngine.open(data)
    pupil, staff, visitor = (engine.who_for_group(g) for g in ("pupils-ks2", "staff", "visitors"))
    assert (
        engine.decide_host(pupil, "www.google.co.uk", LESSON).safe_search
        == "forcesafesearch.google.com"
    )
    assert (
        engine.decide_host(pupil, "www.youtube.com", LESSON).safe_search == "restrict.youtube.com"
    )
    assert (
        engine.decide_host(visitor, "m.youtube.com", LESSON).safe_search
        == "restrictmoderate.youtube.com"
    )
    assert engine.decide_host(pupil, "www.bing.com", LESSON).safe_search == "strict.bing.com"
    assert engine.decide_host(pupil, "duckduckgo.com", LESSON).safe_search == "safe.duckduckgo.com"
    assert engine.decide_host(staff, "www.google.co.uk", LESSON).safe_search is None
    assert engine.decide_host(pupil, "mail.google.com", LESSON).safe_search is None
    rewritten = engine.decide(pupil, "https://www.google.com/search?q=cats&safe=off", LESSON)
    assert rewritten.safe_search_url == "https://www.google.com/search?q=cats&safe=active"


def test_the_engine_names_policy_lists_that_were_never_imported(data: Path) -> None:
    missing = FilterEngine.open(data).unlisted_categories()
    assert "gambling" in missing and "ctiru" in missing
    assert "games" not in missing and "iwf" not in missing and "school-block" not in missing


def test_an_authenticated_user_on_a_registered_device_is_logged_with_both(data: Path) -> None:
    engine = with_snapshot(
        data,
        users={"mrs.jones": ["staff"]},
        devices=[DeviceEntry(name="class4-laptop", group="pupils-ks2", ip="10.10.9.9")],
    )
    who = engine.who_for_user("mrs.jones", ip="10.10.9.9")
    assert (who.user, who.groups, who.device) == ("mrs.jones", {"staff"}, "class4-laptop")


def test_a_locked_feed_named_like_a_category_locks_only_its_own_entries(data: Path) -> None:
    feed = data / "games-feed.txt"
    feed.write_text("locked-game.example\n")
    ListStore(data / "lists").import_locked("games", feed)
    engine = FilterEngine.open(data)
    staff = engine.who_for_group("staff")
    lunch = LESSON.replace(hour=12, minute=15)
    assert engine.decide(staff, "http://locked-game.example/", lunch).reason_code is Reason.LOCKED
    ordinary = engine.decide(staff, f"http://{GAME}/", lunch)
    assert (ordinary.action, ordinary.reason_code) == ("allow", Reason.POLICY)


def list_addition(entry: str, oid: int, hours: int = 24 * 365) -> Override:
    return Override(
        id=oid,
        target=entry,
        groups=(),
        starts=(LESSON - timedelta(hours=1)).isoformat(),
        expires=(LESSON + timedelta(hours=hours)).isoformat(),
        reason="approved request",
    )


def test_approved_additions_to_the_schools_lists_block_and_allow_like_the_policy_file(
    data: Path,
) -> None:
    engine = with_snapshot(
        data,
        overrides=[
            list_addition("list:school-block:distracting.example", 1),
            list_addition("list:school-block:video.example/shorts", 2),
            list_addition(f"list:school-allow:{GAME}", 3, hours=1),
            list_addition("list:school-allow:illegal.example", 4),
            list_addition("list:no-such-list:ignored.example", 5),
        ],
    )
    staff = engine.who_for_group("staff")
    blocked = engine.decide(staff, "https://www.distracting.example/", LESSON)
    assert (blocked.action, blocked.activity, blocked.categories) == (
        "block",
        "school-blocklist",
        ("school-block",),
    )
    assert engine.decide_host(staff, "distracting.example", LESSON).blocked
    assert engine.decide(staff, "http://video.example/shorts/1", LESSON).blocked
    assert not engine.decide(staff, "http://video.example/watch", LESSON).blocked
    pupils = engine.who_for_group("pupils-ks2")
    allowed = engine.decide(pupils, f"http://{GAME}/", LESSON)
    assert (allowed.action, allowed.reason_code) == ("allow", Reason.ALLOWLIST)
    later = engine.decide(pupils, f"http://{GAME}/", LESSON + timedelta(hours=2))
    assert later.blocked  # the allow-list entry expired
    assert engine.decide(pupils, "http://illegal.example/", LESSON).reason_code is Reason.LOCKED
