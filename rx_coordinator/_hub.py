"""Subjects that keep one subscriber's exception away from the producer and the others.

reactivex's ``Subject`` lets an exception raised in a subscriber (or in a subscriber
without ``on_error`` that receives an error) propagate into whoever called ``on_next``:
here that would be the socket reader. These subjects wrap each subscriber so that its
exception is logged with its traceback and goes no further.
"""

from __future__ import annotations

import logging
from typing import Generic, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import Disposable

_T = TypeVar("_T")


class _Isolated(abc.ObserverBase[_T], Generic[_T]):
    __slots__ = ("_logger", "_observer")

    def __init__(self, observer: abc.ObserverBase[_T], logger: logging.Logger) -> None:
        self._observer = observer
        self._logger = logger

    def on_next(self, value: _T) -> None:
        try:
            self._observer.on_next(value)
        except Exception:
            self._logger.exception("a subscriber raised; the stream goes on without it")

    def on_error(self, error: Exception) -> None:
        try:
            self._observer.on_error(error)
        except Exception as raised:
            if raised is error:  # reactivex re-raises when a subscriber has no on_error
                self._logger.error(
                    "the stream failed and a subscriber has no on_error: %s", error, exc_info=error
                )
            else:
                self._logger.exception("a subscriber raised while handling the stream's error")

    def on_completed(self) -> None:
        try:
            self._observer.on_completed()
        except Exception:
            self._logger.exception("a subscriber raised while handling completion")


class Hub(Observable[_T], abc.ObserverBase[_T]):
    """A hot subject whose subscribers are isolated from each other and from the producer.

    Lighter than reactivex's ``Subject`` on the per-event path: everything runs on one
    event loop, so there is no lock, and the subscribers are a tuple replaced on
    (un)subscription rather than a list copied on every event. A subscriber that comes
    after the end is told at once (completion or the error), as with ``Subject``.
    """

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self._logger = logger
        self._observers: tuple[_Isolated[_T], ...] = ()
        self.is_stopped = False
        self._error: Exception | None = None

    def _subscribe_core(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        isolated = _Isolated(observer, self._logger)
        if self.is_stopped:
            if self._error is not None:
                isolated.on_error(self._error)
            else:
                isolated.on_completed()
            return Disposable()
        self._observers = (*self._observers, isolated)
        self._welcome(isolated)
        return _Subscription(self, isolated)

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

    def on_completed(self) -> None:
        """Complete every subscription."""
        if not self.is_stopped:
            self.is_stopped = True
            observers, self._observers = self._observers, ()
            for observer in observers:
                observer.on_completed()


class _Subscription(abc.DisposableBase, Generic[_T]):
    """One subscriber of a :class:`Hub`; disposing unsubscribes it (a lock-free object)."""

    __slots__ = ("_hub", "_observer")

    def __init__(self, hub: Hub[_T], observer: _Isolated[_T]) -> None:
        self._hub: Hub[_T] | None = hub
        self._observer = observer

    def dispose(self) -> None:
        hub, self._hub = self._hub, None
        if hub is not None:
            hub._unsubscribe(self._observer)


class StateHub(Hub[_T]):
    """A :class:`Hub` with a current value, given first to each new subscriber.

    Like reactivex's ``BehaviorSubject``, without its locks.
    """

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
