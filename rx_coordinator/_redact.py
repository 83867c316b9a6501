"""A logger for the ``websockets`` library that never lets the auth frame through.

``websockets`` logs every frame at DEBUG (truncated, but a token's first 50 characters
are a secret too). This adapter replaces any logged frame that carries a ``"token"``
key, any argument containing the token itself, and the value of an ``Authorization`` (or
cookie) header, before the record is made.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, MutableMapping
from typing import Any

from websockets.frames import Frame

REDACTED = "<auth frame redacted>"
REDACTED_HEADER = "<redacted>"

# websockets logs each HTTP header as one of these, with the name and the value as arguments.
_HEADER_LINES = frozenset({"> %s: %s", "< %s: %s"})
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})


class RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """Wraps a logger; redacts auth frames, secret headers and ``token()`` from every argument.

    Without ``token``, any frame with a ``"token"`` key is still redacted, which is where the
    client's token travels: one such logger serves every client (see ``for_logger``).
    """

    def __init__(self, logger: logging.Logger, token: Callable[[], str] | None = None) -> None:
        super().__init__(logger, {})
        self._token = token

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        return msg, kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            token = "" if self._token is None else self._token()
            msg = self._clean(msg, token)
            args = tuple(self._clean(arg, token) for arg in args)
            if msg in _HEADER_LINES and str(args[0]).lower() in _SECRET_HEADERS:
                args = (args[0], REDACTED_HEADER)
            self.logger.log(level, msg, *args, **kwargs)

    @staticmethod
    def _clean(value: object, token: str) -> object:
        if isinstance(value, Frame):
            if b'"token"' in value.data or (token and token.encode() in value.data):
                return REDACTED
            return value
        if token and (
            (isinstance(value, str) and token in value)
            or (isinstance(value, bytes) and token.encode() in value)
        ):
            return REDACTED
        return value


@functools.lru_cache(maxsize=64)
def for_logger(logger: logging.Logger) -> RedactingLogger:
    """The shared redacting logger for ``websockets``' records, a child of ``logger``."""
    return RedactingLogger(logger.getChild("websockets"))
