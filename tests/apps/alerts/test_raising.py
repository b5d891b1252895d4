"""Raising alerts: one per concern, repeats folded in, the locked tier, everything audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from harbour.apps.alerts.classify import Finding, find_risks, in_context, url_words
from harbour.apps.alerts.models import Alert
from harbour.apps.alerts.raising import Subject, event_findings, locked_finding, raise_alert
from harbour.apps.audit.models import AuditEntry
from harbour.monitoring.classifier import Classifier
from harbour.monitoring.learned import LearnedModel
from harbour.monitoring.lexicon import load_default

NOW = timezone.now()


def finding(category="bullying", severity=3, matched="loser", context="you are such a loser"):
    return Finding(category, severity, matched, context, "text-event")


def test_an_alert_names_the_pupil_device_time_category_severity_and_evidence(school, pupil):
    alert = raise_alert(Subject("jexample", "CB-07", "10.0.0.7", "Chat", NOW), finding())
    assert (alert.person, alert.device, alert.ip, alert.application) == (
        pupil,
        "CB-07",
        "10.0.0.7",
        "Chat",
    )
    assert (alert.category, alert.severity, alert.status, alert.repeat_count) == (
        "bullying",
        3,
        "new",
        1,
    )
    assert alert.evidence[0]["context"] == "you are such a loser"
    assert alert.first_seen == NOW and alert.who == "Jamie Example"


def test_a_repeat_within_the_window_is_folded_into_the_open_alert(school, pupil):
    first = raise_alert(Subject("jexample", when=NOW), finding(severity=3))
    again = raise_alert(
        Subject("JExample", when=NOW + timedelta(minutes=59)),
        finding(severity=4, matched="kys", context="just kys"),
    )
    later = raise_alert(Subject("jexample", when=NOW + timedelta(minutes=70)), finding(severity=2))
    assert again.pk == first.pk and later.pk == first.pk  # 70 is within 60 of the last repeat
    first.refresh_from_db()
    assert first.repeat_count == 3 and first.severity == 4
    assert [e["matched"] for e in first.evidence] == ["loser", "kys", "loser"]
    assert Alert.objects.count() == 1


def test_a_repeat_after_the_window_or_in_another_category_is_a_new_alert(school, pupil):
    first = raise_alert(Subject("jexample", when=NOW), finding())
    other = raise_alert(Subject("jexample", when=NOW), finding(category="drugs"))
    late = raise_alert(Subject("jexample", when=NOW + timedelta(minutes=61)), finding())
    assert len({first.pk, other.pk, late.pk}) == 3


def test_a_closed_alert_is_not_reopened_by_a_repeat(school, pupil):
    first = raise_alert(Subject("jexample", when=NOW), finding())
    Alert.objects.filter(pk=first.pk).update(status="closed", closed_at=NOW)
    assert raise_alert(Subject("jexample", when=NOW), finding()).pk != first.pk


def test_repeats_of_an_unknown_user_are_grouped_by_device(school):
    a = raise_alert(Subject(device="LAB-3", when=NOW), finding())
    b = raise_alert(Subject(device="lab-3", when=NOW), finding())
    assert a.pk == b.pk and a.person is None and a.who == "LAB-3"


def test_raising_and_repeats_are_audited_without_the_evidence(school, pupil):
    alert = raise_alert(Subject("jexample", when=NOW), finding())
    raise_alert(Subject("jexample", when=NOW), finding())
    entries = AuditEntry.objects.filter(object_type="alerts.alert", object_id=str(alert.pk))
    assert [e.action for e in entries.order_by("seq")] == ["raise", "repeat"]
    assert all("loser" not in str(e.after) for e in entries)


def test_a_block_on_the_locked_tier_is_a_severity_five_illegal_finding_by_itself():
    event = {
        "reason_code": "locked",
        "host": "bad.example",
        "rule": "locked:iwf",
        "url": "http://bad.example/x",
    }
    found = locked_finding(event)
    assert (found.category, found.severity, found.source) == ("illegal", 5, "locked-tier")
    assert "/x" not in found.context  # the feed's page address is confidential
    assert locked_finding({**event, "reason_code": "blocked"}) is None
    assert event_findings(event, lambda text, source: [])[0] == found


def test_each_event_raises_at_most_one_finding_per_category_the_strongest():
    def classify(text, source):
        return [Finding("suicide", 5 if source == "search" else 4, text, text, source)]

    event = {"search_terms": ["a"], "url": "https://www.google.com/search?q=a", "title": "b"}
    found = event_findings(event, classify)
    assert [(f.category, f.severity, f.source) for f in found] == [("suicide", 5, "search")]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://example.com/how-to_stay%20safe.html?page=2", "how to stay safe"),
        ("example.com/blog/2024/05/hello-world/", "blog hello world"),
        ("https://example.com/a?q=self+harm+help", "a self harm help"),
    ],
)
def test_the_words_of_a_web_address_are_its_path_and_query_values(url, words):
    assert url_words(url) == words


def test_the_words_of_a_web_address_are_read_by_the_lexicons_alone():
    # A word the hand-made model reads as urgent: searches and titles are sentences someone
    # wrote; an address's words are not, and the learned weights never learned from such.
    model = LearnedModel(
        ["none", "suicide", "suicide+"], [3.0, 0.0, -3.0], {"zorblax": [-20.0, 0.0, 20.0]}
    )
    classifier = Classifier(load_default(), learned=model)
    assert find_risks(classifier, "feeling zorblax tonight", "url") == []
    [found] = find_risks(classifier, "feeling zorblax tonight", "search")
    assert (found.category, found.severity, found.context) == (
        "suicide",
        4,
        "feeling zorblax tonight",
    )


def test_evidence_keeps_six_words_either_side_of_the_match():
    text = "one two three four five six seven MATCH eight nine ten eleven twelve thirteen fourteen"
    assert (
        in_context(text, "match")
        == "two three four five six seven MATCH eight nine ten eleven twelve thirteen"
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_make_one_alert_not_several(school, pupil):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database reports table locks rather than waiting; "
            "a file database serialises writers with BEGIN IMMEDIATE"
        )

    start = threading.Barrier(6)
    errors = []

    def raise_one() -> None:
        try:
            start.wait()
            raise_alert(Subject("jexample", when=NOW), finding())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=raise_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    (alert,) = Alert.objects.all()
    assert alert.repeat_count == 6
