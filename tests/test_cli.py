"""The command line, run as users run it: a subprocess, its output and its exit code."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shlex
import signal
import socket
import sys
from pathlib import Path

import jwt
import pytest

from rx_coordinator import StreamAPIWS
from rx_coordinator.call_state import from_response
from rx_coordinator.cli._app import one_line
from rx_coordinator.cli._app import run as cli_run
from rx_coordinator.cli._render import Printer
from rx_coordinator.cli._run import SCENARIO_CALLS, listen_command
from rx_coordinator.errors import ConnectionLost
from rx_coordinator.testing import FakeCoordinator, payloads
from rx_coordinator.testing.scenarios import SCENARIOS
from rx_coordinator.tokens import create_user_token

from .helpers import Recorder, eventually
from .test_scenarios import LIFECYCLE

KEY = "cli-key"
SECRET = "cli-secret-long-enough-for-hs256-0123456789"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}


async def start(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rx_coordinator",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**CLEAN_ENV, **(env or {})},
    )


async def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await start(*args, env=env)
    async with asyncio.timeout(45):  # seven processes at once on a busy 2-core machine
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def listen(uri: str, *extra: str) -> tuple[str, ...]:
    return ("listen", "--api-key", KEY, "--user-id", "alice", "--uri", uri, *extra)


def assert_clean(*outputs: str, secrets: tuple[str, ...] = ()) -> None:
    for text in outputs:
        assert "Traceback" not in text
        assert "subscriber has no on_error" not in text  # the library's note, not for users
        for secret in secrets:
            assert secret not in text


BAD_TOKEN = create_user_token(SECRET + "-wrong", "alice")
_LISTEN = ("listen", "--api-key", KEY, "--token", "t")
USAGE_ERRORS = [
    (*_LISTEN, "--user-id", "alice", "--uri", "http://bad"),
    (*_LISTEN, "--user-id", "alice", "--uri", "notauri"),
    (*_LISTEN, "--user-id", "alice", "--uri", "wss://host:port/"),
    (*_LISTEN, "--user-id", "", "--uri", "ws://127.0.0.1:9/"),
    (*_LISTEN, "--user-id", "alice", "--max-retries", "soon"),
    (*_LISTEN, "--user-id", "alice", "--max-retries", "-1"),
    ("demo", "--filter", ""),
    ("demo", "--speed", "0"),
    ("token", "--secret", SECRET, "--user-id", ""),
]
Result = tuple[int, str, str]


@pytest.fixture(scope="module")
def batch() -> dict[str, Result]:
    """The runs that need no interaction, made at once: each costs a second of start-up."""

    async def run_all() -> dict[str, Result]:
        async with FakeCoordinator() as gone:
            unreachable = gone.uri
        async with FakeCoordinator(api_key=KEY, api_secret=SECRET) as app:
            runs = {
                "demo_json": run("demo", "--json", "--speed", "25"),
                "demo_filter": run(
                    "demo", "--json", "--speed", "25", "--filter", "call.session_participant_*"
                ),
                "demo_text": run("demo", "--speed", "25", env={"COLUMNS": "200"}),
                "token": run(
                    "token", "--user-id", "bob", "--ttl", "60", env={"STREAM_API_SECRET": SECRET}
                ),
                "refused": run(*listen(app.uri, "--token", BAD_TOKEN)),
                "unreachable": run(*listen(unreachable, "--token", "t")),
                "no_credentials": run("listen", "--api-key", KEY, "--user-id", "alice"),
            }
            return dict(zip(runs, await asyncio.gather(*runs.values()), strict=True))

    return asyncio.run(run_all())


def test_demo_json_prints_every_event_of_the_call_and_nothing_else(batch):
    code, out, err = batch["demo_json"]
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["type"] for e in events] == LIFECYCLE
    assert events[1]["call"]["created_by"]["id"] == "alice"
    assert "reconnecting" in err
    assert_clean(out, err)


def test_demo_filters_by_glob(batch):
    code, out, _ = batch["demo_filter"]
    assert code == 0
    kinds = [json.loads(line)["type"] for line in out.splitlines()]
    assert kinds == ["call.session_participant_joined"] * 3 + ["call.session_participant_left"] * 3


def test_demo_shows_readable_lines_states_and_a_summary(batch):
    code, out, err = batch["demo_text"]
    assert code == 0, err
    assert "Bob Builder joined default:lifecycle-demo" in out
    states = [line.split("● ")[1] for line in out.splitlines() if "● " in line]
    assert states[:2] == ["connecting", "connected"]  # not the "disconnected" it starts in
    assert "reconnecting" in states
    assert states[-1] == "disconnected"
    # The library's warning, said once: what was lost, then what happens.
    assert "warning: connection lost (close code 1006); reconnecting in" in err
    assert "(connection lost" not in err
    assert "Summary" in out
    summary = out[out.index("Summary") :]
    assert "reconnects" in summary
    assert "call.session_participant_joined" in summary
    # The call as its call state had it at the end: everyone left, and it ended.
    rows = {
        cells[0]: cells[1]
        for line in summary.splitlines()
        if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) == 2
    }
    assert rows["call"] == "default:lifecycle-demo"
    assert rows["participants"] == "nobody"
    assert rows["members"] == "Alice Liddell, Bob Builder, Carol Danvers"
    assert rows["ended"].startswith("at ")
    assert rows["ended"].endswith(" UTC")
    assert rows["call state from"] == "event"
    assert_clean(out, err)


def test_the_summary_shows_the_final_call_state_it_is_given():
    call = payloads.call("default:x", created_by=payloads.user("alice"), session_id="s1")
    call["session"] = payloads.call_session("s1")
    call["session"]["participants"] = [
        payloads.participant(payloads.user("zed", name="Zed Zebra")),
        payloads.participant(payloads.user("amy")),
    ]
    members = [payloads.member(payloads.user("bob", name="Bob Builder"))]
    state = from_response(
        {"call": call, "members": members, "own_capabilities": []}, source="resync"
    )
    out = io.StringIO()
    Printer(json_lines=False, out=out).summary(state)
    text = out.getvalue()
    assert "amy, Zed Zebra" in text
    assert "Bob Builder" in text
    assert "resync" in text
    assert "│ ended" in text
    assert " no " in text.split("│ ended")[1].splitlines()[0]


def test_token_prints_a_verifiable_token(batch):
    code, out, _ = batch["token"]
    assert code == 0
    claims = jwt.decode(out.strip(), SECRET, algorithms=["HS256"])
    assert claims["user_id"] == "bob"
    assert claims["exp"] - claims["iat"] == 60


def test_listen_exits_2_with_the_servers_code_when_auth_is_refused(batch):
    code, out, err = batch["refused"]
    assert code == 2
    assert "code 43" in out + err
    assert "signature is not valid" in out + err
    assert_clean(out, err, secrets=(BAD_TOKEN, SECRET))


def test_listen_exits_1_when_the_first_connect_fails(batch):
    code, out, err = batch["unreachable"]
    assert code == 1
    assert "could not connect" in out + err
    assert_clean(out, err)


def test_listen_needs_a_token_or_a_secret(batch):
    code, out, err = batch["no_credentials"]
    assert code == 2
    assert "--token or --secret" in err
    # A usage error, from the installed command: one line, no traceback.
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("rx-coordinator listen: error: ")


@pytest.fixture
async def app():
    async with FakeCoordinator(api_key=KEY, api_secret=SECRET) as fake:
        yield fake


HEALTH_CHECK = {"type": "health.check", "connection_id": "c1", "created_at": "2025-01-01T00:00:00Z"}


async def test_listen_prints_events_until_sigint_then_disconnects_cleanly(app):
    proc = await start(*listen(app.uri, "--json"), env={"STREAM_API_SECRET": SECRET})
    async with asyncio.timeout(20):
        conn = await app.next_connection(timeout=15)
        await conn.send(HEALTH_CHECK)  # hidden unless asked for
        await conn.send(payloads.custom_event("default:1", {"hi": 1}, by=payloads.user("bob")))
        assert proc.stdout is not None
        first = json.loads(await proc.stdout.readline())
        second = json.loads(await proc.stdout.readline())
        proc.send_signal(signal.SIGINT)
        out, err = await proc.communicate()
    assert [first["type"], second["type"]] == ["connection.ok", "custom"]
    assert proc.returncode == 0
    assert "connected, watching no call" in err.decode()
    assert "--watch TYPE:ID" in err.decode()
    await conn.wait_closed()
    assert conn.close_code == 1000
    assert_clean(out.decode(), err.decode(), secrets=(SECRET, conn.auth["token"]))


async def test_listen_shows_health_checks_when_asked(app):
    args = listen(app.uri, "--json", "--health-checks")
    proc = await start(*args, env={"STREAM_API_SECRET": SECRET})
    async with asyncio.timeout(20):
        conn = await app.next_connection(timeout=15)
        await conn.send(HEALTH_CHECK)
        assert proc.stdout is not None
        kinds = [json.loads(await proc.stdout.readline())["type"] for _ in range(2)]
        proc.send_signal(signal.SIGINT)
        await proc.communicate()
    assert kinds == ["connection.ok", "health.check"]
    assert proc.returncode == 0


async def test_listen_sigterm_also_exits_0(app):
    token = create_user_token(SECRET, "alice")
    proc = await start(*listen(app.uri, "--token", token))
    async with asyncio.timeout(20):
        await app.next_connection(timeout=15)
        proc.send_signal(signal.SIGTERM)
        out, err = await proc.communicate()
    assert proc.returncode == 0
    assert_clean(out.decode(), err.decode(), secrets=(token,))


async def test_listen_exits_3_when_it_gives_up_reconnecting(app):
    proc = await start(*listen(app.uri, "--max-retries", "0"), env={"STREAM_API_SECRET": SECRET})
    async with asyncio.timeout(20):
        conn = await app.next_connection(timeout=15)
        await conn.drop()
        out, err = await proc.communicate()
    assert proc.returncode == 3
    assert "gave up" in (out + err).decode()
    assert_clean(out.decode(), err.decode(), secrets=(SECRET,))


@pytest.mark.timeout(60)
async def test_fake_server_prints_the_listen_command_which_shows_cycle_after_cycle():
    """The printed command, run as printed: it watches the scenario's call, and with
    ``--max-retries never`` it outlives the drop that every cycle plays."""
    server = await start("fake-server", "--scenario", "call_lifecycle", "--speed", "50")
    assert server.stdout is not None
    listener = None
    try:
        async with asyncio.timeout(40):
            uri = (await server.stdout.readline()).decode().strip()
            assert uri.startswith("ws://127.0.0.1:")
            line = ""
            while not line.startswith("rx-coordinator listen"):
                line = (await server.stdout.readline()).decode().strip()
            command = shlex.split(line)
            assert command[:2] == ["rx-coordinator", "listen"]
            assert command[command.index("--uri") + 1] == uri
            assert command[command.index("--watch") + 1] == "default:lifecycle-demo"
            assert command[command.index("--max-retries") + 1] == "never"
            listener = await start(*command[1:], "--json")
            assert listener.stdout is not None
            kinds: list[str] = []
            # Cycle after cycle, each with its drop: delays of 1, 2, 4 s... and never given up.
            while kinds.count("call.ended") < 2 or kinds.count("connection.ok") < 3:
                kinds.append(json.loads(await listener.stdout.readline())["type"])
            listener.send_signal(signal.SIGINT)
            out, err = await listener.communicate()
            assert listener.returncode == 0, err
            assert "watching no call" not in err.decode()
            assert_clean(out.decode(), err.decode())
            server.send_signal(signal.SIGINT)
            out, err = await server.communicate()
    finally:
        for proc in (server, listener):
            if proc is not None and proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert server.returncode == 0


async def test_fake_server_prints_its_uri_and_plays_for_clients_until_sigint():
    proc = await start("fake-server", "--scenario", "call_lifecycle", "--speed", "25")
    assert proc.stdout is not None
    async with asyncio.timeout(20):
        uri = (await proc.stdout.readline()).decode().strip()
        assert uri.startswith("ws://127.0.0.1:")
        # Calm timings: a loaded machine must not see a silence, and a second connection.
        client = StreamAPIWS(
            "key", "token", "alice", uri=uri, healthcheck_interval=1.0, healthcheck_timeout=5.0
        )
        events = Recorder(client.events)
        await client.connect()
        client_id = client.connection_id
        await client.watch("default:lifecycle-demo")
        await eventually(lambda: "call.ring" in events.types(), timeout=10)
        await client.disconnect()
        proc.send_signal(signal.SIGINT)
        out, err = await proc.communicate()
    calls = [kind for kind in events.types() if kind != "health.check"]
    assert calls[:3] == ["connection.ok", "call.created", "call.ring"]
    assert proc.returncode == 0
    printed = out.decode() + err.decode()
    assert f"alice connected: connection {client_id}" in printed
    assert (
        f"alice left: connection {client_id}, watched default:lifecycle-demo, close code 1000"
        in " ".join(printed.split())  # rich may wrap the line
    )
    assert_clean(out.decode(), err.decode())


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "rx-coordinator"
    assert script.exists()


@pytest.fixture
def in_process(capsys, monkeypatch):
    """Run the command line in this process (cheaper than a subprocess for what exits at
    once); returns its exit code, stdout and stderr. The logger it configures is restored."""
    logger = logging.getLogger("rx_coordinator")
    monkeypatch.setattr(logger, "handlers", list(logger.handlers))
    monkeypatch.setattr(logger, "propagate", logger.propagate)
    monkeypatch.setattr(logger, "level", logger.level)
    monkeypatch.setenv("COLUMNS", "200")
    for name in [n for n in os.environ if n.startswith("STREAM_")]:
        monkeypatch.delenv(name)

    def invoke(*args: str) -> Result:
        with pytest.raises(SystemExit) as exited:
            cli_run(list(args))
        out, err = capsys.readouterr()
        code = exited.value.code
        return (code if isinstance(code, int) else 1), out, err

    return invoke


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=" ".join)
def test_usage_errors_are_one_line_with_exit_2(in_process, args):
    code, out, err = in_process(*args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"rx-coordinator {args[0]}: error: ")
    assert_clean(out, err, secrets=(SECRET,))


def test_a_filter_matching_no_known_type_warns(in_process):
    # A usage error after the filter stops the command before it runs: only parsing is seen.
    code, _, err = in_process(
        "demo", "--filter", "nonsense.type", "--filter", "call.*", "--speed", "0"
    )
    assert code == 2
    assert "warning: --filter 'nonsense.type' matches no known event type" in err
    assert "'call.*'" not in err  # a glob matching some known type is fine


def test_the_filters_of_the_demo_do_not_warn(batch):
    assert "matches no known event type" not in batch["demo_filter"][2]


def test_help_names_the_environment_variables(in_process):
    code, out, _ = in_process("listen", "--help")
    assert code == 0
    for name in ("STREAM_API_KEY", "STREAM_USER_TOKEN", "STREAM_API_SECRET"):
        assert name in out
    assert "never" in out
    assert "--health-checks" in out
    code, out, _ = in_process("fake-server", "--help")
    assert code == 0
    assert "STREAM_API_KEY" in out
    assert "STREAM_API_SECRET" in out
    code, out, _ = in_process("token", "--help")
    assert code == 0
    assert "STREAM_API_SECRET" in out


def _record(message: str, error: Exception | None) -> logging.LogRecord:
    info = (type(error), error, None) if error is not None else None
    return logging.LogRecord("rx_coordinator", logging.WARNING, "", 0, message, (), info)


def test_log_lines_say_the_error_once():
    lost = ConnectionLost("connection lost (close code 1006)")
    assert one_line(_record("connection lost; reconnecting in 1 s", lost)) == (
        "connection lost (close code 1006); reconnecting in 1 s"
    )
    assert one_line(_record("reconnect attempt 2 failed; reconnecting in 4 s", lost)) == (
        "reconnect attempt 2 failed; reconnecting in 4 s (connection lost (close code 1006))"
    )
    assert one_line(_record("giving up: boom", ValueError("boom"))) == "giving up: boom"
    assert one_line(_record("disconnected", None)) == "disconnected"


def test_every_shipped_scenario_names_the_call_to_watch():
    assert set(SCENARIO_CALLS) == set(SCENARIOS)


def test_the_listen_command_never_carries_a_secret():
    uri = "ws://127.0.0.1:1234/video/connect"
    plain = shlex.split(listen_command(uri, api_key=None, secret=False, watch=None))
    assert plain[:2] == ["rx-coordinator", "listen"]
    assert "--watch" not in plain
    assert plain[plain.index("--token") + 1] == "any"  # the fake takes any token then
    checked = listen_command(uri, api_key="app-key", secret=True, watch="default:x")
    assert checked.endswith('--secret "$STREAM_API_SECRET"')  # read from the environment
    words = shlex.split(checked)
    assert words[words.index("--api-key") + 1] == "app-key"
    assert words[words.index("--watch") + 1] == "default:x"
    assert "--token" not in words


def test_no_command_shows_the_help(in_process):
    code, out, err = in_process()
    assert code in (0, 2)  # click 8.2 and later say 2, as for any missing argument
    assert "error:" not in out + err
    assert "Commands:" in out + err
    assert "demo" in out + err


def test_fake_server_on_a_taken_port_says_so_in_one_line(in_process):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = in_process("fake-server", "--port", str(port))
    assert code == 1
    assert (out + err).strip() == f"could not listen on 127.0.0.1:{port}: address already in use"
