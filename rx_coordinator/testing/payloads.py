"""Realistic coordinator payloads, shaped as Stream's service sends them.

Each function returns a JSON-ready dict that fits the matching class of
``rx_coordinator.events`` (the tests check that every one decodes to its class). Use
them to script a ``FakeCoordinator``::

    alice = payloads.user("alice", name="Alice")
    call = payloads.call("default:standup", created_by=alice)
    await conn.send(payloads.call_created(call, members=[payloads.member(alice)]))

Timestamps default to now; pass ``at=`` (RFC 3339 text) for fixed frames.
"""

from __future__ import annotations

from typing import Any

from ._clock import now_rfc3339

__all__ = [
    "call",
    "call_accepted",
    "call_created",
    "call_ended",
    "call_notification",
    "call_rejected",
    "call_ring",
    "call_session",
    "call_session_ended",
    "call_session_participant_joined",
    "call_session_participant_left",
    "call_session_started",
    "connection_error",
    "connection_ok",
    "custom_event",
    "health_check",
    "member",
    "own_user",
    "participant",
    "reaction",
    "user",
]

Payload = dict[str, Any]


def user(
    user_id: str, *, name: str | None = None, role: str = "user", at: str | None = None
) -> Payload:
    """A ``UserResponse``: the user as other participants see them."""
    at = at or now_rfc3339()
    out: Payload = {
        "id": user_id,
        "role": role,
        "language": "en",
        "teams": [],
        "custom": {},
        "created_at": at,
        "updated_at": at,
        "banned": False,
        "online": True,
        "blocked_user_ids": [],
        "image": f"https://getstream.io/random_png/?name={user_id}",
    }
    if name is not None:
        out["name"] = name
    return out


def own_user(user_id: str, *, name: str | None = None, at: str | None = None) -> Payload:
    """An ``OwnUserResponse``: the connected user as ``connection.ok`` describes them."""
    out = user(user_id, name=name, at=at)
    out.update(
        devices=[],
        invisible=False,
        mutes=[],
        channel_mutes=[],
        unread_count=0,
        total_unread_count=0,
        unread_channels=0,
        unread_threads=0,
    )
    return out


def connection_ok(connection_id: str, me: Payload, *, at: str | None = None) -> Payload:
    """``connection.ok``: the answer to an accepted auth frame; ``me`` is an ``own_user``."""
    return {
        "type": "connection.ok",
        "connection_id": connection_id,
        "created_at": at or now_rfc3339(),
        "me": me,
    }


def connection_error(
    code: int,
    message: str,
    *,
    status_code: int = 401,
    legacy: bool = False,
    at: str | None = None,
) -> Payload:
    """``connection.error`` (or the legacy ``error``): the answer to a refused auth frame."""
    return {
        "type": "error" if legacy else "connection.error",
        "connection_id": "",
        "created_at": at or now_rfc3339(),
        "error": {
            "code": code,
            "message": message,
            "StatusCode": status_code,
            "duration": "",
            "more_info": "",
            "details": [],
        },
    }


def health_check(connection_id: str, *, at: str | None = None) -> Payload:
    """``health.check``: the coordinator's answer to a heartbeat."""
    return {
        "type": "health.check",
        "connection_id": connection_id,
        "created_at": at or now_rfc3339(),
        "custom": {},
    }


