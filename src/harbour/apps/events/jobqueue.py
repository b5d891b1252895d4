"""The worker's queue of shared jobs, for a school that runs ``harbour worker`` on several
machines against one database.

Some jobs belong to a machine: ingest loads that machine's own spool. The others (report
generation and delivery, alert e-mails, unblock expiry, register reminders) read and write the
shared database and must run once per turn for the whole school, not once per machine. With
``HARBOUR_QUEUE_URL`` set, each turn of a shared job is *claimed* by exactly one worker, which
puts it on a queue; any worker takes it from there, so the work goes to whichever is free.

- ``redis://host:6379/0``: a turn is claimed with ``SET key NX EX`` on the turn's number (the
  same on every machine, from the wall clock); jobs go through a Redis list.
- ``amqp://user:password@host:5672/``: RabbitMQ has no set-if-absent, so one worker at a time
  schedules: the one holding the exclusive ``harbour.scheduler`` queue (RabbitMQ gives it back
  when that worker's connection ends, and another worker takes over). Jobs go through the
  durable ``harbour.jobs`` queue and are acknowledged once run.

Without ``HARBOUR_QUEUE_URL`` (one machine, the default) there is no queue: the worker runs
every job itself.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Protocol
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

QUEUE_URL_ENV = "HARBOUR_QUEUE_URL"
JOBS = "harbour.jobs"
SCHEDULER = "harbour.scheduler"


class QueueError(Exception):
    """The queue named by ``HARBOUR_QUEUE_URL`` cannot be used."""


class JobQueue(Protocol):
    """What the worker needs from a queue backend."""

    def claim(self, name: str, turn: int, interval: float) -> bool:
        """True for exactly one worker per (job, turn) across all machines."""
        ...

    def put(self, name: str) -> None:
        """Queue one run of job ``name``."""
        ...

    def take(self) -> str | None:
        """A queued job's name, or None when the queue is empty; at most once per run."""
        ...

    def done(self) -> None:
        """The job last taken has run (or failed and was logged)."""
        ...

    def close(self) -> None:
        """Release the connection (and, on RabbitMQ, the scheduler's role)."""
        ...


def queue_from_env() -> JobQueue | None:
    """The queue ``HARBOUR_QUEUE_URL`` names, or None when it is unset (one machine)."""
    url = os.environ.get(QUEUE_URL_ENV, "").strip()
    return open_queue(url) if url else None


def open_queue(url: str) -> JobQueue:
    """Connect to the queue at ``url`` (``redis://`` or ``amqp://``); raises QueueError."""
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        return RedisQueue(url)
    if scheme in ("amqp", "amqps"):
        return RabbitQueue(url)
    raise QueueError(f"{QUEUE_URL_ENV}: unknown scheme {scheme!r} (use redis:// or amqp://)")


class RedisQueue:
    """Claims as keys that expire, jobs on a list."""

    def __init__(self, url: str, prefix: str = "harbour") -> None:
        import redis

        self.prefix = prefix
        try:
            self.client: Any = redis.Redis.from_url(url, socket_timeout=5)
            self.client.ping()
        except redis.RedisError as exc:
            raise QueueError(f"{QUEUE_URL_ENV}: Redis is not reachable ({exc})") from exc

    def claim(self, name: str, turn: int, interval: float) -> bool:
        key = f"{self.prefix}:turn:{name}:{turn}"
        return bool(self.client.set(key, "1", nx=True, ex=max(1, int(interval * 2))))

    def put(self, name: str) -> None:
        self.client.lpush(f"{self.prefix}:jobs", name)

    def take(self) -> str | None:
        found = self.client.rpop(f"{self.prefix}:jobs")
        return found.decode() if found is not None else None

    def done(self) -> None:
        """Nothing to acknowledge: a Redis list hands each job out once."""

    def close(self) -> None:
        self.client.close()


class RabbitQueue:
    """One scheduling worker at a time (an exclusive queue), jobs on a durable queue."""

    def __init__(self, url: str, prefix: str = "harbour") -> None:
        import pika

        self._pika = pika
        self.jobs = f"{prefix}.jobs"
        self.scheduler = f"{prefix}.scheduler"
        self.identity = uuid.uuid4().hex
        try:
            self.connection = pika.BlockingConnection(pika.URLParameters(url))
            self.channel = self.connection.channel()
            self.channel.queue_declare(self.jobs, durable=True)
            # A put returns once the broker has the job, so no turn is lost to a crash.
            self.channel.confirm_delivery()
        except pika.exceptions.AMQPError as exc:
            raise QueueError(f"{QUEUE_URL_ENV}: RabbitMQ is not reachable ({exc})") from exc
        self._leading = False
        self._leader_channel: Any = None
        self._taken: int | None = None

    def claim(self, name: str, turn: int, interval: float) -> bool:
        return self._lead()

    def _lead(self) -> bool:
        """Whether this worker schedules: it holds (or now takes) the exclusive queue."""
        if self._leading:
            return True
        channel = self.connection.channel()
        try:
            channel.queue_declare(self.scheduler, exclusive=True, auto_delete=True)
        except self._pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code != 405:  # 405 RESOURCE_LOCKED: another worker schedules
                raise
            return False
        self._leader_channel, self._leading = channel, True
        log.info("this worker now schedules the shared jobs")
        return True

    def put(self, name: str) -> None:
        self.channel.basic_publish(
            "",
            self.jobs,
            name.encode(),
            self._pika.BasicProperties(delivery_mode=2),  # persistent
        )

    def take(self) -> str | None:
        method, _, body = self.channel.basic_get(self.jobs, auto_ack=False)
        if method is None:
            return None
        self._taken = method.delivery_tag
        return bytes(body).decode()

    def done(self) -> None:
        if self._taken is not None:
            self.channel.basic_ack(self._taken)
            self._taken = None

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()
