"""The ``rx-coordinator`` command line: demo, listen, fake-server, token (with Click)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any

import click

from .._version import __version__
from ..protocol import DEFAULT_WS_URI, call_cid
from ..testing.scenarios import SCENARIOS
from ..tokens import create_user_token
from . import _run
from ._render import Printer

__all__ = ["cli"]

# Options several commands share.
_speed = click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Play the scenario this many times faster.",
)
_json = click.option(
    "--json", "json_lines", is_flag=True, help="One JSON object per event on stdout."
)
_filter = click.option(
    "--filter",
    "selectors",
    multiple=True,
    metavar="GLOB",
    help="Show only events matching this wire type or glob (call.session_*); repeatable.",
)


class _OneLine(logging.Formatter):
    """Log records as one line each: an exception is named, never given a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = f"{record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            message += f" ({record.exc_info[1]})"
        return message


def _configure_logging(verbose: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    root = logging.getLogger("rx_coordinator")
    root.handlers[:] = [handler]
    root.propagate = False
    root.setLevel([logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)])


def _cid(value: str) -> str:
    try:
        return call_cid(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _run_async(coro: Coroutine[Any, Any, int]) -> None:
    sys.exit(asyncio.run(coro))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rx-coordinator")
@click.option("-v", "--verbose", count=True, help="More log output (-v: info, -vv: debug).")
def cli(verbose: int) -> None:
    """Watch Stream Video's coordinator events, live.

    Start with `rx-coordinator demo`: no account needed.
    """
    _configure_logging(verbose)


@cli.command()
@_json
@_filter
@_speed
def demo(json_lines: bool, selectors: tuple[str, ...], speed: float) -> None:
    """Play a whole call on an embedded coordinator and show the events live.

    A call is created, rings, is accepted; three people join, react and chat; the network
    drops once and the client reconnects; everyone leaves and the call ends (about 15 s).
    """
    printer = Printer(json_lines=json_lines)
    _run_async(_run.demo(printer, selectors=selectors, speed=speed))


@cli.command()
@click.option("--api-key", envvar="STREAM_API_KEY", required=True, help="Your app's API key.")
@click.option("--user-id", required=True, help="The user to connect as.")
@click.option(
    "--token",
    envvar="STREAM_USER_TOKEN",
    help="A user token for --user-id. [env: STREAM_USER_TOKEN]",
)
@click.option(
    "--secret",
    envvar="STREAM_API_SECRET",
    help="Your app's secret: tokens are made (and refreshed) from it. [env: STREAM_API_SECRET]",
)
@click.option("--uri", default=DEFAULT_WS_URI, show_default=True, help="The coordinator.")
@_json
@_filter
@click.option(
    "--watch",
    multiple=True,
    metavar="TYPE:ID",
    callback=lambda _ctx, _param, values: tuple(_cid(v) for v in values),
    help="Watch this call (default:abc), again after every reconnect; repeatable.",
)
@click.option(
    "--max-retries",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Failed reconnect attempts before giving up.",
)
def listen(
    api_key: str,
    user_id: str,
    token: str | None,
    secret: str | None,
    uri: str,
    json_lines: bool,
    selectors: tuple[str, ...],
    watch: tuple[str, ...],
    max_retries: int,
) -> None:
    """Show the events of the real coordinator (or any URI) until Ctrl-C.

    Give --token, or --secret to make tokens (with both, the token is used first and the
    secret refreshes it when it expires). Exit codes: 0 stopped, 1 could not connect,
    2 authentication refused, 3 gave up reconnecting.
    """
    if not token and not secret:
        raise click.UsageError("give --token or --secret (or STREAM_USER_TOKEN, STREAM_API_SECRET)")
    printer = Printer(json_lines=json_lines)
    _run_async(
        _run.listen(
            printer,
            api_key=api_key,
            user_id=user_id,
            token=token or None,
            secret=secret or None,
            uri=uri,
            selectors=selectors,
            max_retries=max_retries,
            watch=watch,
        )
    )


@cli.command("fake-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (0: any free one).")
@click.option("--api-key", envvar="STREAM_API_KEY", help="Require this API key.")
@click.option("--api-secret", envvar="STREAM_API_SECRET", help="Check tokens with this secret.")
@click.option(
    "--scenario",
    type=click.Choice(sorted(SCENARIOS)),
    help="Play this scenario for every connected client.",
)
@_speed
def fake_server(
    host: str,
    port: int,
    api_key: str | None,
    api_secret: str | None,
    scenario: str | None,
    speed: float,
) -> None:
    """Run the coordinator emulator until Ctrl-C (its URI is printed first).

    It serves the WebSocket and the REST calls of Stream's SDKs on one port (give them the
    printed base URL as baseURL), and prints a line when a client connects and leaves.
    """
    if (api_key is None) != (api_secret is None):
        raise click.UsageError("give both --api-key and --api-secret, or neither")
    printer = Printer(json_lines=False)
    _run_async(
        _run.fake_server(
            printer,
            host=host,
            port=port,
            api_key=api_key,
            api_secret=api_secret,
            scenario=scenario,
            speed=speed,
        )
    )


@cli.command()
@click.option("--secret", envvar="STREAM_API_SECRET", required=True, help="Your app's secret.")
@click.option("--user-id", required=True, help="The user the token is for.")
@click.option(
    "--ttl",
    type=click.IntRange(min=1),
    help="Seconds until the token expires (default: never).",
)
def token(secret: str, user_id: str, ttl: int | None) -> None:
    """Print a user token (HS256 JWT) for --user-id."""
    click.echo(create_user_token(secret, user_id, ttl=ttl))
