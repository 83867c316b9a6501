"""Connections one after another: the client's reconnect loop, on plain state.

A :class:`Connection` is one attempt: socket, liveness, decoding, handshake and heartbeat.
A :class:`Session` opens one, and when it ends, opens the next after the
:class:`~rx_coordinator._backoff.Backoff` delay, until an error is final. Both follow the
rules of the pure operators in :mod:`rx_coordinator.operators` (``liveness_timeout``,
``retry_when`` with ``exponential_backoff``), and share their policy objects
(:class:`~rx_coordinator._timers.Deadline`, ``Backoff``); they are written as two objects
rather than composed from operators because a client lives as long as its connection,
services hold thousands, and each composed operator keeps a lock and several objects
alive (about 30 KiB per client, twice what the socket itself takes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeAlias

from reactivex import abc

from . import protocol
from ._backoff import Backoff
from ._timers import Deadline, Periodic, clock_of
from .errors import ConnectionLost, StreamWSTokenProviderError
from .events import ConnectedEvent, Event, GenericEvent, decode
from .transport import Frame, run

if TYPE_CHECKING:
    from ._tasks import TaskSet

__all__ = ["Connected", "Connection", "Session", "SessionHooks", "Settings", "connection_id_of"]

CONNECTED_TYPE = "connection.ok"

Connected: TypeAlias = ConnectedEvent | GenericEvent
"""A ``connection.ok`` event: a :class:`ConnectedEvent`, or a :class:`GenericEvent` when the
server's frame does not fit the spec (the connection is usable all the same)."""

Job = Callable[[], Awaitable[object]]
"""Work a session awaits between two steps (re-watching calls, fetching a token)."""


def connection_id_of(event: Event) -> str | None:
    """The connection id of a ``connection.ok`` event; ``None`` for any other event."""
    if isinstance(event, ConnectedEvent):
        return event.connection_id
    if isinstance(event, GenericEvent) and event.type == CONNECTED_TYPE:
        cid = event.raw.get("connection_id")
        return cid if isinstance(cid, str) and cid else None
    return None


@dataclass(frozen=True, slots=True)
class Settings:
    """What every connection of a session is made with."""

    url: str
    user_id: str
    healthcheck_interval: float
    healthcheck_timeout: float
    max_size: int | None
    compression: bool
    tasks: TaskSet
    logger: logging.Logger
    ws_logger: logging.Logger | logging.LoggerAdapter[logging.Logger]


