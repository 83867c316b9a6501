"""Per-event CPU: one frame through the client's whole pipeline, against ``json.loads``;
and the same pipeline with a ``client.call_state`` subscriber, against the plain events.

Run from the repository root::

    uv run python benchmarks/per_event.py [--frames 100000] [--repeat 7] [--participants 20]

No socket: a connected ``StreamAPIWS`` whose socket stage is replaced by a source that
the benchmark feeds by hand, so what is timed is exactly what every inbound frame costs
past the socket: the liveness stage, decoding, the handshake, heartbeat and readiness
stages, ``retry_when``, the hub's fan-out and one subscriber. The peer, in the same run,
is ``json.loads`` of the same frame (what a bare loop does with it). End-to-end throughput
on 2 cores varies by about 30% from run to run; this does not. The best of ``--repeat``
rounds is kept for each.

The second measure is what keeping a call's state costs per event: two such clients in the
same run are fed the same ``call.session_participant_joined`` and ``_left`` frames (one
person joining and leaving a session of ``--participants`` people, so every frame changes
the call), one with a subscriber of ``client.events`` only, the other with a subscriber of
``client.call_state`` for the call too. Their rounds alternate, so a change of the
machine's load falls on both. It prints events per second through each and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

from _common import AT, joined_frame, machine
from reactivex import abc

from rx_coordinator import StreamAPIWS, _pipeline
from rx_coordinator.call_state import CallState
from rx_coordinator.operators import Frame, Lean
from rx_coordinator.testing import payloads


class HandFed(Lean[Frame], abc.ObserverBase[str], abc.DisposableBase):
    """A socket stand-in: ``feed`` hands its subscriber a frame; sends are dropped."""

    def __init__(self) -> None:
        self.observer: abc.ObserverBase[Frame] | None = None

    def _attach(
        self, observer: abc.ObserverBase[Frame], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        self.observer = observer
        return self

    def feed(self, frame: str) -> None:
        assert self.observer is not None
        self.observer.on_next(frame)

    def on_next(self, value: str) -> None:
        pass  # a heartbeat

    def on_error(self, error: Exception) -> None:
        pass

    def on_completed(self) -> None:
        pass

    def dispose(self) -> None:
        self.observer = None


CID = "default:standup-2026-11-26"
SESSION = "4b1c"


class Answers:
    """The client's REST client stand-in: ``GetCall`` answers with the call as it is.

    The client watches a call, and gets its first snapshot, with ``GetCall``; this answers
    with the decoded JSON a ``RestClient`` would return, without a server or a socket.
    """

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def get_call(self, cid: str, connection_id: str) -> dict[str, Any]:
        self.asked.append(cid)
        return self.answer

    async def aclose(self) -> None:
        pass


def session_frames(participants: int) -> tuple[dict[str, Any], list[str]]:
    """A ``GetCall`` answer for a call whose session holds ``participants`` people, and
    the frames of one more person joining it and leaving it."""
    host = payloads.user("alice", name="Alice Liddell", role="admin", at=AT)
    people = [
        payloads.participant(
            payloads.user(f"user-{n}", name=f"User {n}", at=AT),
            user_session_id=f"session-{n}",
            at=AT,
        )
        for n in range(participants)
    ]
    session = payloads.call_session(SESSION, at=AT)
    session["participants"] = people
    session["participants_count_by_role"] = {"user": participants}
    call = payloads.call(CID, created_by=host, session_id=SESSION, at=AT, session=session)
    answer = {"call": call, "members": [payloads.member(host, at=AT)], "own_capabilities": []}
    bob = payloads.user("bob", name="Bob Builder", role="admin", at=AT)
    who = payloads.participant(bob, user_session_id="0f3f4a6e-9b8e-4d55-9c4f", at=AT)
    joined = payloads.call_session_participant_joined(CID, SESSION, who, at=AT)
    left = payloads.call_session_participant_left(CID, SESSION, who, duration_seconds=60, at=AT)
    return answer, [json.dumps(joined), json.dumps(left)]


def best_seconds_per_frame(fn: Any, frame: str, frames: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        best = min(best, one_round(fn, [frame], frames))
    return best


def one_round(fn: Any, cycle: list[str], frames: int) -> float:
    """Seconds per frame of ``fn`` over ``frames`` frames, taken from ``cycle`` in turn."""
    laps, rest = divmod(frames, len(cycle))
    start = time.perf_counter()
    for _ in range(laps):
        for frame in cycle:
            fn(frame)
    for frame in cycle[:rest]:
        fn(frame)
    return (time.perf_counter() - start) / frames


async def connected(sources: list[HandFed]) -> StreamAPIWS:
    """A client connected through the newest of ``sources`` (``connection.ok`` fed)."""
    client = StreamAPIWS("key", "token", "alice", uri="ws://127.0.0.1:9")
    connecting = asyncio.ensure_future(client.connect())
    await asyncio.sleep(0)
    sources[-1].feed(json.dumps(payloads.connection_ok("c1", payloads.own_user("alice"))))
    await connecting
    return client


async def measure_call_state(frames: int, repeat: int, participants: int) -> tuple[float, float]:
    """Seconds per frame through a client with an events subscriber, and through one with
    a ``call_state`` subscriber too: the same join and leave frames, rounds alternating."""
    answer, cycle = session_frames(participants)
    # Whole join-leave pairs: each round starts with the call as the answer had it, so
    # every frame changes it (a second join in a row would change nothing).
    frames = max(len(cycle), frames - frames % len(cycle))
    sources: list[HandFed] = []

    def made(*args: Any, **kwargs: Any) -> HandFed:
        sources.append(HandFed())
        return sources[-1]

    real = getattr(_pipeline, "websocket")  # noqa: B009  # swapped for the run
    setattr(_pipeline, "websocket", made)  # noqa: B010
    try:
        plain = await connected(sources)
        plain_source = sources[-1]
        stateful = await connected(sources)
        stateful_source = sources[-1]
        counts = {"plain": 0, "stateful": 0}
        # The subscriber keeps the first snapshot and counts the others by source: keeping
        # them all would time the garbage collector walking a growing heap instead.
        first: list[CallState] = []
        by_source: Counter[str] = Counter()

        def on_state(state: CallState) -> None:
            if not first:
                first.append(state)
            by_source[state.source] += 1

        def count_plain(event: Any) -> None:
            counts["plain"] += 1

        def count_stateful(event: Any) -> None:
            counts["stateful"] += 1

        plain.events.subscribe(count_plain)  # after connection.ok: frames only
        stateful.events.subscribe(count_stateful)
        # The first snapshot comes as a connected client gets it: call_state() watches
        # the call with GetCall, here answered by a stand-in for the REST client (the
        # decoded JSON a RestClient returns). The whole public path runs (the stream made,
        # the request in flight, the answer turned into the first snapshot) without a
        # server, whose socket and thread would only add noise. Calling the states'
        # answered() by hand would skip that path, which a user never does.
        rest = Answers(answer)
        stateful._watching_made()._rest = rest  # type: ignore[assignment]
        stateful.call_state(CID).subscribe(on_state)
        async with asyncio.timeout(5):
            while not first:  # noqa: ASYNC110 - the answer comes in a task of the client
                await asyncio.sleep(0)
        assert rest.asked == [CID], rest.asked
        assert first[0].source == "answer"
        assert len(first[0].participants) == participants

        best_plain = best_stateful = float("inf")
        for _ in range(repeat):
            best_plain = min(best_plain, one_round(plain_source.feed, cycle, frames))
            best_stateful = min(best_stateful, one_round(stateful_source.feed, cycle, frames))
        # Every frame reached both subscribers, and every one changed the call.
        assert counts["plain"] == counts["stateful"] == frames * repeat, counts
        assert by_source == {"answer": 1, "event": frames * repeat}, by_source
        await plain.disconnect()
        await stateful.disconnect()
    finally:
        setattr(_pipeline, "websocket", real)  # noqa: B010
    return best_plain, best_stateful


async def measure(frames: int, repeat: int) -> tuple[float, float]:
    source = HandFed()
    real = getattr(_pipeline, "websocket")  # noqa: B009  # swapped for the run
    setattr(_pipeline, "websocket", lambda *args, **kwargs: source)  # noqa: B010
    try:
        client = StreamAPIWS("key", "token", "alice", uri="ws://127.0.0.1:9")
        received = 0

        def count(event: Any) -> None:
            nonlocal received
            received += 1

        client.events.subscribe(count)
        connecting = asyncio.ensure_future(client.connect())
        await asyncio.sleep(0)
        source.feed(json.dumps(payloads.connection_ok("c1", payloads.own_user("alice"))))
        await connecting
        frame = joined_frame()
        ours = best_seconds_per_frame(source.feed, frame, frames, repeat)
        assert received == 1 + frames * repeat, received  # every frame reached the subscriber
        peer = best_seconds_per_frame(json.loads, frame, frames, repeat)
        await client.disconnect()
    finally:
        setattr(_pipeline, "websocket", real)  # noqa: B010
    return ours, peer


def main(argv: list[str] | None = None) -> int:
    """Print microseconds per frame for the pipeline and for ``json.loads``, and the ratio;
    then events per second through the pipeline with and without ``call_state``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=100_000, help="frames per round")
    parser.add_argument("--repeat", type=int, default=7, help="rounds; the best is kept")
    parser.add_argument("--participants", type=int, default=20, help="people in the session")
    args = parser.parse_args(argv)
    ours, peer = asyncio.run(measure(args.frames, args.repeat))
    plain, stateful = asyncio.run(measure_call_state(args.frames, args.repeat, args.participants))
    print(machine())
    print(f"call.session_participant_joined, {args.frames:,} frames, best of {args.repeat}")
    print(f"json.loads alone                   {peer * 1e6:6.2f} µs per frame")
    print(f"StreamAPIWS pipeline, to a subscriber {ours * 1e6:6.2f} µs per frame")
    print(f"ratio (json.loads / pipeline): {peer / ours:.2f}")
    print(
        f"call.session_participant_joined and _left in turn, {args.participants} people "
        f"in the session, {args.frames:,} frames, best of {args.repeat}"
    )
    print(f"client.events subscriber        {1 / plain:>12,.0f} events/s ({plain * 1e6:.2f} µs)")
    print(
        f"and a call_state subscriber     {1 / stateful:>12,.0f} events/s ({stateful * 1e6:.2f} µs)"
    )
    print(f"ratio (call_state / events, events per second): {plain / stateful:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
