"""The exception hierarchy.

Everything the client raises, or sends to ``on_error`` of ``StreamAPIWS.events``,
is a ``StreamWSException``. None of them ever carries a token: messages are built
from close codes, server error codes and server messages only.
"""

from __future__ import annotations

__all__ = [
    "ConnectionLost",
    "StreamAPIError",
    "StreamWSAuthError",
    "StreamWSConnectionError",
    "StreamWSException",
    "StreamWSMaxRetriesExceeded",
    "StreamWSOverflowError",
    "StreamWSTokenProviderError",
]


class StreamWSException(Exception):
    """Base class of every error raised by ``rx_coordinator``."""


class StreamWSAuthError(StreamWSException):
    """The coordinator refused the connection (a ``connection.error`` frame).

    Never retried, except code 40 (token expired) when a token provider can
    supply a fresh token.

    Attributes:
        code: Stream's error code (40 token expired, 43 bad signature, 2 bad API key, ...).
        message: the server's message.
        status_code: the HTTP-like status the server attached, if any.
    """

    def __init__(self, code: int | None, message: str, status_code: int | None = None) -> None:
        self.code = code
        self.message = message
        self.status_code = status_code
        super().__init__(f"authentication refused (code {code}): {message}")


class StreamAPIError(StreamWSException):
    """Stream's REST API answered a request (such as watching a call) with an error.

    Attributes:
        status_code: the HTTP status (404: no such call, 401: the token was refused, ...).
        code: Stream's error code, if the body had one (16: does not exist, 40: expired).
        message: the API's message.
    """

    def __init__(self, status_code: int, code: int | None, message: str) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        super().__init__(f"HTTP {status_code} (code {code}): {message}")


class StreamWSOverflowError(StreamWSException):
    """A consumer of ``client.listen()`` fell further behind than its ``maxsize``.

    Raised in the consumer after the events that were kept, so it knows exactly where
    events started to be missed.
    """


class StreamWSTokenProviderError(StreamWSException):
    """The ``token_provider`` raised, or gave something that is not a token.

    The provider's own exception is the ``__cause__``. Before the first connection it is
    raised by ``connect()``; on a reconnect it counts as a failed attempt and is retried
    with the backoff.
    """


class StreamWSConnectionError(StreamWSException):
    """The socket could not be opened, answered too late, or was closed for good.

    Attributes:
        close_code: the WebSocket close code when the server closed the socket.
        close_reason: the close reason the server gave, if any.
    """

    def __init__(
        self, message: str, *, close_code: int | None = None, close_reason: str = ""
    ) -> None:
        self.close_code = close_code
        self.close_reason = close_reason
        super().__init__(message)


class ConnectionLost(StreamWSConnectionError):
    """A connection ended in a way that warrants a reconnect.

    The client handles it itself; users meet it as the ``__cause__`` of
    ``StreamWSMaxRetriesExceeded``, in log records, or from ``StreamAPIWS.connect``
    when the very first connection fails.

    Attributes:
        uptime: seconds the connection lived after ``connection.ok``; ``None`` if it
            never got that far.
    """

    def __init__(
        self,
        message: str,
        *,
        close_code: int | None = None,
        close_reason: str = "",
        uptime: float | None = None,
    ) -> None:
        self.uptime = uptime
        super().__init__(message, close_code=close_code, close_reason=close_reason)

    def with_uptime(self, uptime: float | None) -> ConnectionLost:
        """Return a copy that records how long the connection lived."""
        copy = ConnectionLost(
            str(self), close_code=self.close_code, close_reason=self.close_reason, uptime=uptime
        )
        copy.__cause__ = self.__cause__
        return copy


class StreamWSMaxRetriesExceeded(StreamWSConnectionError):
    """The client gave up reconnecting after ``max_retries`` failed attempts.

    Its ``__cause__`` is the error of the last attempt.

    Attributes:
        attempts: the number of failed reconnect attempts.
    """

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(
            f"gave up reconnecting after {attempts} failed attempts"
            if attempts
            else "connection lost and reconnecting is off (max_retries=0)"
        )
