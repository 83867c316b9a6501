"""LoopScheduler: the loop's monotonic clock and its light timers."""

from __future__ import annotations

import asyncio
from typing import Any

from reactivex import abc
from reactivex.disposable import Disposable

from rx_coordinator.scheduling import LoopScheduler


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
