"""The coordinator's stages and the lean base, each alone, in virtual time where time matters."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
import reactivex
from reactivex import abc
from reactivex import operators as ops
from reactivex.testing import ReactiveTest, TestScheduler

from rx_coordinator.errors import ConnectionLost, StreamWSAuthError, StreamWSMaxRetriesExceeded
from rx_coordinator.events import Event, GenericEvent, decode
from rx_coordinator.operators import (
    Lean,
    Stage,
    decode_events,
    exponential_backoff,
    handshake,
    heartbeat,
    liveness_timeout,
    retry_when,
    when_ready,
)
from rx_coordinator.testing import payloads

from .helpers import Recorder

on_next = ReactiveTest.on_next
on_error = ReactiveTest.on_error
on_completed = ReactiveTest.on_completed
log = logging.getLogger("tests.stages")


def event(payload: dict[str, Any]) -> Event:
    decoded = decode(json.dumps(payload), log)
    assert decoded is not None
    return decoded


OK = event(payloads.connection_ok("c1", payloads.own_user("alice")))
HEALTH = event(payloads.health_check("c1"))


def run(scheduler: TestScheduler, source: Any, until: float) -> Any:
    results = scheduler.create_observer()
    source.subscribe(results)
    scheduler.advance_to(until)
    return results.messages


# -- the lean base ------------------------------------------------------------------------


class Counting(Lean[int]):
    """A lean source that emits 1, 2, 3 at once and records its disposal."""

    __slots__ = ("disposed",)

    def __init__(self) -> None:
        self.disposed = 0

    def _attach(self, observer: abc.ObserverBase[int], scheduler: Any) -> abc.DisposableBase:
        source = self

        class Subscription(abc.DisposableBase):
            def dispose(self) -> None:
                source.disposed += 1

        for i in (1, 2, 3):
            observer.on_next(i)
        return Subscription()


def test_lean_observables_take_callbacks_and_pipe_into_stock_operators():
    seen: list[int] = []
    Counting().pipe(ops.map(lambda i: i * 10)).subscribe(seen.append)
    assert seen == [10, 20, 30]


def test_a_lean_stage_passes_items_and_disposing_it_reaches_the_source():
    source = Counting()
    recorder: Recorder[Any] = Recorder()
    scheduler = TestScheduler()
    subscription = source.pipe(liveness_timeout(5, scheduler)).subscribe(recorder)
    assert recorder.items == [1, 2, 3]
    subscription.dispose()
    assert source.disposed == 1
    subscription.dispose()  # idempotent
    assert source.disposed == 1


def test_a_stage_is_one_slotted_object_without_a_lock():
    assert not hasattr(Stage(Recorder()), "__dict__")
    scheduler = TestScheduler()
    subscription = reactivex.never().pipe(liveness_timeout(5, scheduler)).subscribe(Recorder())
    assert isinstance(subscription, Stage)  # the stage is the subscription handed down
    assert not any("lock" in name.lower() for name in type(subscription).__slots__)


def test_a_source_that_ends_while_subscribing_is_released_at_once():
    scheduler = TestScheduler()
    failing = reactivex.throw(ConnectionLost("x"))
    messages = run(scheduler, failing.pipe(liveness_timeout(5, scheduler)), 10)
    assert [m.value.kind for m in messages] == ["E"]
    assert scheduler.clock == 10  # and its timer did not fire later: nothing more came


def test_liveness_timeout_says_how_long_it_waited_by_default():
    scheduler = TestScheduler()
    messages = run(scheduler, reactivex.never().pipe(liveness_timeout(7, scheduler)), 10)
    assert str(messages[0].value.exception) == "no frame received for 7 s"


# -- decode_events --------------------------------------------------------------------------


def test_decode_events_types_frames_and_skips_bad_ones(caplog):
    frames = [
        json.dumps(payloads.connection_ok("c1", payloads.own_user("alice"))),
        b"\x00binary",
        "not json",
        json.dumps({"type": "custom.new", "x": 1}),
    ]
    recorder: Recorder[Any] = Recorder(reactivex.from_iterable(frames).pipe(decode_events(log)))
    assert recorder.types() == ["connection.ok", "custom.new"]
    assert isinstance(recorder.items[1], GenericEvent)
    assert recorder.completed
    assert sum(r.levelno == logging.WARNING for r in caplog.records) == 2


# -- handshake --------------------------------------------------------------------------------


def test_handshake_passes_connection_ok_and_everything_after():
    scheduler = TestScheduler()
    source = scheduler.create_cold_observable(on_next(1, OK), on_next(2, HEALTH))
    messages = run(scheduler, source.pipe(handshake(30, scheduler)), 100)
    assert [(m.time, m.value.value.type) for m in messages] == [
        (1, "connection.ok"),
        (2, "health.check"),
    ]


@pytest.mark.parametrize(
    ("first", "error", "text"),
    [
        (payloads.connection_error(43, "bad signature"), StreamWSAuthError, "code 43"),
        (payloads.health_check("c1"), ConnectionLost, "expected connection.ok first"),
        ({"type": "connection.ok"}, ConnectionLost, "without a connection_id"),
    ],
)
def test_handshake_refuses_any_other_first_event(first, error, text):
    scheduler = TestScheduler()
    source = scheduler.create_cold_observable(on_next(1, event(first)), on_next(2, OK))
    messages = run(scheduler, source.pipe(handshake(30, scheduler)), 100)
    assert len(messages) == 1
    assert isinstance(messages[0].value.exception, error)
    assert text in str(messages[0].value.exception)
    assert [(s.subscribe, s.unsubscribe) for s in source.subscriptions] == [(0, 1)]


def test_the_handshake_deadline_is_absolute():
    # Events keep coming (none of them connection.ok): the deadline does not move.
    scheduler = TestScheduler()
    source = reactivex.interval(0.5, scheduler=scheduler).pipe(ops.map(lambda _: HEALTH))
    never_ok = source.pipe(ops.filter(lambda e: False))
    messages = run(scheduler, never_ok.pipe(handshake(2, scheduler)), 100)
    assert [(m.time, str(m.value.exception)) for m in messages] == [
        (2, "no connection.ok within 2 s")
    ]


def test_a_lost_connection_carries_its_uptime_to_the_last_event():
    scheduler = TestScheduler()
    source = scheduler.create_cold_observable(
        on_next(1, OK), on_next(4, HEALTH), on_error(50, ConnectionLost("silent"))
    )
    messages = run(scheduler, source.pipe(handshake(30, scheduler)), 100)
    error = messages[-1].value.exception
    assert isinstance(error, ConnectionLost)
    assert error.uptime == 3  # from connection.ok at 1 to the last event at 4, not to 50


# -- heartbeat ------------------------------------------------------------------------------


def test_heartbeat_sends_every_interval_from_the_first_item_on():
    scheduler = TestScheduler()
    sent: list[tuple[float, str]] = []
    firsts: list[str] = []

    def message(first: str) -> str:
        firsts.append(first)
        return f"beat after {first}"

    source = scheduler.create_cold_observable(on_next(10, "ok"), on_next(30, "x"))
    sink = lambda m: sent.append((scheduler.clock, m))  # noqa: E731
    messages = run(scheduler, source.pipe(heartbeat(25, scheduler, sink, message)), 90)
    assert [m.value.value for m in messages] == ["ok", "x"]  # items pass through
    assert firsts == ["ok"]  # one message per subscription, from the first item
    assert sent == [(35, "beat after ok"), (60, "beat after ok"), (85, "beat after ok")]


def test_heartbeat_sends_to_an_observer_and_stops_with_the_subscription():
    scheduler = TestScheduler()
    sink: Recorder[Any] = Recorder()
    source = scheduler.create_cold_observable(on_next(0, "ok"), on_error(60, ConnectionLost("x")))
    run(scheduler, source.pipe(heartbeat(25, scheduler, sink, lambda _: "beat")), 200)
    assert sink.items == ["beat", "beat"]  # at 25 and 50; nothing after the error at 60


def test_nothing_is_sent_before_the_first_item():
    scheduler = TestScheduler()
    sent: list[str] = []
    run(scheduler, reactivex.never().pipe(heartbeat(1, scheduler, sent.append, str)), 100)
    assert sent == []


# -- when_ready -----------------------------------------------------------------------------


class Readiness:
    def __init__(self, job: Any = None) -> None:
        self.job = job
        self.calls: list[str] = []

    def prepare(self, item: Any) -> Any:
        self.calls.append(f"prepare {item}")
        return self.job

    def ready(self, item: Any) -> None:
        self.calls.append(f"ready {item}")


def test_when_ready_prepares_before_the_first_item_passes_and_readies_after():
    readiness = Readiness()
    recorder: Recorder[Any] = Recorder()

    class Tracing(Recorder[Any]):
        def on_next(self, item: Any) -> None:
            readiness.calls.append(f"item {item}")
            super().on_next(item)

    tracing = Tracing()
    reactivex.from_iterable(["ok", "x"]).pipe(when_ready(readiness)).subscribe(tracing)
    assert readiness.calls == ["prepare ok", "item ok", "ready ok", "item x"]
    assert not recorder.items


async def test_when_ready_awaits_the_job_before_ready_and_fails_with_its_error():
    gate = asyncio.Event()

    async def job() -> None:
        await gate.wait()

    readiness = Readiness(job)
    source: reactivex.subject.Subject[str] = reactivex.subject.Subject()
    recorder: Recorder[Any] = Recorder(source.pipe(when_ready(readiness)))
    source.on_next("ok")
    source.on_next("x")
    await asyncio.sleep(0)
    assert readiness.calls == ["prepare ok"]  # events flow while the job runs
    assert recorder.items == ["ok", "x"]
    gate.set()
    await asyncio.sleep(0.01)
    assert readiness.calls == ["prepare ok", "ready ok"]

    async def failing() -> None:
        raise ConnectionLost("re-watch failed")

    never_ending = reactivex.never().pipe(ops.start_with("ok"))
    broken: Recorder[Any] = Recorder(never_ending.pipe(when_ready(Readiness(failing))))
    await asyncio.sleep(0.01)
    assert isinstance(broken.error, ConnectionLost)


async def test_disposing_cancels_the_pending_job():
    cancelled = asyncio.Event()

    async def job() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    readiness = Readiness(job)
    subscription = reactivex.never().pipe(ops.start_with("ok"), when_ready(readiness)).subscribe()
    await asyncio.sleep(0)
    subscription.dispose()
    await asyncio.wait_for(cancelled.wait(), 1)
    assert readiness.calls == ["prepare ok"]


# -- exponential_backoff with a policy, recovery --------------------------------------------


class Policy:
    def __init__(self, recover: Any = None) -> None:
        self.retries: list[tuple[int, float]] = []
        self._recover = recover

    def is_retryable(self, error: Exception) -> bool:
        return isinstance(error, ConnectionLost)

    def resets_budget(self, error: Exception) -> bool:
        return False

    def on_retry(self, attempt: int, delay: float, error: Exception) -> None:
        self.retries.append((attempt, delay))

    def recover(self, error: Exception) -> Any:
        return self._recover(error) if self._recover else None


def test_a_policy_object_drives_the_schedule():
    scheduler = TestScheduler()
    policy = Policy()
    starts: list[float] = []

    def attempt(_: Any) -> Any:
        starts.append(scheduler.clock)
        return reactivex.throw(ConnectionLost("x"))

    source = reactivex.defer(attempt)
    notifier = exponential_backoff(
        max_retries=3, base=1.0, factor=2.0, scheduler=scheduler, policy=policy
    )
    messages = run(scheduler, source.pipe(retry_when(notifier)), 100)
    assert starts == [0, 1, 3, 7]
    assert policy.retries == [(0, 1.0), (1, 2.0), (2, 4.0)]
    assert isinstance(messages[-1].value.exception, StreamWSMaxRetriesExceeded)


def test_exponential_backoff_wants_a_policy_or_functions_not_both():
    scheduler = TestScheduler()
    with pytest.raises(TypeError, match="policy"):
        exponential_backoff(max_retries=1, base=1, factor=2, scheduler=scheduler)
    with pytest.raises(TypeError, match="not both"):
        exponential_backoff(
            max_retries=1,
            base=1,
            factor=2,
            scheduler=scheduler,
            policy=Policy(),
            is_retryable=bool,
        )


async def test_a_recovered_error_resubscribes_at_once_without_using_an_attempt():
    expired = StreamWSAuthError(40, "token expired")
    jobs: list[str] = []

    def recover(error: Exception) -> Any:
        if error is not expired:
            return None

        async def refresh() -> None:
            jobs.append("refresh")

        return refresh

    attempts: list[int] = []

    def attempt(_: Any) -> Any:
        attempts.append(len(attempts))
        return reactivex.throw(expired if len(attempts) <= 2 else ConnectionLost("x"))

    policy = Policy(recover)
    notifier = exponential_backoff(
        max_retries=0, base=10, factor=2, scheduler=TestScheduler(), policy=policy
    )
    recorder: Recorder[Any] = Recorder(reactivex.defer(attempt).pipe(retry_when(notifier)))
    await asyncio.sleep(0.05)
    # two expiries, each refreshed and retried at once; then max_retries=0 ends it
    assert jobs == ["refresh", "refresh"]
    assert attempts == [0, 1, 2]
    assert policy.retries == []
    assert isinstance(recorder.error, StreamWSMaxRetriesExceeded)


async def test_a_failed_recovery_is_decided_on_like_any_error():
    def recover(error: Exception) -> Any:
        async def refresh() -> None:
            raise ConnectionLost("the provider is down")

        return None if str(error) == "the provider is down" else refresh

    policy = Policy(recover)
    notifier = exponential_backoff(
        max_retries=1, base=0.01, factor=1, scheduler=TestScheduler(), policy=policy
    )
    Recorder(reactivex.throw(StreamWSAuthError(40, "expired")).pipe(retry_when(notifier)))
    await asyncio.sleep(0.05)
    assert policy.retries == [(0, 0.01)]  # the provider's error used up an attempt
