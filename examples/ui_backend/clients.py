"""Where the UI backend's client comes from: the embedded coordinator, or Stream."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from rx_coordinator import StreamAPIWS
from rx_coordinator.testing import FakeCoordinator
from rx_coordinator.tokens import create_user_token

DEMO_CALL = "default:lifecycle-demo"

ClientFactory = Callable[[], contextlib.AbstractAsyncContextManager[StreamAPIWS]]


def embedded(speed: float) -> ClientFactory:
    """A client of the embedded coordinator, which plays ``call_lifecycle`` over and over."""

    @contextlib.asynccontextmanager
    async def client() -> AsyncIterator[StreamAPIWS]:
        fake = FakeCoordinator(scenario="call_lifecycle", speed=speed, repeat=True)
        async with fake, StreamAPIWS("key", "token", "alice", uri=fake.uri, backoff_base=0.5) as c:
            yield c

    return client


def real(api_key: str, user_id: str, token: str | None, secret: str | None) -> ClientFactory:
    """A client of Stream's coordinator (tokens made from ``secret`` when given)."""
    provider: Any = (lambda: create_user_token(secret, user_id, ttl=3600)) if secret else None

    @contextlib.asynccontextmanager
    async def client() -> AsyncIterator[StreamAPIWS]:
        async with StreamAPIWS(api_key, token, user_id, token_provider=provider) as c:
            yield c

    return client
