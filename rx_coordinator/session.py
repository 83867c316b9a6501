"""One connection attempt as an Observable of events: socket, liveness, decoding, handshake.

The client resubscribes to :func:`attempt` (through ``retry_when``) for every reconnect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from reactivex import Observable, abc
from reactivex.disposable import (
    CompositeDisposable,
    Disposable,
    SerialDisposable,
    SingleAssignmentDisposable,
)

from . import protocol
from .errors import ConnectionLost
from .events import ConnectedEvent, Event, GenericEvent, decode
from .operators import liveness_timeout
from .transport import Frame, websocket

if TYPE_CHECKING:
    from ._tasks import TaskSet

__all__ = [
    "Connected",
    "attempt",
    "connection_id_of",
    "decode_frames",
    "handshake",
    "when_connected",
]

CONNECTED_TYPE = "connection.ok"

Connected: TypeAlias = ConnectedEvent | GenericEvent
"""A ``connection.ok`` event: a :class:`ConnectedEvent`, or a :class:`GenericEvent` when the
server's frame does not fit the spec (the connection is usable all the same)."""


def connection_id_of(event: Event) -> str | None:
    """The connection id of a ``connection.ok`` event; ``None`` for any other event."""
    if isinstance(event, ConnectedEvent):
        return event.connection_id
    if isinstance(event, GenericEvent) and event.type == CONNECTED_TYPE:
        cid = event.raw.get("connection_id")
        return cid if isinstance(cid, str) and cid else None
    return None


