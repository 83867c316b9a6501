"""The pure operators, in virtual time: every schedule checked exactly, with no sleep."""

from __future__ import annotations

from typing import Any

import pytest
import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable
from reactivex.testing import ReactiveTest, TestScheduler

from rx_coordinator.errors import ConnectionLost, StreamWSAuthError, StreamWSMaxRetriesExceeded
from rx_coordinator.operators import (
    backoff_delay,
    exponential_backoff,
    jittered,
    liveness_timeout,
    retry_when,
)

on_next = ReactiveTest.on_next
on_error = ReactiveTest.on_error
on_completed = ReactiveTest.on_completed


class Attempts:
    """A source whose every subscription is recorded; ``behaviour(n)`` builds attempt n."""

    def __init__(self, scheduler: TestScheduler, behaviour: Any) -> None:
        self.scheduler = scheduler
        self.behaviour = behaviour
        self.starts: list[float] = []
        self.live = 0

    def observable(self) -> Observable[Any]:
        def subscribe(observer: abc.ObserverBase[Any], _: Any = None) -> abc.DisposableBase:
            n = len(self.starts)
            self.starts.append(self.scheduler.clock)
            self.live += 1
            inner = self.behaviour(n).subscribe(observer)

            def dispose() -> None:
                self.live -= 1
                inner.dispose()

            return Disposable(dispose)

        return Observable(subscribe)


def fail_after(scheduler: TestScheduler, seconds: float, error: Exception) -> Observable[Any]:
    return reactivex.timer(seconds, scheduler=scheduler).pipe(
        ops.flat_map(lambda _: reactivex.throw(error))
    )


def backoff(scheduler: TestScheduler, max_retries: int | None = 5, **kw: Any) -> Any:
    return exponential_backoff(
        max_retries=max_retries,
        base=kw.pop("base", 1.0),
        factor=kw.pop("factor", 2.0),
        scheduler=scheduler,
        is_retryable=kw.pop("is_retryable", lambda e: isinstance(e, ConnectionLost)),
        resets_budget=kw.pop(
            "resets_budget", lambda e: getattr(e, "uptime", None) is not None and e.uptime >= 25
        ),
        **kw,
    )


def run(scheduler: TestScheduler, source: Observable[Any], until: float) -> Any:
    results = scheduler.create_observer()
    source.subscribe(results)
    scheduler.advance_to(until)
    return results.messages


def test_backoff_delay_is_base_times_factor_to_the_attempt():
    assert [backoff_delay(k, 1.0, 2.0) for k in range(5)] == [1, 2, 4, 8, 16]
    assert [backoff_delay(k, 0.5, 3.0) for k in range(3)] == [0.5, 1.5, 4.5]


def test_default_schedule_is_1_2_4_8_16_seconds_then_max_retries_error():
    scheduler = TestScheduler()
    attempts = Attempts(scheduler, lambda n: reactivex.throw(ConnectionLost("refused")))
    messages = run(scheduler, attempts.observable().pipe(retry_when(backoff(scheduler))), 100)

    # the initial connection at 0, then 5 attempts after 1, 2, 4, 8, 16 s
    assert attempts.starts == [0, 1, 3, 7, 15, 31]
    assert len(messages) == 1
    assert messages[0].time == 31
    error = messages[0].value.exception
    assert isinstance(error, StreamWSMaxRetriesExceeded)
    assert error.attempts == 5
    assert isinstance(error.__cause__, ConnectionLost)


def test_backoff_max_caps_the_delay_even_after_thousands_of_attempts():
    assert [backoff_delay(k, 1.0, 2.0, max_delay=5) for k in range(5)] == [1, 2, 4, 5, 5]
    assert backoff_delay(5000, 1.0, 2.0, max_delay=60) == 60
    assert backoff_delay(5000, 1.0, 2.0) == float("inf")


