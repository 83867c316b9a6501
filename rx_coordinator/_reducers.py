"""What each call event of Stream's spec does to a ``CallState``: one handler per type.

``HANDLERS`` maps every wire type that changes a call's state to its handler;
``NO_STATE_CHANGE`` names every other call event of the spec, with the reason.
``tests/test_call_state.py`` checks that the two together are exactly the spec's events
carrying a ``call_cid``. A handler returns ``state`` itself when the event changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeAlias

from msgspec.structs import replace

from ._models import (
    BlockedUserEvent,
    CallAcceptedEvent,
    CallClosedCaptionsFailedEvent,
    CallClosedCaptionsStartedEvent,
    CallClosedCaptionsStoppedEvent,
    CallCreatedEvent,
    CallDeletedEvent,
    CallEndedEvent,
    CallFrameRecordingFailedEvent,
    CallFrameRecordingStartedEvent,
    CallFrameRecordingStoppedEvent,
    CallHLSBroadcastingFailedEvent,
    CallHLSBroadcastingStartedEvent,
    CallHLSBroadcastingStoppedEvent,
    CallLiveStartedEvent,
    CallMemberAddedEvent,
    CallMemberRemovedEvent,
    CallMemberUpdatedEvent,
    CallMemberUpdatedPermissionEvent,
    CallMissedEvent,
    CallNotificationEvent,
    CallParticipantResponse,
    CallRecordingFailedEvent,
    CallRecordingStartedEvent,
    CallRecordingStoppedEvent,
    CallRejectedEvent,
    CallRingEvent,
    CallRtmpBroadcastFailedEvent,
    CallRtmpBroadcastStartedEvent,
    CallRtmpBroadcastStoppedEvent,
    CallSessionEndedEvent,
    CallSessionParticipantCountsUpdatedEvent,
    CallSessionParticipantJoinedEvent,
    CallSessionParticipantLeftEvent,
    CallSessionResponse,
    CallSessionStartedEvent,
    CallTranscriptionFailedEvent,
    CallTranscriptionStartedEvent,
    CallTranscriptionStoppedEvent,
    CallUpdatedEvent,
    EgressRTMPResponse,
    MemberResponse,
    UnblockedUserEvent,
)
from ._snapshot import CallState, copy_of, with_call, with_members, with_session

__all__ = ["HANDLERS", "NO_STATE_CHANGE", "Handler"]

Handler: TypeAlias = Callable[[CallState, Any], CallState]
"""A handler: the state and one event of its type give the next state (or ``state``)."""


# -- events carrying the whole call ------------------------------------------------------

WholeCall: TypeAlias = (
    CallAcceptedEvent
    | CallDeletedEvent
    | CallFrameRecordingFailedEvent
    | CallFrameRecordingStartedEvent
    | CallFrameRecordingStoppedEvent
    | CallHLSBroadcastingStartedEvent
    | CallLiveStartedEvent
    | CallRejectedEvent
    | CallSessionEndedEvent
    | CallSessionStartedEvent
    | CallUpdatedEvent
)
WithMembers: TypeAlias = (
    CallCreatedEvent
    | CallMemberAddedEvent
    | CallMemberUpdatedEvent
    | CallMemberUpdatedPermissionEvent
    | CallMissedEvent
    | CallNotificationEvent
    | CallRingEvent
)


def replace_call(state: CallState, event: WholeCall) -> CallState:
    """The event's call replaces the state's (session, participants and ringing included)."""
    return with_call(state, event.call)


def call_and_members(state: CallState, event: WithMembers) -> CallState:
    """The event's call, and the members it lists added or updated (none removed).

    ``call.created`` lists the members added at creation, ``call.member_added`` and
    ``call.member_updated*`` those added or changed, ``call.ring``, ``call.notification``
    and ``call.missed`` members of the call: each is known afterwards.
    """
    return _put_members(with_call(state, event.call), event.members or ())


def call_ended(state: CallState, event: CallEndedEvent) -> CallState:
    """As ``call_and_members``; a call without ``ended_at`` ended at the event's time."""
    ended = event.call
    if ended.ended_at is None:
        ended = replace(ended, ended_at=event.created_at)
    return _put_members(with_call(state, ended), event.members or ())


def members_removed(state: CallState, event: CallMemberRemovedEvent) -> CallState:
    """The event's call, without the members whose user ids it lists."""
    state = with_call(state, event.call)
    gone = [user_id for user_id in event.members if user_id in state.members]
    if not gone:
        return state
    members = copy_of(state.members)
    for user_id in gone:
        del members[user_id]
    return with_members(state, members)


def _put_members(state: CallState, members: Iterable[MemberResponse]) -> CallState:
    changed = [m for m in members if state.members.get(m.user_id) != m]
    if not changed:
        return state
    new = copy_of(state.members)
    new.update((m.user_id, m) for m in changed)
    return with_members(state, new)


# -- one field of the call ---------------------------------------------------------------


