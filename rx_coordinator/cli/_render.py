"""How the command line shows events, states and the closing summary (with rich)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import TextIO

import msgspec
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..call_state import CallState
from ..events import (
    CallAcceptedEvent,
    CallCreatedEvent,
    CallEndedEvent,
    CallReactionEvent,
    CallRejectedEvent,
    CallRingEvent,
    CallSessionParticipantJoinedEvent,
    CallSessionParticipantLeftEvent,
    ConnectedEvent,
    CustomVideoEvent,
    Event,
    GenericEvent,
    UserResponse,
)
from ..state import ConnectionState

__all__ = ["Printer", "describe"]

_STYLES = {
    "connection.": "green",
    "call.session_participant_": "cyan",
    "call.session_": "blue",
    "call.ring": "bold yellow",
    "call.reaction": "magenta",
    "custom": "magenta",
    "call.": "bright_blue",
    "health.": "dim",
}
_STATE_STYLES = {
    ConnectionState.CONNECTING: "yellow",
    ConnectionState.CONNECTED: "bold green",
    ConnectionState.RECONNECTING: "bold yellow",
    ConnectionState.FAILED: "bold red",
    ConnectionState.DISCONNECTED: "dim",
}


def _who(user: UserResponse) -> str:
    return user.name or user.id


def describe(event: Event) -> str:
    """The fields of ``event`` that matter to a person watching, in a few words."""
    if isinstance(event, CallSessionParticipantJoinedEvent):
        return f"{_who(event.participant.user)} joined {event.call_cid}"
    if isinstance(event, CallSessionParticipantLeftEvent):
        return (
            f"{_who(event.participant.user)} left {event.call_cid} after {event.duration_seconds} s"
        )
    if isinstance(event, CallCreatedEvent):
        return (
            f"{event.call_cid} created by {_who(event.call.created_by)} "
            f"({len(event.members)} members)"
        )
    if isinstance(event, CallRingEvent):
        called = ", ".join(_who(m.user) for m in event.members) or "nobody"
        return f"{_who(event.user)} rings {called} on {event.call_cid}"
    if isinstance(event, CallAcceptedEvent | CallRejectedEvent):
        verb = "accepted" if isinstance(event, CallAcceptedEvent) else "rejected"
        return f"{_who(event.user)} {verb} {event.call_cid}"
    if isinstance(event, CallReactionEvent):
        emoji = event.reaction.emoji_code or event.reaction.type
        return f"{_who(event.reaction.user)} reacted {emoji} in {event.call_cid}"
    if isinstance(event, CustomVideoEvent):
        data = msgspec.json.encode(event.custom).decode()
        return f"{_who(event.user)} sent {data} to {event.call_cid}"
    if isinstance(event, CallEndedEvent):
        by = f" by {_who(event.user)}" if event.user is not None else ""
        return f"{event.call_cid} ended{by}"
    if isinstance(event, ConnectedEvent):
        return f"as {event.me.id}, connection {event.connection_id}"
    cid = getattr(event, "call_cid", None)
    if isinstance(event, GenericEvent):
        cid = event.raw.get("call_cid")
    return str(cid) if isinstance(cid, str) else ""


def _style(kind: str) -> str:
    return next((style for prefix, style in _STYLES.items() if kind.startswith(prefix)), "")


class Printer:
    """Prints events and states as they come, and a summary at the end.

    With ``json_lines``, stdout gets one JSON object per event (its ``to_dict()``) and
    nothing else; states and the summary go to stderr.
    """

    def __init__(self, *, json_lines: bool, out: TextIO | None = None) -> None:
        self.json_lines = json_lines
        self._out = out or sys.stdout
        self._console = Console(
            file=sys.stderr if json_lines else self._out, highlight=False, soft_wrap=True
        )
        self.counts: Counter[str] = Counter()
        self.reconnects = 0
        self._started = time.monotonic()
        self._last_state: ConnectionState | None = None

    def event(self, event: Event) -> None:
        """Show one event."""
        self.counts[event.type] += 1
        if self.json_lines:
            self._out.write(msgspec.json.encode(event.to_dict()).decode() + "\n")
            self._out.flush()
            return
        line = Text(_clock(), style="dim")
        line.append(f"  {event.type:<32}", style=_style(event.type))
        line.append(" " + describe(event))
        self._console.print(line)

    def state(self, state: ConnectionState) -> None:
        """Show a state change (not the ``disconnected`` every client starts in)."""
        if state is ConnectionState.CONNECTED and self._last_state is ConnectionState.RECONNECTING:
            self.reconnects += 1
        first = self._last_state is None
        self._last_state = state
        if first and state is ConnectionState.DISCONNECTED:
            return
        if self.json_lines:
            self._console.print(f"state: {state.value}", style="dim")
            return
        line = Text(_clock(), style="dim")
        line.append(f"  ● {state.value}", style=_STATE_STYLES[state])
        self._console.print(line)

    def note(self, message: str, style: str = "") -> None:
        """A line for the person watching (stderr in JSON mode)."""
        self._console.print(Text(message, style=style))

    def summary(self, call: CallState | None = None) -> None:
        """A table: events per type, reconnects, duration; and, given the ``call``'s final
        state (a :class:`~rx_coordinator.call_state.CallState` snapshot), who was still in
        it, its members, and whether it had ended."""
        table = Table(title="Summary", title_justify="left")
        table.add_column("event type")
        table.add_column("count", justify="right")
        for kind, count in sorted(self.counts.items()):
            table.add_row(Text(kind, style=_style(kind)), str(count))
        table.add_section()
        table.add_row("events", str(sum(self.counts.values())))
        table.add_row("reconnects", str(self.reconnects))
        table.add_row("duration", f"{time.monotonic() - self._started:.1f} s")
        if call is not None:
            table.add_section()
            table.add_row("call", call.cid)
            people = sorted((_who(p.user) for p in call.participants.values()), key=str.casefold)
            members = sorted((_who(m.user) for m in call.members.values()), key=str.casefold)
            table.add_row("participants", ", ".join(people) or "nobody")
            table.add_row("members", ", ".join(members) or "nobody")
            ended = call.ended_at
            when = "no" if ended is None else ended.astimezone(UTC).strftime("at %H:%M:%S UTC")
            table.add_row("ended", when)
            table.add_row("call state from", call.source)
        self._console.print(table)


def _clock() -> str:
    return datetime.now().strftime("%H:%M:%S.%f")[:-3]
