"""The reconnect loop in virtual time, with scripted connections: no socket, no sleep."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from reactivex import abc
from reactivex.testing import TestScheduler

from rx_coordinator._backoff import Backoff
from rx_coordinator._tasks import TaskSet
from rx_coordinator.errors import ConnectionLost, StreamWSAuthError, StreamWSMaxRetriesExceeded
from rx_coordinator.events import Event, decode
from rx_coordinator.session import Connected, Session, Settings
from rx_coordinator.testing import payloads

log = logging.getLogger("tests.session")
CONNECTED = decode(json.dumps(payloads.connection_ok("c1", payloads.own_user("alice"))), log)


class Scripted(abc.DisposableBase):
    """A connection that does nothing until the test says what happens to it."""

    def __init__(self, session: Session, token: str, clock: float) -> None:
        self.session = session
        self.token = token
        self.opened_at = clock
        self.disposed = False

    def connect(self) -> None:
        assert isinstance(CONNECTED, Connected)
        self.session.connected(self, CONNECTED)

    def end(self, error: Exception) -> None:
        self.session.ended(self, error)

    def dispose(self) -> None:
        self.disposed = True


class Harness:
    def __init__(self, scheduler: TestScheduler, **backoff: Any) -> None:
        self.scheduler = scheduler
        self.connections: list[Scripted] = []
        self.retries: list[tuple[float, int, float]] = []
        self.failures: list[Exception] = []
        self.ready_count = 0
        self.on_open: Callable[[Scripted], object] | None = None
        settings = Settings(
            url="ws://127.0.0.1:1",
            user_id="alice",
            healthcheck_interval=25.0,
            healthcheck_timeout=30.0,
            max_size=None,
            compression=False,
            tasks=TaskSet(log),
            logger=log,
            ws_logger=log,
        )
        policy = Backoff(
            max_retries=backoff.pop("max_retries", 5),
            base=1.0,
            factor=2.0,
            max_delay=backoff.pop("max_delay", None),
            **backoff,
        )
        self.session = Session(settings, scheduler, policy, self, connection=self._make)

    # -- the session's hooks: no token job, no prepare job ---------------------------------

    def token(self) -> str:
        return "token"

    def connected(self, event: Connected) -> None:
        pass

    def event(self, event: Event) -> None:
        pass

    def prepare(self, event: Connected) -> None:
        return None

    def ready(self, event: Connected) -> None:
        self.ready_count += 1

    def fresh_token(self, error: Exception) -> None:
        return None

    def retrying(self, attempt: int, delay: float, error: Exception) -> None:
        self.retries.append((self.scheduler.clock, attempt, delay))

    def failed(self, error: Exception) -> None:
        self.failures.append(error)

    def _make(self, session: Session, token: str) -> Scripted:
        connection = Scripted(session, token, self.scheduler.clock)
        self.connections.append(connection)
        if self.on_open is not None:
            self.on_open(connection)
        return connection

    @property
    def last(self) -> Scripted:
        return self.connections[-1]


def lost(uptime: float | None = None) -> ConnectionLost:
    return ConnectionLost("connection lost (close code 1006)", uptime=uptime)


def test_lost_connections_are_retried_after_1_2_4_8_16_s_then_given_up() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    h.last.connect()
    assert h.ready_count == 1
    h.last.end(lost(uptime=3.0))
    for _ in range(6):
        scheduler.advance_by(100)
        if not h.failures:
            h.last.end(lost())  # each reconnect attempt fails at once
    assert len(h.connections) == 6
    assert [(k, delay) for _, k, delay in h.retries] == [(0, 1), (1, 2), (2, 4), (3, 8), (4, 16)]
    (failure,) = h.failures
    assert isinstance(failure, StreamWSMaxRetriesExceeded)
    assert failure.attempts == 5
    assert isinstance(failure.__cause__, ConnectionLost)


def test_the_schedule_is_exact_in_virtual_time() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    h.last.connect()

    h.on_open = lambda connection: scheduler.schedule(lambda s, _: connection.end(lost()))
    h.last.end(lost())
    scheduler.advance_to(100)
    assert [c.opened_at for c in h.connections] == [0, 1, 3, 7, 15, 31]
    assert isinstance(h.failures[0], StreamWSMaxRetriesExceeded)


def test_a_failure_before_the_first_ready_connection_is_final_at_once() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    error = lost()
    h.last.end(error)
    scheduler.advance_to(100)
    assert h.failures == [error]
    assert h.retries == []
    assert len(h.connections) == 1


def test_a_connection_that_lived_a_heartbeat_interval_resets_the_budget() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    h.last.connect()
    h.last.end(lost(uptime=3.0))
    scheduler.advance_by(1)
    h.last.end(lost())  # attempt 0 failed: the next waits 2 s
    scheduler.advance_by(2)
    h.last.connect()
    h.last.end(lost(uptime=25.0))  # lived long enough: back to 1 s
    scheduler.advance_by(10)
    assert [delay for _, _, delay in h.retries] == [1, 2, 1]
    assert h.failures == []


def test_an_auth_error_after_connecting_is_final() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    h.last.connect()
    refused = StreamWSAuthError(17, "banned")
    h.last.end(refused)
    scheduler.advance_to(100)
    assert h.failures == [refused]
    assert len(h.connections) == 1


def test_max_delay_caps_unlimited_retries_and_jitter_draws_from_rand() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler, max_retries=None, max_delay=4.0, jitter=0.5, rand=lambda: 0.5)
    h.session.start()
    h.last.connect()
    h.last.end(lost())
    for _ in range(5):
        scheduler.advance_by(10)
        h.last.end(lost())
    # 1, 2, 4, 4, 4, 4 s less a quarter (jitter 0.5 x rand 0.5)
    assert [delay for _, _, delay in h.retries] == [0.75, 1.5, 3.0, 3.0, 3.0, 3.0]
    assert h.failures == []


def test_dispose_during_the_backoff_cancels_the_reconnect() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    h.last.connect()
    h.last.end(lost())
    h.session.dispose()
    scheduler.advance_to(100)
    assert len(h.connections) == 1
    assert h.failures == []


def test_dispose_closes_the_live_connection_and_silences_late_reports() -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    h.last.connect()
    h.session.dispose()
    assert h.last.disposed
    h.last.end(lost())  # the socket's end, reported after disposal: ignored
    scheduler.advance_to(100)
    assert (len(h.connections), h.retries, h.failures) == (1, [], [])


@pytest.mark.parametrize("late", ["connected", "ended"])
def test_reports_of_a_replaced_connection_are_ignored(late: str) -> None:
    scheduler = TestScheduler()
    h = Harness(scheduler)
    h.session.start()
    h.last.connect()
    old = h.last
    old.end(lost())
    scheduler.advance_by(1)
    assert h.last is not old
    ready = h.ready_count
    if late == "connected":
        old.connect()
    else:
        old.end(lost())
    scheduler.advance_to(100)
    assert (h.ready_count, len(h.retries), len(h.connections)) == (ready, 1, 2)
