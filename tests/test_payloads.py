"""testing.payloads: every builder makes a frame its event class decodes, as sent."""

from __future__ import annotations

import json

import pytest

from rx_coordinator.events import EVENT_TYPES, decode
from rx_coordinator.testing import payloads as p

CID = "default:standup"
ALICE = p.user("alice", name="Alice")
BOB = p.user("bob", role="admin")
CALL = p.call(CID, created_by=ALICE, session_id="s1", session=p.call_session("s1"))

FRAMES = {
    "call.created": p.call_created(CALL, members=[p.member(ALICE), p.member(BOB, role="host")]),
    "call.ring": p.call_ring(CALL, caller=ALICE, members=[p.member(BOB)]),
    "call.accepted": p.call_accepted(CALL, by=BOB),
    "call.rejected": p.call_rejected(CALL, by=BOB, reason="busy"),
    "call.notification": p.call_notification(CALL, by=ALICE, members=[p.member(BOB)]),
    "call.session_started": p.call_session_started(CALL),
    "call.session_participant_joined": p.call_session_participant_joined(
        CID, "s1", p.participant(BOB)
    ),
    "call.session_participant_left": p.call_session_participant_left(
        CID, "s1", p.participant(BOB), duration_seconds=42, reason="left the call"
    ),
    "call.reaction_new": p.reaction(CID, by=BOB, emoji_code=":fireworks:"),
    "custom": p.custom_event(CID, {"poll": "lunch?"}, by=ALICE),
    "call.session_ended": p.call_session_ended(CALL),
    "call.ended": p.call_ended(CALL, by=ALICE),
}


@pytest.mark.parametrize("kind", sorted(FRAMES))
def test_each_builder_makes_a_frame_that_decodes_to_its_class_unchanged(kind):
    frame = FRAMES[kind]
    event = decode(json.dumps(frame))
    assert type(event) is EVENT_TYPES[kind]
    assert event.to_dict() == frame


def test_the_builders_cover_the_shapes_they_promise():
    assert CALL["cid"] == CID
    assert (CALL["type"], CALL["id"], CALL["current_session_id"]) == ("default", "standup", "s1")
    assert p.call(CID, created_by=ALICE, recording=True)["recording"] is True
    assert p.member(BOB)["user_id"] == "bob"
    with pytest.raises(ValueError, match="type:id"):
        p.call("standup", created_by=ALICE)