def _settings() -> Payload:
    # Stream's defaults for the "default" call type.
    off = {"mode": "available"}
    return {
        "audio": {
            "access_request_enabled": True,
            "opus_dtx_enabled": True,
            "redundant_coding_enabled": True,
            "mic_default_on": True,
            "speaker_default_on": True,
            "default_device": "speaker",
            "hifi_audio_enabled": False,
        },
        "backstage": {"enabled": False},
        "broadcasting": {
            "enabled": False,
            "hls": {"auto_on": False, "enabled": False, "quality_tracks": ["720p"]},
            "rtmp": {"enabled": False, "quality": "720p"},
        },
        "geofencing": {"names": []},
        "recording": {"audio_only": False, "mode": "available", "quality": "720p"},
        "individual_recording": off,
        "raw_recording": off,
        "frame_recording": {"mode": "available", "capture_interval_in_seconds": 5},
        "ring": {
            "incoming_call_timeout_ms": 15000,
            "auto_cancel_timeout_ms": 15000,
            "missed_call_timeout_ms": 15000,
        },
        "screensharing": {"enabled": True, "access_request_enabled": True},
        "transcription": {
            "mode": "available",
            "closed_caption_mode": "available",
            "language": "auto",
        },
        "video": {
            "enabled": True,
            "access_request_enabled": True,
            "target_resolution": {"width": 1280, "height": 720},
            "camera_default_on": True,
            "camera_facing": "front",
        },
        "thumbnails": {"enabled": False},
        "limits": {"max_participants_exclude_roles": []},
        "session": {"inactivity_timeout_seconds": 30},
        "encryption": {"mode": "disabled"},
    }


def call(
    call_cid: str,
    *,
    created_by: Payload,
    session_id: str = "",
    at: str | None = None,
    **fields: Any,
) -> Payload:
    """A ``CallResponse`` for ``call_cid`` (``"type:id"``); ``fields`` override or add keys."""
    call_type, _, call_id = call_cid.partition(":")
    if not call_id:
        raise ValueError(f"call_cid must look like 'type:id', got {call_cid!r}")
    at = at or now_rfc3339()
    out: Payload = {
        "type": call_type,
        "id": call_id,
        "cid": call_cid,
        "current_session_id": session_id,
        "created_by": created_by,
        "custom": {},
        "created_at": at,
        "updated_at": at,
        "recording": False,
        "transcribing": False,
        "captioning": False,
        "translating": False,
        "backstage": False,
        "settings": _settings(),
        "blocked_user_ids": [],
        "ingress": {
            "rtmp": {"address": f"rtmps://ingress.stream-io-video.com:443/{call_cid}"},
            "whip": {"address": f"https://video.stream-io-api.com/video/whip/{call_cid}"},
            "srt": {"address": f"srt://ingress.stream-io-video.com:443?streamid={call_cid}"},
        },
        "egress": {"broadcasting": False, "rtmps": []},
    }
    out.update(fields)
    return out


def call_session(session_id: str, *, at: str | None = None) -> Payload:
    """A ``CallSessionResponse``: a call's session, with nobody in it yet."""
    return {
        "id": session_id,
        "participants": [],
        "participants_count_by_role": {},
        "anonymous_participant_count": 0,
        "accepted_by": {},
        "rejected_by": {},
        "missed_by": {},
        "started_at": at or now_rfc3339(),
    }


def member(member_user: Payload, *, role: str | None = None, at: str | None = None) -> Payload:
    """A ``MemberResponse``: ``member_user`` as a member of a call."""
    at = at or now_rfc3339()
    out: Payload = {
        "user": member_user,
        "user_id": member_user["id"],
        "custom": {},
        "created_at": at,
        "updated_at": at,
    }
    if role is not None:
        out["role"] = role
    return out


def participant(
    participant_user: Payload,
    *,
    user_session_id: str | None = None,
    role: str = "user",
    at: str | None = None,
) -> Payload:
    """A ``CallParticipantResponse``: ``participant_user`` in a call session."""
    return {
        "user": participant_user,
        "user_session_id": user_session_id or f"{participant_user['id']}-session",
        "role": role,
        "joined_at": at or now_rfc3339(),
    }


def _event(kind: str, call_cid: str, at: str | None, **fields: Any) -> Payload:
    return {"type": kind, "created_at": at or now_rfc3339(), "call_cid": call_cid, **fields}


def call_created(
    created: Payload, *, members: list[Payload] | None = None, at: str | None = None
) -> Payload:
    """``call.created`` for the call ``created`` (a ``call`` payload)."""
    return _event("call.created", created["cid"], at, call=created, members=members or [])


