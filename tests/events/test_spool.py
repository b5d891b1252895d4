"""The decision-event spool: durable, in order, and loaded exactly once even when killed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

from harbour.events import SpoolReader, SpoolWriter, decision_event
from harbour.filtering import Decision, Reason, Who

INGEST = textwrap.dedent(
    """
    import os, sqlite3, sys, time
    from harbour.events import SpoolReader
    spool, db, pause_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    con = sqlite3.connect(db)
    con.execute("create table if not exists events (id text primary key, n integer)")
    reader = SpoolReader(spool)
    for number, (batch, events) in enumerate(reader.batches(max_events=50), 1):
        with con:  # one transaction per batch, keyed by the stable event id
            con.executemany("insert or ignore into events values (?, ?)", [(e["id"], e["n"]) for e in events])
        if number == pause_after:
            open(db + ".committed", "w").close()
            time.sleep(60)  # killed here: committed but not acknowledged
        reader.ack(batch)
    """
)


def write_events(spool: Path, count: int, start: int = 0) -> None:
    with SpoolWriter(spool, background=False) as writer:
        for n in range(start, start + count):
            writer.append({"n": n, "url": f"http://site{n}.example/"})


def ingest(spool: Path, db: Path, pause_after: int = 0) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", INGEST, str(spool), str(db), str(pause_after)])


def test_events_come_back_in_order_with_stable_ids_and_acked_segments_go(tmp_path: Path) -> None:
    write_events(tmp_path, 120)
    reader = SpoolReader(tmp_path)
    seen = []
    for batch, events in reader.batches(max_events=50):
        assert len(events) <= 50
        seen.extend(events)
        reader.ack(batch)
    assert [e["n"] for e in seen] == list(range(120))
    assert len({e["id"] for e in seen}) == 120
    assert not list(tmp_path.glob("*.jsonl"))
    assert list(SpoolReader(tmp_path).batches()) == []


def test_unacknowledged_batches_come_back_with_the_same_ids(tmp_path: Path) -> None:
    write_events(tmp_path, 30)
    first = next(SpoolReader(tmp_path).batches(max_events=10))
    again = next(SpoolReader(tmp_path).batches(max_events=10))
    assert first == again
    reader = SpoolReader(tmp_path)
    reader.ack(first[0])
    assert next(SpoolReader(tmp_path).batches(max_events=10))[1][0]["n"] == 10


def test_an_ingest_killed_mid_batch_loads_every_event_exactly_once(tmp_path: Path) -> None:
    spool, db = tmp_path / "spool", tmp_path / "events.db"
    write_events(spool, 400)
    worker = ingest(spool, db, pause_after=3)
    marker = Path(str(db) + ".committed")
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert time.monotonic() < deadline and worker.poll() is None, "ingest never reached batch 3"
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    write_events(spool, 100, start=400)  # the gateways kept writing meanwhile
    assert ingest(spool, db).wait(timeout=60) == 0
    rows = (
        sqlite3.connect(db)
        .execute("select count(*), count(distinct n), min(n), max(n) from events")
        .fetchone()
    )
    assert rows == (500, 500, 0, 499)
    assert SpoolReader(spool).pending_bytes() == 0


def test_events_flushed_by_a_writer_that_then_dies_are_not_lost(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import os, sys
        from harbour.events import SpoolWriter
        writer = SpoolWriter(sys.argv[1], flush_interval=0.01)
        for n in range(300):
            writer.append({"n": n})
        writer.flush()
        os.kill(os.getpid(), 9)
        """
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False)
    reader = SpoolReader(tmp_path)
    events = [e for batch, chunk in reader.batches(max_events=1000) for e in chunk]
    assert [e["n"] for e in events] == list(range(300))
    for batch, _ in SpoolReader(tmp_path).batches(max_events=1000):
        reader.ack(batch)
    assert not list(tmp_path.glob("*.jsonl"))  # the dead writer's segment counts as finished


def test_the_background_thread_writes_appended_events_without_a_flush_call(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, flush_interval=0.01)
    writer.append({"n": 1})
    deadline = time.monotonic() + 10
    while not SpoolReader(tmp_path).pending_bytes():
        assert time.monotonic() < deadline, "the event never reached the disk"
        time.sleep(0.01)
    writer.close()
    assert (tmp_path / (next(tmp_path.glob("*.jsonl")).name + ".done")).exists()


