"""A typed user of the library: ``mypy --strict`` checks this module as users' code is.

pyproject.toml gives this module the full strict settings (the other test modules may skip
annotations), and ``tests/test_typed_usage.py`` runs it, so it is both checked and true.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, assert_type

import reactivex.operators as ops
from reactivex import Observable

from rx_coordinator import CallState, Event, StreamAPIWS, of_type
from rx_coordinator.call_state import from_response, reduce
from rx_coordinator.events import (
    CallCreatedEvent,
    CallSessionParticipantJoinedEvent,
    CallSessionParticipantLeftEvent,
    GenericEvent,
)

Presence = CallSessionParticipantJoinedEvent | CallSessionParticipantLeftEvent


def creators(events: Observable[Event]) -> Observable[str]:
    """Who created each call: a class selector gives typed events."""
    created = events.pipe(of_type(CallCreatedEvent))
    assert_type(created, Observable[CallCreatedEvent])
    return created.pipe(ops.map(creator))


def creator(event: CallCreatedEvent) -> str:
    """``event.call.created_by.id`` instead of ``raw["call"]["created_by"]["id"]``."""
    return event.call.created_by.id


def presence(events: Observable[Event]) -> Observable[Presence]:
    """Two classes give their union."""
    both = events.pipe(of_type(CallSessionParticipantJoinedEvent, CallSessionParticipantLeftEvent))
    assert_type(both, Observable[Presence])
    return both


def who(event: Presence) -> tuple[str, str]:
    """A union narrows on ``type``, like any tagged union."""
    if event.type == "call.session_participant_joined":
        assert_type(event, CallSessionParticipantJoinedEvent)
        return ("joined", event.participant.user.id)
    assert_type(event, CallSessionParticipantLeftEvent)
    return ("left", event.participant.user.id)


def session_types(events: Observable[Event]) -> Observable[str]:
    """Globs and type strings give events of any class."""
    selected = events.pipe(of_type("call.session_*", "call.created"))
    assert_type(selected, Observable[Event])
    return selected.pipe(ops.map(type_of))


def type_of(event: Event) -> str:
    """Every event has ``type`` and ``to_dict()``; generic ones also ``raw``."""
    if isinstance(event, GenericEvent):
        return f"{event.type} (generic, {len(event.raw)} keys)"
    return event.type


async def first_connection_id(client: StreamAPIWS) -> str:
    """``connect()`` gives the typed ``connection.ok`` (generic only if off-schema)."""
    first = await client.connect()
    if isinstance(first, GenericEvent):
        return str(first.raw["connection_id"])
    return first.connection_id + ":" + first.me.id


def fold(answer: Mapping[str, Any], events: Iterable[Event]) -> CallState:
    """The state after ``events``, from a ``GetCall`` answer as the REST client returns it."""
    state = from_response(answer)
    for event in events:
        state = reduce(state, event)
    return state


def roster(state: CallState) -> list[tuple[str, str]]:
    """Who is in the call and who is a member, typed: ``p.user.name`` is ``str | None``."""
    inside = [(p.user.name or p.user.id, "in") for p in state.participants.values()]
    accepted: Mapping[str, datetime] = state.accepted_by
    return inside + [
        (m.user_id, "accepted" if m.user_id in accepted else "member")
        for m in state.members.values()
    ]


def snapshots(first: CallState, events: Observable[Event]) -> Observable[CallState]:
    """``reduce`` as a ``scan``; a snapshot only when an event changed something."""
    return events.pipe(
        ops.scan(reduce, first),
        ops.distinct_until_changed(comparer=operator.is_),
    )
