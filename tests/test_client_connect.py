"""connect(): URL, auth frame, first-frame verdicts, and what the caller learns."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time

import pytest

from rx_coordinator import (
    ConnectedEvent,
    ConnectionState,
    StreamAPIWS,
    StreamWSAuthError,
    StreamWSConnectionError,
    __version__,
)

from .helpers import TOKEN, Recorder


async def test_url_carries_api_key_auth_type_and_client_name(connected, fake):
    _, _, _, conn = await connected(uri=fake.uri + "?region=eu&api_key=stale")
    assert conn.path == "/video/connect"
    assert conn.query == {
        "region": "eu",
        "api_key": "key",
        "stream-auth-type": "jwt",
        "X-Stream-Client": f"stream-rx-coordinator-python-{__version__}",
    }
    assert TOKEN not in json.dumps(conn.query)


@pytest.mark.parametrize("compression", [True, False])
async def test_permessage_deflate_is_offered_unless_compression_is_off(
    fake, make_client, compression
):
    await make_client(compression=compression).connect()
    conn = await fake.next_connection()
    assert conn.compressed is compression


async def test_first_frame_is_the_auth_frame(fake, make_client):
    await make_client().connect()
    conn = await fake.next_connection()
    assert conn.auth == {"token": TOKEN, "products": ["video"], "user_details": {"id": "alice"}}


async def test_connect_returns_connection_ok_and_emits_it(fake, make_client):
    client = make_client()
    early = Recorder(client.events)
    first = await client.connect()
    conn = await fake.next_connection()
    assert isinstance(first, ConnectedEvent)
    assert first.type == "connection.ok"
    assert first.connection_id == conn.connection_id == client.connection_id
    assert first.me.id == "alice"
    assert early.items == [first]


@pytest.mark.parametrize("legacy", [False, True])
async def test_connection_error_raises_auth_error_without_retry(fake, make_client, legacy):
    fake.fail_auth(code=43, message="token signature is invalid", status_code=401, legacy=legacy)
    client = make_client()
    states = Recorder(client.state)
    with pytest.raises(StreamWSAuthError) as caught:
        await client.connect()
    assert caught.value.code == 43
    assert caught.value.message == "token signature is invalid"
    assert caught.value.status_code == 401
    await asyncio.sleep(0.1)
    assert len(fake.connections) == 1
    assert states.items[-1] is ConnectionState.FAILED


async def test_no_socket_raises_connection_error_at_once(make_client):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(uri=f"ws://127.0.0.1:{port}/video/connect")
    started = time.monotonic()
    with pytest.raises(StreamWSConnectionError, match="could not open the socket"):
        await client.connect()
    assert time.monotonic() - started < 0.5


async def test_refused_handshake_raises_connection_error_and_is_not_retried(fake, make_client):
    fake.refuse_handshakes(count=3, status=503)
    with pytest.raises(StreamWSConnectionError, match="503"):
        await make_client().connect()
    await asyncio.sleep(0.1)
    assert fake.refused == 1


async def test_no_first_frame_in_time_raises_connection_error(fake, make_client):
    fake.ignore_auth()
    client = make_client(healthcheck_timeout=0.4)
    started = time.monotonic()
    with pytest.raises(StreamWSConnectionError, match=r"no connection\.ok within 0\.4 s"):
        await client.connect()
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 0.9
    assert len(fake.connections) == 1


async def test_an_unexpected_first_frame_is_a_connection_error(fake, make_client):
    fake.ignore_auth()
    client = make_client()
    pending = asyncio.create_task(client.connect())
    conn = await fake.next_connection()
    await conn.send({"type": "call.created"})
    with pytest.raises(StreamWSConnectionError, match=r"expected connection\.ok first"):
        await pending


async def test_websockets_own_pings_are_off(fake, make_client, monkeypatch):
    from rx_coordinator.operators import _socket

    seen: dict[str, object] = {}
    real_connect = _socket.SameOriginConnect

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(_socket, "SameOriginConnect", spy)
    await make_client().connect()
    assert seen["ping_interval"] is None


async def test_connect_twice_is_an_error(make_client):
    client = make_client()
    await client.connect()
    with pytest.raises(RuntimeError, match="disconnect\\(\\) first"):
        await client.connect()


async def test_connect_again_after_disconnect_starts_a_new_events_stream(fake, make_client):
    client = make_client()
    await client.connect()
    old = Recorder(client.events)
    await client.disconnect()
    assert old.completed
    second = await client.connect()
    new = Recorder(client.events)
    first_conn, second_conn = await fake.next_connection(), await fake.next_connection()
    assert first_conn.closed
    assert second.connection_id == second_conn.connection_id
    conn = second_conn
    await conn.send({"type": "call.created"})
    await new.wait_for_items(1)
    assert new.types() == ["call.created"]


async def test_async_with_connects_and_disconnects(fake):
    async with StreamAPIWS("key", TOKEN, "alice", uri=fake.uri) as client:
        assert client.connection_id is not None
        conn = await fake.next_connection()
    assert await conn.wait_closed() == 1000
    assert client.connection_id is None


async def test_cancelled_connect_leaves_nothing_open(fake, make_client):
    fake.ignore_auth()
    client = make_client()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.connect(), 0.1)
    conn = fake.connections[0]
    assert await conn.wait_closed() == 1000
    states = Recorder(client.state)
    assert states.items == [ConnectionState.DISCONNECTED]
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("rx_coordinator")]


async def test_health_check_client_id_has_the_official_form(fake, make_client):
    await make_client().connect()
    conn = await fake.next_connection()
    await conn.wait_for_health_checks(1)
    frame = json.loads(conn.received[0])
    assert isinstance(frame, list)
    assert len(frame) == 1
    assert frame[0]["type"] == "health.check"
    assert re.fullmatch(
        r"alice--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        frame[0]["client_id"],
    )


async def test_a_failed_first_connect_also_ends_events_and_a_new_connect_starts_over(
    fake, make_client
):
    fake.fail_auth(code=2, message="api key not found")
    client = make_client()
    events = Recorder(client.events)
    with pytest.raises(StreamWSAuthError) as caught:
        await client.connect()
    assert events.error is caught.value
    late = Recorder(client.events)  # a late subscriber learns at once, and opens nothing
    assert late.error is caught.value
    await client.connect()
    assert len(fake.connections) == 2


async def test_no_heartbeat_is_sent_before_connection_ok(fake, make_client):
    fake.ignore_auth()
    client = make_client(healthcheck_interval=0.05, healthcheck_timeout=0.6)
    pending = asyncio.create_task(client.connect())
    conn = await fake.next_connection()
    await asyncio.sleep(0.4)  # eight intervals without an answer to the auth frame
    assert conn.received == []
    with pytest.raises(StreamWSConnectionError):
        await pending