def _set_call(state: CallState, **changes: Any) -> CallState:
    call = state.call
    if all(getattr(call, name) == value for name, value in changes.items()):
        return state
    return replace(state, call=replace(call, **changes), source="event")


def recording(
    state: CallState,
    event: CallRecordingStartedEvent | CallRecordingStoppedEvent | CallRecordingFailedEvent,
) -> CallState:
    """``call.recording`` on (started) or off (stopped, failed), for composite recordings.

    Individual and raw recordings leave the flag alone: ``CallResponse`` has no flag for
    them (their egress status values are not in the spec).
    """
    if event.recording_type != "composite":
        return state
    return _set_call(state, recording=isinstance(event, CallRecordingStartedEvent))


def transcribing(
    state: CallState,
    event: CallTranscriptionStartedEvent
    | CallTranscriptionStoppedEvent
    | CallTranscriptionFailedEvent,
) -> CallState:
    """``call.transcribing`` on (started) or off (stopped, failed)."""
    return _set_call(state, transcribing=isinstance(event, CallTranscriptionStartedEvent))


def captioning(
    state: CallState,
    event: CallClosedCaptionsStartedEvent
    | CallClosedCaptionsStoppedEvent
    | CallClosedCaptionsFailedEvent,
) -> CallState:
    """``call.captioning`` on (started) or off (stopped, failed)."""
    return _set_call(state, captioning=isinstance(event, CallClosedCaptionsStartedEvent))


def hls_ended(
    state: CallState, event: CallHLSBroadcastingStoppedEvent | CallHLSBroadcastingFailedEvent
) -> CallState:
    """``call.egress.broadcasting`` off (``call.hls_broadcasting_started`` carries the call)."""
    egress = state.call.egress
    if not egress.broadcasting:
        return state
    return _set_call(state, egress=replace(egress, broadcasting=False))


def rtmp_started(state: CallState, event: CallRtmpBroadcastStartedEvent) -> CallState:
    """The broadcast named by the event joins ``call.egress.rtmps`` (started at the event)."""
    egress = state.call.egress
    if any(rtmp.name == event.name for rtmp in egress.rtmps):
        return state
    started = EgressRTMPResponse(name=event.name, started_at=event.created_at)
    return _set_call(state, egress=replace(egress, rtmps=[*egress.rtmps, started]))


def rtmp_ended(
    state: CallState, event: CallRtmpBroadcastStoppedEvent | CallRtmpBroadcastFailedEvent
) -> CallState:
    """The broadcast named by the event leaves ``call.egress.rtmps``."""
    egress = state.call.egress
    rtmps = [rtmp for rtmp in egress.rtmps if rtmp.name != event.name]
    if len(rtmps) == len(egress.rtmps):
        return state
    return _set_call(state, egress=replace(egress, rtmps=rtmps))


def blocked(state: CallState, event: BlockedUserEvent) -> CallState:
    """The user joins ``call.blocked_user_ids``."""
    ids = state.call.blocked_user_ids
    if event.user.id in ids:
        return state
    return _set_call(state, blocked_user_ids=[*ids, event.user.id])


def unblocked(state: CallState, event: UnblockedUserEvent) -> CallState:
    """The user leaves ``call.blocked_user_ids``."""
    ids = state.call.blocked_user_ids
    if event.user.id not in ids:
        return state
    return _set_call(state, blocked_user_ids=[i for i in ids if i != event.user.id])


# -- the session's participants ----------------------------------------------------------


def _session(state: CallState, session_id: str, *, start: bool) -> CallSessionResponse | None:
    """The call's session if it is ``session_id``, else ``None`` (a late event of another
    session, which changes nothing).

    With ``start``, a call that has no session yet but names ``session_id`` as its current
    one (or none) gets a new, empty one: a join may come before any event describing the
    session (``rx_coordinator.testing``'s scenarios send no session object).
    """
    session = state.call.session
    if session is not None:
        return session if session.id == session_id else None
    if not start or state.call.current_session_id not in ("", session_id):
        return None
    return CallSessionResponse(
        id=session_id,
        participants=[],
        participants_count_by_role={},
        anonymous_participant_count=0,
        rejected_by={},
        accepted_by={},
        missed_by={},
    )


def _count(counts: Mapping[str, int], role: str, step: int) -> dict[str, int]:
    return {**counts, role: max(0, counts.get(role, 0) + step)}


def participant_joined(state: CallState, event: CallSessionParticipantJoinedEvent) -> CallState:
    """The participant joins the session (or is updated, if that session id is in already).

    ``participants_count_by_role`` counts them under their call ``role``.
    """
    session = _session(state, event.session_id, start=True)
    joined = event.participant
    old = state.participants.get(joined.user_session_id)
    if session is None or old == joined:
        return state
    participants = copy_of(state.participants)
    participants[joined.user_session_id] = joined
    counts = session.participants_count_by_role
    if old is None or old.role != joined.role:
        if old is not None:
            counts = _count(counts, old.role, -1)
        counts = _count(counts, joined.role, +1)
    return _with_participants(state, session, participants, counts)


