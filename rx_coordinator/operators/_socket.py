"""The socket source: one coordinator WebSocket per subscription, as an Observable and an Observer.

Like RxJS's ``webSocket``: subscribing opens a socket and sends the first frame; every
inbound frame is an item; disposing closes the socket with 1000 ``"client disconnect"``;
``on_next`` sends a frame on the live socket. The socket's end is an error that says what
it means in Stream's protocol (``rx_coordinator.protocol.close_error``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from reactivex import abc
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from .._redact import RedactingLogger, for_logger
from .._redirects import SameOriginConnect as SameOriginConnect
from ..errors import ConnectionLost, StreamWSException
from ..protocol import CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON, close_error
from ._lean import Lean

__all__ = ["CLOSE_TIMEOUT", "LOOP_TASKS", "Frame", "Tasks", "WebSocketSubject", "websocket"]

Frame = str | bytes
"""An inbound WebSocket frame: text, or bytes for a binary frame."""


class Tasks(Protocol):
    """Where an operator starts its tasks, so that their owner can wait for them to end."""

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start ``coro`` as a task named ``name`` on the running loop."""


CLOSE_TIMEOUT = 3.0
"""Seconds to wait for the server to answer our close frame before dropping the socket."""


class _LoopTasks:
    """The default ``Tasks``: the loop's, each referenced until it ends (so that none
    is collected while it runs)."""

    __slots__ = ("_running",)

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task


LOOP_TASKS: Tasks = _LoopTasks()


def websocket(
    url: str,
    hello: Callable[[], str] | None = None,
    *,
    open_timeout: float = 10.0,
    max_size: int | None = 2**20,
    compression: bool = True,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
    tasks: Tasks = LOOP_TASKS,
) -> WebSocketSubject:
    """A cold Observable of a WebSocket's inbound frames that is also an Observer of frames to send.

    Each subscription opens a socket to ``url`` (``websockets``, its own pings off), sends
    ``hello()`` first (called at each opening, so a refreshed token is used; the frame is
    kept in no variable afterwards), then emits every inbound frame (``str``, or ``bytes``
    for a binary one). When the socket ends, the subscription fails with
    ``ConnectionLost`` (worth a reconnect), or with
    ``StreamWSConnectionError`` for a server close with code
    1000, which Stream means as final. Disposing closes the socket with 1000
    ``"client disconnect"``.

    ``on_next(text)`` sends a frame on the socket of the latest subscription (held until
    it is open; dropped once it is closed): subscribe once (``retry_when`` resubscribes
    one attempt after another), or ``share()`` the chain, since a second live
    subscription takes the sends away from the first. ``websockets``' own records, which
    include every frame at DEBUG, go to ``logger`` through a filter that redacts the
    auth frame (any frame with a ``"token"``) and secret headers: by default to the
    ``rx_coordinator.websockets`` logger. ``tasks`` starts the socket's tasks (so that
    their owner can wait for them to end).
    """
    if logger is None:
        logger = for_logger(logging.getLogger("rx_coordinator"))
    elif not isinstance(logger, RedactingLogger):
        base = logger.logger if isinstance(logger, logging.LoggerAdapter) else logger
        logger = RedactingLogger(base)
    return WebSocketSubject(
        url,
        hello,
        open_timeout=open_timeout,
        max_size=max_size,
        compression=compression,
        logger=logger,
        tasks=tasks,
    )


