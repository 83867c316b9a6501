"""The I/O edge: one WebSocket connection, start to end, feeding a :class:`FrameSink`.

:func:`run` opens the socket (``websockets.asyncio``, its own pings off), sends the
first frame, hands the sink a ``send`` function, and gives it every inbound frame.
When the socket ends, the sink is told why, with the verdict of
:func:`rx_coordinator.protocol.close_error`. Cancelling the task closes the socket with
1000 ``"client disconnect"`` (and tells the sink nothing: whoever cancels knows).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from ._redirects import SameOriginConnect
from .errors import ConnectionLost
from .protocol import CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON, close_error

if TYPE_CHECKING:
    from ._tasks import TaskSet

__all__ = ["CLOSE_TIMEOUT", "Frame", "FrameSink", "run"]

Frame = str | bytes

CLOSE_TIMEOUT = 3.0
"""Seconds to wait for the server to answer our close frame before dropping the socket."""


class FrameSink(Protocol):
    """What :func:`run` reports to, in this order: opened, received (each frame), closed."""

    def opened(self, send: Callable[[str], None]) -> None:
        """The socket is open and the first frame sent; ``send`` sends one more."""

    def received(self, frame: Frame) -> None:
        """One inbound frame."""

    def closed(self, error: Exception) -> None:
        """The socket ended, or never opened: ``error`` says how (always an error)."""


async def run(
    url: str,
    hello: str,
    sink: FrameSink,
    *,
    tasks: TaskSet,
    open_timeout: float,
    max_size: int | None,
    compression: bool,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> None:
    """Connect to ``url``, send ``hello``, then feed ``sink`` until the socket ends.

    ``compression`` offers ``permessage-deflate``. ``logger`` is handed to ``websockets``
    for its own records (it logs frames at DEBUG: pass a redacting logger). Sends run as
    tasks of ``tasks``.
    """
    try:
        ws = await SameOriginConnect(  # the token goes where a redirect leads: same origin only
            url,
            ping_interval=None,
            open_timeout=open_timeout,
            close_timeout=CLOSE_TIMEOUT,
            max_size=max_size,
            compression="deflate" if compression else None,
            logger=logger,
        )
    except Exception as exc:  # OSError, TimeoutError, websockets' InvalidStatus, ...
        sink.closed(_lost_at_open(exc))
        return

    failure: Exception | None = None
    try:
        await ws.send(hello)
        del hello  # idle connections are many: keep neither the auth frame nor the last frame
        sink.opened(functools.partial(_send, tasks, ws))
        async for frame in ws:
            sink.received(frame)
            del frame
    except ConnectionClosed:
        pass
    except Exception as exc:  # a bug downstream: end the connection rather than stall it
        failure = exc
    finally:
        await ws.close(CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON)
    if failure is None:
        failure = close_error(
            ws.close_code,
            ws.close_reason or "",
            by_server=bool(ws.protocol.close_rcvd_then_sent),
        )
    sink.closed(failure)


def _send(tasks: TaskSet, ws: ClientConnection, message: str) -> None:
    tasks.spawn(_send_quietly(ws, message), name="rx_coordinator.send")


async def _send_quietly(ws: ClientConnection, message: str) -> None:
    # A send racing the socket's end is not an error of its own: the reader reports the end.
    with contextlib.suppress(ConnectionClosed):
        await ws.send(message)


def _lost_at_open(exc: Exception) -> ConnectionLost:
    detail = str(exc) or type(exc).__name__
    lost = ConnectionLost(f"could not open the socket: {detail}")
    lost.__cause__ = exc
    return lost