def test_jitter_takes_a_random_share_off_each_delay():
    assert jittered(8.0, 0.0, lambda: 0.9) == 8.0
    assert jittered(8.0, 1.0, lambda: 0.25) == 6.0  # full jitter: uniform in (0, 8]
    assert jittered(8.0, 0.5, lambda: 0.5) == 6.0


def test_a_jittered_schedule_is_exact_with_a_fixed_random_source():
    scheduler = TestScheduler()
    draws = iter([0.5, 0.0, 0.75])
    attempts = Attempts(scheduler, lambda n: reactivex.throw(ConnectionLost("refused")))
    notifier = backoff(scheduler, max_retries=3, jitter=1.0, rand=lambda: next(draws))
    run(scheduler, attempts.observable().pipe(retry_when(notifier)), 100)
    # delays 1*0.5, 2*1.0, 4*0.25
    assert attempts.starts == [0, 0.5, 2.5, 3.5]


def test_unlimited_retries_never_give_up_and_stay_capped():
    scheduler = TestScheduler()
    attempts = Attempts(scheduler, lambda n: reactivex.throw(ConnectionLost("refused")))
    notifier = backoff(scheduler, max_retries=None, max_delay=10)
    messages = run(scheduler, attempts.observable().pipe(retry_when(notifier)), 10_000)
    assert messages == []
    gaps = [b - a for a, b in zip(attempts.starts, attempts.starts[1:], strict=False)]
    assert gaps[:5] == [1, 2, 4, 8, 10]
    assert set(gaps[4:]) == {10}
    assert len(attempts.starts) > 900


def test_values_pass_through_and_retries_resubscribe():
    scheduler = TestScheduler()
    attempts = Attempts(
        scheduler,
        lambda n: scheduler.create_cold_observable(
            on_next(1, f"a{n}"), on_error(2, ConnectionLost("x"))
        ),
    )
    messages = run(
        scheduler, attempts.observable().pipe(retry_when(backoff(scheduler, max_retries=2))), 100
    )
    # attempts at 0, 2+1=3, 5+2=7; each emits 1 s in and fails 2 s in
    assert attempts.starts == [0, 3, 7]
    assert [(m.time, m.value.value) for m in messages[:-1]] == [(1, "a0"), (4, "a1"), (8, "a2")]
    assert isinstance(messages[-1].value.exception, StreamWSMaxRetriesExceeded)
    assert messages[-1].time == 9


def test_a_connection_that_lived_one_interval_resets_the_budget():
    scheduler = TestScheduler()

    def attempt(n: int) -> Observable[Any]:
        # attempts 0 and 3 live 30 s (stable); the others fail at once
        if n in (0, 3):
            return fail_after(scheduler, 30, ConnectionLost("lost", uptime=30.0))
        return reactivex.throw(ConnectionLost("refused"))

    attempts = Attempts(scheduler, attempt)
    run(scheduler, attempts.observable().pipe(retry_when(backoff(scheduler, max_retries=3))), 500)
    # 0 → lives 30 → +1 → 31 fails → +2 → 33 fails → +4 → 37 lives 30 → 67: budget reset
    # → +1 → 68 fails → +2 → 70 fails → +4 → 74 fails → gave up (3 failed attempts)
    assert attempts.starts == [0, 31, 33, 37, 68, 70, 74]


def test_a_connection_that_dies_before_one_interval_counts_as_a_failed_attempt():
    scheduler = TestScheduler()
    attempts = Attempts(
        scheduler, lambda n: fail_after(scheduler, 10, ConnectionLost("lost", uptime=10.0))
    )
    messages = run(
        scheduler, attempts.observable().pipe(retry_when(backoff(scheduler, max_retries=2))), 500
    )
    # 0 → dies at 10 → +1 → 11, dies at 21 → +2 → 23, dies at 33 → gave up
    assert attempts.starts == [0, 11, 23]
    assert messages[-1].time == 33
    assert isinstance(messages[-1].value.exception, StreamWSMaxRetriesExceeded)


