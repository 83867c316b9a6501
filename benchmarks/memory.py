"""Memory: resident memory per connected, heartbeating client, against bare connections.

Run from the repository root::

    uv run python benchmarks/memory.py [--clients 1000]

One server process holds every connection (it answers auth and heartbeats). Each variant
runs in a fresh process of its own, which measures its resident memory once its modules
are loaded and a few warm-up connections are open, and again with ``--clients`` more
connections open, heartbeating (every second here) for a few seconds:

- socket: per connection, a websockets connection alone (authenticated, then idle);
- bare: per connection, a websockets connection, a reader task that ``json.loads`` every
  frame, and a heartbeat task (the peer);
- ours: per connection, a connected ``StreamAPIWS`` with one subscriber of ``events``.

Each variant runs ``--rounds`` times, alternating; it prints the median kilobytes per
connection of each and the ratios of ours to both (at most 1.18 to the peer is the target).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from _common import frame_server, machine, median

KINDS = ("socket", "bare", "ours")
LABELS = {
    "socket": "bare websockets socket alone",
    "bare": "bare + reader + heartbeat tasks",
    "ours": "StreamAPIWS",
}
HEARTBEAT = 1.0
SETTLE = 3.0  # seconds of heartbeats before the second measure
WARM_UP = 20  # connections opened before the first measure


def rss_kib() -> int:
    """This process's resident memory now, in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


async def socket_clients(uri: str, count: int) -> list[Any]:
    from websockets.asyncio.client import connect

    async def one() -> Any:
        ws = await connect(uri, ping_interval=None)  # offers deflate, as the client does
        await ws.send(json.dumps({"token": "t", "user_details": {"id": "alice"}}))
        await ws.recv()
        return ws

    held = []
    for start in range(0, count, 100):
        held += await asyncio.gather(*(one() for _ in range(start, min(count, start + 100))))
    return held


async def bare_clients(uri: str, count: int) -> list[Any]:
    from websockets.asyncio.client import connect

    async def one() -> Any:
        ws = await connect(uri, ping_interval=None)  # offers deflate, as the client does
        await ws.send(json.dumps({"token": "t", "user_details": {"id": "alice"}}))
        await ws.recv()

        async def read() -> None:
            async for message in ws:
                json.loads(message)

        async def beat() -> None:
            while True:
                await asyncio.sleep(HEARTBEAT)
                await ws.send('[{"type": "health.check", "client_id": "alice--x"}]')

        return ws, asyncio.create_task(read()), asyncio.create_task(beat())

    held = []
    for start in range(0, count, 100):
        held += await asyncio.gather(*(one() for _ in range(start, min(count, start + 100))))
    return held


async def our_clients(uri: str, count: int) -> list[Any]:
    from rx_coordinator import StreamAPIWS

    async def one() -> Any:
        client = StreamAPIWS(
            "key",
            "token",
            "alice",
            uri=uri,
            healthcheck_interval=HEARTBEAT,
            healthcheck_timeout=HEARTBEAT * 3,
        )
        client.events.subscribe(lambda event: None)
        await client.connect()
        return client

    held = []
    for start in range(0, count, 100):
        held += await asyncio.gather(*(one() for _ in range(start, min(count, start + 100))))
    return held


async def child(kind: str, uri: str, count: int) -> dict[str, float]:
    import websockets.asyncio.client  # noqa: F401  # both variants load their modules first

    import rx_coordinator  # noqa: F401

    make = {"socket": socket_clients, "bare": bare_clients, "ours": our_clients}[kind]
    # A few connections first, kept open, so that one-time costs (caches filled at first
    # use, the loop's own structures) are not counted per connection.
    warm = await make(uri, WARM_UP)
    before = rss_kib()
    held = await make(uri, count)
    await asyncio.sleep(SETTLE)
    after = rss_kib()
    assert (len(held), len(warm)) == (count, WARM_UP)  # both kept alive until here
    return {"before": before, "after": after, "per_connection": (after - before) / count}


def measure(kind: str, uri: str, count: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--uri", uri, "--clients", str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Print the median KiB per connection of each variant, and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="connections per variant")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each variant")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, args.uri, args.clients))))
        return 0
    results: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for _ in range(args.rounds):
        for kind in KINDS:
            with frame_server("idle") as uri:
                results[kind].append(measure(kind, uri, args.clients)["per_connection"])
    per = {kind: median(values) for kind, values in results.items()}
    print(machine())
    print(f"{args.clients:,} connections, heartbeating every {HEARTBEAT:g} s, {args.rounds} rounds")
    for kind, label in LABELS.items():
        runs = ", ".join(f"{v:.1f}" for v in results[kind])
        print(f"{label:34} {per[kind]:6.1f} KiB per connection ({runs})")
    print(f"ratio (ours / bare + tasks): {per['ours'] / per['bare']:.2f}")
    print(f"ratio (ours / socket alone): {per['ours'] / per['socket']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
