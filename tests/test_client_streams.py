"""events, state and on(): hot sharing, subscriber isolation, bad frames, handlers."""

from __future__ import annotations

import asyncio
import logging

import pytest
import reactivex.operators as ops

from rx_coordinator import ConnectionState, Event
from rx_coordinator.testing import payloads

from .helpers import Recorder, eventually

S = ConnectionState


def is_call(event: Event) -> bool:
    return event.type.startswith("call.")


async def test_events_are_hot_and_shared_by_one_socket(fake, make_client):
    client = make_client()
    a = Recorder(client.events)
    await client.connect()
    b = Recorder(client.events.pipe(ops.filter(is_call)))
    conn = await fake.next_connection()
    await conn.send({"type": "call.created", "call_cid": "default:1"})
    await conn.send({"type": "call.ring", "call_cid": "default:1"})
    await b.wait_for_items(2)
    assert a.types() == ["connection.ok", "call.created", "call.ring"]
    assert b.types() == ["call.created", "call.ring"]
    assert a.items[1] is b.items[0]  # decoded once, shared
    assert len(fake.connections) == 1


async def test_a_subscriber_that_raises_is_logged_and_isolated(fake, make_client, caplog):
    client = make_client()
    healthy = Recorder(client.events)

    def broken(event: Event) -> None:
        raise ZeroDivisionError("subscriber bug")

    client.events.subscribe(broken)
    client.events.pipe(ops.map(lambda e: 1 / 0)).subscribe()  # raises inside an operator
    await client.connect()
    conn = await fake.next_connection()
    with caplog.at_level(logging.ERROR, logger="rx_coordinator"):
        await conn.send({"type": "call.created"})
        await conn.send({"type": "call.ended"})
        await healthy.wait_for_items(3)
    assert healthy.types() == ["connection.ok", "call.created", "call.ended"]
    assert healthy.error is None
    assert len(fake.connections) == 1
    assert not conn.closed
    failures = [r for r in caplog.records if r.exc_info and r.exc_info[0] is ZeroDivisionError]
    assert failures, "the subscriber's exception must be logged with its traceback"


@pytest.mark.parametrize(
    ("frame", "why"),
    [
        ("{not json", "not JSON"),
        (b"\x00\x01binary", "binary"),
        ("[1, 2, 3]", "not a JSON object"),
        ('"just a string"', "not a JSON object"),
        ('{"no_type": 1}', "without a string 'type'"),
        ('{"type": 42}', "without a string 'type'"),
    ],
)
async def test_bad_frames_are_logged_and_skipped(connected, fake, caplog, frame, why):
    _, events, _, conn = await connected()
    with caplog.at_level(logging.WARNING, logger="rx_coordinator"):
        await conn.send_raw(frame)
        await conn.send({"type": "call.created"})
        await events.wait_for_items(2)
    assert events.types() == ["connection.ok", "call.created"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert why in warnings[0].getMessage()
    assert len(fake.connections) == 1


async def test_a_huge_bad_frame_is_logged_truncated(connected, caplog):
    _, events, _, conn = await connected()
    with caplog.at_level(logging.WARNING, logger="rx_coordinator"):
        await conn.send_raw("garbage " * 10_000)
        await conn.send({"type": "call.created"})
        await events.wait_for_items(2)
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning.getMessage()) < 300


async def test_state_replays_the_current_value(fake, make_client):
    client = make_client()
    assert Recorder(client.state).items == [S.DISCONNECTED]
    await client.connect()
    assert Recorder(client.state).items == [S.CONNECTED]


