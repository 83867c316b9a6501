"""Latency: time from the server's send to the subscriber, against a bare websockets loop.

Run from the repository root::

    uv run python benchmarks/latency.py [--events 5000] [--interval 0.002]

A server in its own process sends one realistic frame every ``--interval`` seconds, each
stamped with its send time; the receiving side reads the stamp from the decoded event
(``time.perf_counter`` is one clock for every process on Linux). It prints p50 and p99 in
microseconds for the bare loop (websockets + ``json.loads``) and for a ``StreamAPIWS``
subscriber, and what the client adds on top of the bare loop.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from _common import bare_loop, frame_server, machine, pin_client

from rx_coordinator import StreamAPIWS
from rx_coordinator.events import CallSessionParticipantJoinedEvent


async def bare(uri: str, count: int) -> list[float]:
    delays: list[float] = []
    await bare_loop(
        uri,
        count,
        lambda frame: delays.append(
            time.perf_counter() - frame["participant"]["user"]["custom"]["sent"]
        ),
    )
    return delays


async def ours(uri: str, count: int) -> list[float]:
    delays: list[float] = []
    done = asyncio.get_running_loop().create_future()

    def on_event(event: Any) -> None:
        if isinstance(event, CallSessionParticipantJoinedEvent):
            delays.append(time.perf_counter() - event.participant.user.custom["sent"])
            if len(delays) == count and not done.done():
                done.set_result(None)

    client = StreamAPIWS("key", "token", "alice", uri=uri)
    client.events.subscribe(on_event)
    await client.connect()
    await done
    await client.disconnect()
    return delays


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``."""
    return statistics.quantiles(values, n=1000)[round(q * 1000) - 1]


def main(argv: list[str] | None = None) -> int:
    """Print p50 and p99 for both, and the difference."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000, help="frames per side")
    parser.add_argument("--interval", type=float, default=0.002, help="seconds between frames")
    args = parser.parse_args(argv)
    pin_client()
    figures = {}
    for name, measure in (("bare", bare), ("ours", ours)):
        with frame_server("paced", args.events, args.interval) as uri:
            delays = asyncio.run(measure(uri, args.events))
        figures[name] = (percentile(delays, 0.5) * 1e6, percentile(delays, 0.99) * 1e6)
    print(machine())
    print(f"{args.events:,} frames, one every {args.interval * 1000:g} ms")
    print(f"{'':22} {'p50 µs':>8} {'p99 µs':>8}")
    for name, label in (("bare", "bare websockets loop"), ("ours", "StreamAPIWS")):
        p50, p99 = figures[name]
        print(f"{label:22} {p50:8.0f} {p99:8.0f}")
    added = [figures["ours"][i] - figures["bare"][i] for i in (0, 1)]
    print(f"added by the client: p50 {added[0]:+.0f} µs, p99 {added[1]:+.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
