"""The default scheduler: reactivex's asyncio scheduler on a monotonic clock."""

from __future__ import annotations

import asyncio
import weakref
from datetime import UTC, datetime, timedelta

from reactivex.scheduler.eventloop import AsyncIOScheduler

__all__ = ["LoopScheduler"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopScheduler] = (
    weakref.WeakKeyDictionary()
)


class LoopScheduler(AsyncIOScheduler):
    """An ``AsyncIOScheduler`` whose ``now`` follows the loop's monotonic clock.

    reactivex's own ``AsyncIOScheduler.now`` is the wall clock, which jumps when the
    system time is set; liveness measured on it could fire early or never. Timers run
    on the loop exactly as with ``AsyncIOScheduler``; only ``now`` differs.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(loop or asyncio.get_running_loop())

    @classmethod
    def for_loop(cls, loop: asyncio.AbstractEventLoop) -> LoopScheduler:
        """The scheduler of ``loop``, shared by every client on it (it holds no state)."""
        scheduler = _SHARED.get(loop)
        if scheduler is None:
            scheduler = _SHARED[loop] = cls(loop)
        return scheduler

    def monotonic(self) -> float:
        """The loop's monotonic time in seconds: what ``now`` says, without a datetime."""
        return self._loop.time()

    @property
    def now(self) -> datetime:
        """The loop's monotonic time, as a datetime (only differences between values matter)."""
        return _EPOCH + timedelta(seconds=self._loop.time())
