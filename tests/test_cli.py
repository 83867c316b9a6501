"""The command line, run as users run it: a subprocess, its output and its exit code."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import jwt
import pytest

from rx_coordinator import StreamAPIWS
from rx_coordinator.testing import FakeCoordinator, payloads
from rx_coordinator.tokens import create_user_token

from .helpers import FAST, Recorder, eventually
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
        for secret in secrets:
            assert secret not in text


BAD_TOKEN = create_user_token(SECRET + "-wrong", "alice")
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
    assert "● reconnecting" in out
    assert "Summary" in out
    summary = out[out.index("Summary") :]
    assert "reconnects" in summary
    assert "call.session_participant_joined" in summary
    assert_clean(out, err)


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
    code, _, err = batch["no_credentials"]
    assert code == 2
    assert "--token or --secret" in err


@pytest.fixture
async def app():
    async with FakeCoordinator(api_key=KEY, api_secret=SECRET) as fake:
        yield fake


async def test_listen_prints_events_until_sigint_then_disconnects_cleanly(app):
    proc = await start(*listen(app.uri, "--json"), env={"STREAM_API_SECRET": SECRET})
    async with asyncio.timeout(20):
        conn = await app.next_connection(timeout=15)
        await conn.send(payloads.custom_event("default:1", {"hi": 1}, by=payloads.user("bob")))
        assert proc.stdout is not None
        first = json.loads(await proc.stdout.readline())
        second = json.loads(await proc.stdout.readline())
        proc.send_signal(signal.SIGINT)
        out, err = await proc.communicate()
    assert [first["type"], second["type"]] == ["connection.ok", "custom"]
    assert proc.returncode == 0
    await conn.wait_closed()
    assert conn.close_code == 1000
    assert_clean(out.decode(), err.decode(), secrets=(SECRET, conn.auth["token"]))


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


async def test_fake_server_prints_its_uri_and_plays_for_clients_until_sigint():
    proc = await start("fake-server", "--scenario", "call_lifecycle", "--speed", "25")
    assert proc.stdout is not None
    async with asyncio.timeout(20):
        uri = (await proc.stdout.readline()).decode().strip()
        assert uri.startswith("ws://127.0.0.1:")
        client = StreamAPIWS("key", "token", "alice", uri=uri, **FAST)
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
