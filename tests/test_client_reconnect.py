"""Heartbeat, liveness and reconnection against the FakeCoordinator."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from rx_coordinator import (
    ConnectionLost,
    ConnectionState,
    StreamWSAuthError,
    StreamWSConnectionError,
    StreamWSMaxRetriesExceeded,
)
from rx_coordinator.state import ALLOWED_TRANSITIONS
from rx_coordinator.testing import payloads

from .helpers import eventually

S = ConnectionState


async def test_heartbeat_is_sent_every_interval(fake, make_client):
    await make_client(healthcheck_interval=0.1, healthcheck_timeout=1.0).connect()
    conn = await fake.next_connection()
    started = time.monotonic()
    await conn.wait_for_health_checks(3)
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 0.6  # three ticks of 0.1 s
    assert all(json.loads(frame)[0]["type"] == "health.check" for frame in conn.received)
    client_ids = {check["client_id"] for check in conn.health_checks}
    assert len(client_ids) == 1


async def test_silence_means_dead_and_the_client_reconnects(connected, fake):
    client, _, _, conn = await connected()
    conn.go_silent()
    silent_since = time.monotonic()
    second = await fake.next_connection(timeout=3)
    detected = time.monotonic() - silent_since
    # the last frame came at most one interval (0.2 s) before; liveness is 0.5 s
    assert 0.3 <= detected < 1.0
    assert await conn.wait_closed() == 1000
    await eventually(lambda: client.connection_id == second.connection_id)


async def test_any_inbound_frame_keeps_the_connection_alive(connected, fake):
    _, events, _, conn = await connected()
    conn.go_silent()
    for _ in range(12):  # 1.2 s of garbage, every 0.1 s: more than twice the 0.5 s timeout
        await conn.send_raw("not json")
        await asyncio.sleep(0.1)
    assert len(fake.connections) == 1
    assert not conn.closed
    assert events.error is None


@pytest.mark.parametrize("how", ["drop", 1001, 1006, 1011, 4000])
async def test_a_lost_connection_is_reconnected(connected, fake, how):
    client, events, states, first = await connected()
    await first.send({"type": "call.created", "call_cid": "default:a"})
    if how in ("drop", 1006):  # 1006 is never sent on the wire: it is what a drop looks like
        await first.drop()
    else:
        await first.close(how, "server going away")
    second = await fake.next_connection()
    await second.send({"type": "call.ended", "call_cid": "default:a"})
    await events.wait_for_items(4)
    assert events.types() == ["connection.ok", "call.created", "connection.ok", "call.ended"]
    assert events.error is None
    assert states.items == [S.DISCONNECTED, S.CONNECTING, S.CONNECTED, S.RECONNECTING, S.CONNECTED]
    assert client.connection_id == second.connection_id != first.connection_id


async def test_a_server_close_with_1000_is_final(connected, fake):
    _, events, states, conn = await connected()
    await conn.close(1000, "bye")
    await events.wait_ended()
    assert type(events.error) is StreamWSConnectionError
    assert events.error.close_code == 1000
    assert events.error.close_reason == "bye"
    await asyncio.sleep(0.1)
    assert len(fake.connections) == 1
    assert states.items[-1] is S.FAILED


async def test_connection_error_on_a_reconnect_ends_events_with_auth_error(connected, fake):
    _, events, _, conn = await connected()
    fake.fail_auth(code=40, message="token expired")
    await conn.drop()
    await events.wait_ended()
    assert isinstance(events.error, StreamWSAuthError)
    assert events.error.code == 40
    await asyncio.sleep(0.1)
    assert len(fake.connections) == 2


async def test_after_max_retries_events_fail_and_state_is_failed(connected, fake):
    client, events, states, conn = await connected(max_retries=3)
    fake.refuse_handshakes(count=10)
    await conn.drop()
    await events.wait_ended()
    assert isinstance(events.error, StreamWSMaxRetriesExceeded)
    assert events.error.attempts == 3
    assert isinstance(events.error.__cause__, ConnectionLost)
    assert fake.refused == 3
    assert states.items[-1] is S.FAILED
    assert client.connection_id is None


async def test_a_connection_that_dies_young_is_a_failed_attempt(connected, fake):
    _, events, _, conn = await connected(max_retries=2)
    await conn.drop()
    for _ in range(2):  # each reconnect is accepted, then dropped at once
        young = await fake.next_connection()
        await young.drop()
    await events.wait_ended()
    assert isinstance(events.error, StreamWSMaxRetriesExceeded)
    assert len(fake.connections) == 3


async def test_a_connection_that_proves_itself_alive_resets_the_budget(connected, fake):
    _, events, _, conn = await connected(max_retries=1)
    for _ in range(4):  # without the reset, the second loss would exhaust max_retries=1
        conn.go_silent()  # only our own frame below proves the connection alive
        await asyncio.sleep(0.25)  # longer than the 0.2 s interval
        await conn.send(payloads.health_check(conn.connection_id or "c"))
        await asyncio.sleep(0.02)
        await conn.drop()
        conn = await fake.next_connection()
    assert events.error is None
    assert len(fake.connections) == 5


async def test_a_server_silent_after_connection_ok_does_not_reset_the_budget(connected, fake):
    # Each connection lives past the interval, but says nothing after connection.ok: it
    # proves nothing, so the retries run out instead of going on for ever.
    _, events, _, conn = await connected(max_retries=2, healthcheck_timeout=0.3)
    conn.go_silent()
    for _ in range(2):
        conn = await fake.next_connection()
        conn.go_silent()
    await events.wait_ended(timeout=5)
    assert isinstance(events.error, StreamWSMaxRetriesExceeded)
    assert len(fake.connections) == 3


async def test_state_only_takes_allowed_transitions(connected, fake):
    client, _, states, conn = await connected(max_retries=1)
    await conn.drop()
    conn = await fake.next_connection()
    await conn.drop()  # the reconnect died young: with max_retries=1 the client gives up
    await eventually(lambda: states.items[-1] is S.FAILED)
    await client.disconnect()
    await client.connect()
    await client.disconnect()
    pairs = list(zip(states.items, states.items[1:], strict=False))
    assert all(pair in ALLOWED_TRANSITIONS for pair in pairs), pairs
    assert states.items[-1] is S.DISCONNECTED


async def test_an_oversize_frame_reconnects(connected, fake):
    _, events, _, conn = await connected(max_size=1024)
    await conn.send({"type": "call.custom", "custom": {"blob": "x" * 4096}})
    second = await fake.next_connection()
    await second.send({"type": "call.ended"})
    await events.wait_for_items(3)
    assert events.types() == ["connection.ok", "connection.ok", "call.ended"]
    assert conn.close_code == 1009  # "message too big", from the client


async def test_with_unlimited_retries_the_client_outlasts_any_outage(connected, fake):
    # Full jitter with a source that always draws 0.5: every delay is half the schedule.
    draws: list[float] = []

    def half() -> float:
        draws.append(0.5)
        return 0.5

    _, events, states, conn = await connected(
        max_retries=None, backoff_max=0.02, jitter=1.0, jitter_random=half
    )
    fake.refuse_handshakes(count=12)
    await conn.drop()
    await fake.next_connection()
    await eventually(lambda: states.items[-1] is S.CONNECTED)
    assert fake.refused == 12
    assert len(draws) == 13  # the loss, then the twelve refused attempts
    assert events.error is None
