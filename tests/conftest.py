from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from rx_coordinator import StreamAPIWS
from rx_coordinator.testing import FakeCoordinator

from .helpers import FAST, TOKEN


@pytest.fixture
async def fake() -> AsyncIterator[FakeCoordinator]:
    async with FakeCoordinator() as server:
        yield server


@pytest.fixture
async def make_client(fake: FakeCoordinator) -> AsyncIterator[Callable[..., StreamAPIWS]]:
    """Build clients for ``fake`` with short intervals; all are disconnected afterwards."""
    clients: list[StreamAPIWS] = []

    def make(**overrides: Any) -> StreamAPIWS:
        settings: dict[str, Any] = {"uri": fake.uri, **FAST, **overrides}
        client = StreamAPIWS("key", TOKEN, "alice", **settings)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.disconnect()
