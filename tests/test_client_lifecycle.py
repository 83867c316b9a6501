"""disconnect(), arguments, logging, secrets and the scheduler."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from rx_coordinator import ConnectionState, Event, StreamAPIWS, StreamWSConnectionError
from rx_coordinator.scheduling import LoopScheduler
from rx_coordinator.testing import payloads

from .helpers import FAST, TOKEN, Recorder, eventually

S = ConnectionState


def our_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("rx_coordinator")]


async def test_disconnect_closes_with_1000_completes_events_and_leaves_no_task(connected):
    client, events, states, conn = await connected()
    await conn.wait_for_health_checks(1)
    await client.disconnect()
    assert await conn.wait_closed() == 1000
    assert conn.close_reason == "client disconnect"
    assert events.completed
    assert states.items[-1] is S.DISCONNECTED
    assert client.connection_id is None
    assert our_tasks() == []
    checks = len(conn.health_checks)
    await asyncio.sleep(0.3)  # more than one heartbeat interval: the heartbeat is stopped
    assert len(conn.health_checks) == checks


async def test_disconnect_cancels_a_pending_reconnect_at_once(connected, fake):
    client, events, states, conn = await connected(backoff_base=10.0)
    await conn.drop()
    await eventually(lambda: states.items[-1] is S.RECONNECTING)
    started = time.monotonic()
    await client.disconnect()
    assert time.monotonic() - started < 0.2
    assert events.completed
    assert states.items[-1] is S.DISCONNECTED
    assert our_tasks() == []
    assert len(fake.connections) == 1


async def test_disconnect_is_idempotent_and_safe_before_connect(make_client):
    client = make_client()
    states = Recorder(client.state)
    await client.disconnect()
    await client.disconnect()
    await client.connect()
    await client.disconnect()
    await client.disconnect()
    assert states.items == [S.DISCONNECTED, S.CONNECTING, S.CONNECTED, S.DISCONNECTED]


async def test_disconnect_during_connect_fails_the_connect(fake, make_client):
    fake.ignore_auth()
    client = make_client(healthcheck_timeout=5.0)
    pending = asyncio.create_task(client.connect())
    await fake.next_connection()
    await client.disconnect()
    with pytest.raises(StreamWSConnectionError, match="disconnect"):
        await pending
    assert Recorder(client.state).items == [S.DISCONNECTED]


async def test_disconnect_after_failure_sets_disconnected(connected):
    client, events, _, conn = await connected()
    await conn.close(1000)
    await events.wait_ended()
    await client.disconnect()
    assert Recorder(client.state).items == [S.DISCONNECTED]


# -- arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"api_key": ""}, "api_key"),
        ({"token": ""}, "token"),
        ({"user_id": ""}, "user_id"),
        ({"token": None}, "token"),
        ({"uri": "https://example.com/connect"}, "ws://"),
        ({"uri": "ws://"}, "ws://"),
        ({"healthcheck_interval": 0}, "healthcheck_interval"),
        ({"healthcheck_interval": -1.0}, "healthcheck_interval"),
        ({"healthcheck_timeout": 0}, "healthcheck_timeout"),
        ({"healthcheck_timeout": float("nan")}, "healthcheck_timeout"),
        ({"healthcheck_interval": 30.0, "healthcheck_timeout": 25.0}, "greater than"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 2.5}, "max_retries"),
        ({"backoff_base": -1.0}, "backoff_base"),
        ({"backoff_factor": -2.0}, "backoff_factor"),
        ({"backoff_factor": 0.5}, "backoff_factor"),
        ({"max_size": 0}, "max_size"),
        ({"backoff_max": 0}, "backoff_max"),
        ({"jitter": -0.1}, "jitter"),
        ({"jitter": 1.5}, "jitter"),
    ],
)
def test_bad_arguments_raise_value_error_without_the_token(overrides, match):
    arguments = {"api_key": "key", "token": TOKEN, "user_id": "alice", **overrides}
    with pytest.raises(ValueError, match=match) as caught:
        StreamAPIWS(**arguments)
    assert TOKEN not in str(caught.value)


def test_a_jitter_source_must_be_callable():
    with pytest.raises(TypeError, match="jitter_random"):
        StreamAPIWS("key", TOKEN, "alice", jitter=1.0, jitter_random=0.5)


def test_compression_must_be_a_bool():
    with pytest.raises(TypeError, match="compression"):
        StreamAPIWS("key", TOKEN, "alice", compression="deflate")


def test_defaults_follow_the_design():
    client = StreamAPIWS("key", TOKEN, "alice")
    assert "wss://video.stream-io-api.com/video/connect" in repr(client)
    assert TOKEN not in repr(client)
    assert "state=disconnected" in repr(client)


# -- logging and secrets ------------------------------------------------------------------


async def test_the_token_never_reaches_a_log_record(connected, fake, caplog):
    caplog.set_level(logging.DEBUG)
    client, events, _, conn = await connected(max_retries=1)
    await conn.wait_for_health_checks(1)
    await conn.drop()
    conn = await fake.next_connection()
    fake.fail_auth(code=43)
    await conn.drop()
    await events.wait_ended()
    await client.disconnect()
    assert any(r.name.endswith("websockets") for r in caplog.records), "frames were logged"
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        assert TOKEN not in text, record
        assert TOKEN[:20] not in text, record  # not even websockets' truncated frame preview
    assert TOKEN not in str(events.error)
    assert TOKEN not in repr(client)


async def test_levels_info_for_lifecycle_warning_with_traceback_for_failures(
    connected, fake, caplog
):
    caplog.set_level(logging.DEBUG, logger="rx_coordinator")
    _, events, _, conn = await connected(max_retries=1)
    await conn.drop()
    conn = await fake.next_connection()
    await conn.drop()
    await events.wait_ended()
    ours = [r for r in caplog.records if r.name == "rx_coordinator.client"]
    infos = [r.getMessage() for r in ours if r.levelno == logging.INFO]
    assert any(m.startswith("connecting to") for m in infos)
    assert any(m.startswith("connected") for m in infos)
    assert any(m.startswith("giving up") for m in infos)
    warnings = [r for r in ours if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "connection lost; reconnecting in 0.01 s (attempt 1 of 1)"
    ]
    assert all(r.exc_info for r in warnings)
    assert not [r for r in ours if r.levelno >= logging.INFO and r.getMessage().startswith("<")]


async def test_a_logger_passed_in_receives_the_records(fake, caplog):
    caplog.set_level(logging.DEBUG)
    mine = logging.getLogger("my.app.stream")
    client = StreamAPIWS("key", TOKEN, "alice", uri=fake.uri, logger=mine, **FAST)
    await client.connect()
    await client.disconnect()
    names = {r.name for r in caplog.records if r.name.startswith(("my.app", "rx_coordinator"))}
    assert "my.app.stream" in names
    assert "my.app.stream.websockets" in names
    assert "rx_coordinator.client" not in names


# -- scheduler ------------------------------------------------------------------------------


async def test_timers_run_on_the_loop_not_on_threads(connected, fake):
    threads = threading.active_count()
    _, _, _, conn = await connected()
    await conn.wait_for_health_checks(2)
    await conn.drop()
    await fake.next_connection()
    assert threading.active_count() == threads


async def test_an_injected_scheduler_drives_every_timer(fake):
    class Counting(LoopScheduler):
        timers = 0

        def schedule_relative(self, duetime, action, state=None):
            self.timers += 1
            return super().schedule_relative(duetime, action, state)

    scheduler = Counting(asyncio.get_running_loop())
    client = StreamAPIWS("key", TOKEN, "alice", uri=fake.uri, scheduler=scheduler, **FAST)
    await client.connect()
    conn = await fake.next_connection()
    await conn.wait_for_health_checks(1)
    await client.disconnect()
    assert scheduler.timers >= 2  # liveness and heartbeat at least


def test_loop_scheduler_now_follows_the_loop_clock():
    loop = asyncio.new_event_loop()
    try:
        scheduler = LoopScheduler(loop)
        before = scheduler.now
        time.sleep(0.01)
        elapsed = (scheduler.now - before).total_seconds()
        assert 0.009 <= elapsed < 0.5
        assert abs(scheduler.now.timestamp() - loop.time()) < 0.01
    finally:
        loop.close()


# -- races and deadlocks ------------------------------------------------------------------


def gated_client(fake) -> tuple[StreamAPIWS, asyncio.Event]:
    """A client whose token_provider gives its token once the event is set."""
    gate = asyncio.Event()

    async def provider() -> str:
        await gate.wait()
        return TOKEN

    client = StreamAPIWS("key", user_id="alice", token_provider=provider, uri=fake.uri, **FAST)
    return client, gate


async def test_a_second_connect_while_the_provider_is_awaited_raises(fake):
    client, gate = gated_client(fake)
    first = asyncio.create_task(client.connect())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="connecting"):
        await client.connect()
    gate.set()
    await first
    assert len(fake.connections) == 1
    await client.disconnect()


async def test_disconnect_while_the_provider_is_awaited_is_for_good(fake):
    client, gate = gated_client(fake)
    pending = asyncio.create_task(client.connect())
    await asyncio.sleep(0)
    await client.disconnect()
    gate.set()
    with pytest.raises(StreamWSConnectionError, match="disconnect"):
        await pending
    await asyncio.sleep(0.05)
    assert fake.connections == []  # no socket was opened after disconnect()
    assert Recorder(client.state).items == [S.DISCONNECTED]


async def test_disconnect_completes_listen_before_waiting_for_a_handler_that_iterates_it(
    connected,
):
    client, _, _, conn = await connected()
    seen: list[str] = []

    @client.on("call.created")
    async def follow(event: Event) -> None:
        async for later in client.listen():
            seen.append(later.type)

    await conn.send(
        payloads.call_created(payloads.call("default:a", created_by=payloads.user("bob")))
    )
    await eventually(lambda: any(t.get_name() == "rx_coordinator.handler" for t in our_tasks()))
    await asyncio.wait_for(client.disconnect(), 3)
    assert our_tasks() == []


async def test_handlers_that_disconnect_do_not_wait_for_each_other(connected):
    client, _, _, conn = await connected()
    done: list[int] = []

    @client.on("call.ended")
    async def stop(event: Event) -> None:
        await client.disconnect()
        done.append(1)

    call = payloads.call("default:a", created_by=payloads.user("bob"))
    await conn.send(payloads.call_ended(call))
    await conn.send(payloads.call_ended(call))
    await eventually(lambda: len(done) == 2, timeout=2)  # shutdown_timeout is 5 s
    assert Recorder(client.state).items == [S.DISCONNECTED]
    await eventually(lambda: conn.close_code == 1000)


async def test_a_handler_that_never_ends_is_cancelled_after_shutdown_timeout(connected, caplog):
    client, _, _, conn = await connected(shutdown_timeout=0.2)
    cancelled: list[bool] = []

    @client.on("call.created")
    async def forever(event: Event) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    await conn.send(
        payloads.call_created(payloads.call("default:a", created_by=payloads.user("bob")))
    )
    await eventually(lambda: any(t.get_name() == "rx_coordinator.handler" for t in our_tasks()))
    await asyncio.wait_for(client.disconnect(), 2)
    assert cancelled == [True]
    assert our_tasks() == []
    assert any(
        r.levelno == logging.WARNING and "cancelling 1 task" in r.getMessage()
        for r in caplog.records
    )
