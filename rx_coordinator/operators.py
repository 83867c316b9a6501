"""Pure ReactiveX operators the client is built from.

Each one is a function returning ``Callable[[Observable], Observable]`` and takes its
time from a scheduler passed in, so every schedule here is checked in virtual time
with :class:`reactivex.testing.TestScheduler`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, TypeVar, overload

from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import (
    CompositeDisposable,
    Disposable,
    SerialDisposable,
    SingleAssignmentDisposable,
)
from reactivex.subject import Subject

from ._backoff import Backoff, backoff_delay, jittered
from ._event_base import Event
from ._match import Selector, matcher
from ._timers import Deadline

__all__ = [
    "Selector",
    "backoff_delay",
    "exponential_backoff",
    "jittered",
    "liveness_timeout",
    "of_type",
    "retry_when",
]

_T = TypeVar("_T")
_E = TypeVar("_E", bound=Event)
_E2 = TypeVar("_E2", bound=Event)
_E3 = TypeVar("_E3", bound=Event)

Notifier = Callable[[Observable[Exception]], Observable[Any]]


def retry_when(notifier: Notifier) -> Callable[[Observable[_T]], Observable[_T]]:
    """Resubscribe to the source each time ``notifier`` emits (RxJS ``retryWhen``).

    ``notifier`` receives the stream of the source's errors and returns a stream:
    each item it emits resubscribes the source, its error fails the result and its
    completion completes the result. Resubscription is trampolined, so a source that
    fails synchronously on subscribe loops instead of recursing, and the live
    subscription has a slot of its own, so disposing the result always reaches the
    current attempt and never an older one.
    """

    def _retry_when(source: Observable[_T]) -> Observable[_T]:
        def subscribe(
            observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            errors: Subject[Exception] = Subject()
            current = SerialDisposable()
            notifier_subscription = SingleAssignmentDisposable()
            disposed = False
            running = False
            pending = False

            def resubscribe(_: Any = None) -> None:
                nonlocal running, pending
                pending = True
                if running:
                    return  # the loop below picks it up: no recursion
                running = True
                try:
                    while pending and not disposed:
                        pending = False
                        attempt = SingleAssignmentDisposable()
                        current.disposable = attempt
                        attempt.disposable = source.subscribe(
                            observer.on_next,
                            errors.on_next,
                            observer.on_completed,
                            scheduler=scheduler,
                        )
                finally:
                    running = False

            notifier_subscription.disposable = notifier(errors).subscribe(
                resubscribe, observer.on_error, observer.on_completed, scheduler=scheduler
            )
            resubscribe()

            def dispose() -> None:
                nonlocal disposed
                disposed = True

            return CompositeDisposable(Disposable(dispose), current, notifier_subscription)

        return Observable(subscribe)

    return _retry_when


def exponential_backoff(
    *,
    max_retries: int | None,
    base: float,
    factor: float,
    scheduler: abc.SchedulerBase,
    is_retryable: Callable[[Exception], bool],
    resets_budget: Callable[[Exception], bool],
    on_retry: Callable[[int, float, Exception], None] | None = None,
    max_delay: float | None = None,
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> Notifier:
    """A :func:`retry_when` notifier that retries with exponential backoff.

    For each error: a fatal one (``is_retryable`` false) fails the stream at once. A
    retryable one is answered, after ``backoff_delay(k, base, factor, max_delay)`` (less a
    random share of up to ``jitter`` of it, drawn from ``rand``), by an item that
    resubscribes, where ``k`` counts the failed attempts since the budget was last reset;
    ``resets_budget(error)`` resets it (a connection that lived long enough).
    After ``max_retries`` failed attempts (never, with ``None``) the stream fails with
    :class:`StreamWSMaxRetriesExceeded`, whose ``__cause__`` is the last error.
    ``on_retry(k, delay, error)`` is called when a retry is scheduled.
    """

    def notifier(errors: Observable[Exception]) -> Observable[int]:
        def subscribe(
            observer: abc.ObserverBase[int], _: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            policy = Backoff(
                max_retries=max_retries,
                base=base,
                factor=factor,
                max_delay=max_delay,
                jitter=jitter,
                rand=rand,
            )
            timer = SerialDisposable()

            def on_error_item(error: Exception) -> None:
                try:
                    attempt, delay = policy.retry(
                        error, retryable=is_retryable(error), reset=resets_budget(error)
                    )
                except Exception as final:
                    observer.on_error(final)
                    return
                if on_retry is not None:
                    on_retry(attempt, delay, error)
                timer.disposable = scheduler.schedule_relative(
                    delay, lambda _s, _st: observer.on_next(attempt)
                )

            subscription = errors.subscribe(on_error_item, observer.on_error, observer.on_completed)
            return CompositeDisposable(subscription, timer)

        return Observable(subscribe)

    return notifier


def liveness_timeout(
    timeout: float,
    scheduler: abc.SchedulerBase,
    error: Callable[[], Exception],
) -> Callable[[Observable[_T]], Observable[_T]]:
    """Fail with ``error()`` when the source is silent for ``timeout`` seconds.

    The silence is measured from subscription and from every item. Detection is exact
    (at the timeout itself) and costs one timer per timeout period, not one per item:
    an item only records the time; the single timer, when it fires early, re-arms for
    the remainder.
    """

    def _liveness(source: Observable[_T]) -> Observable[_T]:
        def subscribe(
            observer: abc.ObserverBase[_T], subscribe_scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            upstream = SingleAssignmentDisposable()

            def expire() -> None:
                upstream.dispose()
                observer.on_error(error())

            deadline = Deadline(timeout, scheduler, expire)

            def on_next(item: _T) -> None:
                deadline.touch()
                observer.on_next(item)

            def on_error(exc: Exception) -> None:
                deadline.dispose()
                observer.on_error(exc)

            def on_completed() -> None:
                deadline.dispose()
                observer.on_completed()

            upstream.disposable = source.subscribe(
                on_next, on_error, on_completed, scheduler=subscribe_scheduler
            )
            return CompositeDisposable(upstream, deadline)

        return Observable(subscribe)

    return _liveness


# Up to three classes give their union; more classes give their common base.
@overload
def of_type(first: type[_E], /) -> Callable[[Observable[Event]], Observable[_E]]: ...


@overload
def of_type(
    first: type[_E], second: type[_E2], /
) -> Callable[[Observable[Event]], Observable[_E | _E2]]: ...


@overload
def of_type(
    first: type[_E], second: type[_E2], third: type[_E3], /
) -> Callable[[Observable[Event]], Observable[_E | _E2 | _E3]]: ...


@overload
def of_type(
    first: type[_E], /, *selectors: type[_E]
) -> Callable[[Observable[Event]], Observable[_E]]: ...


@overload
def of_type(*selectors: Selector) -> Callable[[Observable[Event]], Observable[Event]]: ...


def of_type(*selectors: Selector) -> Callable[[Observable[Event]], Observable[Any]]:
    """Keep the events that match any of ``selectors``.

    A selector is a wire type (``"call.created"``), a glob over wire types
    (``"call.session_*"``, ``"call.*"``, in :mod:`fnmatch` syntax) or an event class
    (``CallCreatedEvent``). Strings match generic events too; a class matches only its
    instances, so ``of_type(CallCreatedEvent)`` is an ``Observable[CallCreatedEvent]`` to
    type checkers (and two or three classes give their union)::

        client.events.pipe(of_type(CallCreatedEvent), ops.map(lambda e: e.call.id))

    Raises:
        ValueError: no selector, or an empty string.
        TypeError: a selector that is neither a string nor an event class.
    """
    return ops.filter(matcher(selectors))
