"""A set of background tasks that can be awaited together, so that nothing outlives the client."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any


class TaskSet:
    """Tracks the tasks it spawns; :meth:`join` waits until none is left."""

    __slots__ = ("_logger", "_tasks")

    def __init__(self, logger: logging.Logger) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._logger = logger

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start ``coro`` as a task on the running loop and track it until it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            self._logger.error("task %s failed", task.get_name(), exc_info=error)

    def __len__(self) -> int:
        return len(self._tasks)

    async def join(self) -> None:
        """Wait for every tracked task (but the caller's own) to end, new ones included."""
        current = asyncio.current_task()
        while others := [t for t in self._tasks if t is not current]:
            await asyncio.wait(others)
