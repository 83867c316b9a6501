"""The options of ``StreamAPIWS``, checked once, then frozen.

``Options`` takes the client's arguments, with the same signature, and refuses bad
ones with the client's messages. No message ever shows a value that may be a secret: a
token, or something passed where a token or a callable was expected (a token given as
``token_provider=`` by mistake). Such values are described by their type only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from reactivex import abc

from . import protocol

__all__ = ["Options", "TokenProvider", "check_number", "check_text", "shown"]

_FLOATS = (
    "shutdown_timeout",
    "healthcheck_interval",
    "healthcheck_timeout",
    "backoff_base",
    "backoff_factor",
    "jitter",
)

TokenProvider = Callable[[], Awaitable[str] | str]
"""Gives a fresh user token: a function or a coroutine function of no argument."""


@dataclass(frozen=True, slots=True)
class Options:
    """Every option of ``StreamAPIWS``, checked when made (``dataclasses.replace`` too).

    Made as the client is: ``Options(api_key, token, user_id, *, token_provider=...,
    uri=..., ...)``, with the client's defaults. Numbers are kept as ``float`` where the
    client computes with floats (intervals, backoff, jitter). ``token``,
    ``token_provider`` and ``jitter_random`` are left out of the ``repr``.

    Raises:
        ValueError: an empty ``api_key``, ``token`` or ``user_id``, neither a ``token``
            nor a ``token_provider``, a ``uri`` that is not ``ws://``/``wss://`` (or a
            ``rest_uri`` that is not ``http(s)://``), a non-positive interval, a
            ``healthcheck_timeout`` not above ``healthcheck_interval``, a negative retry
            count or backoff, a ``backoff_factor`` below 1, a ``jitter`` outside
            ``[0, 1]``, a negative ``shutdown_timeout``, or a ``max_pending_handlers`` or
            ``max_size`` that is not a positive integer.
        TypeError: a ``token_provider`` or ``jitter_random`` that is not callable, or a
            ``compression`` that is not a bool.
    """

    api_key: str
    token: str | None = field(default=None, repr=False)
    user_id: str = ""
    _: KW_ONLY
    token_provider: TokenProvider | None = field(default=None, repr=False)
    uri: str = protocol.DEFAULT_WS_URI
    rest_uri: str | None = None
    healthcheck_interval: float = 25.0
    healthcheck_timeout: float = 30.0
    max_retries: int | None = 5
    backoff_base: float = 1.0
    backoff_factor: float = 2.0
    backoff_max: float | None = 60.0
    jitter: float = 0.0
    jitter_random: Callable[[], float] | None = field(default=None, repr=False)
    max_pending_handlers: int = 1000
    shutdown_timeout: float = 5.0
    max_size: int | None = 2**20
    compression: bool = True
    logger: logging.Logger | None = None
    scheduler: abc.SchedulerBase | None = None

    def __post_init__(self) -> None:
        # In the order StreamAPIWS has always checked them: the first bad one is reported.
        check_text("api_key", self.api_key)
        if self.token is None and self.token_provider is None:
            raise ValueError("give a token, a token_provider, or both")
        if self.token is not None:
            check_text("token", self.token)
        if self.token_provider is not None and not callable(self.token_provider):
            # Never the value: a token passed here by mistake would be printed.
            raise TypeError(f"token_provider must be callable, got {shown(self.token_provider)}")
        check_text("user_id", self.user_id)
        protocol.validate_uri(self.uri)
        if self.rest_uri is not None:
            protocol.validate_rest_uri(self.rest_uri)
        check_number("healthcheck_interval", self.healthcheck_interval, minimum=0, inclusive=False)
        check_number("healthcheck_timeout", self.healthcheck_timeout, minimum=0, inclusive=False)
        if self.healthcheck_timeout <= self.healthcheck_interval:
            raise ValueError(
                "healthcheck_timeout must be greater than healthcheck_interval "
                f"(got {self.healthcheck_timeout!r} <= {self.healthcheck_interval!r}): a quiet "
                "but healthy connection would be declared dead before its heartbeat is answered"
            )
        if self.max_retries is not None and not _is_int(self.max_retries, minimum=0):
            raise ValueError(
                f"max_retries must be an integer >= 0 or None, got {shown(self.max_retries)}"
            )
        if self.backoff_max is not None:
            check_number("backoff_max", self.backoff_max, minimum=0, inclusive=False)
        check_number("jitter", self.jitter, minimum=0.0)
        if self.jitter > 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter!r}")
        if not _is_int(self.max_pending_handlers, minimum=1):
            raise ValueError(
                "max_pending_handlers must be a positive integer, "
                f"got {shown(self.max_pending_handlers)}"
            )
        check_number("shutdown_timeout", self.shutdown_timeout, minimum=0.0)
        if self.jitter_random is not None and not callable(self.jitter_random):
            raise TypeError(f"jitter_random must be callable, got {shown(self.jitter_random)}")
        check_number("backoff_base", self.backoff_base, minimum=0.0)
        check_number("backoff_factor", self.backoff_factor, minimum=1.0)
        if self.max_size is not None and not _is_int(self.max_size, minimum=1):
            raise ValueError(
                f"max_size must be a positive integer or None, got {shown(self.max_size)}"
            )
        if not isinstance(self.compression, bool):
            raise TypeError(f"compression must be True or False, got {shown(self.compression)}")
        # Frozen: the checked values are made floats once, here.
        for name in _FLOATS:
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.backoff_max is not None:
            object.__setattr__(self, "backoff_max", float(self.backoff_max))

    @property
    def rest_base(self) -> str:
        """The REST origin: ``rest_uri`` without a trailing ``/``, else the one of ``uri``."""
        if self.rest_uri:
            return self.rest_uri.rstrip("/")
        return protocol.rest_base(self.uri)


def shown(value: Any) -> str:
    """``value`` as an error message may show it: numbers, bools and ``None`` as they are,
    anything else by its type only (it may be a token passed in the wrong place)."""
    if value is None or isinstance(value, int | float):  # bool is an int
        return repr(value)
    kind = type(value).__name__
    return f"{'an' if kind[:1] in 'aeiouAEIOU' else 'a'} {kind}"


def check_text(name: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``value`` is a non-empty string (never showing it)."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")


def check_number(name: str, value: Any, *, minimum: float, inclusive: bool = True) -> None:
    """Raise ``ValueError`` unless ``value`` is a finite number above ``minimum``.

    ``inclusive`` allows ``minimum`` itself. Bools are not numbers here.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < minimum
        or (value == minimum and not inclusive)
    ):
        bound = ">=" if inclusive else ">"
        raise ValueError(f"{name} must be a finite number {bound} {minimum:g}, got {shown(value)}")


def _is_int(value: Any, *, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value >= minimum
