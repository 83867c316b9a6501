"""The I/O edge: one WebSocket connection as a cold Observable of inbound frames.

Subscribing opens the socket (``websockets.asyncio``, its own pings off), sends the
first frame, then sends every item of ``outbound`` and emits every inbound frame.
The stream fails when the socket ends, with the verdict of
:func:`rx_coordinator.protocol.close_error`. Disposing closes the socket with
1000 ``"client disconnect"``.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from reactivex import Observable, abc
from reactivex.disposable import Disposable
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .errors import ConnectionLost
from .protocol import CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON, close_error

if TYPE_CHECKING:
    from ._tasks import TaskSet

__all__ = ["CLOSE_TIMEOUT", "Frame", "websocket"]

Frame = str | bytes

CLOSE_TIMEOUT = 3.0
"""Seconds to wait for the server to answer our close frame before dropping the socket."""


def websocket(
    url: str,
    hello: str,
    outbound: Observable[str],
    *,
    tasks: TaskSet,
    open_timeout: float,
    max_size: int | None,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> Observable[Frame]:
    """A cold Observable: each subscription is one WebSocket connection to ``url``.

    ``hello`` is sent as soon as the socket is open; ``outbound`` is subscribed then,
    and each of its items is sent. ``logger`` is handed to ``websockets`` for its own
    records (it logs frames at DEBUG: pass a redacting logger).
    """

    def subscribe(
        observer: abc.ObserverBase[Frame], _: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        task = tasks.spawn(_run(observer), name="rx_coordinator.transport")

        def close() -> None:
            task.cancel()  # the task's cleanup closes the socket with 1000

        return Disposable(close)

    async def _run(observer: abc.ObserverBase[Frame]) -> None:
        try:
            ws = await connect(
                url,
                ping_interval=None,
                open_timeout=open_timeout,
                close_timeout=CLOSE_TIMEOUT,
                max_size=max_size,
                logger=logger,
            )
        except Exception as exc:  # OSError, TimeoutError, websockets' InvalidStatus, ...
            observer.on_error(_lost_at_open(exc))
            return

        failure: Exception | None = None
        outbound_subscription: abc.DisposableBase | None = None
        try:
            await ws.send(hello)
            outbound_subscription = outbound.subscribe(lambda message: _send(ws, message))
            async for frame in ws:
                observer.on_next(frame)
        except ConnectionClosed:
            pass
        except Exception as exc:  # a bug downstream: fail the stream rather than stall it
            failure = exc
        finally:
            if outbound_subscription is not None:
                outbound_subscription.dispose()
            await ws.close(CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON)
        if failure is None:
            failure = close_error(
                ws.close_code,
                ws.close_reason or "",
                by_server=bool(ws.protocol.close_rcvd_then_sent),
            )
        observer.on_error(failure)

    def _send(ws: ClientConnection, message: str) -> None:
        tasks.spawn(_send_quietly(ws, message), name="rx_coordinator.send")

    return Observable(subscribe)


async def _send_quietly(ws: ClientConnection, message: str) -> None:
    # A send racing the socket's end is not an error of its own: the reader reports the end.
    with contextlib.suppress(ConnectionClosed):
        await ws.send(message)


def _lost_at_open(exc: Exception) -> ConnectionLost:
    detail = str(exc) or type(exc).__name__
    lost = ConnectionLost(f"could not open the socket: {detail}")
    lost.__cause__ = exc
    return lost
