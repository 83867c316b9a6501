"""The ``rx-coordinator`` command line: demo, listen, fake-server, token (with Click)."""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import sys
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import click

from .._version import __version__
from ..events import EVENT_TYPES
from ..protocol import DEFAULT_WS_URI, call_cid
from ..testing.scenarios import SCENARIOS
from ..tokens import create_user_token
from . import _run
from ._render import Printer

__all__ = ["cli", "run"]

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


def _selectors(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """Filters must name something; one that matches no known event type is only warned of
    (a server may send types the spec does not know)."""
    for value in values:
        if not value.strip():
            raise click.BadParameter("a filter cannot be empty: give a type or a glob")
        if not any(fnmatch.fnmatchcase(kind, value) for kind in EVENT_TYPES):
            click.echo(
                f"warning: --filter {value!r} matches no known event type "
                "(types look like call.created or call.session_*)",
                err=True,
            )
    return values


_filter = click.option(
    "--filter",
    "selectors",
    multiple=True,
    metavar="GLOB",
    callback=_selectors,
    help="Show only events matching this wire type or glob (call.session_*); repeatable.",
)
_health_checks = click.option(
    "--health-checks",
    is_flag=True,
    help="Also show the coordinator's health.check answers (hidden by default).",
)


def _retries(_ctx: click.Context, _param: click.Parameter, value: str) -> int | None:
    """A count of reconnect attempts, or ``never`` (``None``: never give up)."""
    text = value.strip().lower()
    if text == "never":
        return None
    if not text.isdigit():
        raise click.BadParameter(f"{value!r} is neither a whole number >= 0 nor 'never'")
    return int(text)


def _not_empty(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("cannot be empty")
    return value


def _ws_uri(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    parts = urlsplit(value)
    try:
        valid = parts.scheme in {"ws", "wss"} and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number, or out of range
        valid = False
    if not valid:
        raise click.BadParameter(
            f"{value!r} is not a WebSocket URI: give ws://HOST[:PORT]/PATH or wss://HOST[:PORT]/PATH"
        )
    return value


class _OneLine(logging.Formatter):
    """Log records as one line each: an exception is named, never given a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {one_line(record)}"


def one_line(record: logging.LogRecord) -> str:
    """A record's message with its exception's text, each said once.

    ``connection lost; reconnecting in 1 s`` with ``connection lost (close code 1006)``
    reads ``connection lost (close code 1006); reconnecting in 1 s``.
    """
    message = record.getMessage()
    error = record.exc_info[1] if record.exc_info else None
    detail = str(error) if error is not None else ""
    if not detail or detail in message:
        return message
    head, sep, rest = message.partition("; ")
    if detail.startswith(head):
        return detail + sep + rest
    return f"{message} ({detail})"


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
@_health_checks
@_speed
def demo(json_lines: bool, selectors: tuple[str, ...], health_checks: bool, speed: float) -> None:
    """Play a whole call on an embedded coordinator and show the events live.

    A call is created, rings, is accepted; three people join, react and chat; the network
    drops once and the client reconnects; everyone leaves and the call ends (about 15 s).
    """
    printer = Printer(json_lines=json_lines)
    _run_async(_run.demo(printer, selectors=selectors, speed=speed, health_checks=health_checks))


@cli.command()
@click.option(
    "--api-key",
    envvar="STREAM_API_KEY",
    show_envvar=True,
    required=True,
    callback=_not_empty,
    help="Your app's API key.",
)
@click.option("--user-id", required=True, callback=_not_empty, help="The user to connect as.")
@click.option(
    "--token",
    envvar="STREAM_USER_TOKEN",
    show_envvar=True,
    help="A user token for --user-id.",
)
@click.option(
    "--secret",
    envvar="STREAM_API_SECRET",
    show_envvar=True,
    help="Your app's secret: tokens are made (and refreshed) from it.",
)
@click.option(
    "--uri",
    default=DEFAULT_WS_URI,
    show_default=True,
    callback=_ws_uri,
    help="The coordinator (ws:// or wss://).",
)
@_json
@_filter
@_health_checks
@click.option(
    "--watch",
    multiple=True,
    metavar="TYPE:ID",
    callback=lambda _ctx, _param, values: tuple(_cid(v) for v in values),
    help="Watch this call (default:abc), again after every reconnect; repeatable.",
)
@click.option(
    "--max-retries",
    metavar="N|never",
    default="5",
    callback=_retries,
    show_default=True,
    help="Failed reconnect attempts before giving up, or 'never' to keep trying.",
)
def listen(
    api_key: str,
    user_id: str,
    token: str | None,
    secret: str | None,
    uri: str,
    json_lines: bool,
    selectors: tuple[str, ...],
    health_checks: bool,
    watch: tuple[str, ...],
    max_retries: int | None,
) -> None:
    """Show the events of the real coordinator (or any URI) until Ctrl-C.

    Give --token, or --secret to make tokens (with both, the token is used first and the
    secret refreshes it when it expires). Without --watch, only events sent to the user
    arrive. Exit codes: 0 stopped, 1 could not connect, 2 authentication refused (or a
    usage error), 3 gave up reconnecting.
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
            health_checks=health_checks,
        )
    )


@cli.command("fake-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (0: any free one).")
@click.option("--api-key", envvar="STREAM_API_KEY", show_envvar=True, help="Require this API key.")
@click.option(
    "--api-secret",
    envvar="STREAM_API_SECRET",
    show_envvar=True,
    help="Check tokens with this secret.",
)
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
    """Run the coordinator emulator until Ctrl-C.

    Its URI is printed first, then the `listen` command that shows what it plays. It
    serves the WebSocket and the REST calls of Stream's SDKs on one port (give them the
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
@click.option(
    "--secret",
    envvar="STREAM_API_SECRET",
    show_envvar=True,
    required=True,
    callback=_not_empty,
    help="Your app's secret.",
)
@click.option("--user-id", required=True, callback=_not_empty, help="The user the token is for.")
@click.option(
    "--ttl",
    type=click.IntRange(min=1),
    help="Seconds until the token expires (default: never).",
)
def token(secret: str, user_id: str, ttl: int | None) -> None:
    """Print a user token (HS256 JWT) for --user-id."""
    click.echo(create_user_token(secret, user_id, ttl=ttl))


# Raised for a group called without a command (click >= 8.2; older versions print the help).
_no_args = getattr(click.exceptions, "NoArgsIsHelpError", None)
_NO_ARGS: tuple[type[click.UsageError], ...] = (_no_args,) if _no_args is not None else ()


def run(args: list[str] | None = None) -> None:
    """Run the command line (on ``args``, by default ``sys.argv[1:]``) and exit: a usage
    error is one line on stderr, with exit code 2."""
    try:
        result = cli.main(args, prog_name="rx-coordinator", standalone_mode=False)
    except _NO_ARGS as error:  # no command given: the help is the answer
        error.show()
        sys.exit(error.exit_code)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx is not None else "rx-coordinator"
        message = error.format_message().rstrip(".")
        click.echo(f"{where}: error: {message} (see --help)", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
