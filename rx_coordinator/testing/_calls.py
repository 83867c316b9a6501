"""The emulator's call state: calls, their members and sessions, and the users it has met.

Pure state and the payloads built from it, with no I/O: the REST layer changes it and
delivers the events it returns. Calls are stored as ``CallResponse`` dicts, members as
``MemberResponse`` dicts, as the coordinator sends them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any

from . import payloads
from ._clock import now_rfc3339

__all__ = ["CAPABILITIES", "CallBook"]

Payload = dict[str, Any]

CAPABILITIES = [
    "read-call",
    "join-call",
    "send-audio",
    "send-video",
    "screenshare",
    "create-reaction",
    "send-event",
    "end-call",
    "update-call-member",
]
"""The capabilities the emulator grants everyone (it has no permission model)."""


class CallBook:
    """Every call the emulator knows, with its members and its session.

    Attributes:
        calls: ``CallResponse`` dicts by cid (``"type:id"``).
        members: the ``MemberResponse`` dicts of each call, by cid.
        users: the ``UserResponse`` of every user met (connected, or named as a member).
    """

    def __init__(self) -> None:
        self.calls: dict[str, Payload] = {}
        self.members: dict[str, list[Payload]] = {}
        self.users: dict[str, Payload] = {}

    def user(self, user_id: str) -> Payload:
        """The ``UserResponse`` of ``user_id`` (made up, and remembered, when unknown)."""
        if user_id not in self.users:
            self.users[user_id] = payloads.user(user_id)
        return self.users[user_id]

    def meet(self, user_id: str, name: str | None) -> Payload:
        """Remember ``user_id`` (and its ``name``, from a connection's ``user_details``)."""
        known = self.user(user_id)
        if name is not None:
            known["name"] = name
        return known

    def add(self, call: Payload, members: Sequence[Payload] = ()) -> str:
        """Store ``call`` (a ``CallResponse``, copied) and its ``members``; returns its cid."""
        cid: str = call["cid"]
        stored = dict(call)
        session_id = stored.get("current_session_id")
        if session_id and not stored.get("session"):
            stored["session"] = payloads.call_session(session_id)
        self.calls[cid] = stored
        self.members[cid] = list(members)
        return cid

    def get_or_create(self, cid: str, creator: str, data: Payload) -> tuple[Payload, bool]:
        """The call ``cid``; when it is new, created by ``creator`` from ``data`` (a
        ``CallRequest``: ``members``, ``custom``, ``settings_override``). The
        data of an existing call is left alone (Stream sends no member events for it here).
        Returns it and whether it was created."""
        if cid in self.calls:
            return self.calls[cid], False
        fields: Payload = {"custom": dict(data.get("custom") or {})}
        override = data.get("settings_override")
        call = payloads.call(cid, created_by=self.user(creator), **fields)
        if isinstance(override, dict):
            call["settings"] = _merged(call["settings"], override)
        self.add(call)
        members = data.get("members")
        if isinstance(members, list):
            self.add_members(cid, [m for m in members if isinstance(m, dict)])
        return self.calls[cid], True

    def add_members(self, cid: str, requests: Sequence[Payload]) -> None:
        """Add (or update) members from ``MemberRequest`` dicts."""
        current = {m["user_id"]: m for m in self.members.setdefault(cid, [])}
        for request in requests:
            user_id = request.get("user_id")
            if not isinstance(user_id, str) or not user_id:
                continue
            role = request.get("role")
            member = payloads.member(
                self.user(user_id), role=role if isinstance(role, str) else None
            )
            member["custom"] = dict(request.get("custom") or {})
            current[user_id] = member
        self.members[cid] = list(current.values())

    def start_session(self, cid: str) -> Payload:
        """Give the call a session if it has none running; returns the call."""
        call = self.calls[cid]
        session = call.get("session")
        if not call.get("current_session_id") or not session or session.get("ended_at"):
            session_id = str(uuid.uuid4())
            call["current_session_id"] = session_id
            call["session"] = payloads.call_session(session_id)
            call["updated_at"] = now_rfc3339()
        return call

    def answer(self, cid: str, user_id: str, verdict: str) -> Payload:
        """Record in the session that ``user_id`` ``"accepted"`` or ``"rejected"`` the
        ring; returns the call."""
        call = self.start_session(cid)
        call["session"][f"{verdict}_by"][user_id] = now_rfc3339()
        return call

    def end(self, cid: str) -> Payload:
        """Mark the call ended (and its session); returns the call."""
        call = self.calls[cid]
        at = now_rfc3339()
        call["ended_at"] = at
        call["updated_at"] = at
        session = call.get("session")
        if isinstance(session, dict):
            session["ended_at"] = at
        return call

    def apply(self, event: Payload) -> Payload:
        """Keep the call up to date with an event about it, as the coordinator's own state
        is: an answer after the event (a re-watch after a reconnect) shows what it did.

        Returns the event to send: a ``call.accepted`` or ``call.rejected`` carries the
        call with its session's ``accepted_by``/``rejected_by``, as Stream's does."""
        cid = event.get("call_cid")
        if not isinstance(cid, str) or cid not in self.calls:
            return event
        kind = event.get("type")
        call = event.get("call")
        if isinstance(call, dict) and call.get("cid") == cid:
            kept = self.calls[cid].get("session")
            self.calls[cid] = dict(call)
            if not call.get("session") and kept:
                self.calls[cid]["session"] = kept
        listed = event.get("members")
        if kind == "call.member_removed" and isinstance(listed, list):
            gone = {m for m in listed if isinstance(m, str)}
            self.members[cid] = [m for m in self.members.get(cid, []) if m["user_id"] not in gone]
        elif isinstance(listed, list):
            current = {m["user_id"]: m for m in self.members.setdefault(cid, [])}
            for member in listed:
                if isinstance(member, dict) and isinstance(member.get("user_id"), str):
                    current[member["user_id"]] = member
            self.members[cid] = list(current.values())
        joined = event.get("participant")
        if kind == "call.session_participant_joined" and isinstance(joined, dict):
            stored = self.calls[cid]
            session = stored.get("session")
            if not isinstance(session, dict) or session.get("ended_at"):
                session_id = str(event.get("session_id") or uuid.uuid4())
                session = stored["session"] = payloads.call_session(session_id)
                stored["current_session_id"] = session_id
            others = [
                p
                for p in session["participants"]
                if p.get("user_session_id") != joined.get("user_session_id")
            ]
            session["participants"] = [*others, joined]
        elif kind == "call.session_participant_left" and isinstance(joined, dict):
            session = self.calls[cid].get("session")
            if isinstance(session, dict):
                session["participants"] = [
                    p
                    for p in session.get("participants", [])
                    if p.get("user_session_id") != joined.get("user_session_id")
                ]
        if kind == "call.ended" and not self.calls[cid].get("ended_at"):
            self.end(cid)
        who = event.get("user")
        if kind in ("call.accepted", "call.rejected") and isinstance(who, dict):
            verdict = "accepted" if kind == "call.accepted" else "rejected"
            answered = self.answer(cid, who["id"], verdict)
            event = {**event, "call": copy.deepcopy(answered)}
        return event

    def state(self, cid: str, user_id: str | None) -> Payload:
        """The call as ``user_id`` sees it: a ``CallStateResponseFields``."""
        members = self.members.get(cid, [])
        out: Payload = {
            "call": self.calls[cid],
            "members": members,
            "own_capabilities": list(CAPABILITIES),
            "blocked_users": [],
        }
        membership = next((m for m in members if m["user_id"] == user_id), None)
        if membership is not None:
            out["membership"] = membership
        return out


def _merged(base: Payload, override: Payload) -> Payload:
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        out[key] = (
            _merged(current, value)
            if isinstance(current, dict) and isinstance(value, dict)
            else value
        )
    return out
