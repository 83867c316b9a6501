"""Call state: the snapshot from an answer, and what each family of call events does to it."""

from __future__ import annotations

import copy
import json
import pickle
import typing
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import msgspec
import pytest

from rx_coordinator.call_state import (
    HANDLERS,
    NO_STATE_CHANGE,
    CallState,
    from_query_calls,
    from_response,
    reduce,
)
from rx_coordinator.events import (
    EVENT_TYPES,
    CallStateResponseFields,
    GenericEvent,
    GetCallResponse,
    QueryCallsResponse,
    decode,
)
from rx_coordinator.testing import payloads

from .call_events import (
    ALICE,
    AT,
    BOB,
    CAROL,
    CID,
    LATER,
    OTHER_CID,
    answer,
    call,
    event,
    joined,
    left,
    member,
    participant,
    session,
)

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def live_state(*people, members=()) -> CallState:
    """A state whose session ``s1`` has ``people`` in it."""
    parts = [participant(p) for p in people]
    return from_response(answer(call(session=session(participants=parts)), list(members)))


# -- the table against the spec -------------------------------------------------------------


def call_event_types() -> set[str]:
    """Wire types of the spec's events that carry a ``call_cid`` (the generated classes are
    checked against the spec by test_generated)."""
    return {kind for kind, cls in EVENT_TYPES.items() if "call_cid" in cls.__struct_fields__}


def test_every_call_event_of_the_spec_is_handled_or_listed_as_changing_nothing():
    assert len(call_event_types()) == 57
    assert set(HANDLERS) | set(NO_STATE_CHANGE) == call_event_types()
    assert not set(HANDLERS) & set(NO_STATE_CHANGE)
    assert all(reason for reason in NO_STATE_CHANGE.values())


def test_every_event_carrying_the_whole_call_is_handled():
    carrying = {kind for kind, cls in EVENT_TYPES.items() if "call" in cls.__struct_fields__}
    assert len(carrying) == 20
    assert carrying <= set(HANDLERS)


@pytest.mark.parametrize("kind", sorted(HANDLERS))
def test_each_handler_is_typed_for_the_event_class_of_its_wire_type(kind):
    handler = HANDLERS[kind]
    hints = typing.get_type_hints(handler)
    accepted = typing.get_args(hints["event"]) or (hints["event"],)
    assert EVENT_TYPES[kind] in accepted
    assert hints["return"] is CallState


# -- the snapshot from an answer ------------------------------------------------------------


def test_the_snapshot_of_a_getcall_answer_dict_has_the_call_members_and_participants():
    the_call = call(session=session(participants=[participant(BOB, "b1")]))
    state = from_response(answer(the_call, [member(ALICE, "host"), member(BOB)]))
    assert state.cid == CID
    assert state.call.created_by.id == "alice"
    assert state.call.settings.audio.mic_default_on is True
    assert dict(state.members).keys() == {"alice", "bob"}
    assert state.members["alice"].role == "host"
    assert list(state.participants) == ["b1"]
    assert state.participants["b1"].user.name == "Bob"
    assert state.ended_at is None
    assert state.source == "answer"


def test_the_typed_answers_give_the_same_snapshot_as_the_dict():
    body = answer(call(session=session()), [member(ALICE)])
    expected = from_response(body)
    assert from_response(msgspec.convert(body, GetCallResponse)) == expected
    assert from_response(msgspec.convert(body, CallStateResponseFields)) == expected


def test_a_resync_snapshot_says_so():
    assert from_response(answer(), source="resync").source == "resync"


def test_every_call_of_a_querycalls_answer_gives_its_snapshot():
    other = call(OTHER_CID, session=session("s9", [participant(CAROL)]))
    body = {
        "calls": [
            {key: answer()[key] for key in ("call", "members", "own_capabilities")},
            {"call": other, "members": [member(CAROL)], "own_capabilities": []},
        ],
        "duration": "1ms",
    }
    states = from_query_calls(body)
    assert from_query_calls(msgspec.convert(body, QueryCallsResponse)) == states
    assert list(states) == [CID, OTHER_CID]
    assert states[OTHER_CID].members.keys() == {"carol"}
    assert list(states[OTHER_CID].participants) == ["carol-session"]
    assert {s.source for s in states.values()} == {"resync"}


def test_a_dict_that_is_not_an_answer_is_refused():
    with pytest.raises(msgspec.ValidationError):
        from_response({"call": {"id": "x"}, "members": []})


