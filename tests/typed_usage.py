"""A typed user of the library: ``mypy --strict`` checks this module as users' code is.

pyproject.toml gives this module the full strict settings (the other test modules may skip
annotations), and ``tests/test_typed_usage.py`` runs it, so it is both checked and true.
"""

from __future__ import annotations

from typing import assert_type

import reactivex.operators as ops
from reactivex import Observable

from rx_coordinator import Event, StreamAPIWS, of_type
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
