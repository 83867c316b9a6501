"""An async iterator over an Observable, through a bounded buffer that never loses silently."""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType
from typing import Generic, TypeVar

from reactivex import Observable
from reactivex.disposable import SingleAssignmentDisposable

from .errors import StreamWSOverflowError

__all__ = ["EventStream"]

_T = TypeVar("_T")


class EventStream(Generic[_T]):
    """Events to ``async for`` over, buffered up to ``maxsize`` while the consumer works.

    It subscribes when made, so nothing between ``StreamAPIWS.listen`` and the first
    ``await`` is missed. When the consumer falls more than ``maxsize`` events behind, the
    stream stops buffering and, once the consumer has taken the buffered events, raises
    ``StreamWSOverflowError``: nothing is skipped without the consumer knowing where.
    The iteration ends when the client's stream completes (``disconnect``), and raises
    its error when it fails. Use it as an async context manager, or call ``aclose``,
    to unsubscribe early.
    """

    def __init__(self, source: Observable[_T], maxsize: int) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"maxsize must be a positive integer, got {maxsize!r}")
        self._maxsize = maxsize
        self._items: deque[_T] = deque()
        self._ready = asyncio.Event()
        self._end: BaseException | None = None
        self._ended = False
        self._subscription = SingleAssignmentDisposable()
        self._subscription.disposable = source.subscribe(
            self._on_next, self._on_error, self._on_completed
        )

    def _on_next(self, item: _T) -> None:
        if self._ended:
            return
        if len(self._items) >= self._maxsize:
            self._finish(
                StreamWSOverflowError(
                    f"the consumer fell more than {self._maxsize} events behind; the events "
                    "after these were not kept (raise maxsize, or make the consumer faster)"
                )
            )
            return
        self._items.append(item)
        self._ready.set()

    def _on_error(self, error: Exception) -> None:
        self._finish(error)

    def _on_completed(self) -> None:
        self._finish(None)

    def _finish(self, end: BaseException | None) -> None:
        if not self._ended:
            self._ended = True
            self._end = end
            self._ready.set()
            self._subscription.dispose()

    def __aiter__(self) -> EventStream[_T]:
        return self

    async def __anext__(self) -> _T:
        while not self._items:
            if self._ended:
                if self._end is not None:
                    end, self._end = self._end, None  # raised once; then the stream is over
                    raise end
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    @property
    def pending(self) -> int:
        """Events received and not yet taken."""
        return len(self._items)

    async def aclose(self) -> None:
        """Unsubscribe; the iteration ends after the events already buffered."""
        self._finish(None)

    async def __aenter__(self) -> EventStream[_T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
