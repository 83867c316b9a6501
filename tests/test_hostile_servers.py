"""The real client against small misbehaving servers on 127.0.0.1.

Raw ``websockets`` servers, so that a server can do what ``FakeCoordinator`` never would.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from websockets.asyncio.server import ServerConnection, serve

from rx_coordinator import ConnectionState, Event, StreamAPIWS
from rx_coordinator.testing import payloads

from .helpers import FAST, TOKEN, Recorder, eventually

Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1; yield the ``ws://`` URI."""
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/video/connect"


def connection_ok() -> str:
    return json.dumps(payloads.connection_ok("c1", payloads.own_user("alice")))


async def test_a_recursion_bomb_after_connection_ok_is_skipped_and_events_go_on(caplog):
    bomb = '{"type": "custom.deep", "x": ' + "[" * 1000 + "]" * 1000 + "}"

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # the auth frame
        await ws.send(connection_ok())
        await ws.send(bomb)
        await ws.send(json.dumps({"type": "custom.after", "n": 1}))
        await ws.wait_closed()

    async with raw_server(handler) as uri:
        client = StreamAPIWS("key", TOKEN, "alice", uri=uri, **FAST)
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
