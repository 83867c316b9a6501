"""The connection's lifecycle states."""

from __future__ import annotations

import enum

__all__ = ["ALLOWED_TRANSITIONS", "ConnectionState"]


class ConnectionState(enum.Enum):
    """Where a ``StreamAPIWS`` is in its lifecycle.

    ``DISCONNECTED → CONNECTING → CONNECTED (→ RECONNECTING → CONNECTED)* → DISCONNECTED | FAILED``
    """

    DISCONNECTED = "disconnected"
    """Initial, and after ``StreamAPIWS.disconnect``."""
    CONNECTING = "connecting"
    """``StreamAPIWS.connect`` is opening the first connection."""
    CONNECTED = "connected"
    """Authenticated; events flow."""
    RECONNECTING = "reconnecting"
    """The connection was lost; waiting out the backoff or trying again."""
    FAILED = "failed"
    """Gave up: retries exhausted, a fatal error, or the first connection failed."""


_S = ConnectionState
ALLOWED_TRANSITIONS: frozenset[tuple[ConnectionState, ConnectionState]] = frozenset(
    {
        (_S.DISCONNECTED, _S.CONNECTING),
        (_S.FAILED, _S.CONNECTING),
        (_S.CONNECTING, _S.CONNECTED),
        (_S.CONNECTING, _S.FAILED),
        (_S.CONNECTING, _S.DISCONNECTED),
        (_S.CONNECTED, _S.RECONNECTING),
        (_S.CONNECTED, _S.FAILED),
        (_S.CONNECTED, _S.DISCONNECTED),
        (_S.RECONNECTING, _S.CONNECTED),
        (_S.RECONNECTING, _S.FAILED),
        (_S.RECONNECTING, _S.DISCONNECTED),
        (_S.FAILED, _S.DISCONNECTED),
    }
)
"""Every transition the ``state`` stream can make."""
