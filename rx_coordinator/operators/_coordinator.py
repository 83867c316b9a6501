"""The coordinator's own stages: decoding frames, the handshake, and readiness."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias, TypeVar

from reactivex import abc

from .. import protocol
from ..errors import ConnectionLost
from ..events import ConnectedEvent, Event, GenericEvent, decode
from ._lean import Lean, Operator, Stage, clock_of
from ._socket import LOOP_TASKS, Frame, Tasks

__all__ = [
    "CONNECTED_TYPE",
    "Connected",
    "Job",
    "Readiness",
    "connection_id_of",
    "decode_events",
    "handshake",
    "when_ready",
]

_T = TypeVar("_T")
_T_contra = TypeVar("_T_contra", contravariant=True)

CONNECTED_TYPE = "connection.ok"

Connected: TypeAlias = ConnectedEvent | GenericEvent
"""A ``connection.ok`` event: a ``ConnectedEvent``, or a ``GenericEvent`` when the
server's frame does not fit the spec (the connection is usable all the same)."""

Job = Callable[[], Awaitable[object]]
"""Work awaited between two steps (re-watching calls, fetching a token)."""


def connection_id_of(event: Event) -> str | None:
    """The connection id of a ``connection.ok`` event; ``None`` for any other event."""
    if isinstance(event, ConnectedEvent):
        return event.connection_id
    if isinstance(event, GenericEvent) and event.type == CONNECTED_TYPE:
        cid = event.raw.get("connection_id")
        return cid if isinstance(cid, str) and cid else None
    return None


# -- decode ---------------------------------------------------------------------------------


def decode_events(
    logger: logging.Logger | None = None,
) -> Callable[[abc.ObservableBase[Frame]], Lean[Event]]:
    """Turn each frame into its typed event; skip bad frames (logged at WARNING to ``logger``).

    See ``rx_coordinator.events.decode``: a frame of an unknown type, or one that
    does not fit its class, becomes a ``GenericEvent``; a
    frame that cannot be an event at all (binary, not JSON, nested too deep, not an
    object, no string ``type``) never ends the stream.
    """

    def _decode(source: abc.ObservableBase[Frame]) -> Lean[Event]:
        return _Decode(source, logger)

    return _decode


class _DecodeStage(Stage[Frame, Event]):
    __slots__ = ("_logger",)

    def __init__(self, op: _Decode, down: abc.ObserverBase[Event]) -> None:
        super().__init__(down)
        self._logger = op.logger

    def on_next(self, value: Frame) -> None:
        down = self._down
        if down is not None:
            event = decode(value, self._logger)
            if event is not None:
                down.on_next(event)


# -- handshake ------------------------------------------------------------------------------


class _Decode(Operator[Event]):
    __slots__ = ("logger",)
    stage = _DecodeStage

    def __init__(self, source: abc.ObservableBase[Frame], logger: logging.Logger | None) -> None:
        super().__init__(source)
        self.logger = logger


def handshake(
    timeout: float | None, scheduler: abc.SchedulerBase
) -> Callable[[abc.ObservableBase[Event]], Lean[Event]]:
    """Demand ``connection.ok`` first, within ``timeout`` seconds of subscribing.

    ``connection.ok`` with a connection id passes, and so does every event after it.
    A ``connection.error`` (or legacy ``error``) first fails the stream with
    ``StreamWSAuthError``; any other first event, a
    ``connection.ok`` without an id, or no ``connection.ok`` within ``timeout`` (counted
    from subscription whatever arrives meanwhile; ``None``: no limit) fails it with
    ``ConnectionLost``. A ``ConnectionLost`` from upstream
    after ``connection.ok`` gets its ``uptime``: the seconds from ``connection.ok`` to the
    last event received, which is how a connection proves itself alive.
    """

    def _handshake(source: abc.ObservableBase[Event]) -> Lean[Event]:
        return _Handshake(source, timeout, scheduler)

    return _handshake


