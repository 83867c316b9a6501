"""Property tests of the call state reducer: folding equals the final facts; nothing breaks it."""

from __future__ import annotations

import json
import os
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from rx_coordinator.call_state import NO_STATE_CHANGE, CallState, from_response, reduce
from rx_coordinator.events import EVENT_TYPES, CallStateResponseFields, TypedEvent, decode
from rx_coordinator.testing import payloads

from .call_events import (
    AT,
    CID,
    answer,
    call,
    event,
    joined,
    left,
    member,
    participant,
    session,
)
from .strategies import frames_for

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"

USERS = {name: payloads.user(name, at=AT) for name in ("ann", "ben", "cat", "dan")}
SESSIONS = [f"{name}-{n}" for name in USERS for n in (1, 2)]  # a user may join twice
ROLES = ["user", "host"]

joins = st.tuples(st.just("join"), st.sampled_from(SESSIONS), st.sampled_from(ROLES))
leaves = st.tuples(st.just("leave"), st.sampled_from(SESSIONS), st.just(""))
adds = st.tuples(st.just("add"), st.sampled_from(sorted(USERS)), st.sampled_from(ROLES))
removes = st.tuples(st.just("remove"), st.sampled_from(sorted(USERS)), st.just(""))
operations = st.lists(st.one_of(joins, leaves, adds, removes), max_size=30)


class Coordinator:
    """What the coordinator knows: the final facts, and the events it sends on the way."""

    def __init__(self) -> None:
        self.participants: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.roles_seen: set[str] = set()

    def counts(self) -> dict[str, int]:
        present = [p["role"] for p in self.participants.values()]
        return {role: present.count(role) for role in self.roles_seen}

    def call(self) -> dict[str, Any]:
        the_session = session(
            participants=list(self.participants.values()),
            participants_count_by_role=self.counts(),
        )
        return call(session=the_session)

    def apply(self, op: str, key: str, role: str) -> TypedEvent:
        if op == "join":
            joining = participant(USERS[key.split("-")[0]], key, role=role)
            self.participants[key] = joining
            self.roles_seen.add(role)
            return joined(joining)
        if op == "leave":
            leaving = self.participants.pop(key, None)
            return left(leaving or participant(USERS[key.split("-")[0]], key))
        if op == "add":
            self.members[key] = member(USERS[key], role=role)
            return event("call.member_added", call=self.call(), members=[self.members[key]])
        self.members.pop(key, None)
        return event("call.member_removed", call=self.call(), members=[key])


@settings(max_examples=2000 if THOROUGH else 200)
@given(operations)
def test_folding_joins_leaves_and_member_changes_gives_the_final_facts(ops):
    coordinator = Coordinator()
    state = from_response(answer(coordinator.call()))
    for op in ops:
        state = reduce(state, coordinator.apply(*op))
    facts = from_response(answer(coordinator.call(), list(coordinator.members.values())))
    assert msgspec.structs.replace(state, source="answer") == facts
    assert list(state.participants) == list(coordinator.participants)


def _with_cid(frame: dict[str, Any], cid: str) -> dict[str, Any]:
    """``frame`` about ``cid``: its ``call_cid``, and its call's ``cid`` when it has one."""
    frame = {**frame, "call_cid": cid}
    if isinstance(frame.get("call"), dict):
        frame["call"] = {**frame["call"], "cid": cid}
    return frame


call_kinds = sorted(k for k, cls in EVENT_TYPES.items() if "call_cid" in cls.__struct_fields__)
states = frames_for(CallStateResponseFields).map(lambda body: from_response(_with_cid(body, CID)))


def _consistent(state: CallState) -> bool:
    session_ = state.call.session
    expected = {} if session_ is None else {p.user_session_id: p for p in session_.participants}
    return state.call.cid == state.cid and dict(state.participants) == expected


@settings(max_examples=1000 if THOROUGH else 40)
@given(data=st.data())
def test_reduce_never_raises_and_keeps_the_snapshot_consistent(data):
    state = data.draw(states, label="state")
    assert _consistent(state)
    for _ in range(data.draw(st.integers(1, 4), label="events")):
        kind = data.draw(st.sampled_from(call_kinds), label="kind")
        frame = _with_cid(data.draw(frames_for(EVENT_TYPES[kind]), label="frame"), CID)
        decoded = decode(json.dumps(frame))
        assert type(decoded) is EVENT_TYPES[kind]
        after = reduce(state, decoded)
        assert after is state or after.source == "event"
        if kind in NO_STATE_CHANGE:
            assert after is state
        assert _consistent(after)
        state = after


@settings(max_examples=500 if THOROUGH else 25)
@given(data=st.data())
def test_an_event_of_another_call_changes_nothing(data):
    state = data.draw(states, label="state")
    kind = data.draw(st.sampled_from(sorted(EVENT_TYPES)), label="kind")
    frame = data.draw(frames_for(EVENT_TYPES[kind]), label="frame")
    if "call_cid" in frame:
        frame["call_cid"] = data.draw(
            st.text(max_size=12).filter(lambda cid: cid != CID), label="call_cid"
        )
    decoded = decode(json.dumps(frame))
    assert decoded is not None
    assert reduce(state, decoded) is state
