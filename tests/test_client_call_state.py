"""client.call_state(): snapshots from the watch answer, from events, and resynced after a
reconnect from the re-watch answer, against the emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rx_coordinator import ConnectionState, StreamAPIError
from rx_coordinator.call_state import CallState, from_response
from rx_coordinator.testing import FakeCoordinator, payloads

from .helpers import Recorder, eventually

S = ConnectionState
ALICE = payloads.user("alice")
BOB = payloads.user("bob")
CAROL = payloads.user("carol")
CID = "default:standup"


def standup(fake: FakeCoordinator) -> None:
    fake.create_call(
        payloads.call(CID, created_by=ALICE, session_id="s1"),
        members=[payloads.member(ALICE), payloads.member(BOB)],
    )


def joined(user: dict[str, Any]) -> dict[str, Any]:
    return payloads.call_session_participant_joined(
        CID, "s1", payloads.participant(user, user_session_id=f"{user['id']}-1")
    )


def left(user: dict[str, Any]) -> dict[str, Any]:
    return payloads.call_session_participant_left(
        CID, "s1", payloads.participant(user, user_session_id=f"{user['id']}-1"), duration_seconds=5
    )


def emulated(fake: FakeCoordinator) -> CallState:
    """The call as the emulator has it now (what a GetCall would answer)."""
    answer = {"call": fake.calls[CID], "members": fake.call_members[CID], "own_capabilities": []}
    return from_response(answer)


async def test_the_first_snapshot_is_the_watch_answer_and_it_is_replayed(connected, fake):
    standup(fake)
    c = await connected()
    states = c.client.call_state(CID)
    first: Recorder[CallState] = Recorder(states)
    await first.wait_for_items(1)
    assert first.items[0].source == "answer"
    assert set(first.items[0].members) == {"alice", "bob"}
    assert CID in c.client.watched
    late: Recorder[CallState] = Recorder(c.client.call_state("default", "standup"))
    assert late.items == first.items  # the latest, replayed; the same stream
    assert c.client.call_state(CID) is states


async def test_events_that_change_the_call_give_snapshots_and_others_none(connected, fake):
    standup(fake)
    c = await connected()
    states: Recorder[CallState] = Recorder(c.client.call_state(CID))
    await states.wait_for_items(1)
    await fake.deliver(joined(CAROL))
    await fake.deliver(payloads.custom_event(CID, {"x": 1}, by=ALICE))  # changes nothing
    await fake.deliver(joined(BOB))
    await states.wait_for_items(3)
    await asyncio.sleep(0.05)
    assert [s.source for s in states.items] == ["answer", "event", "event"]
    assert list(states.items[-1].participants) == ["carol-1", "bob-1"]


async def test_after_a_reconnect_the_snapshot_matches_the_emulator(connected, fake):
    standup(fake)
    c = await connected(backoff_base=0.3)
    states: Recorder[CallState] = Recorder(c.client.call_state(CID))
    await states.wait_for_items(1)
    await fake.deliver(joined(CAROL))
    await states.wait_for_items(2)
    await c.conn.drop()
    # While the client is away: Bob joins, Carol leaves, Dave becomes a member. None of it
    # reaches the client as an event.
    await fake.deliver(joined(BOB))
    await fake.deliver(left(CAROL))
    dave = payloads.member(payloads.user("dave"))
    await fake.deliver(
        {
            "type": "call.member_added",
            "call_cid": CID,
            "call": fake.calls[CID],
            "members": [dave],
            "created_at": "2026-11-26T10:00:00Z",
        }
    )
    await fake.next_connection()
    await eventually(lambda: states.items[-1].source == "resync")
    resynced = states.items[-1]
    truth = emulated(fake)
    assert list(resynced.participants) == list(truth.participants) == ["bob-1"]
    assert set(resynced.members) == set(truth.members) == {"alice", "bob", "dave"}
    assert resynced.call == truth.call


def test_events_during_a_request_are_applied_on_top_of_its_answer():
    import json
    import logging

    from rx_coordinator._call_states import CallStates
    from rx_coordinator.events import decode

    log = logging.getLogger("tests.call_states")
    states = CallStates(log)
    seen: Recorder[CallState] = Recorder(states.stream(CID))
    states.requesting([CID])
    event = decode(json.dumps(joined(CAROL)), log)
    assert event is not None
    states.apply(event)  # the event overtook the answer, which was made before it
    assert seen.items == []
    call = payloads.call(CID, created_by=ALICE, session_id="s1")
    states.answered(CID, {"call": call, "members": [], "own_capabilities": []}, resync=False)
    assert [list(s.participants) for s in seen.items] == [["carol-1"]]
    assert seen.items[0].source == "answer"


async def test_a_call_that_does_not_exist_fails_its_stream(connected):
    c = await connected()
    states: Recorder[CallState] = Recorder(c.client.call_state("default:nope"))
    await states.wait_ended()
    assert isinstance(states.error, StreamAPIError)
    assert states.error.status_code == 404
    assert "default:nope" not in c.client.watched


async def test_unwatch_completes_and_disconnect_completes_the_streams(connected, fake):
    standup(fake)
    fake.create_call(payloads.call("default:other", created_by=ALICE))
    c = await connected()
    one: Recorder[CallState] = Recorder(c.client.call_state(CID))
    other: Recorder[CallState] = Recorder(c.client.call_state("default:other"))
    await one.wait_for_items(1)
    await other.wait_for_items(1)
    await c.client.unwatch("default:other")
    assert other.completed
    assert not one.ended
    await c.client.disconnect()
    assert one.completed


async def test_call_state_needs_a_connection(make_client):
    with pytest.raises(RuntimeError, match="connect"):
        make_client().call_state(CID)


async def test_a_call_state_asked_while_connecting_comes_with_the_connection(fake, make_client):
    standup(fake)
    client = make_client()
    connecting = asyncio.ensure_future(client.connect())
    await asyncio.sleep(0)
    states: Recorder[CallState] = Recorder(client.call_state(CID))
    await connecting
    await states.wait_for_items(1)
    assert states.items[0].source == "answer"
    assert Recorder(client.state).items[-1] is S.CONNECTED


def test_a_failed_request_stops_holding_events_for_its_answer():
    import json
    import logging

    from rx_coordinator._call_states import CallStates
    from rx_coordinator.events import decode

    log = logging.getLogger("tests.call_states")
    states = CallStates(log)
    seen: Recorder[CallState] = Recorder(states.stream(CID))
    states.requesting([CID])
    states.unanswered([CID])  # the request failed
    event = decode(json.dumps(left(CAROL)), log)
    assert event is not None
    states.apply(event)  # not held: it is older than the next answer
    call = payloads.call(CID, created_by=ALICE, session_id="s1")
    call["session"] = payloads.call_session("s1")
    call["session"]["participants"] = [payloads.participant(CAROL, user_session_id="carol-1")]
    states.requesting([CID])
    states.answered(CID, {"call": call, "members": [], "own_capabilities": []}, resync=False)
    assert [list(s.participants) for s in seen.items] == [["carol-1"]]


async def test_two_asks_in_a_row_make_one_request_and_one_answer(connected, fake):
    standup(fake)
    c = await connected()
    seen: Recorder[CallState] = Recorder(c.client.call_state(CID))
    c.client.call_state(CID)
    await seen.wait_for_items(1)
    await asyncio.sleep(0.2)
    assert len([r for r in fake.rest_requests if r.method == "GET"]) == 1
    assert [s.source for s in seen.items] == ["answer"]


async def test_an_accepted_ring_shows_in_the_call_state(connected, fake):
    standup(fake)
    c = await connected()
    seen: Recorder[CallState] = Recorder(c.client.call_state(CID))
    await seen.wait_for_items(1)
    await fake.deliver(payloads.call_accepted(fake.calls[CID], by=BOB))
    await eventually(lambda: "bob" in seen.items[-1].accepted_by)
