"""Where the UI backend's client comes from: the embedded coordinator, or Stream.

Both clients are made for a server that runs for hours: they never give up reconnecting
(``max_retries=None``), and half of each delay is random (``jitter``) so that many servers
dropped at once do not all come back at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from rx_coordinator import StreamAPIWS
from rx_coordinator.testing import FakeCoordinator
from rx_coordinator.tokens import create_user_token

DEMO_CALL = "default:lifecycle-demo"
JITTER = 0.5
"""The random share of each reconnect delay."""

ClientFactory = Callable[[], contextlib.AbstractAsyncContextManager[StreamAPIWS]]


class Embedded:
    """The embedded coordinator, playing ``call_lifecycle`` over and over, and a client of it.

    Calling it gives the client (a :data:`ClientFactory`): the coordinator starts with
    the client and stops after it. :attr:`coordinator` can be stopped and started again
    meanwhile (on the same port), to see the client lose it and come back. The scenario
    drops the network once per cycle, soon after each reconnect: such short connections
    count as failed attempts, so the delays grow to ``backoff_max`` (5 s, divided by the
    speed) and stay there, and the client never gives up.

    Args:
        speed: how many times faster than written the scenario and the delays run.
    """

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.coordinator = FakeCoordinator(scenario="call_lifecycle", speed=speed, repeat=True)

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[StreamAPIWS]:
        async with self.coordinator:
            client = StreamAPIWS(
                "key",
                "token",
                "alice",
                uri=self.coordinator.uri,
                max_retries=None,
                backoff_base=0.5 / self.speed,
                backoff_max=5.0 / self.speed,
                jitter=JITTER,
            )
            async with client:
                yield client


def embedded(speed: float) -> ClientFactory:
    """A client of the embedded coordinator, which plays ``call_lifecycle`` over and over."""
    return Embedded(speed)


def real(api_key: str, user_id: str, token: str | None, secret: str | None) -> ClientFactory:
    """A client of Stream's coordinator (tokens made from ``secret`` when given)."""
    provider: Any = (lambda: create_user_token(secret, user_id, ttl=3600)) if secret else None

    @contextlib.asynccontextmanager
    async def client() -> AsyncIterator[StreamAPIWS]:
        client = StreamAPIWS(
            api_key, token, user_id, token_provider=provider, max_retries=None, jitter=JITTER
        )
        async with client:
            yield client

    return client