class Connection(abc.DisposableBase):
    """One connection attempt: open, authenticate, heartbeat, watch liveness, decode.

    The socket opens at once; silence of ``healthcheck_timeout`` seconds, counted from
    creation and from every inbound frame of any kind, ends it. The first event must be
    ``connection.ok`` with a connection id (``connection.error`` ends it with
    :class:`StreamWSAuthError`, anything else with :class:`ConnectionLost`); the heartbeat
    starts then: nothing but the auth frame is sent before it. A :class:`ConnectionLost`
    carries ``uptime``, the seconds since ``connection.ok``. The session hears of the
    connection (:meth:`Session.connected`), of each later event, and of its end
    (:meth:`Session.ended`) exactly once; disposing closes it and silences it.
    """

    __slots__ = (
        "_connected_at",
        "_deadline",
        "_health_check",
        "_heartbeat",
        "_on_event",
        "_send",
        "_session",
        "_task",
    )

    def __init__(self, session: Session, token: str) -> None:
        settings = session.settings
        self._session: Session | None = session
        self._on_event = session.hooks.event
        self._connected_at: float | None = None
        self._send: Callable[[str], None] | None = None
        self._heartbeat: Periodic | None = None
        self._health_check = ""
        self._deadline = Deadline(settings.healthcheck_timeout, session.scheduler, self._silent)
        self._task: asyncio.Task[None] | None = settings.tasks.spawn(
            run(
                settings.url,
                protocol.auth_frame(token, settings.user_id),
                self,
                tasks=settings.tasks,
                open_timeout=settings.healthcheck_timeout,
                max_size=settings.max_size,
                compression=settings.compression,
                logger=settings.ws_logger,
            ),
            name="rx_coordinator.transport",
        )

    # -- what the transport reports (a FrameSink) -----------------------------------------

    def opened(self, send: Callable[[str], None]) -> None:
        """The auth frame is sent; ``send`` sends the heartbeat later."""
        self._send = send

    def received(self, frame: Frame) -> None:
        """One inbound frame: proof of life, then an event (bad frames are skipped)."""
        session = self._session
        if session is None:
            return  # a frame already read when the connection was closed
        self._deadline.touch()
        # No frame logging here: websockets already logs every frame at DEBUG.
        event = decode(frame, session.settings.logger)
        if event is None:
            return
        if self._connected_at is not None:
            self._on_event(event)
        else:
            self._handshake(session, event)

    def closed(self, error: Exception) -> None:
        """The socket ended on its own."""
        self._task = None  # it is ending: nothing to cancel
        self._end(error)

    # -- ----------------------------------------------------------------------------------

    def _handshake(self, session: Session, event: Event) -> None:
        if isinstance(event, Connected) and connection_id_of(event) is not None:
            self._connected_at = clock_of(session.scheduler)()
            settings = session.settings
            self._health_check = protocol.health_check_frame(
                protocol.new_client_id(settings.user_id)
            )
            self._heartbeat = Periodic(settings.healthcheck_interval, session.scheduler, self._beat)
            session.connected(self, event)
        elif event.type in protocol.ERROR_TYPES:
            self._end(protocol.auth_error(event.to_dict()))
        else:
            self._end(ConnectionLost(f"expected connection.ok first, got {event.type!r}"))

    def _beat(self) -> None:
        if self._send is not None:
            self._send(self._health_check)

    def _silent(self) -> None:
        session = self._session
        if session is not None:  # None only after dispose(), which stops the deadline too
            timeout = session.settings.healthcheck_timeout
            self._end(ConnectionLost(f"no frame received for {timeout:g} s"))

    def _end(self, error: Exception) -> None:
        session = self._session
        if session is None:
            return
        if isinstance(error, ConnectionLost):
            uptime = None
            if self._connected_at is not None:
                uptime = clock_of(session.scheduler)() - self._connected_at
            error = error.with_uptime(uptime)
        self.dispose()
        session.ended(self, error)

    def dispose(self) -> None:
        """Close the socket (1000 ``"client disconnect"``) and stop every timer; idempotent."""
        self._session = None
        self._send = None
        self._deadline.dispose()
        if self._heartbeat is not None:
            self._heartbeat.dispose()
            self._heartbeat = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()  # the task's cleanup closes the socket


class SessionHooks(Protocol):
    """What a :class:`Session` asks of its owner (the client), and tells it."""

    def token(self) -> str:
        """The token for the next connection."""

    def connected(self, event: Connected) -> None:
        """A connection's ``connection.ok``, before any other of its events."""

    def event(self, event: Event) -> None:
        """Any later event of the connection (the per-frame path)."""

    def prepare(self, event: Connected) -> Job | None:
        """A job to await before the connection is ready (``None``: ready at once)."""

    def ready(self, event: Connected) -> None:
        """The connection is ready."""

    def fresh_token(self, error: Exception) -> Job | None:
        """A job that fetches a new token because of ``error`` (``None``: no such need)."""

    def retrying(self, attempt: int, delay: float, error: Exception) -> None:
        """Reconnect attempt ``attempt`` (0-based) opens in ``delay`` seconds."""

    def failed(self, error: Exception) -> None:
        """The session is over: ``error`` is final."""


