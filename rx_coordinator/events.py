"""Coordinator events.

Every frame becomes an :class:`Event`: it has ``.type`` (the wire ``type`` string),
``.raw`` (the decoded JSON object) and :meth:`Event.to_dict`. The frames the connection
itself relies on have classes with typed attributes: :class:`ConnectedEvent`
(``connection.ok``), :class:`ConnectionErrorEvent` (``connection.error``) and
:class:`HealthCheckEvent` (``health.check``). Every other type, known or not, arrives
as a plain :class:`Event`: an event is never dropped for being new.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

__all__ = [
    "ConnectedEvent",
    "ConnectionErrorEvent",
    "Event",
    "HealthCheckEvent",
    "decode",
]

_log = logging.getLogger(__name__)

_PREVIEW = 120


class Event:
    """A coordinator event: its wire ``type`` and the decoded frame (``raw``).

    This is the class of every event type without a class of its own, and the base of
    those with one.
    """

    __slots__ = ("raw", "type")

    def __init__(self, type: str, raw: dict[str, Any]) -> None:
        self.type = type
        self.raw = raw

    def to_dict(self) -> dict[str, Any]:
        """The frame as a JSON-ready dict (a shallow copy: changing it leaves the event alone)."""
        return dict(self.raw)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return type(self) is type(other) and self.raw == other.raw

    __hash__ = None  # type: ignore[assignment]  # mutable payload

    def __repr__(self) -> str:
        return f"{type(self).__name__}(type={self.type!r}, raw={_preview(repr(self.raw))})"


class ConnectedEvent(Event):
    """``connection.ok``: the socket is authenticated.

    Attributes:
        connection_id: the id the coordinator gave this connection.
        created_at: when the server sent it (RFC 3339 text, as on the wire).
        me: the connected user, as the server stores it.
    """

    __slots__ = ("connection_id", "created_at", "me")
    TYPE: ClassVar[str] = "connection.ok"

    def __init__(self, type: str, raw: dict[str, Any]) -> None:
        super().__init__(type, raw)
        self.connection_id: str = raw["connection_id"]
        self.created_at: str | None = raw.get("created_at")
        self.me: dict[str, Any] = raw.get("me") or {}

    @classmethod
    def fits(cls, raw: dict[str, Any]) -> bool:
        """Whether ``raw`` has what this class needs."""
        me = raw.get("me")
        return isinstance(raw.get("connection_id"), str) and (me is None or isinstance(me, dict))


class ConnectionErrorEvent(Event):
    """``connection.error``: the coordinator refused the connection.

    Attributes:
        error: the server's ``APIError`` object (``code``, ``message``, ``StatusCode``, ...).
        code: ``error["code"]``, Stream's error code.
        message: ``error["message"]``.
    """

    __slots__ = ("code", "error", "message")
    TYPE: ClassVar[str] = "connection.error"

    def __init__(self, type: str, raw: dict[str, Any]) -> None:
        super().__init__(type, raw)
        self.error: dict[str, Any] = raw["error"]
        self.code: int | None = self.error.get("code")
        self.message: str = self.error.get("message") or ""

    @classmethod
    def fits(cls, raw: dict[str, Any]) -> bool:
        """Whether ``raw`` has what this class needs."""
        error = raw.get("error")
        return isinstance(error, dict) and (
            error.get("code") is None or isinstance(error.get("code"), int)
        )


class HealthCheckEvent(Event):
    """``health.check``: the server's answer to a heartbeat (or its own).

    Attributes:
        connection_id: the connection it belongs to, if the server said.
        created_at: when the server sent it (RFC 3339 text).
    """

    __slots__ = ("connection_id", "created_at")
    TYPE: ClassVar[str] = "health.check"

    def __init__(self, type: str, raw: dict[str, Any]) -> None:
        super().__init__(type, raw)
        self.connection_id: str | None = raw.get("connection_id")
        self.created_at: str | None = raw.get("created_at")

    @classmethod
    def fits(cls, raw: dict[str, Any]) -> bool:
        """Whether ``raw`` has what this class needs."""
        cid = raw.get("connection_id")
        return cid is None or isinstance(cid, str)


_TYPED: dict[str, type[ConnectedEvent | ConnectionErrorEvent | HealthCheckEvent]] = {
    cls.TYPE: cls for cls in (ConnectedEvent, ConnectionErrorEvent, HealthCheckEvent)
}


def _preview(text: str) -> str:
    return text if len(text) <= _PREVIEW else f"{text[:_PREVIEW]}... ({len(text)} chars)"


def decode(frame: str | bytes, logger: logging.Logger | None = None) -> Event | None:
    """Decode one inbound frame, or return ``None`` for a bad one.

    Bad frames (binary, not JSON, not an object, no string ``type``) are logged at
    WARNING with a truncated preview and skipped. A known type whose payload does not
    fit its class falls back to a plain :class:`Event` (logged at DEBUG): nothing is lost.
    """
    log = logger or _log
    if not isinstance(frame, str):
        log.warning("skipping a binary frame (%d bytes)", len(frame))
        return None
    try:
        raw = json.loads(frame)
    except ValueError:
        log.warning("skipping a frame that is not JSON: %s", _preview(frame))
        return None
    if not isinstance(raw, dict):
        log.warning("skipping a frame that is not a JSON object: %s", _preview(frame))
        return None
    kind = raw.get("type")
    if not isinstance(kind, str):
        log.warning("skipping a frame without a string 'type': %s", _preview(frame))
        return None
    cls = _TYPED.get(kind)
    if cls is None:
        return Event(kind, raw)
    if cls.fits(raw):
        return cls(kind, raw)
    log.debug("a %s frame does not fit %s; delivered as a plain Event", kind, cls.__name__)
    return Event(kind, raw)