class _HandshakeStage(Stage[Event, Event]):
    __slots__ = ("_deadline", "_last", "_ok_at", "_op")

    def __init__(self, op: _Handshake, down: abc.ObserverBase[Event]) -> None:
        super().__init__(down)
        self._op = op
        self._ok_at: float | None = None
        self._last = 0.0
        self._deadline: abc.DisposableBase | None = None
        if op.timeout is not None:
            self._deadline = op.scheduler.schedule_relative(op.timeout, self._expire)

    def on_next(self, value: Event) -> None:
        down = self._down
        if down is None:
            return
        if self._ok_at is not None:
            self._last = self._op.clock()
            down.on_next(value)
            return
        if connection_id_of(value) is not None:
            self._ok_at = self._last = self._op.clock()
            self._stop()
            down.on_next(value)
        elif value.type in protocol.ERROR_TYPES:
            self.on_error(protocol.auth_error(value.to_dict()))
        elif value.type == CONNECTED_TYPE:
            self.on_error(ConnectionLost("connection.ok came without a connection_id"))
        else:
            self.on_error(ConnectionLost(f"expected connection.ok first, got {value.type!r}"))

    def on_error(self, error: Exception) -> None:
        if self._ok_at is not None and isinstance(error, ConnectionLost):
            error = error.with_uptime(self._last - self._ok_at)
        super().on_error(error)

    def _expire(self, _scheduler: abc.SchedulerBase, _state: Any = None) -> None:
        if self._deadline is not None:
            self._deadline = None
            self.on_error(ConnectionLost(f"no connection.ok within {self._op.timeout:g} s"))

    def _stop(self) -> None:
        deadline, self._deadline = self._deadline, None
        if deadline is not None:
            deadline.dispose()


# -- readiness ------------------------------------------------------------------------------


class _Handshake(Operator[Event]):
    __slots__ = ("clock", "scheduler", "timeout")
    stage = _HandshakeStage

    def __init__(
        self, source: abc.ObservableBase[Event], timeout: float | None, scheduler: abc.SchedulerBase
    ) -> None:
        super().__init__(source)
        self.timeout = timeout
        self.scheduler = scheduler
        self.clock = clock_of(scheduler)


class Readiness(Protocol[_T_contra]):
    """What ``when_ready`` asks of its owner, as one object (one per client)."""

    def prepare(self, item: _T_contra) -> Job | None:
        """At the first item: work to await before "ready" (a coroutine function), or ``None``."""

    def ready(self, item: _T_contra) -> None:
        """The subscription is ready: ``prepare``'s work is done."""


def when_ready(
    readiness: Readiness[_T], *, tasks: Tasks = LOOP_TASKS
) -> Callable[[abc.ObservableBase[_T]], Lean[_T]]:
    """Prepare on the first item, then say it is ready; items pass through meanwhile.

    At the first item (``connection.ok``, after ``handshake``),
    ``readiness.prepare(item)`` is called before the item is passed on; it may give a job
    (a coroutine function: the client re-watches its calls), awaited in a task of
    ``tasks``. Then ``readiness.ready(item)`` is called, unless the subscription ended
    meanwhile. The job's exception fails the stream. Disposing cancels the job.
    """

    def _when_ready(source: abc.ObservableBase[_T]) -> Lean[_T]:
        return _WhenReady(source, readiness, tasks)

    return _when_ready


class _WhenReadyStage(Stage[_T, _T]):
    __slots__ = ("_op", "_started", "_task")

    def __init__(self, op: _WhenReady[_T], down: abc.ObserverBase[_T]) -> None:
        super().__init__(down)
        self._op = op
        self._started = False
        self._task: asyncio.Task[Any] | None = None

    def on_next(self, value: _T) -> None:
        down = self._down
        if down is None:
            return
        if self._started:
            down.on_next(value)
            return
        self._started = True
        op = self._op
        job = op.readiness.prepare(value)
        down.on_next(value)
        if self._down is None:
            return  # a subscriber of that very item ended it
        if job is None:
            op.readiness.ready(value)
        else:
            self._task = op.tasks.spawn(
                self._prepare_then_ready(job, value), "rx_coordinator.prepare"
            )

    async def _prepare_then_ready(self, job: Job, value: _T) -> None:
        try:
            await job()
        except Exception as error:
            self._task = None
            self.on_error(error)
            return
        self._task = None
        if self._down is not None:
            self._op.readiness.ready(value)

    def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()


class _WhenReady(Operator[_T]):
    __slots__ = ("readiness", "tasks")
    stage = _WhenReadyStage

    def __init__(
        self, source: abc.ObservableBase[_T], readiness: Readiness[_T], tasks: Tasks
    ) -> None:
        super().__init__(source)
        self.readiness = readiness
        self.tasks = tasks
