"""FakeCoordinator, spoken to with a bare websockets client (no StreamAPIWS involved)."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from rx_coordinator.testing import FakeCoordinator

AUTH = json.dumps({"token": "t", "products": ["video"], "user_details": {"id": "bob"}})


async def test_uri_needs_a_started_server():
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeCoordinator().uri


async def test_answers_auth_and_health_checks_and_records_them(fake):
    async with connect(fake.uri + "?api_key=k") as ws:
        await ws.send(AUTH)
        ok = json.loads(await ws.recv())
        assert ok["type"] == "connection.ok"
        assert ok["me"]["id"] == "bob"
        await ws.send(json.dumps([{"type": "health.check", "client_id": "bob--1"}]))
        answer = json.loads(await ws.recv())
        assert answer["type"] == "health.check"
        assert answer["connection_id"] == ok["connection_id"]
    conn = await fake.next_connection()
    assert conn.query == {"api_key": "k"}
    assert conn.auth == json.loads(AUTH)
    assert conn.health_checks == [{"type": "health.check", "client_id": "bob--1"}]
    assert await conn.wait_closed() == 1000


@pytest.mark.parametrize(("legacy", "kind"), [(False, "connection.error"), (True, "error")])
async def test_fail_auth_sends_the_error_frame_then_closes_with_1000(fake, legacy, kind):
    fake.fail_auth(code=2, message="api key not found", legacy=legacy)
    async with connect(fake.uri) as ws:
        await ws.send(AUTH)
        frame = json.loads(await ws.recv())
        assert frame["type"] == kind
        assert frame["error"]["code"] == 2
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1000


async def test_refuse_handshakes_counts_down(fake):
    fake.refuse_handshakes(count=1, status=429)
    with pytest.raises(InvalidStatus) as caught:
        await connect(fake.uri)
    assert caught.value.response.status_code == 429
    async with connect(fake.uri) as ws:
        await ws.send(AUTH)
        assert json.loads(await ws.recv())["type"] == "connection.ok"
    assert fake.refused == 1


async def test_broadcast_reaches_every_live_connection_and_stop_closes_with_1001():
    async with FakeCoordinator() as fake:
        sockets = [await connect(fake.uri) for _ in range(2)]
        for ws in sockets:
            await ws.send(AUTH)
            await ws.recv()
        await fake.next_connection()
        await fake.next_connection()
        await fake.broadcast({"type": "call.created", "call_cid": "default:1"})
        for ws in sockets:
            frame = json.loads(await ws.recv())
            assert frame["type"] == "call.created"
            assert frame["created_at"].endswith("Z")
    for ws in sockets:
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1001
