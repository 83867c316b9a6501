"""Stream Video's coordinator WebSocket as a ReactiveX Observable of typed events."""

from ._listen import EventStream
from ._version import __version__
from .call_state import CallState
from .client import EventHandler, StreamAPIWS, TokenProvider
from .errors import (
    ConnectionLost,
    StreamAPIError,
    StreamWSAuthError,
    StreamWSConnectionError,
    StreamWSException,
    StreamWSMaxRetriesExceeded,
    StreamWSOverflowError,
    StreamWSTokenProviderError,
)
from .events import (
    ConnectedEvent,
    ConnectionErrorEvent,
    Event,
    GenericEvent,
    HealthCheckEvent,
    TypedEvent,
)
from .operators import (
    exponential_backoff,
    heartbeat,
    liveness_timeout,
    of_type,
    retry_when,
    websocket,
)
from .protocol import DEFAULT_WS_URI
from .state import ConnectionState

__all__ = [
    "DEFAULT_WS_URI",
    "CallState",
    "ConnectedEvent",
    "ConnectionErrorEvent",
    "ConnectionLost",
    "ConnectionState",
    "Event",
    "EventHandler",
    "EventStream",
    "GenericEvent",
    "HealthCheckEvent",
    "StreamAPIError",
    "StreamAPIWS",
    "StreamWSAuthError",
    "StreamWSConnectionError",
    "StreamWSException",
    "StreamWSMaxRetriesExceeded",
    "StreamWSOverflowError",
    "StreamWSTokenProviderError",
    "TokenProvider",
    "TypedEvent",
    "__version__",
    "exponential_backoff",
    "heartbeat",
    "liveness_timeout",
    "of_type",
    "retry_when",
    "websocket",
]
