"""The coordinator's wire protocol as pure functions: no I/O, no clock, no state.

Each rule follows Stream's own JavaScript client (stream-video-js,
``coordinator/connection/connection.ts`` and ``errors.ts``) and Stream's published API
description; ``docs/protocol.md`` lists them with their sources.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._version import __version__
from .errors import ConnectionLost, StreamWSAuthError, StreamWSConnectionError

__all__ = [
    "CLIENT_CLOSE_CODE",
    "CLIENT_CLOSE_REASON",
    "CLIENT_NAME",
    "DEFAULT_WS_URI",
    "ERROR_TYPES",
    "TOKEN_EXPIRED",
    "auth_error",
    "auth_frame",
    "build_url",
    "call_cid",
    "close_error",
    "health_check_frame",
    "new_client_id",
    "rest_base",
    "validate_rest_uri",
    "validate_uri",
]

DEFAULT_WS_URI = "wss://video.stream-io-api.com/video/connect"
"""The production coordinator endpoint."""

CLIENT_CLOSE_CODE = 1000
CLIENT_CLOSE_REASON = "client disconnect"

ERROR_TYPES = frozenset({"connection.error", "error"})

TOKEN_EXPIRED = 40
"""Stream's error code for an expired token: the one a ``token_provider`` can cure."""
"""First-frame types that refuse the connection (``error`` is what older mocks send)."""

CLIENT_NAME = f"stream-rx-coordinator-python-{__version__}"
"""How the client names itself to Stream (``X-Stream-Client``)."""


def validate_uri(uri: str) -> None:
    """Raise ``ValueError`` unless ``uri`` is a ``ws://`` or ``wss://`` URL with a host."""
    if not isinstance(uri, str):
        raise ValueError(f"uri must be a ws:// or wss:// URL string, not {type(uri).__name__}")
    parts = urlsplit(uri)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"uri must be a ws:// or wss:// URL with a host, got {uri!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise ValueError(
            f"uri must be a ws:// or wss:// URL with a valid port, got {uri!r}"
        ) from None


def validate_rest_uri(uri: str) -> None:
    """Raise ``ValueError`` unless ``uri`` is an ``http://`` or ``https://`` URL with a host."""
    parts = urlsplit(uri) if isinstance(uri, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"rest_uri must be an http:// or https:// URL with a host, got {uri!r}")


def rest_base(uri: str) -> str:
    """The REST origin that goes with a WebSocket ``uri``: same host and port, ``http(s)``.

    ``wss://video.stream-io-api.com/video/connect`` gives ``https://video.stream-io-api.com``.
    """
    parts = urlsplit(uri)
    scheme = {"wss": "https", "ws": "http"}[parts.scheme]
    return f"{scheme}://{parts.netloc}"


def call_cid(call: str, call_id: str | None = None) -> str:
    """``"type:id"`` from either a cid (``call``) or a type and an id.

    Each part becomes one segment of a REST path, so it must stay one: not ``.`` or
    ``..``, and without ``/``, ``?``, ``#``, ``%``, ``\\``, whitespace or control
    characters (the type also without ``:``).

    Raises:
        ValueError: anything else, including a ``call`` or ``call_id`` that is not a
            string (``None``, a number, bytes), an empty part, or a cid without ``:``.
    """
    if not isinstance(call, str):
        raise ValueError(f"a call is a 'type:id' string, not {_kind(call)}")
    if call_id is None:
        call_type, sep, call_id = call.partition(":")
        if not sep:
            raise ValueError(f"a call is 'type:id' (or give the type and the id), got {call!r}")
    else:
        call_type = call
    for name, part in (("call type", call_type), ("call id", call_id)):
        if not isinstance(part, str):
            raise ValueError(f"{name} must be a string, not {_kind(part)}")
        if not _is_path_segment(part) or (name == "call type" and ":" in part):
            colon = ", ':'" if name == "call type" else ""
            raise ValueError(
                f"{name} must be one non-empty path segment, not '.' or '..' and without "
                f"'/', '?', '#', '%', '\\'{colon}, whitespace or control characters, "
                f"got {part!r}"
            )
    return f"{call_type}:{call_id}"


_UNSAFE = frozenset("/?#%\\")


def _is_path_segment(part: str) -> bool:
    # isprintable() is False for every control, format and separator character but the
    # space, which is checked on its own.
    return (
        bool(part)
        and part not in (".", "..")
        and part.isprintable()
        and " " not in part
        and _UNSAFE.isdisjoint(part)
    )


def _kind(value: object) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def build_url(uri: str, api_key: str) -> str:
    """The URL to open: ``uri`` plus ``api_key``, ``stream-auth-type`` and ``X-Stream-Client``.

    Any query the user's ``uri`` already has is kept; the token is never put in the URL
    (it travels in the first frame).
    """
    parts = urlsplit(uri)
    ours = {
        "api_key": api_key,
        "stream-auth-type": "jwt",
        "X-Stream-Client": CLIENT_NAME,
    }
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    return urlunsplit(parts._replace(query=urlencode([*kept, *ours.items()])))


def auth_frame(token: str, user_id: str) -> str:
    """The first frame the client sends, as JSON text."""
    return json.dumps({"token": token, "products": ["video"], "user_details": {"id": user_id}})


def new_client_id(user_id: str) -> str:
    """A client id in the official client's form, ``"{user_id}--{uuid4}"``."""
    return f"{user_id}--{uuid.uuid4()}"


def health_check_frame(client_id: str) -> str:
    """The heartbeat frame: a JSON array of one ``health.check``, as the official client sends."""
    return json.dumps([{"type": "health.check", "client_id": client_id}])


def auth_error(raw: dict[str, Any]) -> StreamWSAuthError:
    """The exception for a ``connection.error`` (or legacy ``error``) frame."""
    error = raw.get("error")
    if not isinstance(error, dict):
        error = {}
    code = error.get("code")
    message = error.get("message")
    status = error.get("StatusCode")
    return StreamWSAuthError(
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        message if isinstance(message, str) else "connection refused by the coordinator",
        status if isinstance(status, int) and not isinstance(status, bool) else None,
    )


def close_error(code: int | None, reason: str, *, by_server: bool) -> StreamWSConnectionError:
    """What a closed socket means: final for a server close with 1000, else a loss to retry."""
    shown = f"{code}" + (f" ({reason})" if reason else "")
    if by_server and code == CLIENT_CLOSE_CODE:
        return StreamWSConnectionError(
            f"the coordinator closed the connection with code {shown}; not reconnecting",
            close_code=code,
            close_reason=reason,
        )
    return ConnectionLost(
        f"connection lost (close code {shown})", close_code=code, close_reason=reason
    )
