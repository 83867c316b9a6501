"""What the benchmarks share: a frame server in its own process, and the bare peer loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import platform
import resource
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rx_coordinator.testing import payloads

AT = "2026-11-26T10:15:30.123456789Z"  # Go writes nanoseconds


def joined_frame() -> str:
    """A realistic ``call.session_participant_joined`` frame."""
    bob = payloads.user("bob", name="Bob Builder", role="admin", at=AT)
    joined = payloads.participant(bob, user_session_id="0f3f4a6e-9b8e-4d55-9c4f", at=AT)
    return json.dumps(
        payloads.call_session_participant_joined(
            "default:standup-2026-11-26", "4b1c", joined, at=AT
        )
    )


def cpu_seconds() -> float:
    """CPU time used by this process so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine() -> str:
    """One line naming the machine and the interpreter."""
    return (
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} CPUs, {sys.platform}"
    )


def median(values: list[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def _serve(ready: Any, mode: str, count: int, interval: float) -> None:
    """The server process: answer auth with connection.ok, then send frames.

    ``burst``: ``count`` frames at once. ``paced``: one frame every ``interval`` seconds,
    each carrying its send time in ``participant.user.custom.sent`` (``time.perf_counter``
    is the same clock in every process on Linux). ``idle``: no frames.
    """
    import time

    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    pin_server()

    frame = joined_frame()
    ok = json.dumps(payloads.connection_ok("bench", payloads.own_user("alice")))
    check = json.dumps(payloads.health_check("bench"))

    logging.getLogger("websockets").setLevel(logging.CRITICAL)  # clients leave abruptly

    async def handler(ws: Any) -> None:
        with contextlib.suppress(ConnectionClosed):
            await serve_one(ws)

    async def serve_one(ws: Any) -> None:
        await ws.recv()
        await ws.send(ok)
        if mode == "burst":
            for _ in range(count):
                await ws.send(frame)
        elif mode == "paced":
            for _ in range(count):
                await asyncio.sleep(interval)
                # In the user's "custom" data: a field both peers can read.
                stamp = f'"custom": {{"sent": {time.perf_counter()!r}}}'
                await ws.send(frame.replace('"custom": {}', stamp, 1))
        async for message in ws:  # idle: answer heartbeats
            if "health.check" in str(message):
                await ws.send(check)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
            ready.put(server.sockets[0].getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


def _pin(index: int) -> None:
    """Keep this process on one CPU (where the OS allows), so the two sides do not collide."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) > 1:
        os.sched_setaffinity(0, {cpus[index]})


def pin_server() -> None:
    """Keep a server process on the last CPU (the client has the first)."""
    _pin(-1)


def pin_client() -> None:
    """Keep the measuring process on the first CPU (the server has the last)."""
    _pin(0)


@contextmanager
def frame_server(mode: str, count: int = 0, interval: float = 0.0) -> Iterator[str]:
    """A server process for one measure; yields its ``ws://`` URI."""
    ready: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve, args=(ready, mode, count, interval))
    process.start()
    try:
        yield f"ws://127.0.0.1:{ready.get(timeout=10)}/video/connect"
    finally:
        process.kill()
        process.join()


async def bare_loop(uri: str, count: int, on_frame: Callable[[Any], None]) -> None:
    """The peer: the same websockets library, the auth frame, ``json.loads`` per frame."""
    from websockets.asyncio.client import connect

    async with connect(uri, compression=None, ping_interval=None) as ws:
        await ws.send(json.dumps({"token": "t", "user_details": {"id": "alice"}}))
        await ws.recv()
        seen = 0
        async for message in ws:
            on_frame(json.loads(message))
            seen += 1
            if seen == count:
                return
