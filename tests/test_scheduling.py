"""LoopScheduler: the loop's monotonic clock and its light timers."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from reactivex import abc
from reactivex.disposable import Disposable

from rx_coordinator import StreamAPIWS
from rx_coordinator.scheduling import LoopScheduler
from rx_coordinator.testing import FakeCoordinator

from .helpers import TOKEN


async def test_a_timer_runs_its_action_with_its_state_after_the_delay() -> None:
    scheduler = LoopScheduler()
    ran: list[tuple[Any, float]] = []
    start = scheduler.monotonic()
    scheduler.schedule_relative(
        0.02, lambda _, state: ran.append((state, scheduler.monotonic())), "x"
    )
    await asyncio.sleep(0.05)
    ((state, at),) = ran
    assert state == "x"
    assert at - start >= 0.02


async def test_disposing_a_timer_before_it_fires_cancels_it() -> None:
    scheduler = LoopScheduler()
    ran: list[int] = []
    scheduler.schedule_relative(0.01, lambda s, _: ran.append(1)).dispose()
    scheduler.schedule(lambda s, _: ran.append(2)).dispose()
    await asyncio.sleep(0.03)
    assert ran == []


async def test_disposing_after_it_fired_disposes_what_the_action_returned() -> None:
    scheduler = LoopScheduler()
    disposed: list[bool] = []

    def action(_: abc.SchedulerBase, __: Any) -> abc.DisposableBase:
        return Disposable(lambda: disposed.append(True))

    timer = scheduler.schedule_relative(0.001, action)
    await asyncio.sleep(0.02)
    assert disposed == []
    timer.dispose()
    timer.dispose()
    assert disposed == [True]


async def test_a_zero_or_negative_delay_runs_on_the_next_iteration_in_order() -> None:
    scheduler = LoopScheduler()
    ran: list[str] = []
    scheduler.schedule_relative(0, lambda s, _: ran.append("zero"))
    scheduler.schedule_relative(-1, lambda s, _: ran.append("negative"))
    scheduler.schedule(lambda s, _: ran.append("soon"))
    assert ran == []
    await asyncio.sleep(0)
    assert ran == ["zero", "negative", "soon"]


def _run_loops(count: int, body: Callable[[], Awaitable[None]]) -> list[weakref.ref[Any]]:
    loops: list[weakref.ref[Any]] = []

    async def main() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        await body()

    for _ in range(count):
        asyncio.run(main())
    gc.collect()
    return loops


def test_the_shared_scheduler_does_not_keep_event_loops_alive() -> None:
    async def use_the_shared_scheduler() -> None:
        loop = asyncio.get_running_loop()
        scheduler = LoopScheduler.for_loop(loop)
        assert LoopScheduler.for_loop(loop) is scheduler  # shared while in use
        fired = asyncio.Event()
        scheduler.schedule_relative(0.001, lambda _, __: fired.set())
        scheduler.schedule_relative(10, lambda _, __: None).dispose()
        await fired.wait()

    loops = _run_loops(100, use_the_shared_scheduler)
    assert [ref for ref in loops if ref() is not None] == []


def test_clients_connected_on_many_loops_leave_no_loop_alive() -> None:
    async def connect_and_disconnect() -> None:
        async with (
            FakeCoordinator() as fake,
            StreamAPIWS("key", TOKEN, "alice", uri=fake.uri) as client,
        ):
            assert client.connection_id is not None

    loops = _run_loops(5, connect_and_disconnect)
    assert [ref for ref in loops if ref() is not None] == []