def test_a_fatal_error_ends_the_stream_at_once():
    scheduler = TestScheduler()
    refused = StreamWSAuthError(43, "bad signature")
    attempts = Attempts(scheduler, lambda n: reactivex.throw(refused))
    messages = run(scheduler, attempts.observable().pipe(retry_when(backoff(scheduler))), 100)
    assert attempts.starts == [0]
    assert messages == [on_error(0, refused)]


def test_max_retries_zero_gives_up_on_the_first_loss():
    scheduler = TestScheduler()
    attempts = Attempts(scheduler, lambda n: reactivex.throw(ConnectionLost("x")))
    messages = run(
        scheduler, attempts.observable().pipe(retry_when(backoff(scheduler, max_retries=0))), 100
    )
    assert attempts.starts == [0]
    assert isinstance(messages[0].value.exception, StreamWSMaxRetriesExceeded)
    assert "max_retries=0" in str(messages[0].value.exception)


def test_on_retry_reports_attempt_delay_and_error():
    scheduler = TestScheduler()
    seen: list[tuple[int, float, str]] = []
    attempts = Attempts(scheduler, lambda n: reactivex.throw(ConnectionLost(f"e{n}")))
    notifier = backoff(
        scheduler, max_retries=3, on_retry=lambda k, d, e: seen.append((k, d, str(e)))
    )
    run(scheduler, attempts.observable().pipe(retry_when(notifier)), 100)
    assert seen == [(0, 1.0, "e0"), (1, 2.0, "e1"), (2, 4.0, "e2")]


def test_disposal_mid_backoff_cancels_the_pending_attempt():
    scheduler = TestScheduler()
    attempts = Attempts(scheduler, lambda n: reactivex.throw(ConnectionLost("x")))
    results = scheduler.create_observer()
    subscription = attempts.observable().pipe(retry_when(backoff(scheduler))).subscribe(results)
    scheduler.advance_to(2)  # attempts at 0 and 1; the next is due at 3
    subscription.dispose()
    scheduler.advance_to(100)
    assert attempts.starts == [0, 1]
    assert results.messages == []


def test_disposal_reaches_the_live_attempt():
    scheduler = TestScheduler()
    attempts = Attempts(scheduler, lambda n: reactivex.never())
    subscription = attempts.observable().pipe(retry_when(backoff(scheduler))).subscribe()
    assert attempts.live == 1
    subscription.dispose()
    assert attempts.live == 0


def test_a_synchronous_resubscription_is_not_disposed_by_the_attempt_it_replaces():
    # attempt 0 fails during subscribe and the notifier resubscribes at once: attempt 1
    # must stay live (its own slot), and disposing the result must reach it.
    attempts = Attempts(
        TestScheduler(),
        lambda n: reactivex.throw(ConnectionLost("x")) if n == 0 else reactivex.never(),
    )
    subscription = attempts.observable().pipe(retry_when(lambda errors: errors)).subscribe()
    assert len(attempts.starts) == 2
    assert attempts.live == 1
    subscription.dispose()
    assert attempts.live == 0


def test_a_synchronously_failing_source_loops_instead_of_recursing():
    attempts = Attempts(TestScheduler(), lambda n: reactivex.throw(ConnectionLost("x")))
    completed: list[bool] = []
    # 5,000 immediate retries would overflow the stack (limit ~1,000) if they recursed
    attempts.observable().pipe(retry_when(lambda errors: errors.pipe(ops.take(5000)))).subscribe(
        on_completed=lambda: completed.append(True)
    )
    # 1 + 4,999 retries: the 5,000th item comes with take's completion, which ends the
    # result before the pending resubscription starts (no attempt begins after the end)
    assert len(attempts.starts) == 5000
    assert completed == [True]


