"""A set of background tasks that can be awaited together, so that nothing outlives the client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Coroutine
from typing import Any

__all__ = ["TaskSet"]


class TaskSet:
    """Tracks the tasks it spawns; ``join`` waits for them to end.

    A list, and the set itself as each task's done callback: a client holds one all its
    life, and a set or a bound method per task would each cost more than the tasks' count
    (a handful) is worth.
    """

    __slots__ = ("_logger", "_tasks")

    def __init__(self, logger: logging.Logger) -> None:
        self._tasks: list[asyncio.Task[Any]] = []
        self._logger = logger

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start ``coro`` as a task on the running loop and track it until it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.append(task)
        task.add_done_callback(self)
        return task

    def __call__(self, task: asyncio.Task[Any]) -> None:
        """A tracked task ended: forget it, and log its failure."""
        with contextlib.suppress(ValueError):
            self._tasks.remove(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            self._logger.error("task %s failed", task.get_name(), exc_info=error)

    def __len__(self) -> int:
        return len(self._tasks)

    async def join(
        self, timeout: float | None = None, *, exclude: Collection[asyncio.Task[Any]] = ()
    ) -> list[asyncio.Task[Any]]:
        """Wait for the tracked tasks to end, those they start included.

        Never waits for the caller's own task or those in ``exclude``. With a ``timeout``
        (seconds), gives up then and returns the tasks still running (else ``[]``).
        """
        current = asyncio.current_task()
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while others := [t for t in self._tasks if t is not current and t not in exclude]:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return others
            await asyncio.wait(others, timeout=left)
        return []
