"""The helper's answers: protocol, who is filtered how, safe search, cache correctness."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harbour.events import SpoolWriter, decision_event
from harbour.filtering import FilterEngine
from harbour.filtering.decision import Decision, Reason, Who
from harbour.gateways.squid import BlockPage, CachedDecider, SquidHelper
from harbour.gateways.squid.decisions import _SHAPE
from harbour.policy.snapshot import Override, read_snapshot, write_snapshot
from tests.gateways.squid.conftest import (
    BYPASS_PATH,
    GAMBLING,
    LEADER,
    MIXED_HOST,
    MIXED_PAGE,
    PUPIL_IP,
    STAFF_IP,
    VIDEO,
)

BLOCK = "http://block.test/blocked"


@pytest.fixture
def helper(school: Path) -> SquidHelper:
    engine = FilterEngine.open(school)
    return SquidHelper(CachedDecider(engine, school / "policy.json", block_page=BlockPage(BLOCK)))


def ask(helper: SquidHelper, url: str, ip: str = PUPIL_IP, user: str = "-", channel="7") -> str:
    prefix = f"{channel} " if channel is not None else ""
    return helper.answer(f"{prefix}{url} {ip}/- {user} GET myip=127.0.0.1 myport=3128")


def block_query(reply: str) -> dict[str, list[str]]:
    assert ' OK status=302 url="' in f" {reply}", reply
    return parse_qs(urlsplit(reply.split('url="', 1)[1].rstrip('"\n')).query)


def test_reply_echoes_the_channel_id_squid_sent(helper: SquidHelper) -> None:
    assert ask(helper, "http://unlisted.example/", channel="12") == "12 ERR\n"


def test_without_concurrency_replies_carry_no_channel_id(helper: SquidHelper) -> None:
    assert ask(helper, "http://unlisted.example/", channel=None) == "ERR\n"


def test_pupil_is_redirected_to_the_block_page_with_reason_category_and_rule(
    helper: SquidHelper,
) -> None:
    reply = ask(helper, f"http://www.{GAMBLING}/poker?table=3")
    assert reply.startswith(f'7 OK status=302 url="{BLOCK}?')
    query = block_query(reply)
    assert query["url"] == [f"http://www.{GAMBLING}/poker?table=3"]
    assert (query["category"], query["rule"]) == (["gambling"], ["activities.gambling:all"])
    assert query["reason"] == ["Online gambling: unacceptable."]


def test_proxy_user_name_decides_by_that_users_groups(helper: SquidHelper) -> None:
    assert "status=302" in ask(helper, f"http://{VIDEO}/watch")  # a pupil by address
    assert ask(helper, f"http://{VIDEO}/watch", user=LEADER) == "7 ERR\n"


def test_url_escaped_user_names_are_unescaped(helper: SquidHelper) -> None:
    assert ask(helper, f"http://{VIDEO}/watch", user="dl%2Epupil") == "7 ERR\n"


def test_safe_search_is_forced_for_pupils_and_not_for_staff(helper: SquidHelper) -> None:
    reply = ask(helper, "http://www.google.com/search?q=volcanoes")
    assert reply == '7 OK status=302 url="http://www.google.com/search?q=volcanoes&safe=active"\n'
    assert ask(helper, "http://www.bing.com/search?q=volcanoes").endswith('&adlt=strict"\n')
    assert ask(helper, "http://duckduckgo.com/?q=volcanoes").endswith('&kp=1"\n')
    assert ask(helper, "http://www.google.com/search?q=volcanoes", ip=STAFF_IP) == "7 ERR\n"


def test_safe_search_on_a_post_rewrites_instead_of_redirecting(helper: SquidHelper) -> None:
    reply = helper.answer("3 http://www.bing.com/search?q=x 10.10.1.5/- - POST")
    assert reply == '3 OK rewrite-url="http://www.bing.com/search?q=x&adlt=strict"\n'


def test_https_connect_is_decided_on_the_host(helper: SquidHelper) -> None:
    reply = helper.answer(f"4 {GAMBLING}:443 {PUPIL_IP}/- - CONNECT myip=127.0.0.1 myport=3128")
    assert block_query(reply)["url"] == [f"https://{GAMBLING}/"]
    assert helper.answer(f"5 unlisted.example:443 {PUPIL_IP}/- - CONNECT") == "5 ERR\n"


def test_a_page_entry_blocks_its_page_after_the_host_was_allowed(helper: SquidHelper) -> None:
    assert ask(helper, f"http://{MIXED_HOST}/weather") == "7 ERR\n"
    assert ask(helper, f"http://{MIXED_HOST}/sport") == "7 ERR\n"
    assert "status=302" in ask(helper, f"http://{MIXED_HOST}{MIXED_PAGE}/today")


def test_an_expression_blocks_its_url_after_the_host_was_allowed(helper: SquidHelper) -> None:
    assert ask(helper, "http://tools.example/start") == "7 ERR\n"
    assert ask(helper, "http://tools.example/other") == "7 ERR\n"
    assert helper.decider.hits >= 1  # the host's decision came from the cache
    assert "status=302" in ask(helper, f"http://tools.example{BYPASS_PATH}http://x/")


def test_other_spellings_of_a_blocked_host_are_blocked_after_caching(helper: SquidHelper) -> None:
    assert "status=302" in ask(helper, f"http://{GAMBLING}/")
    for spelling in (
        f"HTTP://{GAMBLING.upper()}/",
        f"http://{GAMBLING}.:80/a/../",
        f"http://u@{GAMBLING}/",
    ):
        assert "status=302" in ask(helper, spelling), spelling


def test_malformed_lines_get_bh_or_the_block_page_and_the_helper_keeps_answering(
    helper: SquidHelper,
) -> None:
    assert ask(helper, "http://[::1").startswith("7 OK status=302 url=")
    assert helper.answer("9") == '9 BH message="empty request: no URL"\n'
    assert helper.answer("9 http://unlisted.example/ not-an-ip/- - GET") == "9 ERR\n"
    assert ask(helper, "http://" + "a" * 5000 + ".example/").startswith("7 OK status=302")


def test_the_helper_process_answers_every_line_and_survives_bad_bytes(school: Path) -> None:
    lines = [
        b"0 http://unlisted.example/ 10.10.1.5/- - GET",
        b"1 \xff\xfe\x00garbage",
        b"2",
        b"",
        b"3 http://casino-royale.example/ 10.10.1.5/- - GET",
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harbour",
            "squid-helper",
            "--data",  # the command's own option, as in `harbour squid-helper --data DIR`
            str(school),
            "--block-url",
            BLOCK,
        ],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        timeout=30,
    )
    replies = result.stdout.decode().splitlines()
    assert result.returncode == 0, result.stderr
    assert [r.split()[0] for r in replies] == ["0", "1", "2", "3"]
    assert replies[0] == "0 ERR" and replies[2].startswith("2 BH")
    assert replies[3].startswith(f'3 OK status=302 url="{BLOCK}?')
    spooled = list((school / "spool").glob("*.jsonl"))
    assert sum(len(p.read_text().splitlines()) for p in spooled) == 3  # lines 0, 1 and 3


def test_each_event_logs_its_own_url_when_the_decision_came_from_the_cache(school: Path) -> None:
    spool = SpoolWriter(school / "spool", background=False)
    engine = FilterEngine.open(school)
    helper = SquidHelper(CachedDecider(engine, school / "policy.json"), spool)
    urls = [f"http://{GAMBLING}/first", f"http://{GAMBLING}/second?x=1", f"HTTP://{GAMBLING}/Third"]
    for url in urls:
        ask(helper, url)
    spool.close()
    events = [json.loads(line) for p in (school / "spool").glob("*.jsonl") for line in p.open()]
    assert [e["url"] for e in events] == [urls[0], urls[1], f"http://{GAMBLING}/Third"]
    assert helper.decider.hits == 1
    assert {(e["action"], e["ip"], e["device"]) for e in events} == {("block", PUPIL_IP, None)}


def _with_override(school: Path, starts: datetime, expires: datetime) -> None:
    snapshot = read_snapshot(school / "policy.json")
    snapshot.overrides = [
        Override(7, f"domain:{GAMBLING}", ("pupils-ks2",), starts.isoformat(), expires.isoformat())
    ]
    write_snapshot(school / "policy.json", snapshot)


def test_an_override_stops_applying_the_moment_it_expires_without_any_file_change(
    school: Path,
) -> None:
    now = datetime.now(UTC)
    _with_override(school, now - timedelta(minutes=5), now + timedelta(minutes=10))
    clock = [now.timestamp()]
    decider = CachedDecider(FilterEngine.open(school), school / "policy.json")
    helper = SquidHelper(decider, clock=lambda: clock[0])
    assert ask(helper, f"http://{GAMBLING}/lesson") == "7 ERR\n"
    assert ask(helper, f"http://{GAMBLING}/lesson2") == "7 ERR\n"  # from the cache
    clock[0] = (now + timedelta(minutes=10, seconds=1)).timestamp()
    decider.tick(clock[0])
    assert "status=302" in ask(helper, f"http://{GAMBLING}/lesson3")


def test_a_new_snapshot_is_picked_up_by_a_running_helper(school: Path) -> None:
    decider = CachedDecider(FilterEngine.open(school), school / "policy.json")
    helper = SquidHelper(decider)
    assert "status=302" in ask(helper, f"http://{GAMBLING}/")
    now = datetime.now(UTC)
    _with_override(school, now - timedelta(minutes=1), now + timedelta(hours=1))
    decider.tick(now.timestamp())  # what the helper does before each batch of requests
    assert ask(helper, f"http://{GAMBLING}/") == "7 ERR\n"


def test_a_helper_that_cannot_start_says_why_and_exits_non_zero(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harbour", "squid-helper", "--data", str(tmp_path / "none")],
        input=b"0 http://unlisted.example/ 10.10.1.5/- - GET\n",
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert b"no policy snapshot" in result.stderr and result.stdout == b""


def test_the_host_cache_stays_bounded_and_keeps_the_newest_hosts(
    helper: SquidHelper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harbour.gateways.squid.decisions._MAX_ENTRIES", 4)
    for number in range(10):
        assert ask(helper, f"http://site{number}.example/") == "7 ERR\n"
    hosts = [host for _, host in helper.decider.verdicts]
    assert len(hosts) <= 4 and "site9.example" in hosts


def test_decisions_sharing_event_fields_differ_only_in_what_events_do_not_show() -> None:
    # The helper encodes a decision's event fields once for all decisions alike except in
    # the per-request fields and the matched entries: events must not show anything else.
    event = decision_event(
        Decision("http://a.example/", "a.example", "allow", "", Reason.DEFAULT, "v"),
        Who(),
        datetime.now(UTC),
        "proxy",
    )
    shown = set(event) - {"time", "url", "host", "search_terms", "device", "ip", "user", "group"}
    assert shown <= set(_SHAPE) | {"source"}


def test_an_unlisted_host_decided_for_pupils_is_answered_from_the_cache_for_staff(
    helper: SquidHelper,
) -> None:
    assert ask(helper, "http://unlisted.example/a", ip=PUPIL_IP) == "7 ERR\n"
    misses = helper.decider.misses
    assert ask(helper, "http://unlisted.example/b", ip=STAFF_IP) == "7 ERR\n"
    assert helper.decider.misses == misses


def test_a_listed_host_is_decided_afresh_for_each_group(helper: SquidHelper) -> None:
    assert ask(helper, f"http://{VIDEO}/", user=LEADER) == "7 ERR\n"
    assert "audio-video" in block_query(ask(helper, f"http://{VIDEO}/", ip=PUPIL_IP))["category"]


def test_a_search_engine_is_never_shared_between_groups(helper: SquidHelper) -> None:
    assert ask(helper, "http://www.google.com/maps", ip=STAFF_IP) == "7 ERR\n"
    assert "safe=active" in ask(helper, "http://www.google.com/search?q=x", ip=PUPIL_IP)
    assert all(key is not None for key, host in helper.decider.verdicts if "google" in host)