def test_notifier_error_and_completion_end_the_result():
    failing = reactivex.throw(ConnectionLost("x"))
    boom = RuntimeError("notifier failed")
    errors: list[Exception] = []
    failing.pipe(
        retry_when(lambda e: e.pipe(ops.flat_map(lambda _: reactivex.throw(boom))))
    ).subscribe(on_error=errors.append)
    assert errors == [boom]
    done: list[bool] = []
    failing.pipe(retry_when(lambda e: reactivex.empty())).subscribe(
        on_completed=lambda: done.append(True)
    )
    assert done == [True]


def test_source_completion_completes_the_result():
    scheduler = TestScheduler()
    source = scheduler.create_cold_observable(on_next(1, "x"), on_completed(2))
    messages = run(scheduler, source.pipe(retry_when(backoff(scheduler))), 10)
    assert messages == [on_next(1, "x"), on_completed(2)]


# -- liveness ---------------------------------------------------------------------------


class CountingScheduler(TestScheduler):
    """Counts the timers scheduled, to show liveness does not allocate one per item."""

    timers = 0

    def schedule_relative(self, duetime: Any, action: Any, state: Any = None) -> Any:
        self.timers += 1
        return super().schedule_relative(duetime, action, state)


def lost() -> Exception:
    return ConnectionLost("silent")


def test_liveness_fails_at_exactly_30_seconds_of_silence_with_the_defaults():
    scheduler = TestScheduler()
    source = scheduler.create_cold_observable(on_next(10, "a"), on_next(20, "b"))
    messages = run(scheduler, source.pipe(liveness_timeout(30.0, scheduler, lost)), 100)
    assert [m.time for m in messages] == [10, 20, 50]
    assert isinstance(messages[-1].value.exception, ConnectionLost)


def test_liveness_counts_from_subscription_when_nothing_arrives():
    scheduler = TestScheduler()
    messages = run(scheduler, reactivex.never().pipe(liveness_timeout(30.0, scheduler, lost)), 100)
    assert [m.time for m in messages] == [30]


def test_liveness_does_not_fire_while_items_keep_coming():
    scheduler = TestScheduler()
    source = reactivex.interval(29.9, scheduler=scheduler)
    messages = run(scheduler, source.pipe(liveness_timeout(30.0, scheduler, lost)), 300)
    assert all(m.value.kind == "N" for m in messages)
    assert len(messages) == 10


def test_liveness_disposes_the_source_when_it_fires():
    scheduler = TestScheduler()
    source = scheduler.create_cold_observable(on_next(5, "a"))
    run(scheduler, source.pipe(liveness_timeout(30.0, scheduler, lost)), 100)
    assert [(s.subscribe, s.unsubscribe) for s in source.subscriptions] == [(0, 35)]


def test_liveness_allocates_no_timer_per_item():
    scheduler = CountingScheduler()
    # 1,000 items over 30 s, then silence: the deadline is 60 s
    items = [on_next(i * 0.03, i) for i in range(1000)]
    source = scheduler.create_cold_observable(*items)
    before = scheduler.timers
    messages = run(scheduler, source.pipe(liveness_timeout(30.0, scheduler, lost)), 200)
    liveness_timers = scheduler.timers - before - len(items)  # the cold source's own
    assert messages[-1].time == pytest.approx(29.97 + 30)
    assert liveness_timers <= 3


def test_liveness_passes_errors_and_completion_and_stops_its_timer():
    scheduler = TestScheduler()
    boom = ConnectionLost("dropped")
    source = scheduler.create_cold_observable(on_next(1, "a"), on_error(2, boom))
    messages = run(scheduler, source.pipe(liveness_timeout(30.0, scheduler, lost)), 100)
    assert messages == [on_next(1, "a"), on_error(2, boom)]
    done = scheduler.create_cold_observable(on_completed(3))
    assert run(scheduler, done.pipe(liveness_timeout(30.0, scheduler, lost)), 200) == [
        on_completed(103)
    ]
