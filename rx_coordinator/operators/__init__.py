"""The ReactiveX operators the client is built from, public for users' own pipelines.

``StreamAPIWS`` is these, composed (see ``rx_coordinator._pipeline``)::

    socket = websocket(url, hello)              # cold: subscribe = open + auth, dispose = close
    socket.pipe(
        liveness_timeout(30, scheduler),        # silence -> ConnectionLost (one lazy timer)
        decode_events(),                        # frames -> typed events, bad frames skipped
        handshake(30, scheduler),               # connection.ok first, else an error
        heartbeat(25, scheduler, socket, ...),  # health checks merged in from connection.ok
        when_ready(readiness),                  # re-watch calls before "ready"
        retry_when(exponential_backoff(...)),   # 1, 2, 4, 8, 16 s, then give up
    )

Each takes its time from a scheduler passed in, so every schedule is checked in virtual
time with ``reactivex.testing.TestScheduler``. They are lean: a subscription is one
slotted object per operator, with no lock, and timers are armed lazily. They accept any
reactivex Observable as their source, and their results can be piped into reactivex's
own operators.
"""

from __future__ import annotations

from .._backoff import backoff_delay, jittered
from .._match import Selector
from ._coordinator import (
    Connected,
    Readiness,
    connection_id_of,
    decode_events,
    handshake,
    when_ready,
)
from ._lean import Lean, Operator, Stage
from ._retry import Notifier, Recover, RetryPolicy, exponential_backoff, retry_when
from ._select import of_type
from ._socket import Frame, WebSocketSubject, websocket
from ._time import heartbeat, liveness_timeout

__all__ = [
    "Connected",
    "Frame",
    "Lean",
    "Notifier",
    "Operator",
    "Readiness",
    "Recover",
    "RetryPolicy",
    "Selector",
    "Stage",
    "WebSocketSubject",
    "backoff_delay",
    "connection_id_of",
    "decode_events",
    "exponential_backoff",
    "handshake",
    "heartbeat",
    "jittered",
    "liveness_timeout",
    "of_type",
    "retry_when",
    "websocket",
    "when_ready",
]
