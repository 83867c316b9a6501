"""One WebSocket accepted by the fake coordinator: what it recorded, and what a test can do
to it. The coordinator (``_fake``) runs the protocol; this module only holds the socket."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from ._clock import now_rfc3339

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["FakeConnection"]


class FakeConnection:
    """One connection accepted by a ``FakeCoordinator``, as the
    server sees it.

    Attributes:
        index: 0 for the first connection the fake accepted, 1 for the next, ...
        path: the request path (``/video/connect``).
        query: the request's query parameters.
        auth: the decoded first frame the client sent (``None`` until it arrives).
        connection_id: the id sent in ``connection.ok`` (``None`` if auth was refused).
        error_code: the code of the ``connection.error`` it was refused with, if any.
        health_checks: every health-check item the client sent, decoded.
        received: every frame the client sent after the auth frame, as received.
        close_code: the close code the client sent (1006 when the socket just dropped),
            ``None`` while open.
        close_reason: the close reason the client sent.
        watching: the calls (``"type:id"``) this connection watches (through ``GetCall``,
            ``GetOrCreateCall`` or ``QueryCalls`` with ``watch``).
        compressed: whether ``permessage-deflate`` was negotiated (the fake accepts it
            when the client offers it).
    """

    def __init__(self, ws: web.WebSocketResponse, request: web.BaseRequest, index: int) -> None:
        self._ws = ws
        self._request = request
        self.index = index
        self.path = request.path
        self.query: dict[str, str] = dict(request.query)
        self.auth: dict[str, Any] | None = None
        self.connection_id: str | None = None
        self.error_code: int | None = None
        self.health_checks: list[dict[str, Any]] = []
        self.received: list[str | bytes] = []
        self.close_code: int | None = None
        self.close_reason: str = ""
        self.silent = False
        self.watching: set[str] = set()
        self.compressed = bool(ws.compress)
        self._closing = False
        self._closed = asyncio.Event()
        self._health = asyncio.Condition()

    @property
    def closed(self) -> bool:
        """Whether the socket has ended."""
        return self._closed.is_set()

    @property
    def user_id(self) -> str | None:
        """The ``user_details.id`` of the auth frame, if it had one."""
        details = (self.auth or {}).get("user_details")
        user_id = details.get("id") if isinstance(details, dict) else None
        return user_id if isinstance(user_id, str) else None

    @property
    def user_name(self) -> str | None:
        """The ``user_details.name`` of the auth frame, if it had one."""
        details = (self.auth or {}).get("user_details")
        name = details.get("name") if isinstance(details, dict) else None
        return name if isinstance(name, str) else None

    async def send(self, event: dict[str, Any]) -> None:
        """Send an event (a JSON object); ``created_at`` is filled in when missing."""
        frame = dict(event)
        frame.setdefault("created_at", now_rfc3339())
        await self.send_raw(json.dumps(frame))

    async def send_raw(self, data: str | bytes) -> None:
        """Send one frame exactly as given: text for ``str``, binary for ``bytes``."""
        if isinstance(data, bytes):
            await self._ws.send_bytes(data)
        else:
            await self._ws.send_str(data)

    async def drop(self) -> None:
        """End the socket abruptly, with no close frame (the client sees code 1006)."""
        transport = self._request.transport
        if transport is not None:
            transport.abort()
        await self.wait_closed()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket cleanly with ``code`` and ``reason``."""
        self._closing = True
        await self._ws.close(code=code, message=reason.encode())
        if not self.closed:
            await self._ended(self._ws.close_code or 1006, "")
        await self.wait_closed()

    def go_silent(self) -> None:
        """Stop answering health checks (the socket stays open): the client should time out."""
        self.silent = True

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        """Wait until the socket has ended; return the client's close code."""
        async with asyncio.timeout(timeout):
            await self._closed.wait()
        return self.close_code

    async def wait_for_health_checks(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until the client has sent at least ``count`` health checks."""
        async with asyncio.timeout(timeout), self._health:
            await self._health.wait_for(lambda: len(self.health_checks) >= count)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<FakeConnection #{self.index} {state} connection_id={self.connection_id!r}>"

    async def _record_health_checks(self, checks: list[dict[str, Any]]) -> None:
        async with self._health:
            self.health_checks.extend(checks)
            self._health.notify_all()

    async def _ended(self, code: int | None, reason: str) -> None:
        self.close_code = code
        self.close_reason = reason
        self._closed.set()
        async with self._health:
            self._health.notify_all()
