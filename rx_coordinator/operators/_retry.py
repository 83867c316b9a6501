"""Retrying: ``retry_when`` and the notifiers that decide when (backoff, token recovery)."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias, TypeVar

from reactivex import Observable, abc

from .._backoff import backoff_delay, jittered
from ..errors import StreamWSMaxRetriesExceeded
from ._lean import Lean, Operator, Stage, attach
from ._socket import LOOP_TASKS, Tasks

__all__ = ["Notifier", "Recover", "RetryPolicy", "exponential_backoff", "retry_when"]

_T = TypeVar("_T")

Notifier: TypeAlias = Callable[[Observable[Exception]], abc.ObservableBase[Any]]
"""Given the stream of a source's errors, a stream whose items mean "subscribe again"."""


class _Errors(Observable[Exception], abc.DisposableBase):
    """The errors of one ``retry_when`` subscription, as a hot stream for its notifier.

    A ``reactivex.Observable`` (so that notifiers can use every stock operator on it),
    without the lock every stock Observable makes for itself: it lives as long as its
    client, and everything runs on one loop. Notifiers subscribe once, as a rule: the
    first subscriber has a slot (the stream itself is its subscription), others a tuple.
    """

    # Slots, and no super().__init__() (which makes a lock and sets an attribute): with
    # every attribute a slot, the instance never makes its __dict__ either.
    __slots__ = ("_first", "_others")
    lock = threading.RLock()  # never taken here; stock code that looks for one finds one

    def __init__(self) -> None:
        self._first: abc.ObserverBase[Exception] | None = None
        self._others: tuple[abc.ObserverBase[Exception], ...] = ()

    def _subscribe_core(
        self,
        observer: abc.ObserverBase[Exception],
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        return self._attach(observer, scheduler)

    def _attach(
        self, observer: abc.ObserverBase[Exception], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        if self._first is None:
            self._first = observer
            return self
        self._others = (*self._others, observer)
        return _Subscription(self, observer)

    def dispose(self) -> None:
        """Unsubscribe the first subscriber."""
        self._first = None

    def on_next(self, error: Exception) -> None:
        if self._first is not None:
            self._first.on_next(error)
        for observer in self._others:
            observer.on_next(error)


class _Subscription(abc.DisposableBase):
    __slots__ = ("_errors", "_observer")

    def __init__(self, errors: _Errors, observer: abc.ObserverBase[Exception]) -> None:
        self._errors: _Errors | None = errors
        self._observer = observer

    def dispose(self) -> None:
        errors, self._errors = self._errors, None
        if errors is not None:
            errors._others = tuple(o for o in errors._others if o is not self._observer)


def retry_when(notifier: Notifier) -> Callable[[abc.ObservableBase[_T]], Lean[_T]]:
    """Resubscribe to the source each time ``notifier`` emits (RxJS ``retryWhen``).

    ``notifier`` receives the stream of the source's errors and returns a stream: each
    item it emits resubscribes the source, its error fails the result and its completion
    completes the result. Resubscription is trampolined, so a source that fails
    synchronously on subscribe loops instead of recursing, and the live attempt has a
    slot of its own, so disposing the result always reaches the current attempt (a
    pending wait included) and never an older one.
    """

    def _retry_when(source: abc.ObservableBase[_T]) -> Lean[_T]:
        return _RetryWhen(source, notifier)

    return _retry_when


class _RetryWhen(Lean[_T]):
    __slots__ = ("notifier", "source")

    def __init__(self, source: abc.ObservableBase[_T], notifier: Notifier) -> None:
        self.source = source
        self.notifier = notifier

    def _attach(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        return _RetryStage(self, observer, scheduler)


class _RetryStage(Stage[_T, _T]):
    """Observer of each attempt (its ``_up`` is the live attempt) and of the notifier."""

    __slots__ = ("_errors", "_failed", "_notifier", "_op", "_pending", "_running", "_scheduler")

    def __init__(
        self,
        op: _RetryWhen[_T],
        down: abc.ObserverBase[_T],
        scheduler: abc.SchedulerBase | None,
    ) -> None:
        super().__init__(down)
        self._op = op
        self._scheduler = scheduler
        self._running = self._pending = self._failed = False
        self._errors = _Errors()
        self._notifier: abc.DisposableBase | None = None
        notifier = attach(op.notifier(self._errors), _NotifierObserver(self), scheduler)
        if self._down is None:
            notifier.dispose()  # the notifier ended the stream at once
            return
        self._notifier = notifier
        self.resubscribe()

    def resubscribe(self) -> None:
        """Start the next attempt, or, within one, have the running loop start it."""
        self._pending = True
        if self._running:
            return
        self._running = True
        try:
            while self._pending and self._down is not None:
                self._pending = self._failed = False
                attempt = attach(self._op.source, self, self._scheduler)
                if self._failed or self._down is None:
                    attempt.dispose()  # it already ended: the slot is for a live attempt
                else:
                    self._up = attempt
        finally:
            self._running = False

    def on_error(self, error: Exception) -> None:
        if self._down is None:
            return
        self._failed = True
        self._up = None  # that attempt is over
        self._errors.on_next(error)

    def _stop(self) -> None:
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            notifier.dispose()

    def notifier_ended(self, error: Exception | None) -> None:
        down = self._end()
        if down is not None:
            if error is None:
                down.on_completed()
            else:
                down.on_error(error)


class _NotifierObserver(abc.ObserverBase[Any]):
    __slots__ = ("_stage",)

    def __init__(self, stage: _RetryStage[Any]) -> None:
        self._stage = stage

    def on_next(self, value: Any) -> None:
        self._stage.resubscribe()

    def on_error(self, error: Exception) -> None:
        self._stage.notifier_ended(error)

    def on_completed(self) -> None:
        self._stage.notifier_ended(None)


# -- exponential backoff ----------------------------------------------------------------------

Recover: TypeAlias = Callable[[Exception], Callable[[], Awaitable[object]] | None]
"""For an error, a job after which to retry at once (a coroutine function), or ``None``."""


class RetryPolicy(Protocol):
    """The decisions ``exponential_backoff`` asks of its owner, as one object.

    The client passes one such object rather than four functions: services hold
    thousands of clients, and each bound method kept costs 64 bytes.
    """

    def is_retryable(self, error: Exception) -> bool:
        """Whether ``error`` is worth another attempt (else it fails the stream)."""

    def resets_budget(self, error: Exception) -> bool:
        """Whether the attempt that ended with ``error`` proved itself (the count restarts)."""

    def on_retry(self, attempt: int, delay: float, error: Exception) -> None:
        """Attempt ``attempt`` (0-based) is scheduled in ``delay`` seconds."""

    def recover(self, error: Exception) -> Callable[[], Awaitable[object]] | None:
        """A job after which to retry at once, for an error the owner can cure; or ``None``."""


def exponential_backoff(
    *,
    max_retries: int | None,
    base: float,
    factor: float,
    scheduler: abc.SchedulerBase,
    is_retryable: Callable[[Exception], bool] | None = None,
    resets_budget: Callable[[Exception], bool] | None = None,
    on_retry: Callable[[int, float, Exception], None] | None = None,
    recover: Recover | None = None,
    policy: RetryPolicy | None = None,
    max_delay: float | None = None,
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
    tasks: Tasks = LOOP_TASKS,
) -> Notifier:
    """A ``retry_when`` notifier that retries with exponential backoff.

    For each error: a fatal one (``is_retryable`` false) fails the stream at once. A
    retryable one is answered, after ``backoff_delay(k, base, factor, max_delay)`` (less a
    random share of up to ``jitter`` of it, drawn from ``rand``), by an item that
    resubscribes, where ``k`` counts the failed attempts since the budget was last reset;
    ``resets_budget(error)`` resets it (a connection that proved itself alive).
    After ``max_retries`` failed attempts (never, with ``None``) the stream fails with
    ``StreamWSMaxRetriesExceeded``, whose ``__cause__`` is the last error.
    ``on_retry(k, delay, error)`` is called when a retry is scheduled. Each subscription
    counts its own attempts.

    ``recover(error)``, asked first, may give a job for an error the caller can cure
    itself (the client fetches a fresh token after code 40): the job runs in a task of
    ``tasks``, and when it succeeds the source is resubscribed at once, without using up
    an attempt; when it raises, its exception is decided on as above. Disposing cancels a
    pending retry and a running job.

    The four decisions come as functions (``is_retryable`` and ``resets_budget`` are
    required then) or as one ``RetryPolicy`` object, ``policy``.

    Raises:
        TypeError: both a ``policy`` and functions, or neither.
    """
    if policy is None:
        if is_retryable is None or resets_budget is None:
            raise TypeError("give is_retryable and resets_budget, or a policy")
        policy = _Functions(is_retryable, resets_budget, on_retry, recover)
    elif any(f is not None for f in (is_retryable, resets_budget, on_retry, recover)):
        raise TypeError("give a policy or functions, not both")
    return _ExponentialBackoff(
        max_retries=max_retries,
        base=base,
        factor=factor,
        scheduler=scheduler,
        policy=policy,
        max_delay=max_delay,
        jitter=jitter,
        rand=rand,
        tasks=tasks,
    )


class _Functions:
    """A ``RetryPolicy`` made of functions."""

    __slots__ = ("_is_retryable", "_on_retry", "_recover", "_resets_budget")

    def __init__(
        self,
        is_retryable: Callable[[Exception], bool],
        resets_budget: Callable[[Exception], bool],
        on_retry: Callable[[int, float, Exception], None] | None,
        recover: Recover | None,
    ) -> None:
        self._is_retryable = is_retryable
        self._resets_budget = resets_budget
        self._on_retry = on_retry
        self._recover = recover

    def is_retryable(self, error: Exception) -> bool:
        return self._is_retryable(error)

    def resets_budget(self, error: Exception) -> bool:
        return self._resets_budget(error)

    def on_retry(self, attempt: int, delay: float, error: Exception) -> None:
        if self._on_retry is not None:
            self._on_retry(attempt, delay, error)

    def recover(self, error: Exception) -> Callable[[], Awaitable[object]] | None:
        return None if self._recover is None else self._recover(error)


class _ExponentialBackoff:
    __slots__ = (
        "base",
        "factor",
        "jitter",
        "max_delay",
        "max_retries",
        "policy",
        "rand",
        "scheduler",
        "tasks",
    )

    def __init__(
        self,
        *,
        max_retries: int | None,
        base: float,
        factor: float,
        scheduler: abc.SchedulerBase,
        policy: RetryPolicy,
        max_delay: float | None,
        jitter: float,
        rand: Callable[[], float],
        tasks: Tasks,
    ) -> None:
        self.max_retries = max_retries
        self.base = base
        self.factor = factor
        self.scheduler = scheduler
        self.policy = policy
        self.max_delay = max_delay
        self.jitter = jitter
        self.rand = rand
        self.tasks = tasks

    def __call__(self, errors: abc.ObservableBase[Exception]) -> Lean[int]:
        return _BackoffStream(errors, self)

    def delay(self, attempt: int) -> float:
        """The delay before attempt ``attempt`` (0-based), jittered."""
        delay = backoff_delay(attempt, self.base, self.factor, self.max_delay)
        return jittered(delay, self.jitter, self.rand) if self.jitter else delay


class _BackoffStage(Stage[Exception, int]):
    """Counts the failed attempts of one subscription; one pending timer or job at a time."""

    __slots__ = ("_attempts", "_pending", "_policy")

    def __init__(self, op: _BackoffStream, down: abc.ObserverBase[int]) -> None:
        super().__init__(down)
        self._policy = op.policy
        self._attempts = 0
        self._pending: abc.DisposableBase | asyncio.Task[Any] | None = None

    def on_next(self, value: Exception) -> None:
        if self._down is None:
            return
        job = self._policy.policy.recover(value)
        if job is None:
            self._decide(value)
        else:
            self._pending = self._policy.tasks.spawn(self._recover(job), "rx_coordinator.recover")

    async def _recover(self, job: Callable[[], Awaitable[object]]) -> None:
        try:
            await job()
        except Exception as error:
            self._pending = None
            if self._down is not None:
                self._decide(error)
            return
        self._pending = None
        down = self._down
        if down is not None:
            down.on_next(self._attempts)

    def _decide(self, error: Exception) -> None:
        policy = self._policy
        decisions = policy.policy
        if not decisions.is_retryable(error):
            self.on_error(error)
            return
        if decisions.resets_budget(error):
            self._attempts = 0
        attempt = self._attempts
        if policy.max_retries is not None and attempt >= policy.max_retries:
            final = StreamWSMaxRetriesExceeded(attempt)
            final.__cause__ = error
            self.on_error(final)
            return
        self._attempts = attempt + 1
        delay = policy.delay(attempt)
        decisions.on_retry(attempt, delay, error)
        if self._down is not None:
            self._pending = policy.scheduler.schedule_relative(delay, self._fire, attempt)

    def _fire(self, _scheduler: abc.SchedulerBase, attempt: int | None = None) -> None:
        self._pending = None
        down = self._down
        if down is not None:
            down.on_next(attempt or 0)

    def _stop(self) -> None:
        pending, self._pending = self._pending, None
        if isinstance(pending, asyncio.Task):
            if pending is not asyncio.current_task():
                pending.cancel()
        elif pending is not None:
            pending.dispose()


class _BackoffStream(Operator[int]):
    __slots__ = ("policy",)
    stage = _BackoffStage

    def __init__(self, errors: abc.ObservableBase[Exception], policy: _ExponentialBackoff) -> None:
        super().__init__(errors)
        self.policy = policy
