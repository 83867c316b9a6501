"""Subjects that keep one subscriber's exception away from the producer and the others.

reactivex's ``Subject`` lets an exception raised in a subscriber (or in a subscriber
without ``on_error`` that receives an error) propagate into whoever called ``on_next``:
here that would be the socket reader. These subjects call each subscriber in their
fan-out loop so that its exception is logged with its traceback and goes no further.
``subscribe`` wraps nothing else: one small record per subscriber, no lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reactivex import Observable, abc

from ._handlers import is_fatal

_T = TypeVar("_T")


class _Isolated(abc.ObserverBase[_T], abc.DisposableBase, Generic[_T]):
    """One subscriber: its callbacks, and its subscription.

    Whatever the callbacks raise (but Ctrl-C and ``sys.exit()``) is logged.
    """

    __slots__ = ("_hub", "_logger", "_on_completed", "_on_error", "_on_next")

    def __init__(
        self,
        hub: Hub[_T],
        logger: logging.Logger,
        on_next: Callable[[_T], Any] | None,
        on_error: Callable[[Exception], Any] | None,
        on_completed: Callable[[], Any] | None,
    ) -> None:
        self._hub: Hub[_T] | None = hub
        self._logger = logger
        self._on_next = on_next
        self._on_error = on_error
        self._on_completed = on_completed

    def on_next(self, value: _T) -> None:
        on_next = self._on_next
        if on_next is not None:
            try:
                on_next(value)
            except BaseException as error:
                self._raised(error, "a subscriber raised; the stream goes on without it")

    def on_error(self, error: Exception) -> None:
        on_error = self._on_error
        if on_error is None:
            self._logger.error(
                "the stream failed and a subscriber has no on_error: %s", error, exc_info=error
            )
            return
        try:
            on_error(error)
        except BaseException as raised:
            self._raised(raised, "a subscriber raised while handling the stream's error")

    def on_completed(self) -> None:
        on_completed = self._on_completed
        if on_completed is not None:
            try:
                on_completed()
            except BaseException as error:
                self._raised(error, "a subscriber raised while handling completion")

    def _raised(self, error: BaseException, message: str) -> None:
        if is_fatal(error):
            raise error
        self._logger.error(message, exc_info=error)

    def dispose(self) -> None:
        """Unsubscribe (idempotent)."""
        hub, self._hub = self._hub, None
        if hub is not None:
            hub._unsubscribe(self)


class Hub(Observable[_T], abc.ObserverBase[_T]):
    """A hot subject whose subscribers are isolated from each other and from the producer.

    Lighter than reactivex's ``Subject``: everything runs on one event loop, so there is
    no lock; ``subscribe`` makes one small record per subscriber, which is also its
    subscription; the subscribers are a tuple replaced on (un)subscription rather than a
    list copied on every event. A subscriber that comes after the end is told at once
    (completion or the error), as with ``Subject``. It is a ``reactivex.Observable``, so
    ``pipe`` and every stock operator work on it.
    """

    # Slots, and no super().__init__() (which makes a lock and sets an attribute): with
    # every attribute a slot, the instance never makes its __dict__ either.
    __slots__ = ("_error", "_logger", "_observers", "is_stopped")
    lock = threading.RLock()  # never taken here; stock code that looks for one finds one

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._observers: tuple[_Isolated[_T], ...] = ()
        self.is_stopped = False
        self._error: Exception | None = None

    def subscribe(
        self,
        on_next: abc.ObserverBase[_T] | Callable[[_T], Any] | None = None,
        on_error: Callable[[Exception], Any] | None = None,
        on_completed: Callable[[], Any] | None = None,
        *,
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        """Subscribe an observer or callbacks; dispose the result to unsubscribe.

        Whatever the subscriber raises is logged and goes no further; without
        ``on_error``, the stream's error is logged.
        """
        if isinstance(on_next, abc.ObserverBase) or callable(getattr(on_next, "on_next", None)):
            observer: Any = on_next
            isolated = _Isolated(
                self, self._logger, observer.on_next, observer.on_error, observer.on_completed
            )
        else:
            callback: Any = on_next
            isolated = _Isolated(self, self._logger, callback, on_error, on_completed)
        if self.is_stopped:
            isolated._hub = None
            if self._error is not None:
                isolated.on_error(self._error)
            else:
                isolated.on_completed()
            return isolated
        self._observers = (*self._observers, isolated)
        self._welcome(isolated)
        return isolated

    def _subscribe_core(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        return self.subscribe(observer)

    def _welcome(self, observer: abc.ObserverBase[_T]) -> None:
        """What a new subscriber gets at once (nothing: subclasses replay)."""

    def _unsubscribe(self, observer: _Isolated[_T]) -> None:
        self._observers = tuple(o for o in self._observers if o is not observer)

    def restart(self) -> None:
        """After the end, accept subscribers and items again (a new stream begins)."""
        self.is_stopped, self._error = False, None

    def on_next(self, value: _T) -> None:
        """Send ``value`` to every subscriber."""
        if not self.is_stopped:
            for observer in self._observers:
                observer.on_next(value)

    def on_error(self, error: Exception) -> None:
        """End every subscription with ``error``."""
        if not self.is_stopped:
            self.is_stopped, self._error = True, error
            observers, self._observers = self._observers, ()
            for observer in observers:
                observer.on_error(error)
                observer._hub = None

    def on_completed(self) -> None:
        """Complete every subscription."""
        if not self.is_stopped:
            self.is_stopped = True
            observers, self._observers = self._observers, ()
            for observer in observers:
                observer.on_completed()
                observer._hub = None


class StateHub(Hub[_T]):
    """A ``Hub`` with a current value, given first to each new subscriber.

    Like reactivex's ``BehaviorSubject``, without its locks.
    """

    __slots__ = ("value",)

    def __init__(self, value: _T, logger: logging.Logger) -> None:
        super().__init__(logger)
        self.value = value

    def _welcome(self, observer: abc.ObserverBase[_T]) -> None:
        observer.on_next(self.value)

    def on_next(self, value: _T) -> None:
        """Make ``value`` the current value and send it to every subscriber."""
        if not self.is_stopped:
            self.value = value
            super().on_next(value)
