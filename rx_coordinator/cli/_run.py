"""The command line's long-running commands, as coroutines that return an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from reactivex import Observable

from ..client import StreamAPIWS
from ..errors import (
    StreamAPIError,
    StreamWSAuthError,
    StreamWSException,
    StreamWSMaxRetriesExceeded,
)
from ..events import Event
from ..operators import of_type
from ..protocol import DEFAULT_WS_URI
from ..tokens import create_user_token
from ._render import Printer

__all__ = ["EXIT_AUTH", "EXIT_CONNECT", "EXIT_GAVE_UP", "EXIT_OK", "demo", "fake_server", "listen"]

EXIT_OK = 0
EXIT_CONNECT = 1  # the first connection failed, or the server closed for good
EXIT_AUTH = 2  # the coordinator refused the credentials
EXIT_GAVE_UP = 3  # reconnecting failed max_retries times

DEMO_KEY = "demo-key"
DEMO_USER = "alice"
DEMO_CALL = "default:lifecycle-demo"
TOKEN_TTL = 3600


@contextlib.asynccontextmanager
async def stop_signals() -> AsyncIterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM while inside (handlers removed on the way out)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield stop
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _show(client: StreamAPIWS, printer: Printer, selectors: tuple[str, ...]) -> asyncio.Future[Any]:
    """Print the client's events (those matching ``selectors``) and states; the returned
    future is set with the stream's error when it ends."""
    ended: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_error(error: Exception) -> None:
        if not ended.done():
            ended.set_result(error)

    def on_completed() -> None:
        if not ended.done():
            ended.set_result(None)

    events: Observable[Event] = client.events
    client.events.subscribe(on_error=on_error, on_completed=on_completed)
    if selectors:
        events = events.pipe(of_type(*selectors))
    events.subscribe(printer.event)
    client.state.subscribe(printer.state)
    return ended


async def _first(*waits: asyncio.Future[Any] | asyncio.Task[Any]) -> None:
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)


async def demo(printer: Printer, *, selectors: tuple[str, ...], speed: float) -> int:
    """Play ``call_lifecycle`` on an embedded coordinator and show what the client sees."""
    from ..testing import FakeCoordinator  # aiohttp: imported only by the commands that serve

    secret = secrets.token_urlsafe(32)
    async with FakeCoordinator(
        api_key=DEMO_KEY, api_secret=secret, scenario="call_lifecycle", speed=speed
    ) as fake:
        printer.note(
            f"Embedded coordinator on {fake.uri}: playing call_lifecycle "
            f"(a call, three participants, one network drop) at speed {speed:g}",
            style="bold",
        )
        client = StreamAPIWS(
            DEMO_KEY,
            user_id=DEMO_USER,
            token_provider=lambda: create_user_token(secret, DEMO_USER, ttl=TOKEN_TTL),
            uri=fake.uri,
            backoff_base=1.0 / speed,
        )
        ended = _show(client, printer, selectors)
        async with stop_signals() as stop:
            await client.connect()
            await client.watch(DEMO_CALL)
            played = asyncio.ensure_future(fake.wait_scenario())
            stopped = asyncio.ensure_future(stop.wait())
            await _first(played, stopped, ended)
            if played.done():
                played.result()
                await asyncio.sleep(0.2)  # the last frames are on their way
            played.cancel()
            stopped.cancel()
            await client.disconnect()
    printer.summary()
    return EXIT_OK


async def listen(
    printer: Printer,
    *,
    api_key: str,
    user_id: str,
    token: str | None,
    secret: str | None,
    uri: str,
    selectors: tuple[str, ...],
    max_retries: int,
    watch: tuple[str, ...] = (),
) -> int:
    """Show the events of a real (or any) coordinator until a signal or a final error.

    The calls in ``watch`` (``"type:id"``) are watched, and watched again after every
    reconnect."""
    provider: Callable[[], str] | None = None
    if secret is not None:
        provider = lambda: create_user_token(secret, user_id, ttl=TOKEN_TTL)  # noqa: E731
    client = StreamAPIWS(
        api_key,
        token,
        user_id,
        token_provider=provider,
        uri=uri or DEFAULT_WS_URI,
        max_retries=max_retries,
    )
    ended = _show(client, printer, selectors)
    async with stop_signals() as stop:
        try:
            await client.connect()
            for cid in watch:
                await client.watch(cid)
        except StreamWSException as error:
            await client.disconnect()
            return _report(printer, error, first=True)
        stopped = asyncio.ensure_future(stop.wait())
        await _first(stopped, ended)
        stopped.cancel()
        await client.disconnect()
    outcome = ended.result() if ended.done() else None
    return EXIT_OK if outcome is None else _report(printer, outcome, first=False)


@contextlib.contextmanager
def _connection_log(printer: Printer) -> Iterator[None]:
    """Print the fake's INFO lines (a client connected, was refused, left) while it runs."""
    logger = logging.getLogger("rx_coordinator.testing")

    class _ToPrinter(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            printer.note(record.getMessage(), "dim")

    handler = _ToPrinter(logging.INFO)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _report(printer: Printer, error: Exception, *, first: bool) -> int:
    if isinstance(error, StreamWSAuthError):
        printer.note(f"authentication refused: code {error.code}: {error.message}", "bold red")
        return EXIT_AUTH
    if isinstance(error, StreamAPIError):
        printer.note(f"could not watch a call: {error}", "bold red")
        return EXIT_CONNECT
    if isinstance(error, StreamWSMaxRetriesExceeded):
        printer.note(f"gave up: {error}", "bold red")
        return EXIT_GAVE_UP
    what = "could not connect" if first else "connection ended"
    printer.note(f"{what}: {error}", "bold red")
    return EXIT_CONNECT


async def fake_server(
    printer: Printer,
    *,
    host: str,
    port: int,
    api_key: str | None,
    api_secret: str | None,
    scenario: str | None,
    speed: float,
) -> int:
    """Run a FakeCoordinator until a signal, printing its URI."""
    from ..testing import FakeCoordinator  # aiohttp: imported only by the commands that serve

    async with FakeCoordinator(
        host=host,
        port=port,
        api_key=api_key,
        api_secret=api_secret,
        scenario=scenario,
        speed=speed,
        repeat=True,
    ) as fake:
        printer.note(fake.uri)
        printer.note(f"REST and WebSocket base for Stream's SDKs: {fake.base_url}", "dim")
        if scenario is not None:
            printer.note(f"playing {scenario} for every connected client; Ctrl-C to stop", "dim")
        with _connection_log(printer):
            async with stop_signals() as stop:
                await stop.wait()
    return EXIT_OK
