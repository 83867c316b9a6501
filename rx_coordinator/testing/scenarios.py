"""Scripted scenarios a ``FakeCoordinator`` can play.

A scenario is a coroutine function of a ``Stage``. It starts when the fake starts,
waits for its audience, sends events (to the connections the coordinator would send them
to), pauses (scaled by the stage's speed) and can drop the network::

    async def hello(stage: Stage) -> None:
        await stage.wait_connected()
        await stage.emit({"type": "app.hello"})
        await stage.pause(1.0)

    FakeCoordinator(scenario=hello)          # or scenario="call_lifecycle"

``SCENARIOS`` names the ones shipped: ``call_lifecycle``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, Protocol

from . import payloads
from ._connection import FakeConnection

__all__ = ["SCENARIOS", "Scenario", "Stage", "Venue", "call_lifecycle"]


class Venue(Protocol):
    """What a ``Stage`` plays on: a ``FakeCoordinator``.

    Declared here so that scenarios depend on what they use, not on the server's module
    (which imports this one to resolve scenario names).
    """

    @property
    def live_connections(self) -> list[FakeConnection]:
        """The connections still open."""
        ...

    async def deliver(self, event: dict[str, Any]) -> list[FakeConnection]:
        """Send ``event`` where the coordinator would."""
        ...

    async def wait_connected(self, timeout: float | None = ...) -> FakeConnection:
        """Wait for an authenticated connection."""
        ...

    async def wait_watched(self, cid: str, timeout: float | None = ...) -> FakeConnection:
        """Wait for a connection watching ``cid``."""
        ...

    def create_call(self, call: dict[str, Any], members: Sequence[dict[str, Any]] = ...) -> str:
        """Make ``call`` exist."""
        ...


class Stage:
    """What a scenario acts on: the fake's connected clients, at a pace.

    Args:
        fake: the coordinator playing the scenario (a ``Venue``).
        speed: how many times faster than written the pauses run (``2.0``: half as long).
    """

    def __init__(self, fake: Venue, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, got {speed!r}")
        self.fake = fake
        self.speed = speed
        self.drops = 0

    async def emit(self, frame: dict[str, Any]) -> None:
        """Send ``frame`` where the coordinator would: a call's events to the connections
        watching the call (and to its members for ring and notification events), other
        events to every connection."""
        await self.fake.deliver(frame)

    async def wait_connected(self, timeout: float | None = None) -> FakeConnection:
        """Wait for an authenticated client."""
        return await self.fake.wait_connected(timeout)

    async def wait_watched(self, cid: str, timeout: float | None = None) -> FakeConnection:
        """Wait for a client watching the call ``cid``."""
        return await self.fake.wait_watched(cid, timeout)

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds``, divided by the speed."""
        await asyncio.sleep(seconds / self.speed)

    async def drop_network(self, timeout: float | None = 60.0) -> FakeConnection:
        """Drop every connection abruptly (no close frame) and wait for a client to return.

        The returned connection watches nothing yet: a client must watch again.
        """
        for conn in self.fake.live_connections:
            with contextlib.suppress(Exception):
                await conn.drop()
        self.drops += 1
        return await self.fake.wait_connected(timeout)


Scenario = Callable[[Stage], Awaitable[None]]
"""A scripted sequence of events: a coroutine function of a ``Stage``."""


async def call_lifecycle(stage: Stage) -> None:
    """A call from creation to end, with one network drop in the middle (about 14 s).

    The call ``default:lifecycle-demo`` exists from the start (Alice is its host; Bob and
    Carol are members); the scenario waits until a client watches it. Alice then announces
    it; Carol rings Alice and Bob; Bob accepts; the session starts; the three join;
    reactions and a custom event flow; the network drops once, and the scenario waits until
    a client has reconnected *and watches the call again*; the participants leave; the
    session and the call end.
    """
    cid = "default:lifecycle-demo"
    session = "lifecycle-session-1"
    alice = payloads.user("alice", name="Alice Liddell")
    bob = payloads.user("bob", name="Bob Builder")
    carol = payloads.user("carol", name="Carol Danvers")
    people = [alice, bob, carol]
    call = payloads.call(cid, created_by=alice, session_id=session)
    members = [payloads.member(alice, role="host"), payloads.member(bob), payloads.member(carol)]
    joined_at: dict[str, float] = {}

    stage.fake.create_call(call, members)
    await stage.wait_watched(cid)
    await stage.pause(0.5)
    await stage.emit(payloads.call_created(call, members=members))
    await stage.pause(0.8)
    # Carol rings the others: a caller never gets its own call.ring, and clients of the
    # demo are usually Alice.
    await stage.emit(payloads.call_ring(call, caller=carol, members=members[:2]))
    await stage.pause(1.0)
    await stage.emit(payloads.call_accepted(call, by=bob))
    await stage.pause(0.8)
    await stage.emit(payloads.call_session_started(call))
    for person in people:
        await stage.pause(0.7)
        joined_at[person["id"]] = asyncio.get_running_loop().time()
        await stage.emit(
            payloads.call_session_participant_joined(cid, session, _participant(person))
        )
    await stage.pause(0.6)
    await stage.emit(payloads.reaction(cid, by=bob, emoji_code=":like:"))
    await stage.pause(0.6)
    await stage.emit(payloads.reaction(cid, by=carol, emoji_code=":fireworks:"))
    await stage.pause(0.6)
    await stage.emit(payloads.custom_event(cid, {"poll": "Lunch at noon?"}, by=alice))
    await stage.pause(0.5)
    await stage.drop_network()
    await stage.wait_watched(cid)
    await stage.pause(0.6)
    await stage.emit(payloads.reaction(cid, by=alice, emoji_code=":raise-hand:"))
    for person in reversed(people):
        await stage.pause(0.7)
        seconds = round((asyncio.get_running_loop().time() - joined_at[person["id"]]) * stage.speed)
        await stage.emit(
            payloads.call_session_participant_left(
                cid, session, _participant(person), duration_seconds=seconds
            )
        )
    await stage.pause(0.8)
    await stage.emit(payloads.call_session_ended(call))
    await stage.pause(0.8)
    await stage.emit(payloads.call_ended(call, by=alice))


def _participant(person: dict[str, Any]) -> dict[str, Any]:
    return payloads.participant(person, user_session_id=f"{person['id']}-lifecycle")


SCENARIOS: Final[Mapping[str, Scenario]] = MappingProxyType({"call_lifecycle": call_lifecycle})
"""The scenarios shipped with the package, by name."""
