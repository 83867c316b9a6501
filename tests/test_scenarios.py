"""FakeCoordinator scenarios: call_lifecycle end to end, and custom ones."""

from __future__ import annotations

import asyncio

import pytest

from rx_coordinator import ConnectionState, GenericEvent, StreamAPIWS
from rx_coordinator.testing import FakeCoordinator
from rx_coordinator.testing.scenarios import SCENARIOS, Stage

from .helpers import FAST, Recorder

S = ConnectionState

LIFECYCLE = [
    "connection.ok",
    "call.created",
    "call.ring",
    "call.accepted",
    "call.session_started",
    *["call.session_participant_joined"] * 3,
    "call.reaction_new",
    "call.reaction_new",
    "custom",
    "connection.ok",  # the network dropped: the client reconnected
    "call.reaction_new",
    *["call.session_participant_left"] * 3,
    "call.session_ended",
    "call.ended",
]


async def test_call_lifecycle_plays_a_whole_call_with_one_reconnect():
    async with FakeCoordinator(scenario="call_lifecycle", speed=50) as fake:
        client = StreamAPIWS("key", "token", "alice", uri=fake.uri, **FAST)
        events = Recorder(client.events)
        states = Recorder(client.state)
        await client.connect()
        await client.watch("default:lifecycle-demo")
        await fake.wait_scenario(timeout=10)
        await asyncio.sleep(0.05)
        await client.disconnect()
    assert [t for t in events.types() if t != "health.check"] == LIFECYCLE
    assert not [e for e in events.items if isinstance(e, GenericEvent)]
    assert states.items.count(S.RECONNECTING) == 1
    assert fake.stage.drops == 1
    joined = [e for e in events.items if e.type == "call.session_participant_joined"]
    assert [e.participant.user.name for e in joined] == [  # type: ignore[attr-defined]
        "Alice Liddell",
        "Bob Builder",
        "Carol Danvers",
    ]


async def test_a_custom_scenario_and_its_failure_reach_wait_scenario():
    async def scenario(stage: Stage) -> None:
        await stage.wait_connected()
        await stage.emit({"type": "custom.hello"})
        raise RuntimeError("scripted failure")

    async with FakeCoordinator(scenario=scenario) as fake:
        client = StreamAPIWS("key", "token", "alice", uri=fake.uri, **FAST)
        events = Recorder(client.events)
        await client.connect()
        with pytest.raises(RuntimeError, match="scripted failure"):
            await fake.wait_scenario(timeout=5)
        await events.wait_for_items(2)
        await client.disconnect()
    assert events.types() == ["connection.ok", "custom.hello"]


async def test_repeat_plays_again_for_the_clients_still_there():
    plays = 0

    async def scenario(stage: Stage) -> None:
        nonlocal plays
        await stage.wait_connected()
        plays += 1
        await stage.emit({"type": "custom.play", "n": plays})

    async with FakeCoordinator(scenario=scenario, speed=100, repeat=True) as fake:
        client = StreamAPIWS("key", "token", "alice", uri=fake.uri, **FAST)
        events = Recorder(client.events)
        await client.connect()
        await events.wait_for_items(4)
        await client.disconnect()
    assert [e.to_dict().get("n") for e in events.items[:4]] == [None, 1, 2, 3]


def test_scenarios_are_checked_when_the_fake_is_made():
    assert "call_lifecycle" in SCENARIOS
    with pytest.raises(ValueError, match="call_lifecycle"):
        FakeCoordinator(scenario="no_such_scenario")
    with pytest.raises(ValueError, match="speed"):
        FakeCoordinator(scenario="call_lifecycle", speed=0)


async def test_wait_scenario_without_a_scenario_is_an_error():
    async with FakeCoordinator() as fake:
        with pytest.raises(RuntimeError, match="no scenario"):
            await fake.wait_scenario()
