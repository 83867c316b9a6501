"""The typed usage example (checked by mypy --strict) also does what it says."""

from __future__ import annotations

import json

import reactivex

from rx_coordinator.events import Event, decode
from rx_coordinator.testing import payloads

from . import typed_usage
from .helpers import Recorder

CID = "default:standup"
ALICE = payloads.user("alice")
CALL = payloads.call(CID, created_by=ALICE, session_id="s1")
FRAMES = [
    payloads.call_created(CALL),
    payloads.call_session_participant_joined(CID, "s1", payloads.participant(ALICE)),
    {"type": "call.session_brand_new"},
    payloads.call_session_participant_left(
        CID, "s1", payloads.participant(ALICE), duration_seconds=1
    ),
]


def events() -> reactivex.Observable[Event]:
    decoded = [decode(json.dumps(frame)) for frame in FRAMES]
    return reactivex.from_iterable([e for e in decoded if e is not None])


def test_the_typed_pipelines_select_and_read_typed_attributes():
    assert Recorder(typed_usage.creators(events())).items == ["alice"]
    assert [typed_usage.who(e) for e in Recorder(typed_usage.presence(events())).items] == [
        ("joined", "alice"),
        ("left", "alice"),
    ]
    assert Recorder(typed_usage.session_types(events())).items == [
        "call.created",
        "call.session_participant_joined",
        "call.session_brand_new (generic, 1 keys)",
        "call.session_participant_left",
    ]


async def test_connect_gives_the_typed_connection_ok(connected):
    c = await connected()
    await c.client.disconnect()
    assert await typed_usage.first_connection_id(c.client) == f"{c.client.connection_id}:alice"


def test_the_typed_call_state_usage_folds_events_into_snapshots():
    answer = {
        "call": CALL,
        "members": [payloads.member(ALICE)],
        "own_capabilities": [],
        "duration": "1ms",
    }
    state = typed_usage.fold(answer, Recorder(events()).items)
    assert typed_usage.roster(state) == [("alice", "member")]  # joined, then left
    first = typed_usage.fold(answer, [])
    seen = Recorder(typed_usage.snapshots(first, events())).items
    # call.created repeats the answer's call: the first snapshot is the answer's own
    assert seen[0] is first
    assert [list(s.participants) for s in seen] == [[], ["alice-session"], []]
