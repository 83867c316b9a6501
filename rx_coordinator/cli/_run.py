"""The command line's long-running commands, as coroutines that return an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shlex
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import reactivex.operators as ops
from reactivex import Observable

from ..call_state import CallState
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

__all__ = [
    "EXIT_AUTH",
    "EXIT_CONNECT",
    "EXIT_GAVE_UP",
    "EXIT_OK",
    "SCENARIO_CALLS",
    "demo",
    "fake_server",
    "listen",
    "listen_command",
]

EXIT_OK = 0
EXIT_CONNECT = 1  # the first connection failed, or the server closed for good
EXIT_AUTH = 2  # the coordinator refused the credentials
EXIT_GAVE_UP = 3  # reconnecting failed max_retries times

DEMO_KEY = "demo-key"
DEMO_USER = "alice"
DEMO_CALL = "default:lifecycle-demo"
TOKEN_TTL = 3600
SCENARIO_CALLS = {"call_lifecycle": DEMO_CALL}
"""The call each shipped scenario plays, which a client must watch to see it."""


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


def _ignore(_error: Exception) -> None:
    """The stream's end is reported once, from the future ``_show`` returns."""


def _is_shown(event: Event) -> bool:
    return event.type != "health.check"


def _show(
    client: StreamAPIWS,
    printer: Printer,
    selectors: tuple[str, ...],
    *,
    health_checks: bool = False,
) -> asyncio.Future[Any]:
    """Print the client's events (those matching ``selectors``; health checks only if asked)
    and states; the returned future is set with the stream's error when it ends."""
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
    if not health_checks:
        events = events.pipe(ops.filter(_is_shown))
    events.subscribe(printer.event, on_error=_ignore)
    client.state.subscribe(printer.state, on_error=_ignore)
    return ended


async def _follow(client: StreamAPIWS, cid: str) -> list[CallState]:
    """Watch ``cid`` through its call state; returns a list that holds its latest snapshot
    (kept after the stream ends), once the first is there.

    Raises:
        StreamAPIError: the call cannot be watched.
    """
    latest: list[CallState] = []
    first: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_next(state: CallState) -> None:
        latest[:] = [state]
        if not first.done():
            first.set_result(None)

    def on_error(error: Exception) -> None:
        if not first.done():
            first.set_exception(error)

    client.call_state(cid).subscribe(on_next, on_error=on_error)
    await first
    return latest


async def _first(*waits: asyncio.Future[Any] | asyncio.Task[Any]) -> None:
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)


async def demo(
    printer: Printer, *, selectors: tuple[str, ...], speed: float, health_checks: bool = False
) -> int:
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
        ended = _show(client, printer, selectors, health_checks=health_checks)
        async with stop_signals() as stop:
            await client.connect()
            # Watched through its state: the summary shows the call as it ended, resyncs
            # after the scenario's network drop included.
            call = await _follow(client, DEMO_CALL)
            played = asyncio.ensure_future(fake.wait_scenario())
            stopped = asyncio.ensure_future(stop.wait())
            await _first(played, stopped, ended)
            if played.done():
                played.result()
                await asyncio.sleep(0.2)  # the last frames are on their way
            played.cancel()
            stopped.cancel()
            await client.disconnect()
    printer.summary(call[-1] if call else None)
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
    max_retries: int | None,
    watch: tuple[str, ...] = (),
    health_checks: bool = False,
) -> int:
    """Show the events of a real (or any) coordinator until a signal or a final error.

    The calls in ``watch`` (``"type:id"``) are watched, and watched again after every
    reconnect; ``max_retries=None`` never gives up."""
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
    ended = _show(client, printer, selectors, health_checks=health_checks)
    async with stop_signals() as stop:
        try:
            await client.connect()
            for cid in watch:
                await client.watch(cid)
        except StreamWSException as error:
            await client.disconnect()
            return _report(printer, error, first=True)
        if not watch:
            printer.note(
                f"connected, watching no call: only events sent to {user_id} arrive "
                "(rings, notifications); add --watch TYPE:ID to see a call's events",
                "dim",
            )
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
    """Run a FakeCoordinator until a signal, printing its URI (exit 1 if it cannot listen)."""
    from ..testing import FakeCoordinator  # aiohttp: imported only by the commands that serve

    fake = FakeCoordinator(
        host=host,
        port=port,
        api_key=api_key,
        api_secret=api_secret,
        scenario=scenario,
        speed=speed,
        repeat=True,
    )
    try:
        await fake.start()
    except OSError as error:  # the port is taken, or the host is not this machine's
        reason = os.strerror(error.errno).lower() if error.errno else str(error)
        printer.note(f"could not listen on {host}:{port}: {reason}", "bold red")
        return EXIT_CONNECT
    try:
        printer.note(fake.uri)
        printer.note(f"REST and WebSocket base for Stream's SDKs: {fake.base_url}", "dim")
        if scenario is not None:
            printer.note(f"playing {scenario} for every connected client; Ctrl-C to stop", "dim")
        printer.note("watch it from another terminal with:")
        printer.note(
            listen_command(
                fake.uri,
                api_key=api_key,
                secret=api_secret is not None,
                watch=SCENARIO_CALLS.get(scenario or ""),
            ),
            "bold",
        )
        with _connection_log(printer):
            async with stop_signals() as stop:
                await stop.wait()
    finally:
        await fake.stop()
    return EXIT_OK


def listen_command(uri: str, *, api_key: str | None, secret: bool, watch: str | None) -> str:
    """The ``listen`` command line that shows what a fake coordinator on ``uri`` plays.

    With ``secret``, the command reads the secret from ``STREAM_API_SECRET`` (never
    printed); without, the fake accepts any token.
    """
    words = ["rx-coordinator", "listen", "--uri", uri, "--api-key", api_key or DEMO_KEY]
    words += ["--user-id", DEMO_USER]
    if watch is not None:
        words += ["--watch", watch]
    words += ["--max-retries", "never"]
    command = shlex.join(words)
    if secret:
        return command + ' --secret "$STREAM_API_SECRET"'
    return command + " --token any"
