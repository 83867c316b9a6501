"""Call payloads and typed call events for the call state tests, built on ``payloads``."""

from __future__ import annotations

import json
from typing import Any

from rx_coordinator.events import EVENT_TYPES, TypedEvent, decode
from rx_coordinator.testing import payloads

CID = "default:standup"
OTHER_CID = "default:other"
AT = "2026-11-26T10:00:00Z"
LATER = "2026-11-26T10:05:00Z"

ALICE = payloads.user("alice", name="Alice", at=AT)
BOB = payloads.user("bob", name="Bob", at=AT)
CAROL = payloads.user("carol", name="Carol", at=AT)


def session(
    session_id: str = "s1", participants: list[Any] | None = None, **fields: Any
) -> dict[str, Any]:
    """A ``CallSessionResponse`` dict."""
    out = {
        "id": session_id,
        "participants": participants or [],
        "participants_count_by_role": {},
        "anonymous_participant_count": 0,
        "rejected_by": {},
        "accepted_by": {},
        "missed_by": {},
    }
    out.update(fields)
    return out


def call(cid: str = CID, **fields: Any) -> dict[str, Any]:
    """A ``CallResponse`` dict for ``cid``, current session ``s1``; ``fields`` override."""
    return payloads.call(cid, created_by=ALICE, session_id="s1", at=AT, **fields)


def member(user: dict[str, Any], role: str | None = None) -> dict[str, Any]:
    """A ``MemberResponse`` dict."""
    return payloads.member(user, role=role, at=AT)


def participant(user: dict[str, Any], sid: str | None = None, role: str = "user") -> dict[str, Any]:
    """A ``CallParticipantResponse`` dict."""
    return payloads.participant(user, user_session_id=sid, role=role, at=AT)


def answer(
    the_call: dict[str, Any] | None = None, members: list[Any] | None = None
) -> dict[str, Any]:
    """A ``GetCall`` answer, as the REST client returns it (a dict)."""
    return {
        "call": the_call if the_call is not None else call(),
        "members": members or [],
        "own_capabilities": ["read-call", "join-call"],
        "duration": "0.42ms",
    }


def event(kind: str, cid: str = CID, **fields: Any) -> TypedEvent:
    """The typed event of ``kind`` for ``cid`` (decoded from its frame, as the client does)."""
    frame = {"type": kind, "created_at": AT, "call_cid": cid, **fields}
    decoded = decode(json.dumps(frame))
    assert type(decoded) is EVENT_TYPES[kind], decoded
    assert isinstance(decoded, TypedEvent)
    return decoded


def joined(p: dict[str, Any], session_id: str = "s1", cid: str = CID) -> TypedEvent:
    """``call.session_participant_joined``."""
    return event("call.session_participant_joined", cid, session_id=session_id, participant=p)


def left(p: dict[str, Any], session_id: str = "s1", cid: str = CID) -> TypedEvent:
    """``call.session_participant_left``."""
    return event(
        "call.session_participant_left",
        cid,
        session_id=session_id,
        participant=p,
        duration_seconds=3,
    )
