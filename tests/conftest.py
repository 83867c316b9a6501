from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, settings

from rx_coordinator import ConnectionState, Event, StreamAPIWS
from rx_coordinator.testing import FakeConnection, FakeCoordinator

from .helpers import FAST, TOKEN, Recorder

# pytester runs pytest on sample test files: how the shipped plugin is tested.
pytest_plugins = ["pytester"]

# Property tests: a few examples per test by default, to keep the suite fast;
# HYPOTHESIS_PROFILE=thorough runs far more (give pytest `-o timeout=0` with it).
_quick = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=3, **_quick)
settings.register_profile("thorough", max_examples=100, **_quick)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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


class Connected(NamedTuple):
    client: StreamAPIWS
    events: Recorder[Event]
    states: Recorder[ConnectionState]
    conn: FakeConnection


@pytest.fixture
def connected(
    fake: FakeCoordinator, make_client: Callable[..., StreamAPIWS]
) -> Callable[..., Awaitable[Connected]]:
    """Connect a client (recording its events and states) and return it with its connection."""

    async def connect(**overrides: Any) -> Connected:
        client = make_client(**overrides)
        events: Recorder[Event] = Recorder(client.events)
        states: Recorder[ConnectionState] = Recorder(client.state)
        await client.connect()
        return Connected(client, events, states, await fake.next_connection())

    return connect
