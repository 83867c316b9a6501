"""The UI backend example without a browser: its pipelines, and no request ever raises."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import reactivex
import uvicorn
from starlette.applications import Starlette

from examples.ui_backend.app import call_views, create_app
from examples.ui_backend.clients import ClientFactory
from rx_coordinator import StreamAPIWS
from rx_coordinator.call_state import from_response, reduce
from rx_coordinator.errors import ConnectionLost
from rx_coordinator.events import decode
from rx_coordinator.testing import FakeCoordinator, payloads

from .helpers import FAST, eventually

CID = "default:ui"


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 (uvicorn, lifespan included) and give its URL.

    uvicorn's loggers are left as they are (``log_config=None``), so that its "Exception in
    ASGI application" records reach ``caplog``.
    """
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, log_level="error")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await task


async def read_events(http: httpx.AsyncClient, url: str, until: str) -> list[tuple[str, str]]:
    """The server-sent events of ``url``, up to the first of kind ``until`` (or the end)."""
    seen: list[tuple[str, str]] = []
    kind = ""
    async with http.stream("GET", url) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                seen.append((kind, line.removeprefix("data:").strip()))
                if kind == until:
                    break
    return seen


ALICE = payloads.user("alice", name="Alice")
BOB = payloads.user("bob", name="Bob")
CAROL = payloads.user("carol", name="Carol")


def presence(kind: str, user: dict[str, object]) -> dict[str, object]:
    """A ``call.session_participant_joined`` (or ``_left``) frame of ``user`` in ``CID``."""
    who = payloads.participant(user, user_session_id=f"{user['id']}-1")
    if kind == "joined":
        return payloads.call_session_participant_joined(CID, "s1", who)
    return payloads.call_session_participant_left(CID, "s1", who, duration_seconds=5)


def test_the_page_shows_each_snapshot_of_the_call_state():
    call = payloads.call(CID, created_by=ALICE, session_id="s1")
    answer = {
        "call": call,
        "members": [payloads.member(ALICE), payloads.member(BOB)],
        "own_capabilities": [],
    }
    state = from_response(answer)
    states = [state]
    for frame in (
        presence("joined", BOB),
        presence("joined", CAROL),
        payloads.reaction(CID, by=BOB),  # a snapshot would change nothing shown
        presence("left", BOB),
        payloads.call_ended(call, by=ALICE),
    ):
        event = decode(json.dumps(frame))
        assert event is not None
        state = reduce(state, event)
        states.append(state)
    views: list[dict[str, object]] = []
    call_views(reactivex.from_iterable(states)).subscribe(views.append)
    assert [v["participants"] for v in views] == [[], ["Bob"], ["Bob", "Carol"], ["Carol"], []]
    assert views[0]["members"] == ["Alice", "Bob"]
    assert [v["source"] for v in views] == ["answer", "event", "event", "event", "event"]
    assert [v["ended_at"] is None for v in views] == [True, True, True, True, False]


def test_the_ring_names_members_and_gives_others_by_id():
    call = payloads.call(CID, created_by=ALICE, session_id="s1")
    call["session"] = payloads.call_session("s1")
    call["session"]["accepted_by"] = {"bob": "2026-11-26T10:00:00Z"}
    call["session"]["rejected_by"] = {"zed": "2026-11-26T10:00:01Z"}
    state = from_response({"call": call, "members": [payloads.member(BOB)], "own_capabilities": []})
    views: list[dict[str, object]] = []
    call_views(reactivex.of(state)).subscribe(views.append)
    assert views[0]["accepted_by"] == ["Bob"]
    assert views[0]["rejected_by"] == ["zed"]
    assert views[0]["missed_by"] == []


def client_of(fake: FakeCoordinator, **overrides: Any) -> ClientFactory:
    """The app's client factory: a client of ``fake`` with short intervals."""

    @contextlib.asynccontextmanager
    async def client() -> AsyncIterator[StreamAPIWS]:
        async with StreamAPIWS("key", "t", "alice", uri=fake.uri, **{**FAST, **overrides}) as c:
            yield c

    return client