def call_ring(
    ringing: Payload,
    *,
    caller: Payload,
    members: list[Payload],
    video: bool = True,
    at: str | None = None,
) -> Payload:
    """``call.ring``: ``caller`` rings the ``members`` of ``ringing``."""
    return _event(
        "call.ring",
        ringing["cid"],
        at,
        session_id=ringing["current_session_id"],
        call=ringing,
        members=members,
        user=caller,
        video=video,
    )


def call_accepted(accepted: Payload, *, by: Payload, at: str | None = None) -> Payload:
    """``call.accepted``: ``by`` accepted the ringing call ``accepted``."""
    return _event("call.accepted", accepted["cid"], at, call=accepted, user=by)


def call_notification(
    notified: Payload, *, by: Payload, members: list[Payload], at: str | None = None
) -> Payload:
    """``call.notification``: ``by`` tells the ``members`` of ``notified`` about it."""
    return _event(
        "call.notification",
        notified["cid"],
        at,
        session_id=notified["current_session_id"],
        call=notified,
        members=members,
        user=by,
    )


def call_rejected(
    rejected: Payload, *, by: Payload, reason: str | None = None, at: str | None = None
) -> Payload:
    """``call.rejected``: ``by`` rejected the ringing call ``rejected`` (``reason``: why)."""
    extra = {} if reason is None else {"reason": reason}
    return _event("call.rejected", rejected["cid"], at, call=rejected, user=by, **extra)


def call_session_started(started: Payload, *, at: str | None = None) -> Payload:
    """``call.session_started`` for the current session of ``started``."""
    return _event(
        "call.session_started",
        started["cid"],
        at,
        session_id=started["current_session_id"],
        call=started,
    )


def call_session_participant_joined(
    call_cid: str, session_id: str, joined: Payload, *, at: str | None = None
) -> Payload:
    """``call.session_participant_joined``: ``joined`` (a ``participant``) came in."""
    return _event(
        "call.session_participant_joined",
        call_cid,
        at,
        session_id=session_id,
        participant=joined,
    )


def call_session_participant_left(
    call_cid: str,
    session_id: str,
    left: Payload,
    *,
    duration_seconds: int,
    reason: str | None = None,
    at: str | None = None,
) -> Payload:
    """``call.session_participant_left``: ``left`` (a ``participant``) went away."""
    extra = {} if reason is None else {"reason": reason}
    return _event(
        "call.session_participant_left",
        call_cid,
        at,
        session_id=session_id,
        participant=left,
        duration_seconds=duration_seconds,
        **extra,
    )


def reaction(
    call_cid: str, *, by: Payload, emoji_code: str = ":like:", at: str | None = None
) -> Payload:
    """``call.reaction_new``: ``by`` reacted with ``emoji_code``."""
    return _event(
        "call.reaction_new",
        call_cid,
        at,
        reaction={"type": "reaction", "user": by, "emoji_code": emoji_code, "custom": {}},
    )


def custom_event(
    call_cid: str, custom: dict[str, Any], *, by: Payload, at: str | None = None
) -> Payload:
    """``custom``: application data ``custom`` sent by ``by`` to the call."""
    return _event("custom", call_cid, at, custom=custom, user=by)


def call_session_ended(ended: Payload, *, at: str | None = None) -> Payload:
    """``call.session_ended`` for the current session of ``ended``."""
    return _event(
        "call.session_ended",
        ended["cid"],
        at,
        session_id=ended["current_session_id"],
        call=ended,
    )


def call_ended(ended: Payload, *, by: Payload | None = None, at: str | None = None) -> Payload:
    """``call.ended``: the call ``ended`` is over (ended by ``by``, if given)."""
    extra = {} if by is None else {"user": by}
    return _event("call.ended", ended["cid"], at, call=ended, **extra)