def test_segments_rotate_by_size_and_are_read_across(tmp_path: Path) -> None:
    with SpoolWriter(tmp_path, background=False, rotate_bytes=200) as writer:
        for n in range(50):
            writer.append({"n": n})
            writer.flush()
    assert len(list(tmp_path.glob("*.jsonl"))) >= 3
    events = [e for _, chunk in SpoolReader(tmp_path).batches(max_events=7) for e in chunk]
    assert [e["n"] for e in events] == list(range(50))


def test_a_corrupt_line_is_delivered_as_an_error_event_not_dropped(tmp_path: Path) -> None:
    write_events(tmp_path, 2)
    segment = next(tmp_path.glob("*.jsonl"))
    with open(segment, "a") as out:
        out.write("{broken\n")
    events = [e for _, chunk in SpoolReader(tmp_path).batches() for e in chunk]
    assert [e.get("n") for e in events] == [0, 1, None]
    assert "unreadable spool line" in events[2]["error"] and events[2]["raw"] == "{broken"


def test_a_decision_event_carries_the_dfe_fields(tmp_path: Path) -> None:
    decision = Decision(
        url="https://www.google.com/search?q=help",
        host="www.google.com",
        action="allow",
        reason="Not in any category the policy restricts.",
        reason_code=Reason.DEFAULT,
        policy_version="abc123",
        search_terms=("help",),
    )
    who = Who(user="jsmith", groups=frozenset({"pupils-ks2"}), ip="10.10.1.2", device="lab-07")
    event = decision_event(decision, who, datetime(2026, 11, 24, 10, 0, tzinfo=UTC), "proxy")
    assert {
        k: event[k] for k in ("device", "ip", "user", "group", "search_terms", "action", "source")
    } == {
        "device": "lab-07",
        "ip": "10.10.1.2",
        "user": "jsmith",
        "group": "pupils-ks2",
        "search_terms": ["help"],
        "action": "allow",
        "source": "proxy",
    }
    assert event["time"] == "2026-11-24T10:00:00+00:00" and event["policy_version"] == "abc123"
    assert json.loads(json.dumps(event)) == event


def test_pre_encoded_lines_and_mappings_share_one_spool_in_order(tmp_path: Path) -> None:
    with SpoolWriter(tmp_path, background=False) as writer:
        writer.append({"n": 0})
        writer.append_line('{"n":1,"url":"http://a.example/"}')
        writer.append({"n": 2})
    events = [e for _, chunk in SpoolReader(tmp_path).batches() for e in chunk]
    assert [e["n"] for e in events] == [0, 1, 2] and events[1]["url"] == "http://a.example/"


def test_a_batch_of_encoded_lines_is_one_queue_entry_but_every_event_is_read_back(
    tmp_path: Path,
) -> None:
    with SpoolWriter(tmp_path, background=False) as writer:
        writer.append_lines(['{"n":0}', '{"n":1}', '{"n":2}'])
        assert len(writer._queue) == 1
        writer.append_lines([])
        writer.append({"n": 3})
    events = [e for _, chunk in SpoolReader(tmp_path).batches() for e in chunk]
    assert [e["n"] for e in events] == [0, 1, 2, 3]
    assert len({e["id"] for e in events}) == 4  # each its own place in the segment


def test_a_forked_worker_writes_its_own_segment_and_loses_nothing(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import os, sys
        from harbour.events import SpoolWriter
        writer = SpoolWriter(sys.argv[1], flush_interval=0.01)
        writer.append({"who": "parent", "n": 0})
        writer.flush()
        pid = os.fork()
        if pid == 0:
            writer.append({"who": "child", "n": 1})
            writer.close()
            os._exit(0)
        os.waitpid(pid, 0)
        writer.append({"who": "parent", "n": 2})
        writer.close()
        """
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    assert len(list(tmp_path.glob("*.jsonl"))) == 2
    events = [e for _, chunk in SpoolReader(tmp_path).batches() for e in chunk]
    assert sorted((e["who"], e["n"]) for e in events) == [
        ("child", 1),
        ("parent", 0),
        ("parent", 2),
    ]