@pytest.mark.timeout(30)
async def test_after_a_drop_the_page_shows_who_joined_and_left_meanwhile():
    """While the client is away, Bob joins and Carol leaves: their events never reach it,
    and the page still shows them, from the call state's resync (folding the events the
    client received would still show Carol, and never Bob)."""
    async with FakeCoordinator() as fake:
        call = payloads.call(CID, created_by=ALICE, session_id="s1")
        fake.create_call(call, [payloads.member(ALICE), payloads.member(BOB)])
        client = client_of(fake, backoff_base=0.3)  # time to change the call while away

        async with serving(create_app(client, CID)) as url, httpx.AsyncClient() as http:
            seen: list[tuple[str, str]] = []

            async def tab() -> None:
                kind = ""
                async with http.stream("GET", url + "events") as response:
                    async for line in response.aiter_lines():
                        if line.startswith("event:"):
                            kind = line.removeprefix("event:").strip()
                        elif line.startswith("data:"):
                            seen.append((kind, line.removeprefix("data:").strip()))

            def views() -> list[dict[str, object]]:
                return [json.loads(data) for kind, data in seen if kind == "call"]

            reading = asyncio.create_task(tab())
            try:
                conn = await fake.wait_watched(CID)
                await eventually(lambda: bool(views()), 5)  # the tab is subscribed
                await fake.deliver(presence("joined", CAROL))  # live
                await eventually(lambda: views()[-1]["participants"] == ["Carol"], 5)
                await conn.drop()
                await fake.deliver(presence("joined", BOB))  # nobody watches: the call
                await fake.deliver(presence("left", CAROL))  # changes, no event arrives
                await eventually(lambda: views()[-1]["source"] == "resync", 10)
            finally:
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading
        assert views()[-1]["participants"] == ["Bob"]
        assert views()[-1]["members"] == ["Alice", "Bob"]
        delivered = [json.loads(data) for kind, data in seen if kind == "event"]
        joins = [e["participant"]["user"]["id"] for e in delivered if "participant" in e]
        assert joins == ["carol"]  # Bob's join and Carol's leave were never delivered
        assert ("state", '"reconnecting"') in seen


@pytest.mark.timeout(30)
async def test_a_failed_client_is_shown_to_every_tab_and_no_request_raises(caplog):
    async with FakeCoordinator() as fake:
        fake.create_call(payloads.call(CID, created_by=payloads.user("alice")))
        client = client_of(fake)

        factory = client
        caplog.set_level(logging.WARNING)
        async with serving(create_app(factory, CID)) as url, httpx.AsyncClient() as http:
            events = url + "events"
            tab = asyncio.create_task(read_events(http, events, until="failed"))
            conn = await fake.wait_watched(CID)
            await asyncio.sleep(0.2)  # the tab is subscribed
            await conn.close(1000, "for good")  # final: the client does not reconnect
            async with asyncio.timeout(10):
                first = await tab
            assert ("state", '"connected"') in first
            assert first[-1][0] == "failed"
            assert "StreamWSConnectionError" in first[-1][1]
            # A tab opened after the failure: the state, and the stream ends cleanly.
            async with asyncio.timeout(10):
                later = await read_events(http, events, until="failed")
            assert ("state", '"failed"') in later
            page = await http.get(url)
            assert page.status_code == 200
    raised = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not raised, [r.getMessage() for r in raised]


@pytest.mark.timeout(30)
async def test_a_tab_still_open_when_the_server_stops_ends_cleanly(caplog):
    async with FakeCoordinator() as fake:
        fake.create_call(payloads.call(CID, created_by=payloads.user("alice")))
        client = client_of(fake)

        caplog.set_level(logging.WARNING)
        async with httpx.AsyncClient() as http:
            async with serving(create_app(client, CID)) as url:
                tab = asyncio.create_task(read_events(http, url + "events", until="never"))
                await fake.wait_watched(CID)
                await asyncio.sleep(0.2)  # the tab is subscribed
            # The server stopped with the tab open: its stream ended, as a stream ends.
            async with asyncio.timeout(10):
                seen = await tab
    assert ("state", '"connected"') in seen
    raised = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not raised, [r.getMessage() for r in raised]


def test_the_server_log_is_one_line_per_record():
    from examples.ui_backend.__main__ import OneLine

    try:
        raise ConnectionLost("could not open the socket") from OSError("refused")
    except ConnectionLost as error:
        lost = error
    record = logging.LogRecord(
        "rx_coordinator.client",
        logging.WARNING,
        "",
        0,
        "reconnect attempt %d failed; reconnecting in %g s",
        (2, 4.0),
        (type(lost), lost, lost.__traceback__),
    )
    line = OneLine().format(record)
    assert "\n" not in line
    assert line.endswith(
        "warning: reconnect attempt 2 failed; reconnecting in 4 s (could not open the socket)"
    )
    record.msg, record.args = "connection lost; reconnecting in %g s", (1.0,)
    lost = ConnectionLost("connection lost (close code 1006)")
    record.exc_info = (type(lost), lost, None)
    assert (
        OneLine()
        .format(record)
        .endswith("warning: connection lost (close code 1006); reconnecting in 1 s")
    )
