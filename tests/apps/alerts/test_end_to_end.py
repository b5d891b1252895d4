"""End to end: a pupil's search through the filter becomes an alert and an email at once."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime

import pytest

from harbour.apps.alerts.models import Alert
from harbour.events.record import decision_event
from harbour.events.spool import SpoolWriter
from harbour.filtering import FilterEngine, ListStore, compile_policy
from harbour.paths import DATA_ENV, spool_dir
from harbour.policy.snapshot import read_snapshot, write_snapshot
from tests.apps.alerts.conftest import words
from tests.fixtures import sign_in
from tests.paths import SAMPLE_POLICY

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH = "https://www.google.com/search?q=how+to+kill+myself+painlessly&hl=en"
DEADLINE_S = 20  # the worker passes events and mail on every 2 s; this is only a hang guard


@pytest.fixture
def gateway(tmp_path, monkeypatch):
    """The data dir a gateway uses: sample policy, a locked feed, the pupil in the directory."""
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    feed = tmp_path / "feed.txt"
    feed.write_text("illegal.example\n")
    ListStore(tmp_path / "lists").import_locked("iwf", feed)
    compile_policy(SAMPLE_POLICY, tmp_path)
    snapshot = read_snapshot(tmp_path / "policy.json")
    snapshot.users = {"jexample": ["pupils-ks2"]}
    write_snapshot(tmp_path / "policy.json", snapshot)
    return FilterEngine.open(tmp_path)


def spool_requests(engine: FilterEngine, urls: list[str]) -> None:
    who = dataclasses.replace(engine.who_for_user("jexample", ip="10.20.0.7"), device="CB-07")
    with SpoolWriter(spool_dir(), background=False) as writer:
        for url in urls:
            decision = engine.decide(who, url)
            writer.append(decision_event(decision, who, datetime.now().astimezone(), "proxy"))


def run_worker_until(done: threading.Event) -> None:
    from django.db import connections

    from harbour.apps.events.worker import run_worker

    stop = threading.Event()

    def work() -> None:
        try:
            run_worker(stop)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        assert done.wait(DEADLINE_S), "no email reached the mail server"
    finally:
        stop.set()
        thread.join(DEADLINE_S)


def test_a_pupils_search_for_a_suicide_method_reaches_the_dsl_by_email_and_the_queue(
    school, pupil, gateway, smtp_server, client
):
    spool_requests(gateway, ["https://www.bbc.co.uk/bitesize", SEARCH])
    run_worker_until(smtp_server.event)

    alert = Alert.objects.get()
    assert (alert.person, alert.category, alert.severity) == (pupil, "suicide", 5)
    assert (alert.source, alert.device, alert.ip) == ("search", "CB-07", "10.20.0.7")
    assert "kill myself" in alert.evidence[0]["context"]
    body = smtp_server.bodies()[0]
    assert "Jamie Example" in body and "suicide" in body
    assert not {"kill", "myself", "painlessly"} & words(body)
    sign_in(client, school["alice"])
    queue = client.get("/alerts/").content.decode()
    assert "Jamie Example" in queue and f"/alerts/{alert.pk}/" in queue


def test_a_block_on_the_locked_illegal_tier_raises_a_severity_five_alert_by_itself(
    school, pupil, gateway, smtp_server
):
    spool_requests(gateway, ["http://illegal.example/"])
    run_worker_until(smtp_server.event)
    alert = Alert.objects.get()
    assert (alert.category, alert.severity, alert.source) == ("illegal", 5, "locked-tier")
    assert alert.person == pupil
