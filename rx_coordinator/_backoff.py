"""The reconnect schedule as a pure policy: which delay comes next, and when to give up.

Both the :func:`~rx_coordinator.operators.exponential_backoff` operator and the client's
:class:`~rx_coordinator.session.Session` ask a :class:`Backoff`, so the two follow the same
rules by construction.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from .errors import StreamWSMaxRetriesExceeded

__all__ = ["Backoff", "backoff_delay", "jittered"]


def backoff_delay(
    attempt: int, base: float, factor: float, max_delay: float | None = None
) -> float:
    """Delay in seconds before reconnect attempt ``attempt`` (0-based).

    ``base * factor**attempt``, at most ``max_delay``: 1, 2, 4, 8, 16 s with the defaults.
    """
    try:
        delay = base * factor**attempt
    except OverflowError:  # thousands of attempts with max_retries=None
        delay = math.inf
    return delay if max_delay is None else min(delay, max_delay)


def jittered(delay: float, jitter: float, rand: Callable[[], float]) -> float:
    """``delay`` less a random share of up to ``jitter`` of it.

    ``rand()`` is uniform in ``[0, 1)``; ``jitter=1`` is "full jitter" (uniform in
    ``(0, delay]``), ``jitter=0`` the exact delay.
    """
    return delay * (1.0 - jitter * rand())


class Backoff:
    """Counts failed attempts and gives the delay before the next one.

    ``k`` failed attempts since the last reset give ``backoff_delay(k, base, factor,
    max_delay)``, less a random share of up to ``jitter`` of it drawn from ``rand``.
    After ``max_retries`` failed attempts (never, with ``None``) it gives up.
    """

    __slots__ = ("_attempts", "base", "factor", "jitter", "max_delay", "max_retries", "rand")

    def __init__(
        self,
        *,
        max_retries: int | None,
        base: float,
        factor: float,
        max_delay: float | None = None,
        jitter: float = 0.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.max_retries = max_retries
        self.base = base
        self.factor = factor
        self.max_delay = max_delay
        self.jitter = jitter
        self.rand = rand
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """Failed attempts counted since the last reset."""
        return self._attempts

    def retry(self, error: Exception, *, retryable: bool, reset: bool) -> tuple[int, float]:
        """The attempt number (0-based) and the delay of the retry that answers ``error``.

        ``reset`` first sets the count of failed attempts back to 0 (a connection that
        lived long enough).

        Raises:
            Exception: ``error`` itself, when it is not ``retryable``.
            StreamWSMaxRetriesExceeded: the budget is spent (its ``__cause__`` is ``error``).
        """
        if not retryable:
            raise error
        if reset:
            self._attempts = 0
        attempt = self._attempts
        if self.max_retries is not None and attempt >= self.max_retries:
            raise StreamWSMaxRetriesExceeded(attempt) from error
        self._attempts = attempt + 1
        delay = backoff_delay(attempt, self.base, self.factor, self.max_delay)
        return attempt, jittered(delay, self.jitter, self.rand) if self.jitter else delay
