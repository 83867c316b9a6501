"""Two timers every connection needs, each one object over one scheduled action.

:class:`Deadline` is the liveness watchdog, :class:`Periodic` the heartbeat. Both take
their time from a reactivex scheduler, so they run in virtual time under
``TestScheduler`` as on the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from reactivex import abc

__all__ = ["Deadline", "Periodic", "clock_of"]


def clock_of(scheduler: abc.SchedulerBase) -> Callable[[], float]:
    """The scheduler's clock in seconds, as cheaply as it can be read (once per frame)."""
    monotonic = getattr(scheduler, "monotonic", None)
    if callable(monotonic):
        return cast("Callable[[], float]", monotonic)
    return lambda: scheduler.now.timestamp()


class Deadline(abc.DisposableBase):
    """Calls ``expire()`` once ``timeout`` seconds pass without a :meth:`touch`.

    The silence is measured from creation and from every touch. Detection is exact (at
    the timeout itself) and costs one timer per timeout period, not one per touch: a
    touch only records the time; the timer, when it fires early, re-arms for the rest.
    Disposing stops it.
    """

    __slots__ = ("_clock", "_expire", "_last", "_scheduler", "_timeout", "_timer")

    def __init__(
        self, timeout: float, scheduler: abc.SchedulerBase, expire: Callable[[], None]
    ) -> None:
        self._timeout = timeout
        self._scheduler = scheduler
        self._expire = expire
        self._clock = clock_of(scheduler)
        self._last = self._clock()
        self._timer: abc.DisposableBase | None = scheduler.schedule_relative(timeout, self._check)

    def touch(self) -> None:
        """Restart the count of silence from now."""
        self._last = self._clock()

    def _check(self, _scheduler: abc.SchedulerBase, _state: Any = None) -> None:
        if self._timer is None:
            return
        remaining = self._last + self._timeout - self._clock()
        if remaining > 0:
            self._timer = self._scheduler.schedule_relative(remaining, self._check)
            return
        self._timer = None
        self._expire()

    def dispose(self) -> None:
        """Stop watching: ``expire`` is not called after this."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.dispose()


class Periodic(abc.DisposableBase):
    """Calls ``action()`` every ``interval`` seconds from creation on, until disposed."""

    __slots__ = ("_action", "_interval", "_scheduler", "_timer")

    def __init__(
        self, interval: float, scheduler: abc.SchedulerBase, action: Callable[[], None]
    ) -> None:
        self._interval = interval
        self._scheduler = scheduler
        self._action = action
        self._timer: abc.DisposableBase | None = scheduler.schedule_relative(interval, self._tick)

    def _tick(self, _scheduler: abc.SchedulerBase, _state: Any = None) -> None:
        if self._timer is not None:
            self._timer = self._scheduler.schedule_relative(self._interval, self._tick)
            self._action()

    def dispose(self) -> None:
        """Stop: ``action`` is not called after this."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.dispose()
