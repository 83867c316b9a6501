"""``on()`` handlers: registered per wire type, called per event, isolated from everything else."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable

from ._tasks import TaskSet
from .events import Event

__all__ = ["EventHandler", "Handlers", "is_fatal"]

EventHandler = Callable[[Event], Awaitable[None] | None]
"""A handler for ``StreamAPIWS.on``: a function or a coroutine function of one event."""


def is_fatal(error: BaseException) -> bool:
    """Whether ``error`` must reach the top whoever raised it: Ctrl-C and ``sys.exit()``.

    Everything else a subscriber or a handler raises, ``CancelledError`` and
    ``GeneratorExit`` included, is logged and goes no further.
    """
    return isinstance(error, KeyboardInterrupt | SystemExit)


class Handlers:
    """The client's ``on()`` registrations and the calls they make.

    Plain functions are called in the event's turn; coroutine functions run as tasks of
    ``tasks``, at most ``max_pending`` at once (further calls are skipped and logged at
    ERROR, with a count once calls run again).
    """

    __slots__ = ("_by_type", "_logger", "_max_pending", "_skipped", "_tasks", "pending")

    def __init__(self, tasks: TaskSet, logger: logging.Logger, max_pending: int) -> None:
        self._by_type: dict[str, list[EventHandler]] | None = None
        self._tasks = tasks
        self._logger = logger
        self._max_pending = max_pending
        self._skipped = 0
        self.pending = 0

    def add(self, event_type: str, handler: EventHandler) -> None:
        """Call ``handler`` for every event of ``event_type`` from now on."""
        if self._by_type is None:
            self._by_type = {}
        self._by_type.setdefault(event_type, []).append(handler)

    def dispatch(self, event: Event) -> None:
        """Call the handlers of ``event.type`` (the per-event path: cheap when there are none)."""
        by_type = self._by_type
        if by_type is None:
            return
        handlers = by_type.get(event.type)
        if not handlers:
            return
        for handler in tuple(handlers):
            try:
                result = handler(event)
            except BaseException as error:
                if is_fatal(error):
                    raise
                self._logger.exception("handler %r raised on a %s event", handler, event.type)
                continue
            if inspect.isawaitable(result):
                self._schedule(handler, event, result)

    def _schedule(self, handler: EventHandler, event: Event, pending: Awaitable[None]) -> None:
        if self.pending >= self._max_pending:
            if inspect.iscoroutine(pending):
                pending.close()  # never awaited: close it rather than leak a warning
            if not self._skipped:
                self._logger.error(
                    "%d coroutine handler calls are still running: skipping %r for a %s "
                    "event (and further calls until they catch up)",
                    self.pending,
                    handler,
                    event.type,
                )
            self._skipped += 1
            return
        if self._skipped:
            self._logger.error("handlers caught up; %d handler calls were skipped", self._skipped)
            self._skipped = 0
        self.pending += 1
        self._tasks.spawn(self._run(handler, event, pending), name="rx_coordinator.handler")

    async def _run(self, handler: EventHandler, event: Event, pending: Awaitable[None]) -> None:
        try:
            await pending
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # cancelled by disconnect(): end as cancelled
            self._logger.exception("handler %r raised on a %s event", handler, event.type)
        except BaseException as error:
            if is_fatal(error):
                raise
            self._logger.exception("handler %r raised on a %s event", handler, event.type)
        finally:
            self.pending -= 1
