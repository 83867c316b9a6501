"""Slow consumers: listen() buffers up to maxsize and says when it had to stop; coroutine
handlers cannot pile up without bound."""

from __future__ import annotations

import asyncio
import logging

import pytest

from rx_coordinator import (
    StreamWSConnectionError,
    StreamWSOverflowError,
)
from rx_coordinator.events import CustomVideoEvent
from rx_coordinator.testing import payloads

from .helpers import eventually

BOB = payloads.user("bob")


def custom(n: int) -> dict[str, object]:
    return payloads.custom_event("default:1", {"n": n}, by=BOB)


async def test_listen_yields_matching_events_in_order_and_ends_on_disconnect(connected):
    c = await connected()
    stream = c.client.listen(CustomVideoEvent)
    for n in range(3):
        await c.conn.send(custom(n))
    await c.conn.send({"type": "call.other"})
    seen = []
    async for event in stream:
        seen.append(event.custom["n"])
        if len(seen) == 3:
            break
    await c.client.disconnect()
    assert seen == [0, 1, 2]
    assert [e async for e in stream] == []  # completed: the iteration just ends


async def test_listen_subscribes_at_once_so_nothing_is_missed_before_the_first_await(connected):
    c = await connected()
    stream = c.client.listen("custom")
    await c.conn.send(custom(1))
    await eventually(lambda: stream.pending == 1)
    first = await anext(stream)
    assert first.to_dict()["custom"] == {"n": 1}
    await stream.aclose()


async def test_a_consumer_that_falls_behind_gets_the_kept_events_then_an_overflow_error(
    connected,
):
    c = await connected()
    stream = c.client.listen("custom", maxsize=3)
    for n in range(6):
        await c.conn.send(custom(n))
    await eventually(lambda: stream.pending == 3)
    await asyncio.sleep(0.05)  # the other three have arrived (and were not kept)
    kept = [(await anext(stream)).to_dict()["custom"]["n"] for _ in range(3)]
    assert kept == [0, 1, 2]
    with pytest.raises(StreamWSOverflowError, match="more than 3 events behind"):
        await anext(stream)
    with pytest.raises(StopAsyncIteration):
        await anext(stream)
    assert stream.pending == 0


async def test_the_stream_s_error_reaches_the_consumer_after_the_buffered_events(connected):
    c = await connected()
    stream = c.client.listen()
    await c.conn.send(custom(1))
    await c.conn.close(1000, "bye")
    assert (await anext(stream)).type == "custom"
    with pytest.raises(StreamWSConnectionError, match="1000"):
        await anext(stream)


async def test_leaving_the_context_unsubscribes(connected):
    c = await connected()
    async with c.client.listen() as stream:
        pass
    await c.conn.send(custom(1))
    await asyncio.sleep(0.05)
    assert stream.pending == 0


@pytest.mark.parametrize("maxsize", [0, -1, 1.5, True])
async def test_maxsize_must_be_a_positive_integer(connected, maxsize):
    c = await connected()
    with pytest.raises(ValueError, match="maxsize"):
        c.client.listen(maxsize=maxsize)


async def test_coroutine_handlers_beyond_the_limit_are_skipped_loudly(connected, caplog):
    c = await connected(max_pending_handlers=2)
    release = asyncio.Event()
    started: list[int] = []

    @c.client.on("custom")
    async def slow(event):
        started.append(event.custom["n"])
        await release.wait()

    for n in range(5):
        await c.conn.send(custom(n))
    await eventually(lambda: len(started) == 2)
    await asyncio.sleep(0.05)
    assert started == [0, 1]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "2 coroutine handler calls are still running" in errors[0]
    release.set()
    await eventually(lambda: c.client._handlers.pending == 0)
    await c.conn.send(custom(9))
    await eventually(lambda: started[-1] == 9)
    assert any("3 handler calls were skipped" in r.getMessage() for r in caplog.records)