async def test_on_calls_sync_and_async_handlers(fake, make_client):
    client = make_client()
    seen: list[str] = []

    @client.on("call.created")
    def sync_handler(event: Event) -> None:
        seen.append("sync " + event.to_dict()["call_cid"])

    async def async_handler(event: Event) -> None:
        await asyncio.sleep(0.01)
        seen.append("async " + event.to_dict()["call_cid"])

    assert client.on("call.created", async_handler) is async_handler
    client.on("connection.ok", lambda e: seen.append("ok"))
    await client.connect()
    conn = await fake.next_connection()
    await conn.send({"type": "call.created", "call_cid": "default:1"})
    await conn.send({"type": "call.ring", "call_cid": "default:1"})
    await eventually(lambda: len(seen) == 3)
    assert seen == ["ok", "sync default:1", "async default:1"]


async def test_handler_exceptions_are_logged_and_never_propagate(fake, make_client, caplog):
    client = make_client()
    seen: list[str] = []

    @client.on("call.created")
    def broken(event: Event) -> None:
        raise ValueError("sync bug")

    @client.on("call.created")
    async def broken_async(event: Event) -> None:
        raise KeyError("async bug")

    client.on("call.created", lambda e: seen.append(e.type))
    events = Recorder(client.events)
    await client.connect()
    conn = await fake.next_connection()
    with caplog.at_level(logging.ERROR, logger="rx_coordinator"):
        await conn.send({"type": "call.created"})
        await conn.send({"type": "call.created"})
        await eventually(lambda: len(seen) == 2)
        await asyncio.sleep(0.05)
    kinds = sorted(r.exc_info[0].__name__ for r in caplog.records if r.exc_info)
    assert kinds == ["KeyError", "KeyError", "ValueError", "ValueError"]
    assert events.error is None
    assert len(fake.connections) == 1


async def test_disconnect_waits_for_running_async_handlers(fake, make_client):
    client = make_client()
    finished: list[bool] = []

    @client.on("call.created")
    async def slow(event: Event) -> None:
        await asyncio.sleep(0.1)
        finished.append(True)

    await client.connect()
    conn = await fake.next_connection()
    await conn.send({"type": "call.created"})
    await eventually(
        lambda: any(t.get_name() == "rx_coordinator.handler" for t in asyncio.all_tasks())
    )
    await client.disconnect()
    assert finished == [True]


def test_on_checks_its_arguments(make_client):
    client = make_client()
    with pytest.raises(ValueError, match="event_type"):
        client.on("", lambda e: None)
    with pytest.raises(TypeError, match="callable"):
        client.on("call.created", "not a function")


@pytest.mark.parametrize("raised", [asyncio.CancelledError, GeneratorExit])
async def test_a_subscriber_raising_a_base_exception_is_isolated_and_logged(
    connected, caplog, raised
):
    client, events, states, conn = await connected()

    def bad(event: Event) -> None:
        raise raised()

    client.events.subscribe(bad)
    await conn.send(
        payloads.call_created(payloads.call("default:a", created_by=payloads.user("b")))
    )
    await conn.send(
        payloads.call_created(payloads.call("default:b", created_by=payloads.user("b")))
    )
    await events.wait_for_items(3)  # connection.ok and both events: the socket lives on
    assert states.items[-1] is ConnectionState.CONNECTED
    assert conn.close_code is None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert all(r.exc_info and r.exc_info[0] is raised for r in errors)


async def test_a_handler_raising_cancelled_error_is_isolated_and_logged(connected, caplog):
    client, events, _, conn = await connected()

    @client.on("call.created")
    def bad(event: Event) -> None:
        raise asyncio.CancelledError

    @client.on("call.created")
    async def bad_async(event: Event) -> None:
        raise asyncio.CancelledError

    await conn.send(
        payloads.call_created(payloads.call("default:a", created_by=payloads.user("b")))
    )
    await events.wait_for_items(2)
    await eventually(lambda: len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2)
    assert conn.close_code is None


def test_ctrl_c_in_a_subscriber_still_reaches_the_top():
    from rx_coordinator._hub import Hub

    hub: Hub[int] = Hub(logging.getLogger("tests"))

    def interrupt(item: int) -> None:
        raise KeyboardInterrupt

    hub.subscribe(interrupt)
    with pytest.raises(KeyboardInterrupt):
        hub.on_next(1)