class Session(abc.DisposableBase):
    """Connections one after another, until one ends with a final error.

    After ``connection.ok``, ``hooks.prepare(event)`` may give a job (re-watching calls)
    to await before ``hooks.ready(event)``; events flow meanwhile, and the job's error
    ends the connection. When a connection ends, ``hooks.fresh_token(error)`` may give a
    job that fetches a new token, after which the next connection opens at once.
    Otherwise the :class:`Backoff` decides: retry after its delay (``hooks.retrying``
    first) or give up (``hooks.failed``). Only :class:`ConnectionLost` and
    :class:`StreamWSTokenProviderError` are retried, and only once a connection has been
    ready: before that, the caller of ``connect()`` learns of the failure at once. A
    connection that lived ``healthcheck_interval`` seconds resets the budget.

    ``connection(session, token)`` makes each connection (a :class:`Connection` unless
    given: tests give a scripted one); it reports to :meth:`connected` and :meth:`ended`.
    """

    __slots__ = (
        "_backoff",
        "_connection",
        "_established",
        "_job",
        "_make_connection",
        "_timer",
        "hooks",
        "scheduler",
        "settings",
    )

    def __init__(
        self,
        settings: Settings,
        scheduler: abc.SchedulerBase,
        backoff: Backoff,
        hooks: SessionHooks,
        *,
        connection: Callable[[Session, str], abc.DisposableBase] | None = None,
    ) -> None:
        self.settings = settings
        self.scheduler = scheduler
        self.hooks = hooks
        self._backoff = backoff
        self._make_connection = connection or Connection
        self._established = False
        self._connection: abc.DisposableBase | None = None
        self._timer: abc.DisposableBase | None = None
        self._job: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Open the first connection."""
        self._open()

    def _open(self, _scheduler: abc.SchedulerBase | None = None, _state: object = None) -> None:
        self._timer = None
        if self._established:
            max_retries = self._backoff.max_retries
            budget = "" if max_retries is None else f" of {max_retries}"
            self.settings.logger.info("reconnecting (attempt %d%s)", self._backoff.attempts, budget)
        self._connection = self._make_connection(self, self.hooks.token())

    def connected(self, connection: abc.DisposableBase, event: Connected) -> None:
        """``connection`` got ``connection.ok``: pass it on, then prepare the connection."""
        self.hooks.connected(event)
        if connection is not self._connection:
            return  # disposed by a subscriber of that very event
        job = self.hooks.prepare(event)
        if job is None:
            self._ready(event)
        else:
            self._job = self.settings.tasks.spawn(
                self._prepare_then_ready(connection, job, event), name="rx_coordinator.rewatch"
            )

    async def _prepare_then_ready(
        self, connection: abc.DisposableBase, job: Job, event: Connected
    ) -> None:
        try:
            await job()
        except Exception as error:
            self._job = None
            connection.dispose()
            self.ended(connection, error)
            return
        self._job = None
        if connection is self._connection:
            self._ready(event)

    def _ready(self, event: Connected) -> None:
        self._established = True
        self.hooks.ready(event)

    def ended(self, connection: abc.DisposableBase, error: Exception) -> None:
        """``connection`` is over, because of ``error``: refresh the token, retry or give up."""
        if connection is not self._connection:
            return
        self._connection = None
        self._cancel_job()
        job = self.hooks.fresh_token(error)
        if job is None:
            self._retry(error)
        else:
            self._job = self.settings.tasks.spawn(
                self._refresh_then_open(job), name="rx_coordinator.token"
            )

    async def _refresh_then_open(self, job: Job) -> None:
        try:
            await job()
        except Exception as error:
            self._job = None
            self._retry(error)
            return
        self._job = None
        self._open()

    def _retry(self, error: Exception) -> None:
        uptime = getattr(error, "uptime", None)
        try:
            attempt, delay = self._backoff.retry(
                error,
                retryable=self._established
                and isinstance(error, ConnectionLost | StreamWSTokenProviderError),
                reset=uptime is not None and uptime >= self.settings.healthcheck_interval,
            )
        except Exception as final:
            self.dispose()
            self.hooks.failed(final)
            return
        self.hooks.retrying(attempt, delay, error)
        self._timer = self.scheduler.schedule_relative(delay, self._open)

    def _cancel_job(self) -> None:
        job, self._job = self._job, None
        if job is not None and job is not asyncio.current_task():
            job.cancel()

    def dispose(self) -> None:
        """Close the connection, cancel a pending retry or job: nothing more is reported."""
        self._cancel_job()
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.dispose()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.dispose()