def test_the_mappings_are_read_only():
    state = live_state(BOB, members=[member(ALICE)])
    with pytest.raises(TypeError):
        state.members["x"] = state.members["alice"]  # type: ignore[index]
    with pytest.raises(TypeError):
        state.participants["x"] = state.participants["bob-session"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        state.cid = "x"  # type: ignore[misc]


def test_a_snapshot_pickles_and_deep_copies_to_an_equal_read_only_one():
    state = live_state(BOB, members=[member(ALICE)])
    for copied in (pickle.loads(pickle.dumps(state)), copy.deepcopy(state)):
        assert copied == state
        assert isinstance(copied.members, MappingProxyType)
        assert isinstance(copied.participants, MappingProxyType)


def test_to_dict_is_json_ready():
    state = live_state(BOB, members=[member(ALICE)])
    out = json.loads(json.dumps(state.to_dict()))
    assert out["cid"] == CID
    assert out["members"]["alice"]["user"]["id"] == "alice"
    assert out["participants"]["bob-session"]["joined_at"] == AT
    assert out["source"] == "answer"


# -- what reduce leaves alone ---------------------------------------------------------------


def test_an_event_of_another_call_gives_the_same_state():
    state = live_state()
    assert reduce(state, joined(participant(BOB), cid=OTHER_CID)) is state
    assert (
        reduce(
            state, event("call.updated", OTHER_CID, call=call(OTHER_CID), capabilities_by_role={})
        )
        is state
    )


def test_an_event_whose_call_is_another_call_gives_the_same_state():
    state = live_state()
    odd = event("call.updated", call=call(OTHER_CID), capabilities_by_role={})
    assert reduce(state, odd) is state


def test_generic_and_non_call_events_give_the_same_state():
    state = live_state()
    generic = decode(json.dumps({"type": "call.updated", "call_cid": CID}))
    assert isinstance(generic, GenericEvent)
    assert reduce(state, generic) is state
    health = decode(json.dumps(payloads.health_check("c1")))
    assert health is not None
    assert reduce(state, health) is state


def test_an_event_that_repeats_the_state_gives_the_same_state():
    state = live_state(BOB)
    same_call = state.call.to_dict()
    assert reduce(state, event("call.updated", call=same_call, capabilities_by_role={})) is state
    assert reduce(state, joined(participant(BOB))) is state
    assert reduce(state, event("call.recording_stopped", **recording("composite"))) is state


def test_kicked_reaction_and_custom_events_change_nothing():
    state = live_state(BOB)
    for kind, fields in [
        ("call.kicked_user", {"user": BOB}),
        ("call.reaction_new", {"reaction": {"type": "like", "user": BOB}}),
        ("custom", {"custom": {"x": 1}, "user": BOB}),
        ("call.permissions_updated", {"user": BOB, "own_capabilities": ["send-audio"]}),
    ]:
        assert kind in NO_STATE_CHANGE
        assert reduce(state, event(kind, **fields)) is state


# -- the whole call --------------------------------------------------------------------------


def test_an_event_carrying_the_call_replaces_it():
    state = live_state(BOB)
    newer = call(session=session(participants=[participant(BOB)]), custom={"topic": "Q4"})
    after = reduce(state, event("call.updated", call=newer, capabilities_by_role={}))
    assert after.call.custom == {"topic": "Q4"}
    assert after.source == "event"
    assert after.participants is state.participants  # the session's participants did not change
    assert after.members is state.members


def test_a_call_without_a_session_has_no_participants():
    state = live_state(BOB)
    after = reduce(state, event("call.updated", call=call(), capabilities_by_role={}))
    assert after.session is None
    assert after.participants == {}
    assert after.accepted_by == {}


def test_the_session_of_a_call_event_gives_the_participants_and_the_ring():
    state = from_response(answer(call(), [member(ALICE), member(BOB), member(CAROL)]))
    assert state.participants == {}
    assert state.accepted_by == {}
    ringing = session(participants=[participant(ALICE)], accepted_by={"bob": LATER})
    after = reduce(state, event("call.accepted", call=call(session=ringing), user=BOB))
    assert list(after.participants) == ["alice-session"]
    assert after.accepted_by == {"bob": datetime(2026, 11, 26, 10, 5, tzinfo=UTC)}
    rejected = session(rejected_by={"carol": AT}, accepted_by={"bob": LATER})
    after = reduce(after, event("call.rejected", call=call(session=rejected), user=CAROL))
    assert after.participants == {}
    assert after.rejected_by == {"carol": T0}
    missed = session(missed_by={"carol": AT})
    after = reduce(
        after,
        event(
            "call.missed",
            call=call(session=missed),
            members=[member(CAROL)],
            notify_user=True,
            session_id="s1",
            user=ALICE,
        ),
    )
    assert after.missed_by == {"carol": T0}


def test_call_ended_sets_ended_at():
    state = live_state(BOB)
    ended = call(ended_at=LATER, session=session(participants=[participant(BOB)]))
    after = reduce(state, event("call.ended", call=ended, user=ALICE))
    assert after.ended_at == datetime(2026, 11, 26, 10, 5, tzinfo=UTC)
    assert state.ended_at is None


def test_call_ended_without_ended_at_ended_at_the_events_time():
    after = reduce(live_state(), event("call.ended", call=call(), members=[member(BOB)]))
    assert after.ended_at == T0
    assert after.members.keys() == {"bob"}


def test_session_started_and_ended_come_with_the_call():
    state = from_response(answer(call()))
    started = call(session=session(participants=[participant(BOB)], started_at=AT))
    after = reduce(state, event("call.session_started", call=started, session_id="s1"))
    assert after.session is not None
    assert after.session.started_at == T0
    assert list(after.participants) == ["bob-session"]
    ended = call(session=session(started_at=AT, ended_at=LATER))
    after = reduce(after, event("call.session_ended", call=ended, session_id="s1"))
    assert after.participants == {}
    assert after.session is not None
    assert after.session.ended_at is not None


# -- members ---------------------------------------------------------------------------------


def test_members_are_added_updated_and_removed():
    state = from_response(answer(call(), [member(ALICE)]))
    after = reduce(state, event("call.member_added", call=call(), members=[member(BOB)]))
    assert after.members.keys() == {"alice", "bob"}
    assert after.participants is state.participants
    after = reduce(
        after, event("call.member_updated", call=call(), members=[member(BOB, role="host")])
    )
    assert after.members["bob"].role == "host"
    after = reduce(
        after,
        event(
            "call.member_updated_permission",
            call=call(),
            members=[member(ALICE, role="admin")],
            capabilities_by_role={"admin": ["end-call"]},
        ),
    )
    assert after.members["alice"].role == "admin"
    after = reduce(after, event("call.member_removed", call=call(), members=["alice", "zed"]))
    assert after.members.keys() == {"bob"}
    assert reduce(after, event("call.member_removed", call=call(), members=["zed"])) is after


def test_created_and_ring_make_their_members_known():
    state = from_response(answer(call()))
    after = reduce(state, event("call.created", call=call(), members=[member(ALICE)]))
    assert after.members.keys() == {"alice"}
    ring = {"session_id": "s1", "user": ALICE, "video": True}
    after = reduce(after, event("call.ring", call=call(), members=[member(BOB)], **ring))
    assert after.members.keys() == {"alice", "bob"}


# -- participants ----------------------------------------------------------------------------


def test_participants_join_and_leave_the_session():
    state = live_state()
    bob = participant(BOB, "b1", role="host")
    after = reduce(state, joined(bob))
    assert list(after.participants) == ["b1"]
    assert after.participants["b1"].user.name == "Bob"
    assert after.session is not None
    assert [p.user_session_id for p in after.session.participants] == ["b1"]
    assert after.session.participants_count_by_role == {"host": 1}
    assert after.members is state.members
    assert after.call.settings is state.call.settings  # shared, not copied
    after = reduce(after, joined(participant(CAROL, "c1")))
    after = reduce(after, left(bob))
    assert list(after.participants) == ["c1"]
    assert after.session is not None
    assert after.session.participants_count_by_role == {"host": 0, "user": 1}
    assert reduce(after, left(bob)) is after


def test_the_same_session_joining_again_is_updated_in_place():
    state = live_state(BOB, CAROL)
    again = participant(BOB, role="host")
    after = reduce(state, joined(again))
    assert list(after.participants) == ["bob-session", "carol-session"]
    assert after.participants["bob-session"].role == "host"
    assert after.session is not None
    assert after.session.participants_count_by_role == {"user": 0, "host": 1}


def test_participant_events_of_another_session_change_nothing():
    state = live_state(BOB)
    assert reduce(state, joined(participant(CAROL), session_id="s0")) is state
    assert reduce(state, left(participant(BOB), session_id="s0")) is state


def test_a_join_before_the_session_is_described_starts_it():
    state = from_response(answer(call()))  # current session s1, not described yet
    after = reduce(state, joined(participant(BOB)))
    assert after.session is not None
    assert after.session.id == "s1"
    assert list(after.participants) == ["bob-session"]
    assert reduce(state, joined(participant(BOB), session_id="s7")) is state


def test_the_coordinators_counts_replace_the_sessions():
    state = live_state(BOB)
    counts = {"session_id": "s1", "participants_count_by_role": {"user": 40}}
    after = reduce(
        state,
        event("call.session_participant_count_updated", anonymous_participant_count=7, **counts),
    )
    assert after.session is not None
    assert after.session.participants_count_by_role == {"user": 40}
    assert after.session.anonymous_participant_count == 7
    assert after.participants is state.participants
    again = event("call.session_participant_count_updated", anonymous_participant_count=7, **counts)
    assert reduce(after, again) is after


# -- flags -----------------------------------------------------------------------------------


def recording(kind: str):
    return {"egress_id": "e1", "recording_type": kind}


def test_recording_transcription_and_captions_flags():
    state = live_state()
    after = reduce(state, event("call.recording_started", **recording("composite")))
    assert after.call.recording is True
    assert (
        reduce(after, event("call.recording_failed", **recording("composite"))).call.recording
        is False
    )
    assert reduce(state, event("call.recording_started", **recording("individual"))) is state
    after = reduce(state, event("call.transcription_started", egress_id="e2"))
    assert after.call.transcribing is True
    assert (
        reduce(after, event("call.transcription_stopped", egress_id="e2")).call.transcribing
        is False
    )
    after = reduce(state, event("call.closed_captions_started"))
    assert after.call.captioning is True
    assert reduce(after, event("call.closed_captions_failed")).call.captioning is False


def test_hls_broadcasting_stops_and_rtmp_broadcasts_come_and_go():
    hls = {"broadcasting": True, "rtmps": [], "hls": {"playlist_url": "u", "status": "x"}}
    state = from_response(answer(call(egress=hls)))
    after = reduce(state, event("call.hls_broadcasting_stopped"))
    assert after.call.egress.broadcasting is False
    assert after.call.egress.hls == state.call.egress.hls
    assert reduce(after, event("call.hls_broadcasting_failed")) is after
    after = reduce(state, event("call.rtmp_broadcast_started", name="yt"))
    assert [(r.name, r.started_at) for r in after.call.egress.rtmps] == [("yt", T0)]
    assert reduce(after, event("call.rtmp_broadcast_started", name="yt")) is after
    after = reduce(after, event("call.rtmp_broadcast_stopped", name="yt"))
    assert after.call.egress.rtmps == []
    assert reduce(after, event("call.rtmp_broadcast_failed", name="yt")) is after


def test_users_are_blocked_and_unblocked():
    state = live_state()
    after = reduce(state, event("call.blocked_user", user=BOB))
    assert after.call.blocked_user_ids == ["bob"]
    assert reduce(after, event("call.blocked_user", user=BOB)) is after
    after = reduce(after, event("call.unblocked_user", user=BOB))
    assert after.call.blocked_user_ids == []
    assert reduce(after, event("call.unblocked_user", user=BOB)) is after


def test_the_mappings_stay_read_only_after_events():
    after = reduce(live_state(), joined(participant(BOB)))
    after = reduce(after, event("call.member_added", call=call(), members=[member(BOB)]))
    assert isinstance(after.participants, MappingProxyType)
    assert isinstance(after.members, MappingProxyType)


class RecordingStage:
    """Plays a scenario without a server: what it emits is kept, pauses take no time."""

    def __init__(self):
        self.speed = 1.0
        self.frames = []
        self.fake = self
        self.created: tuple[Any, Any] | None = None

    def create_call(self, the_call, members):
        self.created = (the_call, members)

    async def emit(self, frame):
        self.frames.append(frame)

    async def wait_connected(self, timeout=None):
        return None

    async def wait_watched(self, cid, timeout=None):
        return None

    async def pause(self, seconds):
        return None

    async def drop_network(self, timeout=None):
        return None


async def test_the_emulators_call_lifecycle_folds_into_its_story():
    from rx_coordinator.testing.scenarios import call_lifecycle

    stage = RecordingStage()
    await call_lifecycle(stage)
    assert stage.created is not None
    the_call, members = stage.created
    state = from_response({"call": the_call, "members": members, "own_capabilities": []})
    timeline = [state]
    for frame in stage.frames:
        decoded = decode(json.dumps(frame))
        assert decoded is not None
        after = reduce(state, decoded)
        if after is not state:
            timeline.append(after)
        state = after
    names = [[p.user.id for p in s.participants.values()] for s in timeline]
    assert ["alice", "bob", "carol"] in names
    assert names[-1] == []
    assert state.members.keys() == {"alice", "bob", "carol"}
    assert state.ended_at is not None
    assert all(s.ended_at is None for s in timeline[:-1])
