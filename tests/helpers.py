"""Shared test helpers: a recording observer and polling waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reactivex import Observable

_T = TypeVar("_T")

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.SECRET-signature-7f3a9c"
"""A token distinctive enough to be searched for in logs, reprs and messages."""

FAST = {"healthcheck_interval": 0.2, "healthcheck_timeout": 0.5, "backoff_base": 0.01}
"""Client settings that make a test's timeline short."""


async def eventually(predicate: Callable[[], Any], timeout: float = 3.0) -> None:
    """Wait until ``predicate()`` is true, polling every 5 ms."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polls state that has no event to wait on
            await asyncio.sleep(0.005)


class Recorder(Generic[_T]):
    """Subscribes to an Observable and records what it says."""

    def __init__(self, source: Observable[_T] | None = None) -> None:
        self.items: list[_T] = []
        self.error: Exception | None = None
        self.completed = False
        if source is not None:
            source.subscribe(self.on_next, self.on_error, self.on_completed)

    def on_next(self, item: _T) -> None:
        self.items.append(item)

    def on_error(self, error: Exception) -> None:
        self.error = error

    def on_completed(self) -> None:
        self.completed = True

    @property
    def ended(self) -> bool:
        return self.completed or self.error is not None

    def types(self) -> list[str]:
        return [getattr(item, "type", repr(item)) for item in self.items]

    async def wait_for_items(self, count: int, timeout: float = 3.0) -> None:
        await eventually(lambda: len(self.items) >= count, timeout)

    async def wait_ended(self, timeout: float = 3.0) -> None:
        await eventually(lambda: self.ended, timeout)
