"""The real client against small misbehaving servers on 127.0.0.1.

Raw ``websockets`` servers, so that a server can do what ``FakeCoordinator`` never would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from rx_coordinator import ConnectionState, Event, StreamAPIWS, StreamWSConnectionError
from rx_coordinator.testing import payloads

from .helpers import TOKEN, Recorder, eventually

# Long enough that a loaded machine neither times out a handshake nor declares silence.
CALM = {"healthcheck_interval": 5.0, "healthcheck_timeout": 10.0}

Handler = Callable[[ServerConnection], Awaitable[None]]


Redirect = Callable[[str], "tuple[int, str] | None"]


@asynccontextmanager
async def raw_server(handler: Handler, redirect: Redirect | None = None) -> AsyncIterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1; yield the ``ws://`` URI.

    ``redirect(path)`` may answer a handshake with ``(status, location)`` instead.
    """

    def process_request(ws: ServerConnection, request: Request) -> Response | None:
        answer = redirect(request.path) if redirect is not None else None
        if answer is None:
            return None
        status, location = answer
        response = ws.respond(status, "moved\n")
        response.headers["Location"] = location
        return response

    async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/video/connect"


def connection_ok() -> str:
    return json.dumps(payloads.connection_ok("c1", payloads.own_user("alice")))


async def test_a_recursion_bomb_after_connection_ok_is_skipped_and_events_go_on(caplog):
    depth = 50_000  # msgspec's RecursionError on 3.11 and 3.13 alike (100 KB)
    bomb = '{"type": "custom.deep", "x": ' + "[" * depth + "]" * depth + "}"

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # the auth frame
        await ws.send(connection_ok())
        await ws.send(bomb)
        await ws.send(json.dumps({"type": "custom.after", "n": 1}))
        await ws.wait_closed()

    async with raw_server(handler) as uri:
        client = StreamAPIWS("key", TOKEN, "alice", uri=uri, **CALM)
        events: Recorder[Event] = Recorder(client.events)
        states: Recorder[ConnectionState] = Recorder(client.state)
        try:
            with caplog.at_level(logging.WARNING, logger="rx_coordinator"):
                await client.connect()
                await eventually(lambda: "custom.after" in events.types())
            assert events.types() == ["connection.ok", "custom.after"]
            assert events.error is None
            assert states.items[-1] is ConnectionState.CONNECTED
            assert ConnectionState.RECONNECTING not in states.items
            (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
            assert "RecursionError" in warning.getMessage()
        finally:
            await client.disconnect()


async def serve_connection_ok(ws: ServerConnection) -> None:
    await ws.recv()
    await ws.send(connection_ok())
    await ws.wait_closed()


@pytest.mark.parametrize("status", [301, 302, 307])
async def test_a_redirect_to_another_origin_is_refused_and_gets_no_token(status):
    reached: list[str] = []

    async def elsewhere(ws: ServerConnection) -> None:
        reached.append(await ws.recv())  # the auth frame, token included
        await serve_connection_ok(ws)

    async with (
        raw_server(elsewhere) as other_uri,
        # Another port of the same host is another origin.
        raw_server(serve_connection_ok, lambda path: (status, other_uri)) as uri,
    ):
        client = StreamAPIWS("key", TOKEN, "alice", uri=uri, **CALM)
        try:
            with pytest.raises(StreamWSConnectionError, match="another origin") as refused:
                await client.connect()
        finally:
            await client.disconnect()
    assert reached == []
    assert other_uri.rsplit(":", 1)[1].split("/")[0] in str(refused.value)  # names the port
    assert TOKEN not in str(refused.value)


@pytest.mark.parametrize("status", [301, 302, 307])
async def test_a_redirect_within_the_origin_is_followed(status):
    paths: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        paths.append(ws.request.path)
        await serve_connection_ok(ws)

    def moved(path: str) -> tuple[int, str] | None:
        return (status, "/moved/connect") if path.startswith("/video/") else None

    async with (
        raw_server(handler, moved) as uri,
        StreamAPIWS("key", TOKEN, "alice", uri=uri, **CALM) as client,
    ):
        assert client.connection_id == "c1"
    assert paths == ["/moved/connect"]


async def test_a_flood_of_bad_frames_before_connection_ok_cannot_hold_connect():
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        for _ in range(100):  # a bad frame every 0.1 s, never a connection.ok
            await ws.send(b"\x00")
            await asyncio.sleep(0.1)

    async with raw_server(handler) as uri:
        client = StreamAPIWS(
            "key", TOKEN, "alice", uri=uri, healthcheck_interval=0.2, healthcheck_timeout=0.6
        )
        started = time.monotonic()
        with pytest.raises(StreamWSConnectionError, match=r"no connection\.ok within 0\.6 s"):
            await client.connect()
        assert time.monotonic() - started < 2
        await client.disconnect()
