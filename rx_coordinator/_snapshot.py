"""The call state snapshot (``CallState``) and the few ways to make a new one.

Every change goes through ``snapshot`` (a whole new call, from an answer) or the
``with_*`` helpers (one part of the call), so the derived mappings never disagree with
the call they come from. Each helper copies only what changed and returns ``state``
itself when nothing did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, TypeVar

import msgspec
from msgspec.structs import replace

from ._models import CallParticipantResponse, CallResponse, CallSessionResponse, MemberResponse

__all__ = [
    "CallState",
    "Source",
    "copy_of",
    "snapshot",
    "with_call",
    "with_members",
    "with_session",
]

_K = TypeVar("_K")
_V = TypeVar("_V")

Source: TypeAlias = Literal["answer", "event", "resync"]
"""Where a snapshot comes from: a REST answer, an event, or the re-watch after a reconnect."""

_NO_TIMES: Final[Mapping[str, datetime]] = MappingProxyType({})


class CallState(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One call's state at one moment: immutable, typed, and cheap to derive from.

    Built from a REST answer by ``rx_coordinator.call_state.from_response``, then
    advanced event by event by ``rx_coordinator.call_state.reduce``, which gives a
    new snapshot sharing every unchanged part with the old one.

    Attributes:
        cid: the call, as ``type:id``.
        call: the call as the coordinator last described it (settings, creator, custom
            data, ``recording``/``transcribing``/``captioning``/``backstage`` flags,
            ``blocked_user_ids``, ``egress``, and its current ``session``).
        members: the call's members by user id (read-only).
        participants: who is in the current session, by ``user_session_id`` (read-only;
            each has ``.user``); empty when the call has no session. The same
            participants as ``call.session.participants``, in the same order.
        source: what made this snapshot: ``"answer"`` (a REST answer), ``"event"`` (an
            event changed the previous one) or ``"resync"`` (the re-watch answer after a
            reconnect replaced it, events missed while disconnected included).
    """

    cid: str
    call: CallResponse
    members: Mapping[str, MemberResponse]
    participants: Mapping[str, CallParticipantResponse]
    source: Source

    @property
    def session(self) -> CallSessionResponse | None:
        """The call's current session (``call.session``), ``None`` before the first one."""
        return self.call.session

    @property
    def ended_at(self) -> datetime | None:
        """When the call ended (``call.ended_at``); ``None`` while it is live."""
        return self.call.ended_at

    @property
    def accepted_by(self) -> Mapping[str, datetime]:
        """Who accepted the ringing call, and when (user id to time), from the session."""
        session = self.call.session
        return _NO_TIMES if session is None else MappingProxyType(session.accepted_by)

    @property
    def rejected_by(self) -> Mapping[str, datetime]:
        """Who rejected the ringing call, and when (user id to time), from the session."""
        session = self.call.session
        return _NO_TIMES if session is None else MappingProxyType(session.rejected_by)

    @property
    def missed_by(self) -> Mapping[str, datetime]:
        """Who missed the ringing call, and when (user id to time), from the session."""
        session = self.call.session
        return _NO_TIMES if session is None else MappingProxyType(session.missed_by)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (and deep-copied) through plain dicts: a read-only view cannot be pickled.
        parts = (self.call, copy_of(self.members), copy_of(self.participants), self.source)
        return (_restore, (self.cid, *parts))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as RFC 3339 text), for a browser or a log."""
        out: dict[str, Any] = msgspec.to_builtins(
            {
                "cid": self.cid,
                "call": self.call,
                "members": copy_of(self.members),
                "participants": copy_of(self.participants),
                "source": self.source,
            }
        )
        return out


def _restore(
    cid: str,
    call: CallResponse,
    members: dict[str, MemberResponse],
    participants: dict[str, CallParticipantResponse],
    source: Source,
) -> CallState:
    return CallState(
        cid=cid,
        call=call,
        members=MappingProxyType(members),
        participants=MappingProxyType(participants),
        source=source,
    )


def snapshot(call: CallResponse, members: Iterable[MemberResponse], source: Source) -> CallState:
    """A whole new state: ``call`` with its ``members``."""
    return CallState(
        cid=call.cid,
        call=call,
        members=MappingProxyType({m.user_id: m for m in members}),
        participants=_participants(call.session),
        source=source,
    )


def with_call(state: CallState, call: CallResponse) -> CallState:
    """``state`` with the coordinator's newer ``call`` (its session included).

    A call with another ``cid`` changes nothing: an event's ``call`` is the call it is about.
    """
    if call.cid != state.cid or call == state.call:
        return state
    old, new = state.call.session, call.session
    # Shared when unchanged, as most call events leave the participants alone.
    if old is None or new is None:
        participants = state.participants if old is new else _participants(new)
    elif new.participants == old.participants:
        participants = state.participants
    else:
        participants = _participants(new)
    return replace(state, call=call, participants=participants, source="event")


def with_session(
    state: CallState,
    session: CallSessionResponse,
    participants: dict[str, CallParticipantResponse] | None = None,
) -> CallState:
    """``state`` with a changed ``session``; ``participants`` (a new dict the caller gives
    up) if they changed too, listed in the same order as ``session.participants``.
    """
    call = replace(state.call, session=session)
    if participants is None:
        return replace(state, call=call, source="event")
    return replace(state, call=call, participants=MappingProxyType(participants), source="event")


def with_members(state: CallState, members: dict[str, MemberResponse]) -> CallState:
    """``state`` with ``members`` (a new dict the caller gives up)."""
    return replace(state, members=MappingProxyType(members), source="event")


def copy_of(mapping: Mapping[_K, _V]) -> dict[_K, _V]:
    """A new dict with what ``mapping`` holds."""
    if isinstance(mapping, MappingProxyType):
        # The view's own copy is the dict's, in C: dict(view) goes key by key (25 times
        # slower for 200 participants).
        return mapping.copy()
    return dict(mapping)


def _participants(
    session: CallSessionResponse | None,
) -> Mapping[str, CallParticipantResponse]:
    if session is None or not session.participants:
        return MappingProxyType({})
    return MappingProxyType({p.user_session_id: p for p in session.participants})
