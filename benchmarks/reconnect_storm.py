"""Reconnect storm: how reconnects spread when a server restarts, with and without jitter.

Run from the repository root::

    uv run python benchmarks/reconnect_storm.py [--clients 500] [--downtime 0.5]

A server process holds ``--clients`` connected clients; it is killed (every socket drops
at once) and a new one starts on the same port ``--downtime`` seconds later, recording
when each client is back. This runs twice: with the exact 1-2-4-8-16 s schedule
(``jitter=0``, the default) and with full jitter (``jitter=1``). It prints, in seconds
after the drop, when 10%, 50%, 90% and all of the clients were back, and the most
reconnections the server had to accept within any 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import time
from typing import Any

from _common import machine, pin_client, pin_server

from rx_coordinator import StreamAPIWS
from rx_coordinator.testing import payloads


def _server(port: int, ready: Any, arrivals: Any, expected: int, not_before: float) -> None:
    """Serve on ``port`` from ``not_before`` (a ``perf_counter`` time) on; put the times
    of the authenticated connections in ``arrivals`` once ``expected`` came."""
    import contextlib
    import logging

    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    pin_server()
    ok = json.dumps(payloads.connection_ok("storm", payloads.own_user("alice")))
    seen: list[float] = []

    async def handler(ws: Any) -> None:
        with contextlib.suppress(ConnectionClosed):
            await ws.recv()
            await ws.send(ok)
            seen.append(time.perf_counter())
            if len(seen) == expected:
                arrivals.put(seen)
            await ws.wait_closed()

    async def main() -> None:
        await asyncio.sleep(max(0.0, not_before - time.perf_counter()))
        async with serve(handler, "127.0.0.1", port, ping_interval=None) as server:
            ready.put(server.sockets[0].getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


async def storm(clients: int, downtime: float, jitter: float) -> list[float]:
    ready: Any = multiprocessing.Queue()
    arrivals: Any = multiprocessing.Queue()
    first = multiprocessing.Process(target=_server, args=(0, ready, arrivals, clients, 0.0))
    first.start()
    port = ready.get(timeout=10)
    uri = f"ws://127.0.0.1:{port}/video/connect"
    held = []
    for start in range(0, clients, 100):
        batch = [
            StreamAPIWS("key", "token", "alice", uri=uri, jitter=jitter)
            for _ in range(start, min(clients, start + 100))
        ]
        await asyncio.gather(*(c.connect() for c in batch))
        held += batch
    arrivals.get(timeout=30)  # all connected to the first server
    dropped = time.perf_counter()
    first.kill()
    args = (port, ready, arrivals, clients, dropped + downtime)
    second = multiprocessing.Process(target=_server, args=args)
    second.start()
    loop = asyncio.get_running_loop()
    back: list[float] = await loop.run_in_executor(None, arrivals.get, True, 120)
    await asyncio.gather(*(c.disconnect() for c in held))
    second.kill()
    return sorted(t - dropped for t in back)


def busiest(times: list[float], window: float = 0.1) -> int:
    """The most ``times`` within any ``window`` seconds."""
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most


def main(argv: list[str] | None = None) -> int:
    """Print the spread of reconnects for both schedules."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500, help="connected clients")
    parser.add_argument("--downtime", type=float, default=0.5, help="seconds without a server")
    args = parser.parse_args(argv)
    pin_client()
    logging.getLogger("rx_coordinator").setLevel(logging.ERROR)  # one warning per reconnect
    print(machine())
    print(f"{args.clients} clients, server down {args.downtime:g} s; seconds after the drop:")
    print(f"{'':16} {'10%':>6} {'50%':>6} {'90%':>6} {'all':>6} {'max per 100 ms':>15}")
    for label, jitter in (("no jitter", 0.0), ("full jitter", 1.0)):
        times = asyncio.run(storm(args.clients, args.downtime, jitter))
        n = len(times)
        marks = [times[min(n - 1, int(n * q))] for q in (0.1, 0.5, 0.9)] + [times[-1]]
        cells = " ".join(f"{m:6.2f}" for m in marks)
        print(f"{label:16} {cells} {busiest(times):>15}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
