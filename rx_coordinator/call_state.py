"""A call's state folded from its events: ``CallState``, ``from_response``, ``reduce``.

The state of a call is what a UI shows: the call (settings, flags, creator), its members,
who is in its session, who accepted, rejected or missed the ring, whether it has ended.
The first snapshot comes from a REST answer (``GetCall``, ``GetOrCreateCall``, or one entry
of ``QueryCalls``); each event of the call then gives the next one::

    state = from_response(answer)          # the decoded JSON, or the typed answer
    for event in events:
        state = reduce(state, event)       # the same object when nothing changed

After a reconnect, events sent while the socket was down are lost: the answer of the
re-watch replaces the state (``from_response(answer, source="resync")``).

Snapshots are immutable and share what did not change with the previous one, so keeping
every snapshot (a timeline) costs only what changed. ``HANDLERS`` and
``NO_STATE_CHANGE`` list, between them, every call event of Stream's spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import msgspec

from ._event_base import Event, TypedEvent
from ._models import (
    CallStateResponseFields,
    GetCallResponse,
    GetOrCreateCallResponse,
    QueryCallsResponse,
    UpdateCallResponse,
)
from ._reducers import HANDLERS, NO_STATE_CHANGE, Handler
from ._snapshot import CallState, Source, snapshot

__all__ = [
    "HANDLERS",
    "NO_STATE_CHANGE",
    "Answer",
    "CallState",
    "Handler",
    "Source",
    "from_query_calls",
    "from_response",
    "reduce",
]

Answer: TypeAlias = (
    GetCallResponse | GetOrCreateCallResponse | UpdateCallResponse | CallStateResponseFields
)
"""A typed answer that describes one call: its ``call`` and its ``members``."""


def from_response(answer: Answer | Mapping[str, Any], *, source: Source = "answer") -> CallState:
    """The snapshot a REST answer describes.

    Args:
        answer: the answer of ``GetCall``, ``GetOrCreateCall`` or ``UpdateCall``, or one
            entry of a ``QueryCalls`` answer's ``calls``: typed, or the decoded JSON dict
            (as ``RestClient`` returns it).
        source: ``"answer"`` for the first snapshot, ``"resync"`` for the one replacing
            a state after a reconnect.

    Raises:
        msgspec.ValidationError: a dict that is not such an answer.
    """
    if isinstance(answer, Mapping):
        answer = msgspec.convert(dict(answer), CallStateResponseFields)
    return snapshot(answer.call, answer.members, source)


def from_query_calls(
    answer: QueryCallsResponse | Mapping[str, Any], *, source: Source = "resync"
) -> dict[str, CallState]:
    """The snapshot of every call in a ``QueryCalls`` answer, by call id (``type:id``).

    ``source`` is ``"resync"`` by default: ``QueryCalls`` is how the client watches its
    calls again after a reconnect.

    Raises:
        msgspec.ValidationError: a dict that is not a ``QueryCalls`` answer.
    """
    if isinstance(answer, Mapping):
        answer = msgspec.convert(dict(answer), QueryCallsResponse)
    return {entry.call.cid: snapshot(entry.call, entry.members, source) for entry in answer.calls}


def reduce(state: CallState, event: Event) -> CallState:
    """The state after ``event``: a new snapshot (``source="event"``), or ``state`` itself.

    ``state`` itself (the same object) comes back when the event changes nothing: an event
    of another call, a type in ``NO_STATE_CHANGE``, a type that is not a call event
    (``health.check``, ``user.updated``...), a ``GenericEvent``
    (it has no typed fields; the next resync corrects what it carried), or an event that
    repeats what the state already says. Otherwise the handler of ``HANDLERS`` for its
    type applies it, copying only the parts it changes. Pure: nothing else is touched.
    """
    handler = HANDLERS.get(event.type)
    if handler is None or not isinstance(event, TypedEvent):
        return state
    if getattr(event, "call_cid", None) != state.cid:
        return state
    return handler(state, event)
