"""The reconnect schedule's arithmetic, as pure functions."""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["backoff_delay", "jittered"]


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
