"""Soak: hundreds of drop-and-reconnect cycles leave no task, socket or memory behind.

The measure runs in a fresh Python process (``python -m tests.test_soak``): what other
tests leave in a worker process would blur it.

Three bursts of 70 cycles by default; ``RX_SOAK_CYCLES=2000 uv run pytest
tests/test_soak.py -o timeout=0`` runs a longer one. The coordinator runs in a process of
its own, so that what is measured here is the client alone.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import multiprocessing
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rx_coordinator import ConnectionState, StreamAPIWS
from rx_coordinator.testing import FakeCoordinator
from rx_coordinator.testing.scenarios import Stage

from .helpers import FAST, TOKEN, Recorder, eventually

CYCLES = int(os.environ.get("RX_SOAK_CYCLES", "70"))


QUIET = 0.5  # seconds between bursts, when the client is measured


async def flap(stage: Stage) -> None:
    """Bursts of CYCLES drops, each as soon as the client is back, then a quiet time."""
    while True:
        for _ in range(CYCLES):
            await stage.wait_connected()
            await stage.drop_network()
        await stage.wait_connected()
        await asyncio.sleep(QUIET)


def serve(ready: Any) -> None:
    async def main() -> None:
        async with FakeCoordinator(scenario=flap) as fake:
            ready.put(fake.uri)
            await asyncio.Future()

    logging.getLogger("rx_coordinator").setLevel(logging.CRITICAL)
    asyncio.run(main())


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else 0


async def reached(count: Callable[[], int], target: int) -> None:
    await eventually(lambda: count() >= target, timeout=60)


async def measure() -> tuple[int, int, int]:
    """Tasks, fds and traced memory in the quiet time: the least of three samples of each,
    since what is in flight (a slow machine's last reconnect) only ever adds."""
    samples = []
    for _ in range(3):
        await asyncio.sleep(QUIET / 6)
        gc.collect()
        samples.append((len(asyncio.all_tasks()), open_fds(), tracemalloc.get_traced_memory()[0]))
    tasks, fds, memory = zip(*samples, strict=True)
    return min(tasks), min(fds), min(memory)


async def soak(uri: str) -> dict[str, Any]:
    """Three bursts of drop-and-reconnect cycles; what the last two quiet times measured."""
    quiet = logging.getLogger("tests.soak")
    quiet.setLevel(logging.CRITICAL)
    quiet.propagate = False
    client = StreamAPIWS(
        "key",
        TOKEN,
        "alice",
        uri=uri,
        logger=quiet,
        **{**FAST, "backoff_base": 0.001},
        max_retries=None,
        backoff_max=0.001,
    )
    connected = 0

    def count(state: ConnectionState) -> None:
        nonlocal connected
        connected += state is ConnectionState.CONNECTED

    client.state.subscribe(count)
    events = Recorder(client.events)
    await client.connect()
    tracemalloc.start()
    try:
        # Three bursts: the first warms up, the second settles what grows once (caches,
        # pools); a leak grows in the third as much as in the second.
        rounds = []
        for burst in range(1, 4):
            await reached(lambda: connected, 1 + burst * CYCLES)
            events.items.clear()
            rounds.append(await measure())
    finally:
        tracemalloc.stop()
        await client.disconnect()
    return {"error": repr(events.error) if events.error else None, "rounds": rounds[1:]}


def main() -> None:
    """Run the soak against a flapping coordinator in a child process; print the figures."""
    context = multiprocessing.get_context("fork")
    ready = context.Queue()
    server = context.Process(target=serve, args=(ready,), daemon=True)
    server.start()
    try:
        print(json.dumps(asyncio.run(soak(ready.get(timeout=10)))))
    finally:
        server.kill()


@pytest.mark.timeout(120)
def test_drop_and_reconnect_cycles_leak_nothing():
    done = subprocess.run(
        [sys.executable, "-m", "tests.test_soak"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
        timeout=110,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    (tasks, fds, memory), (tasks_after, fds_after, memory_after) = result["rounds"]
    assert result["error"] is None
    # A heartbeat being sent is a task of its own for a moment: one more is noise; a leak
    # would be CYCLES more.
    assert tasks_after <= tasks + 1
    assert fds_after <= fds
    growth = memory_after - memory
    # Closed connections leave timers in the loop for a while (close_timeout): allow
    # that noise, far below what one kept connection per cycle would cost (kilobytes).
    bound = 8 * 1024 + 16 * CYCLES
    assert growth < bound, f"{growth} bytes more after {CYCLES} more cycles"


if __name__ == "__main__":
    main()