def decode_frames(logger: logging.Logger) -> Callable[[Observable[Frame]], Observable[Event]]:
    """Decode each frame once; bad frames are logged (by :func:`decode`) and skipped."""

    def _decode_frames(source: Observable[Frame]) -> Observable[Event]:
        def subscribe(
            observer: abc.ObserverBase[Event], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            def on_next(frame: Frame) -> None:
                # No frame logging here: websockets already logs every frame at DEBUG.
                event = decode(frame, logger)
                if event is not None:
                    observer.on_next(event)

            return source.subscribe(
                on_next, observer.on_error, observer.on_completed, scheduler=scheduler
            )

        return Observable(subscribe)

    return _decode_frames


def handshake(
    scheduler: abc.SchedulerBase, on_connected: Callable[[Connected], None] | None = None
) -> Callable[[Observable[Event]], Observable[Event]]:
    """Check the first event and date the connection.

    The first event must be ``connection.ok`` with a connection id, typed or not (then
    ``on_connected`` is called with it);
    ``connection.error`` (or legacy ``error``) fails the stream with
    :class:`StreamWSAuthError`, anything else with :class:`ConnectionLost`. A
    :class:`ConnectionLost` from upstream is re-raised with ``uptime``, the seconds since
    ``connection.ok`` (``None`` before it).
    """

    def _handshake(source: Observable[Event]) -> Observable[Event]:
        def subscribe(
            observer: abc.ObserverBase[Event], subscribe_scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            connected_at: datetime | None = None
            upstream = SingleAssignmentDisposable()

            def on_next(event: Event) -> None:
                nonlocal connected_at
                if connected_at is not None:
                    observer.on_next(event)
                elif isinstance(event, Connected) and connection_id_of(event) is not None:
                    connected_at = scheduler.now
                    if on_connected is not None:
                        on_connected(event)
                    observer.on_next(event)
                else:
                    upstream.dispose()
                    if event.type in protocol.ERROR_TYPES:
                        observer.on_error(protocol.auth_error(event.to_dict()))
                    else:
                        observer.on_error(
                            ConnectionLost(f"expected connection.ok first, got {event.type!r}")
                        )

            def on_error(error: Exception) -> None:
                if isinstance(error, ConnectionLost):
                    uptime = (
                        None
                        if connected_at is None
                        else (scheduler.now - connected_at).total_seconds()
                    )
                    error = error.with_uptime(uptime)
                observer.on_error(error)

            upstream.disposable = source.subscribe(
                on_next, on_error, observer.on_completed, scheduler=subscribe_scheduler
            )
            return upstream

        return Observable(subscribe)

    return _handshake


def when_connected(
    prepare: Callable[[Connected], Observable[Any]],
    on_ready: Callable[[Connected], None],
) -> Callable[[Observable[Event]], Observable[Event]]:
    """Run ``prepare`` after ``connection.ok``; the connection is ready when it completes.

    Events pass through meanwhile. ``prepare(event)``'s error fails the stream (the
    connection is given up and, if the error is retryable, reconnected); its completion
    calls ``on_ready(event)``. The first event is ``connection.ok``: :func:`handshake`
    sees to it.
    """

    def _when_connected(source: Observable[Event]) -> Observable[Event]:
        def subscribe(
            observer: abc.ObserverBase[Event], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            upstream = SingleAssignmentDisposable()
            preparing = SingleAssignmentDisposable()
            started = False

            def fail(error: Exception) -> None:
                upstream.dispose()
                observer.on_error(error)

            def on_next(event: Event) -> None:
                nonlocal started
                observer.on_next(event)
                if not started and isinstance(event, Connected):
                    started = True
                    preparing.disposable = prepare(event).subscribe(
                        on_error=fail,
                        on_completed=lambda: on_ready(event),
                        scheduler=scheduler,
                    )

            upstream.disposable = source.subscribe(
                on_next, observer.on_error, observer.on_completed, scheduler=scheduler
            )
            return CompositeDisposable(upstream, preparing)

        return Observable(subscribe)

    return _when_connected


class Heartbeat:
    """Health-check frames every ``interval`` seconds, from :meth:`start` on.

    ``frames`` is the Observable the socket sends; :meth:`start` (at ``connection.ok``)
    begins the schedule. One periodic timer, rather than an operator chain: every
    connection carries one, so it is kept small.
    """

    __slots__ = ("_frame", "_interval", "_observer", "_scheduler", "_timer", "frames")

    def __init__(self, frame: str, interval: float, scheduler: abc.SchedulerBase) -> None:
        self._frame = frame
        self._interval = interval
        self._scheduler = scheduler
        self._observer: abc.ObserverBase[str] | None = None
        self._timer = SerialDisposable()
        self.frames: Observable[str] = Observable(self._subscribe)

    def _subscribe(
        self, observer: abc.ObserverBase[str], _: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        self._observer = observer

        def stop() -> None:
            self._observer = None
            self._timer.dispose()

        return Disposable(stop)

    def start(self, _: Any = None) -> None:
        """Begin sending, one frame per interval (a second call changes nothing)."""
        if self._observer is not None and self._timer.disposable is None:
            self._timer.disposable = self._scheduler.schedule_relative(self._interval, self._beat)

    def _beat(self, _scheduler: abc.SchedulerBase, _state: Any = None) -> None:
        if self._observer is not None:
            self._timer.disposable = self._scheduler.schedule_relative(self._interval, self._beat)
            self._observer.on_next(self._frame)


def attempt(
    *,
    url: str,
    token: str,
    user_id: str,
    scheduler: abc.SchedulerBase,
    tasks: TaskSet,
    healthcheck_interval: float,
    healthcheck_timeout: float,
    max_size: int | None,
    logger: logging.Logger,
    ws_logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> Observable[Event]:
    """One connection: open, authenticate, heartbeat, watch liveness, decode.

    The socket opens on subscription; silence of ``healthcheck_timeout`` seconds, counted
    from subscription and from every inbound frame of any kind, fails it. The heartbeat
    starts at ``connection.ok``: nothing but the auth frame is sent before it.
    """
    heartbeat = Heartbeat(
        protocol.health_check_frame(protocol.new_client_id(user_id)),
        healthcheck_interval,
        scheduler,
    )
    frames = websocket(
        url,
        protocol.auth_frame(token, user_id),
        heartbeat.frames,
        tasks=tasks,
        open_timeout=healthcheck_timeout,
        max_size=max_size,
        logger=ws_logger,
    )
    return frames.pipe(
        liveness_timeout(
            healthcheck_timeout,
            scheduler,
            lambda: ConnectionLost(f"no frame received for {healthcheck_timeout:g} s"),
        ),
        decode_frames(logger),
        handshake(scheduler, heartbeat.start),
    )