def participant_left(state: CallState, event: CallSessionParticipantLeftEvent) -> CallState:
    """The participant (by ``user_session_id``) leaves the session."""
    session = _session(state, event.session_id, start=False)
    left = state.participants.get(event.participant.user_session_id)
    if session is None or left is None:
        return state
    participants = copy_of(state.participants)
    del participants[left.user_session_id]
    counts = _count(session.participants_count_by_role, left.role, -1)
    return _with_participants(state, session, participants, counts)


def _with_participants(
    state: CallState,
    session: CallSessionResponse,
    participants: dict[str, CallParticipantResponse],
    counts: dict[str, int] | Mapping[str, int],
) -> CallState:
    session = replace(
        session, participants=list(participants.values()), participants_count_by_role=counts
    )
    return with_session(state, session, participants)


def participant_counts(
    state: CallState, event: CallSessionParticipantCountsUpdatedEvent
) -> CallState:
    """The coordinator's own counts (anonymous viewers included) replace the session's."""
    session = _session(state, event.session_id, start=False)
    if session is None or (
        session.participants_count_by_role == event.participants_count_by_role
        and session.anonymous_participant_count == event.anonymous_participant_count
    ):
        return state
    session = replace(
        session,
        participants_count_by_role=event.participants_count_by_role,
        anonymous_participant_count=event.anonymous_participant_count,
    )
    return with_session(state, session)


# -- the tables --------------------------------------------------------------------------

HANDLERS: Final[Mapping[str, Handler]] = MappingProxyType(
    {
        "call.accepted": replace_call,
        "call.blocked_user": blocked,
        "call.closed_captions_failed": captioning,
        "call.closed_captions_started": captioning,
        "call.closed_captions_stopped": captioning,
        "call.created": call_and_members,
        "call.deleted": replace_call,
        "call.ended": call_ended,
        "call.frame_recording_failed": replace_call,
        "call.frame_recording_started": replace_call,
        "call.frame_recording_stopped": replace_call,
        "call.hls_broadcasting_failed": hls_ended,
        "call.hls_broadcasting_started": replace_call,
        "call.hls_broadcasting_stopped": hls_ended,
        "call.live_started": replace_call,
        "call.member_added": call_and_members,
        "call.member_removed": members_removed,
        "call.member_updated": call_and_members,
        "call.member_updated_permission": call_and_members,
        "call.missed": call_and_members,
        "call.notification": call_and_members,
        "call.recording_failed": recording,
        "call.recording_started": recording,
        "call.recording_stopped": recording,
        "call.rejected": replace_call,
        "call.ring": call_and_members,
        "call.rtmp_broadcast_failed": rtmp_ended,
        "call.rtmp_broadcast_started": rtmp_started,
        "call.rtmp_broadcast_stopped": rtmp_ended,
        "call.session_ended": replace_call,
        "call.session_participant_count_updated": participant_counts,
        "call.session_participant_joined": participant_joined,
        "call.session_participant_left": participant_left,
        "call.session_started": replace_call,
        "call.transcription_failed": transcribing,
        "call.transcription_started": transcribing,
        "call.transcription_stopped": transcribing,
        "call.unblocked_user": unblocked,
        "call.updated": replace_call,
    }
)
"""Every wire type that changes a call's state, mapped to the function that applies it."""

_ARTEFACT = "a finished file (recording, transcript, frame); the flags move with *_started/_stopped"

NO_STATE_CHANGE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "call.closed_caption": "one line of captions, shown and gone (the flag is captioning's)",
        "call.dtmf": "a digit a SIP participant pressed: a signal, not state",
        "call.frame_recording_ready": _ARTEFACT,
        "call.kicked_user": "the kicked participant's call.session_participant_left follows",
        "call.moderation_blur": "acts on one user's video, which the call does not describe",
        "call.moderation_warning": "a message to one user",
        "call.permission_request": "a request; granting it sends call.member_updated_permission",
        "call.permissions_updated": (
            "one user's own capabilities; CallState holds what every watcher of the call sees"
        ),
        "call.reaction_new": "a reaction, shown and gone",
        "call.recording_ready": _ARTEFACT,
        "call.stats_report_ready": "a report about a session, not part of the call",
        "call.transcription_ready": _ARTEFACT,
        "call.user_feedback_submitted": "feedback about the call, not part of it",
        "call.user_muted": "media state belongs to the SFU; the call does not carry it",
        "custom": "application data sent through the call",
        "ingress.error": "the call's ingress holds addresses, not the state of a stream",
        "ingress.started": "the call's ingress holds addresses, not the state of a stream",
        "ingress.stopped": "the call's ingress holds addresses, not the state of a stream",
    }
)
"""Every other call event of the spec (it has a ``call_cid``), with why it changes nothing."""
