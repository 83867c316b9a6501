"""of_type: selecting events by wire type, glob or class, alone and in a live pipeline."""

from __future__ import annotations

import json

import pytest
import reactivex
import reactivex.operators as ops

from rx_coordinator import ConnectionState, Event, GenericEvent, of_type
from rx_coordinator.events import (
    CallCreatedEvent,
    CallSessionParticipantJoinedEvent,
    CallSessionParticipantLeftEvent,
    TypedEvent,
    decode,
)
from rx_coordinator.operators import Selector
from rx_coordinator.testing import payloads

from .helpers import Recorder

CID = "default:standup"
ALICE = payloads.user("alice", name="Alice")
BOB = payloads.user("bob", name="Bob")
CALL = payloads.call(CID, created_by=ALICE, session_id="s1")


def event(frame: dict[str, object]) -> Event:
    decoded = decode(json.dumps(frame))
    assert decoded is not None
    return decoded


EVENTS = [
    event(payloads.call_created(CALL)),
    event(payloads.call_session_started(CALL)),
    event(payloads.call_session_participant_joined(CID, "s1", payloads.participant(ALICE))),
    event({"type": "call.session_participant_joined", "call_cid": CID}),  # off-schema: generic
    event({"type": "call.brand_new"}),
    event(payloads.call_ended(CALL)),
]


def select(*selectors: Selector) -> list[str]:
    out = Recorder(reactivex.from_iterable(EVENTS).pipe(of_type(*selectors)))
    assert out.completed
    return [f"{e.type}:{type(e).__name__}" for e in out.items]


def test_a_wire_type_selects_typed_and_generic_events_of_that_type():
    assert select("call.session_participant_joined") == [
        "call.session_participant_joined:CallSessionParticipantJoinedEvent",
        "call.session_participant_joined:GenericEvent",
    ]


def test_globs_select_by_pattern():
    assert select("call.session_*") == [
        "call.session_started:CallSessionStartedEvent",
        "call.session_participant_joined:CallSessionParticipantJoinedEvent",
        "call.session_participant_joined:GenericEvent",
    ]
    assert len(select("call.*")) == len(EVENTS)
    assert select("call.?nded") == ["call.ended:CallEndedEvent"]


def test_a_class_selects_only_its_instances():
    assert select(CallSessionParticipantJoinedEvent) == [
        "call.session_participant_joined:CallSessionParticipantJoinedEvent"
    ]
    assert select(GenericEvent) == [
        "call.session_participant_joined:GenericEvent",
        "call.brand_new:GenericEvent",
    ]
    assert len(select(TypedEvent)) == 4


def test_selectors_combine_as_any_of_and_keep_order():
    assert select(CallCreatedEvent, "call.brand_new", "call.end*") == [
        "call.created:CallCreatedEvent",
        "call.brand_new:GenericEvent",
        "call.ended:CallEndedEvent",
    ]


def test_a_selector_that_matches_nothing_lets_nothing_through():
    assert select("call.nothing", "user.*") == []


@pytest.mark.parametrize(
    ("selectors", "error"),
    [((), ValueError), (("",), ValueError), ((42,), TypeError), ((dict,), TypeError)],
)
def test_bad_selectors_are_refused_at_once(selectors, error):
    with pytest.raises(error):
        of_type(*selectors)


Presence = CallSessionParticipantJoinedEvent | CallSessionParticipantLeftEvent


def in_standup(event: Presence) -> bool:
    return event.call_cid == CID


def describe(event: Presence) -> str:
    return f"{event.type.rsplit('_', 1)[1]} {event.participant.user.name}"


async def test_a_typed_pipeline_end_to_end(connected):
    c = await connected()
    names: Recorder[str] = Recorder(
        c.client.events.pipe(
            of_type(CallSessionParticipantJoinedEvent, CallSessionParticipantLeftEvent),
            ops.filter(in_standup),
            ops.map(describe),
        )
    )
    for frame in [
        payloads.call_session_started(CALL),
        payloads.call_session_participant_joined(CID, "s1", payloads.participant(ALICE)),
        payloads.call_session_participant_joined("default:other", "s9", payloads.participant(BOB)),
        payloads.call_session_participant_joined(CID, "s1", payloads.participant(BOB)),
        payloads.call_session_participant_left(
            CID, "s1", payloads.participant(ALICE), duration_seconds=3
        ),
    ]:
        await c.conn.send(frame)
    await names.wait_for_items(3)
    assert names.items == ["joined Alice", "joined Bob", "left Alice"]
    assert c.client.connection_id is not None
    assert c.states.items[-1] is ConnectionState.CONNECTED
