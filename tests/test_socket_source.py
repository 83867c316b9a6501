"""The socket source alone, against small ``websockets`` servers on 127.0.0.1; and the client
runs the operators' own code."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from rx_coordinator import StreamAPIWS
from rx_coordinator.errors import ConnectionLost, StreamWSConnectionError
from rx_coordinator.operators import _coordinator, _retry, _time, websocket

from .helpers import FAST, TOKEN, Recorder, eventually

Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0) as running:
        port = next(iter(running.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/"


async def test_subscribing_opens_a_socket_sends_hello_and_emits_every_frame():
    got: list[Any] = []
    closed: list[Any] = []

    async def handler(ws: ServerConnection) -> None:
        got.append(await ws.recv())
        await ws.send("one")
        await ws.send(b"two")
        got.append(await ws.recv())  # what on_next sent
        try:
            await ws.recv()
        except Exception:
            closed.append((ws.close_code, ws.close_reason))

    async with server(handler) as uri:
        socket = websocket(uri, lambda: "hello")
        frames: Recorder[Any] = Recorder()
        subscription = socket.subscribe(frames)
        await frames.wait_for_items(2)
        socket.on_next("sent")
        await eventually(lambda: len(got) == 2)
        subscription.dispose()
        await eventually(lambda: closed)
    assert got == ["hello", "sent"]
    assert frames.items == ["one", b"two"]
    assert closed == [(1000, "client disconnect")]
    assert not frames.ended  # disposing ends quietly


async def test_a_frame_sent_before_the_socket_opens_waits_for_it():
    got: list[Any] = []

    async def handler(ws: ServerConnection) -> None:
        got.extend([await ws.recv(), await ws.recv()])
        await ws.wait_closed()

    async with server(handler) as uri:
        socket = websocket(uri, lambda: "hello")
        subscription = socket.subscribe(Recorder())
        socket.on_next("early")  # the socket is still opening
        await eventually(lambda: len(got) == 2)
        subscription.dispose()
    assert got == ["hello", "early"]


@pytest.mark.parametrize(
    ("code", "error", "text"),
    [
        (1000, StreamWSConnectionError, "not reconnecting"),
        (1011, ConnectionLost, "close code 1011"),
    ],
)
async def test_the_socket_s_end_says_what_it_means(code, error, text):
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.close(code)

    async with server(handler) as uri:
        frames: Recorder[Any] = Recorder(websocket(uri, lambda: "hello"))
        await frames.wait_ended()
    assert type(frames.error) is error
    assert text in str(frames.error)


async def test_a_socket_that_cannot_open_is_a_lost_connection():
    frames: Recorder[Any] = Recorder(websocket("ws://127.0.0.1:9/", open_timeout=1))
    await frames.wait_ended()
    assert isinstance(frames.error, ConnectionLost)
    assert "could not open the socket" in str(frames.error)


async def test_each_subscription_is_a_socket_of_its_own():
    opened = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal opened
        opened += 1
        await ws.wait_closed()

    async with server(handler) as uri:
        socket = websocket(uri)
        first, second = socket.subscribe(Recorder()), socket.subscribe(Recorder())
        await eventually(lambda: opened == 2)
        first.dispose()
        second.dispose()


async def test_a_running_client_executes_the_operators_own_code(fake, monkeypatch):
    """Per frame the liveness stage, at each heartbeat the heartbeat stage, between a drop
    and the reconnect retry_when and its notifier: the client is the pipeline."""
    calls: dict[str, int] = {}

    def spy(cls: type, name: str) -> None:
        real = getattr(cls, name)

        def counted(self: Any, *args: Any) -> Any:
            key = f"{cls.__name__}.{name}"
            calls[key] = calls.get(key, 0) + 1
            return real(self, *args)

        monkeypatch.setattr(cls, name, counted)

    spy(_time._LivenessStage, "on_next")
    spy(_time._HeartbeatStage, "__call__")
    spy(_coordinator._HandshakeStage, "on_next")
    spy(_retry._RetryStage, "on_error")
    spy(_retry._RetryStage, "resubscribe")
    spy(_retry._BackoffStage, "_decide")

    client = StreamAPIWS("key", TOKEN, "alice", uri=fake.uri, **FAST)
    await client.connect()
    conn = await fake.next_connection()
    await conn.wait_for_health_checks(2)
    await conn.drop()
    await fake.next_connection()
    await client.disconnect()
    assert calls["_LivenessStage.on_next"] >= 3  # connection.ok and the health checks' answers
    assert calls["_HandshakeStage.on_next"] >= 3
    assert calls["_HeartbeatStage.__call__"] >= 2
    assert calls["_RetryStage.on_error"] == 1  # the drop
    assert calls["_BackoffStage._decide"] == 1  # the notifier decided on it
    assert calls["_RetryStage.resubscribe"] == 2  # the first connection and the reconnect


async def test_token_is_in_no_local_of_a_failed_hello(monkeypatch):
    """A traceback's frames outlive the exception (Sentry prints their locals)."""
    secret = "SECRET-" + TOKEN

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.close(1011)

    from websockets.asyncio.client import ClientConnection

    real_send = ClientConnection.send

    async def failing_send(self: ClientConnection, message: Any, *args: Any) -> None:
        await real_send(self, message, *args)
        raise ConnectionResetError("reset while sending")

    monkeypatch.setattr(ClientConnection, "send", failing_send)
    async with server(handler) as uri:
        frames: Recorder[Any] = Recorder(websocket(uri, lambda: json.dumps({"token": secret})))
        await frames.wait_ended()
    error = frames.error
    assert isinstance(error, ConnectionLost)
    assert "could not send the first frame" in str(error)
    seen: list[str] = []
    frames_seen = 0
    chain: BaseException | None = error
    while chain is not None:
        tb = chain.__traceback__
        while tb is not None:
            frames_seen += 1
            seen.extend(repr(v) for v in tb.tb_frame.f_locals.values())
            tb = tb.tb_next
        chain = chain.__cause__ or chain.__context__
    assert frames_seen  # the traceback was looked at
    assert not [v for v in seen if secret in v]
    await asyncio.sleep(0)


async def test_websockets_frame_logs_never_carry_the_hello_by_default(caplog):
    secret = "SECRET-" + TOKEN

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send("ok")
        await ws.wait_closed()

    caplog.set_level(logging.DEBUG)
    async with server(handler) as uri:
        frames: Recorder[Any] = Recorder()
        subscription = websocket(uri, lambda: json.dumps({"token": secret})).subscribe(frames)
        await frames.wait_for_items(1)
        subscription.dispose()
        await asyncio.sleep(0.05)
    ours = [r for r in caplog.records if r.name == "rx_coordinator.websockets"]
    assert any(r.getMessage().startswith(">") for r in ours)  # the frames were logged
    assert secret not in caplog.text