class WebSocketSubject(Lean[Frame], abc.ObserverBase[str]):
    """What ``websocket`` returns: subscribe to open a socket, ``on_next`` to send."""

    __slots__ = (
        "_compression",
        "_hello",
        "_live",
        "_logger",
        "_max_size",
        "_open_timeout",
        "_tasks",
        "url",
    )

    def __init__(
        self,
        url: str,
        hello: Callable[[], str] | None,
        *,
        open_timeout: float,
        max_size: int | None,
        compression: bool,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None,
        tasks: Tasks,
    ) -> None:
        self.url = url
        self._hello = hello
        self._open_timeout = open_timeout
        self._max_size = max_size
        self._compression = compression
        self._logger = logger
        self._tasks = tasks
        self._live: _Socket | None = None

    def _attach(
        self, observer: abc.ObserverBase[Frame], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        socket = self._live = _Socket(self, observer)
        socket.task = self._tasks.spawn(socket.run(), "rx_coordinator.socket")
        return socket

    def on_next(self, value: str) -> None:
        """Send ``value`` on the latest subscription's socket."""
        if self._live is not None:
            self._live.send(value)

    def on_error(self, error: Exception) -> None:
        """Close the latest subscription's socket and fail that subscription with ``error``."""
        if self._live is not None:
            self._live.finish(error)

    def on_completed(self) -> None:
        """Close the latest subscription's socket and complete that subscription."""
        if self._live is not None:
            self._live.finish(None)

    async def _open(self) -> ClientConnection:
        # Redirects to another origin are refused: the first frame carries the token.
        return await SameOriginConnect(
            self.url,
            ping_interval=None,
            open_timeout=self._open_timeout,
            close_timeout=CLOSE_TIMEOUT,
            max_size=self._max_size,
            compression="deflate" if self._compression else None,
            logger=self._logger,
        )


class _Socket(abc.DisposableBase):
    """One subscription of a ``WebSocketSubject``: one socket, start to end."""

    __slots__ = ("_down", "_outbox", "_subject", "_ws", "task")

    def __init__(self, subject: WebSocketSubject, down: abc.ObserverBase[Frame]) -> None:
        self._subject = subject
        self._down: abc.ObserverBase[Frame] | None = down
        self._ws: ClientConnection | None = None
        self._outbox: list[str] | None = None
        self.task: asyncio.Task[Any] | None = None

    async def run(self) -> None:
        subject = self._subject
        try:
            ws = await subject._open()
        except StreamWSException as exc:  # a refused redirect: final, not worth a retry
            self.finish(exc)
            return
        except Exception as exc:  # OSError, TimeoutError, websockets' InvalidStatus, ...
            self.finish(_lost_at_open(exc))
            return
        failure: Exception | None = None
        try:
            await _send_first(ws, subject._hello)
            self._ws = ws
            outbox, self._outbox = self._outbox, None
            for message in outbox or ():
                self.send(message)
            # recv() rather than ``async for``: the iterator's generator frame is memory
            # every idle connection would hold.
            while (down := self._down) is not None:
                frame = await ws.recv()
                if self._down is not None:  # else disposed while the frame was read
                    down.on_next(frame)
                del frame, down  # idle connections are many: do not keep the last frame
        except ConnectionClosed:
            pass
        except Exception as exc:  # a bug downstream: end the connection rather than stall it
            failure = exc
        finally:
            self._ws = None
            await ws.close(CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON)
        if failure is None:
            failure = close_error(
                ws.close_code,
                ws.close_reason or "",
                by_server=bool(ws.protocol.close_rcvd_then_sent),
            )
        self.task = None  # ending by itself: nothing to cancel
        self.finish(failure)

    def send(self, message: str) -> None:
        if self._down is None:
            return
        ws = self._ws
        if ws is None:
            if self._outbox is None:
                self._outbox = []
            self._outbox.append(message)
            return
        self._subject._tasks.spawn(_send_quietly(ws, message), "rx_coordinator.send")

    def finish(self, error: Exception | None) -> None:
        """End the subscription: close the socket, then tell the observer (once)."""
        down = self._down
        self.dispose()
        if down is not None:
            if error is None:
                down.on_completed()
            else:
                down.on_error(error)

    def dispose(self) -> None:
        """Close the socket with 1000 ``"client disconnect"``; nothing is emitted after this."""
        self._down = None
        self._outbox = None
        if self._subject._live is self:
            self._subject._live = None
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()  # run()'s cleanup closes the socket


async def _send_first(ws: ClientConnection, hello: Callable[[], str] | None) -> None:
    if hello is None:
        return
    try:
        await ws.send(hello())
    except BaseException as exc:
        # The frames of the failed send hold the auth frame (and so the token) in their
        # locals, which outlive the exception: traceback renderers print them.
        traceback.clear_frames(exc.__traceback__)
        if isinstance(exc, ConnectionClosed | asyncio.CancelledError) or not isinstance(
            exc, Exception
        ):
            raise
        raise ConnectionLost(f"could not send the first frame: {exc}") from exc


async def _send_quietly(ws: ClientConnection, message: str) -> None:
    # A send racing the socket's end is not an error of its own: the reader reports the end.
    with contextlib.suppress(ConnectionClosed):
        await ws.send(message)


def _lost_at_open(exc: Exception) -> ConnectionLost:
    detail = str(exc) or type(exc).__name__
    lost = ConnectionLost(f"could not open the socket: {detail}")
    lost.__cause__ = exc
    return lost
