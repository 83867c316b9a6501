"""Call state: events per second folded by ``call_state.reduce`` against a plain pass.

Run from the repository root::

    uv run python benchmarks/call_state.py [--participants 20] [--events 2000] [--repeat 5]

It builds, with ``rx_coordinator.testing.payloads``, a realistic stream of one call's
events (decoded once, before timing): participants joining and leaving a session that
holds about ``--participants`` people, the coordinator's participant counts, members
updated, ``call.updated`` carrying the whole call, reactions and custom events (which
change nothing), and events of another call. For each family and for the whole mix it
measures, in the same run, events per second of a plain pass (each event handed to a
function, as a subscriber of ``client.events`` gets it) and of folding the events with
``reduce`` from the snapshot of a ``GetCall`` answer, and prints the ratio (ours / plain:
below 1, what keeping the state costs). For scale it also measures decoding the same
events' frames (``events.decode``, which every event already costs the client) and prints
reduce's rate against it (above 1: folding an event is cheaper than decoding it). The best
of ``--repeat`` rounds is kept for each.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from rx_coordinator.call_state import CallState, from_response, reduce
from rx_coordinator.events import Event, decode
from rx_coordinator.testing import payloads

AT = "2026-11-26T10:15:30.123456789Z"  # Go writes nanoseconds
CID = "default:standup-2026-11-26"
SESSION = "4b1c"


class Call:
    """One call as the coordinator sees it, and the frames it sends as it changes."""

    def __init__(self, participants: int) -> None:
        self.host = payloads.user("alice", name="Alice Liddell", role="admin", at=AT)
        self.present: dict[str, dict[str, Any]] = {}
        self.members = [payloads.member(self.host, role="host", at=AT)]
        self.joined = 0
        for _ in range(participants):
            self.join()

    def join(self) -> dict[str, Any]:
        self.joined += 1
        person = payloads.user(f"user-{self.joined}", name=f"User {self.joined}", at=AT)
        who = payloads.participant(person, user_session_id=f"session-{self.joined}", at=AT)
        self.present[who["user_session_id"]] = who
        return payloads.call_session_participant_joined(CID, SESSION, who, at=AT)

    def leave(self) -> dict[str, Any]:
        who = self.present.pop(next(iter(self.present)))
        return payloads.call_session_participant_left(CID, SESSION, who, duration_seconds=60, at=AT)

    def call(self, **fields: Any) -> dict[str, Any]:
        session = {
            "id": SESSION,
            "participants": list(self.present.values()),
            "participants_count_by_role": {"user": len(self.present)},
            "anonymous_participant_count": 0,
            "rejected_by": {},
            "accepted_by": {},
            "missed_by": {},
            "started_at": AT,
        }
        return payloads.call(
            CID, created_by=self.host, session_id=SESSION, at=AT, session=session, **fields
        )

    def answer(self) -> dict[str, Any]:
        return {"call": self.call(), "members": self.members, "own_capabilities": []}

    def counts(self) -> dict[str, Any]:
        return {
            "type": "call.session_participant_count_updated",
            "created_at": AT,
            "call_cid": CID,
            "session_id": SESSION,
            "participants_count_by_role": {"user": len(self.present)},
            "anonymous_participant_count": self.joined % 7,
        }

    def updated(self, n: int) -> dict[str, Any]:
        return {
            "type": "call.updated",
            "created_at": AT,
            "call_cid": CID,
            "call": self.call(custom={"topic": f"topic {n}"}),
            "capabilities_by_role": {},
        }

    def member_updated(self, n: int) -> dict[str, Any]:
        member = payloads.member(self.host, role="host" if n % 2 else "admin", at=AT)
        return {
            "type": "call.member_updated",
            "created_at": AT,
            "call_cid": CID,
            "call": self.call(),
            "members": [member],
        }


def families(participants: int, count: int) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The ``GetCall`` answer the fold starts from, and ``count`` frames (text) of each
    family (the last family, ``mix``, interleaves all of them as a live call would)."""
    call = Call(participants)
    first = call.answer()
    other = payloads.call("default:other", created_by=call.host, at=AT)
    streams: dict[str, Iterator[dict[str, Any]]] = {
        "join/leave": (call.join() if n % 2 == 0 else call.leave() for n in range(count)),
        "counts": (call.counts() for _ in range(count)),
        "member_updated": (call.member_updated(n) for n in range(count)),
        "call.updated": (call.updated(n) for n in range(count)),
        "unchanged": (
            payloads.reaction(CID, by=call.host, at=AT)
            if n % 2
            else payloads.custom_event(CID, {"n": n}, by=call.host, at=AT)
            for n in range(count)
        ),
        "other call": (payloads.call_created(other, at=AT) for _ in range(count)),
    }
    frames = {name: list(stream) for name, stream in streams.items()}
    mix_order = ["join/leave"] * 6 + ["counts", "unchanged", "unchanged", "member_updated"]
    mix_order += ["other call", "call.updated"]
    frames["mix"] = [frames[mix_order[n % len(mix_order)]][n] for n in range(count)]
    return first, {name: [json.dumps(f) for f in fs] for name, fs in frames.items()}


def decoded(frames: list[str]) -> list[Event]:
    """The typed events of ``frames`` (each must fit its class)."""
    events = [decode(frame) for frame in frames]
    assert all(e is not None and type(e).__name__ != "GenericEvent" for e in events)
    return [e for e in events if e is not None]


def decoding(first: CallState, frames: list[str], sink: Callable[[Event], object]) -> None:
    """For scale: what each event already costs the client, decoding its frame."""
    for frame in frames:
        event = decode(frame)
        if event is not None:
            sink(event)


def plain(first: CallState, events: list[Event], sink: Callable[[Event], object]) -> None:
    """The peer: each event handed to a function, no state kept."""
    for event in events:
        sink(event)


def folded(first: CallState, events: list[Event], sink: Callable[[CallState], object]) -> None:
    """Ours: each event folded into the state; each new snapshot handed to a function."""
    state = first
    for event in events:
        after = reduce(state, event)
        if after is not state:
            sink(after)
            state = after


def rate(fold: Callable[..., None], first: CallState, events: list[Any], repeat: int) -> float:
    """Best events per second of ``fold`` over ``repeat`` rounds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fold(first, events, _sink)
        best = min(best, time.perf_counter() - start)
    return len(events) / best


def _sink(value: object) -> object:
    return value


def main(argv: list[str] | None = None) -> int:
    """Print events per second and ratios for each family of events."""
    parser = argparse.ArgumentParser(description="reduce against a plain pass over events.")
    parser.add_argument("--participants", type=int, default=20, help="people in the session")
    parser.add_argument("--events", type=int, default=2000, help="events per family")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per measure")
    args = parser.parse_args(argv)
    answer, streams = families(args.participants, args.events)
    first = from_response(answer)
    print(f"Python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    print(f"{args.participants} participants, {args.events} events per family")
    print(
        f"{'events':16} {'plain/s':>12} {'reduce/s':>10} {'ratio':>6}"
        f" {'decode/s':>10} {'reduce/decode':>14}"
    )
    for name, frames in streams.items():
        events = decoded(frames)
        peer = rate(plain, first, events, args.repeat)
        ours = rate(folded, first, events, args.repeat)
        scale = rate(decoding, first, frames, args.repeat)
        print(
            f"{name:16} {peer:>12,.0f} {ours:>10,.0f} {ours / peer:>6.3f}"
            f" {scale:>10,.0f} {ours / scale:>14.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
