"""Cached decisions last exactly until the policy's next window, override or expiry edge."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from harbour.gateways.dns.edges import Edges
from harbour.policy import load_policy
from harbour.policy.snapshot import DeviceEntry, Override, Snapshot
from tests.paths import SAMPLE_POLICY

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).timestamp()


def test_decision_made_in_the_morning_holds_until_lunch_starts():
    policy = load_policy(SAMPLE_POLICY)
    edges = Edges(policy, None, datetime(2026, 11, 24, 9, 0, tzinfo=LONDON))  # a Tuesday
    assert edges.next_after(at("2026-11-24T09:00")) == at("2026-11-24T12:00")
    assert edges.next_after(at("2026-11-24T12:30")) == at("2026-11-24T13:00")
    assert edges.next_after(at("2026-11-24T18:30")) == at("2026-11-25T12:00")


def test_friday_evening_decisions_hold_until_monday_lunch():
    policy = load_policy(SAMPLE_POLICY)
    edges = Edges(policy, None, datetime(2026, 11, 27, 19, 0, tzinfo=LONDON))
    assert edges.next_after(at("2026-11-27T19:00")) == at("2026-11-30T12:00")


def test_override_expiry_and_guest_device_expiry_are_edges():
    policy = load_policy(SAMPLE_POLICY)
    snapshot = Snapshot(
        policy_text="",
        overrides=[Override(1, "domain:example.org", ("pupils-ks2",),
                            "2026-11-24T09:30:00+00:00", "2026-11-24T10:15:00+00:00")],
        devices=[DeviceEntry("guest-phone", "visitors", ip="10.30.0.9",
                             expires="2026-11-24T11:00:00+00:00")],
    )  # fmt: skip
    edges = Edges(policy, snapshot, datetime(2026, 11, 24, 9, 0, tzinfo=LONDON))
    assert edges.next_after(at("2026-11-24T09:00")) == at("2026-11-24T09:30")
    assert edges.next_after(at("2026-11-24T09:45")) == at("2026-11-24T10:15")
    assert edges.next_after(at("2026-11-24T10:30")) == at("2026-11-24T11:00")


def test_naive_override_times_fall_back_to_minute_checks():
    policy = load_policy(SAMPLE_POLICY)
    snapshot = Snapshot(
        policy_text="",
        overrides=[
            Override(2, "category:games", ("staff",), "2026-11-24T09:30", "2026-11-24T10:00")
        ],
    )
    edges = Edges(policy, snapshot, datetime(2026, 11, 24, 9, 0, tzinfo=LONDON))
    assert edges.next_after(at("2026-11-24T09:00") + 5) == at("2026-11-24T09:01")
