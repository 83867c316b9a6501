"""The default scheduler: reactivex's asyncio scheduler on a monotonic clock, with light timers."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from reactivex import abc, typing
from reactivex.scheduler.eventloop import AsyncIOScheduler

__all__ = ["LoopScheduler"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Weak values: a scheduler holds its loop, so weak keys alone would keep every loop alive
# (an entry dies with its key, and the value kept the key). An entry now lives as long as
# some client uses the scheduler, and the loop is freed with the last of them.
_SHARED: weakref.WeakValueDictionary[asyncio.AbstractEventLoop, LoopScheduler] = (
    weakref.WeakValueDictionary()
)
_TState = TypeVar("_TState")


class LoopScheduler(AsyncIOScheduler):
    """An ``AsyncIOScheduler`` whose ``now`` follows the loop's monotonic clock.

    reactivex's own ``AsyncIOScheduler.now`` is the wall clock, which jumps when the
    system time is set; liveness measured on it could fire early or never. Timers run
    on the loop as with ``AsyncIOScheduler``, but each one is a single small object
    rather than three disposables with a lock each: every connection keeps two alive.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(loop or asyncio.get_running_loop())
        # One bound method for every reader of this clock, rather than one each.
        self.monotonic = self._loop.time

    @classmethod
    def for_loop(cls, loop: asyncio.AbstractEventLoop) -> LoopScheduler:
        """The scheduler of ``loop``, shared by every client on it (it holds no state).

        The cache does not keep the loop alive: a scheduler no one uses is dropped, and a
        new one made when asked again.
        """
        scheduler = _SHARED.get(loop)
        if scheduler is None:
            scheduler = _SHARED[loop] = cls(loop)
        return scheduler

    monotonic: Callable[[], float]
    """The loop's monotonic time in seconds: what ``now`` says, without a datetime."""

    @property
    def now(self) -> datetime:
        """The loop's monotonic time, as a datetime (only differences between values matter)."""
        return _EPOCH + timedelta(seconds=self._loop.time())

    def schedule(
        self, action: typing.ScheduledAction[_TState], state: _TState | None = None
    ) -> abc.DisposableBase:
        """Run ``action`` on the loop's next iteration; dispose the result to cancel it."""
        return _Scheduled(self, None, action, state)

    def schedule_relative(
        self,
        duetime: typing.RelativeTime,
        action: typing.ScheduledAction[_TState],
        state: _TState | None = None,
    ) -> abc.DisposableBase:
        """Run ``action`` after ``duetime``; dispose the result to cancel it."""
        seconds = self.to_seconds(duetime)
        return _Scheduled(self, seconds if seconds > 0 else None, action, state)


class _Scheduled(abc.DisposableBase):
    """One action on the loop. Disposing cancels it, or disposes what it returned."""

    __slots__ = ("_action", "_handle", "_inner", "_scheduler", "_state")

    def __init__(
        self,
        scheduler: LoopScheduler,
        seconds: float | None,
        action: typing.ScheduledAction[_TState],
        state: _TState | None,
    ) -> None:
        self._scheduler = scheduler
        self._action: typing.ScheduledAction[_TState] | None = action
        self._state = state
        self._inner: abc.DisposableBase | None = None
        loop = scheduler._loop
        # The object itself is the callback: a bound method per timer would cost 64 bytes.
        self._handle: asyncio.Handle = (
            loop.call_soon(self) if seconds is None else loop.call_later(seconds, self)
        )

    def __call__(self) -> None:
        """Run the action (the loop calls this)."""
        action, self._action = self._action, None
        if action is not None:
            state, self._state = self._state, None
            result = action(self._scheduler, state)
            if isinstance(result, abc.DisposableBase):
                self._inner = result

    def dispose(self) -> None:
        """Cancel the action if it has not run, else dispose what it returned."""
        self._action = self._state = None
        self._handle.cancel()
        inner, self._inner = self._inner, None
        if inner is not None:
            inner.dispose()
