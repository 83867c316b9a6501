"""The fake's REST side, spoken to with httpx and bare websockets peers: paths, errors, CORS,
the call actions, and who receives the events they cause."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from rx_coordinator.testing import FakeCoordinator, payloads

from .helpers import eventually

ERROR_KEYS = {"code", "message", "StatusCode", "duration", "more_info", "details"}


class Peer:
    """A user connected with a bare websocket, recording the events it receives."""

    def __init__(self, ws: ClientConnection, connection_id: str, hello: dict[str, Any]) -> None:
        self.ws = ws
        self.connection_id = connection_id
        self.hello = hello
        self.events: list[dict[str, Any]] = []
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for frame in self.ws:
                self.events.append(json.loads(frame))

    def types(self) -> list[str]:
        return [e["type"] for e in self.events if e["type"] != "health.check"]

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


@pytest.fixture
async def peers(fake: FakeCoordinator) -> AsyncIterator[Any]:
    opened: list[Peer] = []

    async def open_peer(user_id: str, name: str | None = None) -> Peer:
        ws = await connect(fake.uri + "?api_key=key")
        details = {"id": user_id} | ({"name": name} if name else {})
        await ws.send(json.dumps({"token": "t", "products": ["video"], "user_details": details}))
        hello = json.loads(await ws.recv())
        peer = Peer(ws, hello["connection_id"], hello)
        opened.append(peer)
        return peer

    yield open_peer
    for peer in opened:
        await peer.close()


@pytest.fixture
async def http(fake: FakeCoordinator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{fake.port}",
        headers={"Authorization": "t", "stream-auth-type": "jwt"},
    ) as client:
        yield client


def as_(peer: Peer) -> dict[str, str]:
    return {"api_key": "key", "connection_id": peer.connection_id}


async def test_connection_ok_names_the_user_from_user_details(peers):
    alice = await peers("alice", "Alice Liddell")
    assert alice.hello["me"]["id"] == "alice"
    assert alice.hello["me"]["name"] == "Alice Liddell"


@pytest.mark.parametrize("prefix", ["/video", "/api/v2/video"])
async def test_both_prefixes_serve_the_socket_and_the_calls(fake, http, prefix):
    fake.create_call(payloads.call("default:a", created_by=payloads.user("alice")))
    port = fake.port
    async with connect(f"ws://127.0.0.1:{port}{prefix}/connect") as ws:
        await ws.send(json.dumps({"token": "t", "user_details": {"id": "bob"}}))
        hello = json.loads(await ws.recv())
        assert hello["type"] == "connection.ok"
        answer = await http.get(
            f"{prefix}/call/default/a", params={"connection_id": hello["connection_id"]}
        )
        assert answer.status_code == 200
        assert answer.json()["call"]["cid"] == "default:a"
        assert (await fake.wait_watched("default:a")).path == f"{prefix}/connect"


async def test_unknown_paths_are_404_and_wrong_methods_405_in_stream_s_shape(http):
    missing = await http.get("/video/nothing/here")
    assert missing.status_code == 404
    assert set(missing.json()) == ERROR_KEYS
    assert missing.json()["StatusCode"] == 404
    wrong = await http.delete("/video/call/default/a")
    assert wrong.status_code == 405
    assert set(wrong.json()) == ERROR_KEYS
    assert "POST" in wrong.headers["Allow"]
    assert (await http.get("/video/calls")).status_code == 405


async def test_cors_preflight_and_headers_let_a_browser_app_call(http):
    origin = "http://localhost:5173"
    preflight = await http.options(
        "/video/call/default/a",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,stream-auth-type,content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "stream-auth-type" in preflight.headers["Access-Control-Allow-Headers"]
    answer = await http.get("/video/nothing", headers={"Origin": origin})
    assert answer.status_code == 404
    assert answer.headers["Access-Control-Allow-Origin"] == origin


async def test_get_or_create_creates_once_with_members_custom_and_settings(fake, http, peers):
    alice = await peers("alice", "Alice")
    bob = await peers("bob")  # a member who watches nothing
    carol = await peers("carol")  # neither member nor watcher
    body = {
        "data": {
            "members": [{"user_id": "alice", "role": "host"}, {"user_id": "bob"}],
            "custom": {"topic": "standup"},
            "settings_override": {"audio": {"mic_default_on": False}},
        }
    }
    first = await http.post("/video/call/default/s1", params=as_(alice), json=body)
    assert first.status_code == 200
    answer = first.json()
    assert answer["created"] is True
    assert answer["call"]["created_by"]["name"] == "Alice"
    assert answer["call"]["custom"] == {"topic": "standup"}
    assert answer["call"]["settings"]["audio"]["mic_default_on"] is False
    assert answer["call"]["settings"]["audio"]["speaker_default_on"] is True
    assert [m["user_id"] for m in answer["members"]] == ["alice", "bob"]
    assert answer["membership"]["role"] == "host"
    assert "own_capabilities" in answer
    assert "duration" in answer
    changed = {"data": {"members": [{"user_id": "carol"}], "custom": {"topic": "other"}}}
    again = await http.post("/video/call/default/s1", params=as_(bob), json=changed)
    assert again.json()["created"] is False
    assert again.json()["call"]["custom"] == {"topic": "standup"}  # an existing call stays
    assert [m["user_id"] for m in again.json()["members"]] == ["alice", "bob"]
    assert again.json()["membership"]["user_id"] == "bob"
    await eventually(lambda: "call.created" in bob.types())
    assert "call.created" in alice.types()
    await asyncio.sleep(0.05)
    assert carol.types() == []
    assert fake.connections[0].watching == {"default:s1"}


async def test_ring_reaches_the_members_but_not_the_caller_and_starts_a_session(fake, http, peers):
    alice, bob, carol = await peers("alice"), await peers("bob"), await peers("carol")
    members = [{"user_id": u} for u in ("alice", "bob", "carol")]
    created = await http.post(
        "/video/call/default/r",
        params=as_(alice),
        json={"data": {"members": members}, "ring": True, "video": True},
    )
    session = created.json()["call"]["session"]
    assert session["id"] == created.json()["call"]["current_session_id"] != ""
    for callee in (bob, carol):
        await eventually(lambda callee=callee: "call.ring" in callee.types())  # type: ignore[misc]
    ring = next(e for e in bob.events if e["type"] == "call.ring")
    assert ring["user"]["id"] == "alice"
    assert ring["video"] is True
    assert ring["session_id"] == session["id"]
    again = await http.post("/video/call/default/r/ring", params=as_(alice), json={})
    assert sorted(again.json()["members_ids"]) == ["bob", "carol"]
    only = await http.post(
        "/video/call/default/r/ring", params=as_(alice), json={"members_ids": ["carol"]}
    )
    assert only.json()["members_ids"] == ["carol"]
    await eventually(lambda: carol.types().count("call.ring") == 3)
    await asyncio.sleep(0.05)
    assert bob.types().count("call.ring") == 2
    assert "call.ring" not in alice.types()  # Stream: the caller never gets its own ring


async def test_notify_sends_call_notification_to_the_other_members(http, peers):
    alice, bob = await peers("alice"), await peers("bob")
    await http.post(
        "/video/call/default/n",
        params=as_(alice),
        json={"data": {"members": [{"user_id": "bob"}]}, "notify": True},
    )
    await eventually(lambda: "call.notification" in bob.types())
    await asyncio.sleep(0.05)
    assert "call.notification" not in alice.types()


async def test_accept_reject_event_reaction_and_end_reach_watchers_and_change_the_call(
    fake, http, peers
):
    alice, bob, carol, dave = [await peers(u) for u in ("alice", "bob", "carol", "dave")]
    members = {"data": {"members": [{"user_id": u} for u in ("alice", "bob", "carol")]}}
    await http.post("/video/call/default/x", params=as_(alice), json=members | {"ring": True})
    await http.get("/video/call/default/x", params=as_(dave))  # a watcher, not a member
    assert (await http.post("/video/call/default/x/accept", params=as_(bob))).json().keys() == {
        "duration"
    }
    await http.post("/video/call/default/x/reject", params=as_(carol), json={"reason": "busy"})
    await http.post("/video/call/default/x/event", params=as_(bob), json={"custom": {"n": 1}})
    reacted = await http.post(
        "/video/call/default/x/reaction",
        params=as_(carol),
        json={"type": "reaction", "emoji_code": ":like:"},
    )
    assert reacted.json()["reaction"]["user"]["id"] == "carol"
    assert (await http.post("/video/call/default/x/mark_ended", params=as_(alice))).is_success
    expected = ["call.accepted", "call.rejected", "custom", "call.reaction_new", "call.ended"]
    for watcher in (alice, dave):
        await eventually(lambda watcher=watcher: watcher.types()[-5:] == expected)  # type: ignore[misc]
    rejected = next(e for e in dave.events if e["type"] == "call.rejected")
    assert (rejected["user"]["id"], rejected["reason"]) == ("carol", "busy")
    custom = next(e for e in dave.events if e["type"] == "custom")
    assert (custom["custom"], custom["user"]["id"]) == ({"n": 1}, "bob")
    # bob and carol watch nothing: they hear the ring flow, as members, not the rest
    await eventually(lambda: "call.rejected" in bob.types())
    assert "custom" not in bob.types()
    call = (await http.get("/video/call/default/x", params=as_(dave))).json()["call"]
    assert set(call["session"]["accepted_by"]) == {"bob"}
    assert set(call["session"]["rejected_by"]) == {"carol"}
    assert call["ended_at"]
    assert call["session"]["ended_at"]


async def test_actions_on_a_missing_call_are_404_and_requests_are_recorded(fake, http, peers):
    bob = await peers("bob")
    for action in ("accept", "reject", "ring", "mark_ended", "event", "reaction"):
        answer = await http.post(f"/video/call/default/none/{action}", params=as_(bob), json={})
        assert answer.status_code == 404, action
        assert answer.json()["code"] == 16
    assert [r.method for r in fake.rest_requests] == ["POST"] * 6
    assert fake.rest_requests[0].body == {}


async def test_query_calls_filters_on_cid_pages_with_next_and_watches(fake, http, peers):
    bob = await peers("bob")
    alice = payloads.user("alice")
    for n in range(5):
        fake.create_call(payloads.call(f"default:q{n}", created_by=alice))
    wanted = [f"default:q{n}" for n in (0, 1, 3, 4)] + ["default:gone"]
    body: dict[str, Any] = {"filter_conditions": {"cid": {"$in": wanted}}, "limit": 3}
    first = (await http.post("/video/calls", params=as_(bob), json=body)).json()
    assert [c["call"]["cid"] for c in first["calls"]] == wanted[:3]
    assert fake.connections[0].watching == set()  # no watch asked
    body |= {"next": first["next"], "watch": True}
    second = (await http.post("/api/v2/video/calls", params=as_(bob), json=body)).json()
    assert [c["call"]["cid"] for c in second["calls"]] == ["default:q4"]
    assert "next" not in second
    assert fake.connections[0].watching == {"default:q4"}
    eq = {"filter_conditions": {"cid": {"$eq": "default:q2"}}}
    assert [
        c["call"]["id"]
        for c in (await http.post("/video/calls", params=as_(bob), json=eq)).json()["calls"]
    ] == ["q2"]
    unsupported = await http.post(
        "/video/calls", params=as_(bob), json={"filter_conditions": {"type": "x"}}
    )
    assert unsupported.status_code == 400
    assert set(unsupported.json()) == ERROR_KEYS


async def test_rest_checks_the_headers_and_the_connection_id(http):
    bare = await http.get("/video/call/default/a", headers={"Authorization": ""})
    assert (bare.status_code, bare.json()["code"]) == (401, 5)
    unknown = await http.get("/video/call/default/a", params={"connection_id": "nope"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, 4)
    garbage = await http.post(
        "/video/call/default/a", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 400


async def test_one_log_line_when_a_client_connects_and_one_when_it_leaves(
    fake, http, peers, caplog
):
    caplog.set_level(logging.INFO, logger="rx_coordinator.testing")
    bob = await peers("bob")
    fake.create_call(payloads.call("default:l", created_by=payloads.user("alice")))
    await http.get("/video/call/default/l", params=as_(bob))
    await bob.ws.close(4000)
    conn = fake.connections[0]
    await conn.wait_closed()
    await eventually(lambda: "left" in caplog.text)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("rx_coordinator.testing")]
    assert lines == [
        f"bob connected: connection {bob.connection_id}",
        f"bob left: connection {bob.connection_id}, watched default:l, close code 4000",
    ]
