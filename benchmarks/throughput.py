"""Throughput: typed events delivered to one subscriber, against a bare websockets loop.

Run from the repository root::

    uv run python benchmarks/throughput.py [--events 100000] [--rounds 5]

A server in its own process sends ``--events`` realistic ``call.session_participant_joined``
frames as fast as it can. The figure is events per CPU-second of the client process (the
server's CPU is not counted), for the bare loop (websockets + ``json.loads``) and for
``StreamAPIWS`` (typed decoding, liveness, the Rx pipeline, one subscriber), in
alternating rounds; the medians and their ratio are printed (above 1: ours is cheaper).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from _common import bare_loop, cpu_seconds, frame_server, machine, median, pin_client

from rx_coordinator import StreamAPIWS


async def measure_bare(uri: str, count: int) -> tuple[float, float]:
    start_cpu, start = cpu_seconds(), time.perf_counter()
    await bare_loop(uri, count, lambda _: None)
    return count / (cpu_seconds() - start_cpu), count / (time.perf_counter() - start)


async def measure_ours(uri: str, count: int) -> tuple[float, float]:
    done: asyncio.Future[tuple[float, float]] = asyncio.get_running_loop().create_future()
    seen = 0

    def on_event(event: Any) -> None:
        nonlocal seen
        if event.type == "call.session_participant_joined":
            seen += 1
            if seen == count:
                done.set_result((cpu_seconds(), time.perf_counter()))

    client = StreamAPIWS("key", "token", "alice", uri=uri)
    client.events.subscribe(on_event)
    start_cpu, start = cpu_seconds(), time.perf_counter()
    await client.connect()
    end_cpu, end = await done
    await client.disconnect()
    return count / (end_cpu - start_cpu), count / (end - start)


def main(argv: list[str] | None = None) -> int:
    """Print events per CPU-second for both, and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="frames per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each")
    args = parser.parse_args(argv)
    pin_client()
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "ours": []}
    for _ in range(args.rounds):
        for name, measure in (("bare", measure_bare), ("ours", measure_ours)):
            with frame_server("burst", args.events) as uri:
                results[name].append(asyncio.run(measure(uri, args.events)))
    print(machine())
    print(f"{args.events:,} call.session_participant_joined frames, {args.rounds} rounds each")
    print(f"{'':22} {'events/CPU-s':>13} {'events/s wall':>14}")
    cpu = {name: median([r[0] for r in rows]) for name, rows in results.items()}
    for name, label in (("bare", "bare websockets loop"), ("ours", "StreamAPIWS")):
        wall = median([r[1] for r in results[name]])
        print(f"{label:22} {cpu[name]:>13,.0f} {wall:>14,.0f}")
    print(f"ratio (ours / bare, CPU): {cpu['ours'] / cpu['bare']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
