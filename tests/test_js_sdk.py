"""Stream's official JavaScript client (``@stream-io/video-client``) against the fake.

``tests/js`` pins the client and ``ws`` in its ``package-lock.json``; they are installed
from the npm registry (``npm ci``) once per run, never vendored. ``tests/js/flows.mjs``
runs the flows a UI runs and prints JSON lines; at its checkpoints pytest acts on the fake
(drops a socket, watches with our own client) and answers on its stdin. Skipped, saying
so, only where ``node`` or ``npm`` is missing.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from rx_coordinator import StreamAPIWS
from rx_coordinator.testing import FakeCoordinator
from rx_coordinator.tokens import create_user_token

from .helpers import FAST, Recorder, eventually

JS = Path(__file__).parent / "js"
KEY = "js-key"
SECRET = "js-secret-long-enough-for-hs256-0123456789abcdef"
FLOW_TIMEOUT = 40.0

pytestmark = pytest.mark.timeout(360)  # the first test also waits for npm ci (up to 300 s)

Checkpoints = dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]]


@pytest.fixture(scope="session")
def js_client() -> Path:
    """``tests/js/node_modules``, installed by ``npm ci`` once per run (a lock file keeps
    xdist workers from installing at once; a marker holding the lock file's hash says
    the install is complete and current)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed to run Stream's JavaScript client")
    lock = (JS / "package-lock.json").read_bytes()
    wanted = hashlib.sha256(lock).hexdigest()
    marker = JS / "node_modules" / ".rx-coordinator-installed"
    with (JS / ".npm-ci.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not marker.exists() or marker.read_text() != wanted:
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=JS,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if result.returncode != 0:
                pytest.fail(f"npm ci failed in {JS}:\n{result.stderr[-2000:]}")
            marker.write_text(wanted)
    return JS


@pytest.fixture
async def emulator() -> AsyncIterator[FakeCoordinator]:
    async with FakeCoordinator(api_key=KEY, api_secret=SECRET) as fake:
        yield fake


def token(user_id: str, **kwargs: Any) -> str:
    return create_user_token(SECRET, user_id, **kwargs)


async def run_flows(
    js: Path,
    fake: FakeCoordinator,
    flows: list[str],
    checkpoints: Checkpoints | None = None,
    **extra: Any,
) -> list[dict[str, Any]]:
    """Run ``flows`` in one Node process; returns its result lines (checkpoints excluded)."""
    config = {
        "flows": flows,
        "api_key": KEY,
        "base_url": fake.base_url,
        "base_url_v2": f"http://127.0.0.1:{fake.port}/api/v2/video",
        "tokens": {user: token(user, ttl=3600) for user in ("alice", "bob")},
        **extra,
    }
    proc = await asyncio.create_subprocess_exec(
        "node",
        "flows.mjs",
        json.dumps(config),
        cwd=js,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    stderr = asyncio.ensure_future(proc.stderr.read())
    results: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(FLOW_TIMEOUT):
            async for raw in proc.stdout:
                line = raw.decode()
                if not line.startswith("@@ "):
                    continue
                record = json.loads(line[3:])
                if "checkpoint" in record:
                    answer = await (checkpoints or {})[record["checkpoint"]](record)
                    proc.stdin.write(json.dumps(answer).encode() + b"\n")
                    await proc.stdin.drain()
                    continue
                results.append(record)
            await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    logs = (await stderr).decode()
    assert results[-1:] == [{"done": True, "outbound": []}], f"{results}\n--- stderr ---\n{logs}"
    return results[:-1]


async def test_connects_under_both_base_urls(js_client, emulator):
    results = await run_flows(js_client, emulator, ["base_urls"])
    assert [r["baseURL"] for r in results] == [emulator.base_url, results[1]["baseURL"]]
    assert results[1]["baseURL"].endswith("/api/v2/video")
    paths = [c.path for c in emulator.connections]
    assert paths == ["/video/connect", "/api/v2/video/connect"]
    assert [r["connection_id"] for r in results] == [c.connection_id for c in emulator.connections]
    assert emulator.connections[0].query["api_key"] == KEY
    assert emulator.connections[0].auth["user_details"]["name"] == "Alice (JS)"


async def test_a_wrong_key_is_code_2_and_an_expired_token_is_refreshed(js_client, emulator):
    expired = token("alice", ttl=60, issued_at=time.time() - 3600)
    wrong, refreshed = await run_flows(
        js_client, emulator, ["wrong_key", "expired_token"], expired_token=expired
    )
    assert wrong == {"flow": "wrong_key", "connected": False, "code": 2}
    assert refreshed["provider_calls"] == 2
    assert [c.error_code for c in emulator.connections] == [2, 40, None]
    assert emulator.connections[0].query["api_key"] == "not-the-key"
    assert refreshed["connection_id"] == emulator.connections[-1].connection_id


async def test_one_client_s_actions_reach_another_js_client_and_our_python_client(
    js_client, emulator
):
    call_id = f"js-{uuid.uuid4().hex[:8]}"
    cid = f"default:{call_id}"
    python = StreamAPIWS(KEY, token("carol", ttl=3600), "carol", uri=emulator.uri, **FAST)
    events = Recorder(python.events)

    async def python_watching(_: dict[str, Any]) -> dict[str, Any]:
        await python.connect()
        await python.watch(cid)
        return {}

    try:
        created, bob_saw = await run_flows(
            js_client,
            emulator,
            ["call_actions"],
            {"python_watching": python_watching},
            call_id=call_id,
        )
        expected = ["custom", "call.reaction_new", "call.accepted", "call.rejected", "call.ended"]
        await eventually(lambda: [t for t in events.types() if t in expected] == expected)
    finally:
        await python.disconnect()
    assert created["created"] is True
    assert created["members"] == created["bob_sees_members"] == ["alice", "bob"]
    assert [t for t in bob_saw["types"] if t in expected] == expected
    assert bob_saw["custom"] == {"hello": "from js"}
    assert bob_saw["reaction"] == ":like:"
    assert bob_saw["ended_by"] == "alice"
    ours = {e.type: e.to_dict() for e in events.items}
    assert ours["custom"]["user"]["id"] == "alice"
    assert ours["call.rejected"]["user"]["id"] == "alice"
    session = emulator.calls[cid]["session"]
    assert set(session["accepted_by"]) == set(session["rejected_by"]) == {"alice"}


async def test_a_ring_reaches_the_callee_only_and_its_accept_reaches_the_caller(
    js_client, emulator
):
    call_id = f"js-{uuid.uuid4().hex[:8]}"
    (result,) = await run_flows(js_client, emulator, ["ringing"], call_id=call_id)
    assert result["ring_from"] == "alice"
    assert result["bob_has_the_call"] is True
    assert "call.ring" not in result["alice_saw"]
    assert "call.accepted" in result["alice_saw"]
    assert result["accepted_by"] == ["bob"]
    assert result["session_id"] == emulator.calls[f"default:{call_id}"]["current_session_id"]


async def test_after_a_drop_the_js_client_rewatches_with_query_calls(js_client, emulator):
    call_id = f"js-{uuid.uuid4().hex[:8]}"
    cid = f"default:{call_id}"

    async def watching(record: dict[str, Any]) -> dict[str, Any]:
        first = emulator.connections[-1]
        assert first.connection_id == record["connection_id"]
        assert cid in first.watching
        await first.drop()
        again = await emulator.wait_watched(cid, timeout=15)
        assert again is not first
        await emulator.deliver(
            {
                "type": "custom",
                "call_cid": cid,
                "custom": {"after": "reconnect"},
                "user": {"id": "bob"},
            }
        )
        return {}

    (result,) = await run_flows(
        js_client, emulator, ["reconnect"], {"watching": watching}, call_id=call_id
    )
    assert result["custom"] == {"after": "reconnect"}
    assert result["connection_id"] != result["first_connection_id"]
    rewatch = [r for r in emulator.rest_requests if r.path == "/video/calls"]
    assert rewatch, [r.path for r in emulator.rest_requests]
    assert rewatch[0].body["watch"] is True
    assert rewatch[0].body["filter_conditions"] == {"cid": {"$in": [cid]}}
    assert rewatch[0].query["connection_id"] == result["connection_id"]
