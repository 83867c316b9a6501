"""watch() over REST, and watched calls surviving reconnects."""

from __future__ import annotations

import asyncio
import logging
import time

import jwt
import pytest

from rx_coordinator import ConnectionState, Event, StreamAPIError, StreamAPIWS
from rx_coordinator.protocol import call_cid, rest_base
from rx_coordinator.testing import FakeCoordinator, payloads
from rx_coordinator.tokens import create_user_token

from .helpers import FAST, TOKEN, Recorder, eventually

S = ConnectionState
ALICE = payloads.user("alice")
STANDUP = "default:standup"
OTHER = "default:other"


def make_calls(fake: FakeCoordinator) -> None:
    for cid in (STANDUP, OTHER):
        fake.create_call(payloads.call(cid, created_by=ALICE))


def custom(cid: str, n: int) -> dict[str, object]:
    return payloads.custom_event(cid, {"n": n}, by=ALICE)


def numbers(events: Recorder[Event]) -> list[tuple[str, int]]:
    frames = [e.to_dict() for e in events.items if e.type == "custom"]
    return [(f["call_cid"], f["custom"]["n"]) for f in frames]


async def test_watch_makes_the_call_s_events_arrive_and_only_those(connected, fake):
    make_calls(fake)
    c = await connected()
    await c.client.watch("default", "standup")
    assert c.conn.watching == {STANDUP}
    assert c.client.watched == {STANDUP}
    await fake.deliver(custom(STANDUP, 1))
    await fake.deliver(custom(OTHER, 2))  # not watched: the coordinator does not send it
    await fake.deliver(custom(STANDUP, 3))
    await eventually(lambda: len(numbers(c.events)) == 2)
    await asyncio.sleep(0.05)
    assert numbers(c.events) == [(STANDUP, 1), (STANDUP, 3)]


async def test_watch_is_a_get_call_with_api_key_connection_id_and_the_token_in_a_header(
    connected, fake
):
    make_calls(fake)
    c = await connected()
    await c.client.watch(STANDUP)
    (request,) = fake.rest_requests
    assert request.path == "/api/v2/video/call/default/standup"
    assert request.query == {"api_key": "key", "connection_id": c.conn.connection_id}
    assert request.authorization
    assert TOKEN not in request.path + str(request.query)


async def test_after_a_drop_the_client_rewatches_before_it_is_connected_again(connected, fake):
    make_calls(fake)
    c = await connected()
    await c.client.watch(STANDUP)
    watching_when_connected: list[bool] = []

    def on_state(state: ConnectionState) -> None:
        if state is S.CONNECTED:
            watching_when_connected.append(STANDUP in fake.connections[-1].watching)

    c.client.state.subscribe(on_state)
    await c.conn.drop()
    again = await fake.wait_watched(STANDUP)
    assert again is not c.conn
    await fake.deliver(custom(STANDUP, 7))
    await eventually(lambda: numbers(c.events) == [(STANDUP, 7)])
    assert watching_when_connected == [True, True]  # the replay, then the reconnect
    assert c.states.items[-2:] == [S.RECONNECTING, S.CONNECTED]


async def test_a_failed_rewatch_is_retried_with_the_backoff(connected, fake, caplog):
    make_calls(fake)
    c = await connected()
    await c.client.watch(STANDUP)
    fake.fail_rest(count=1, status=503)
    await c.conn.drop()
    last = await fake.wait_watched(STANDUP)
    assert len(fake.connections) == 3  # the re-watch of the second failed: reconnected
    assert fake.connections[1].closed
    assert last is fake.connections[2]
    assert "re-watching the calls failed: HTTP 503" in caplog.text
    await eventually(lambda: c.states.items[-1] is S.CONNECTED)
    assert c.events.error is None


async def test_a_call_that_no_longer_exists_is_dropped_with_a_warning(connected, fake, caplog):
    make_calls(fake)
    c = await connected()
    await c.client.watch(STANDUP)
    await c.client.watch(OTHER)
    del fake.calls[OTHER]
    await c.conn.drop()
    await fake.wait_watched(STANDUP)
    await eventually(lambda: c.states.items[-1] is S.CONNECTED)
    assert c.client.watched == {STANDUP}
    assert any(
        r.levelno == logging.WARNING and f"no longer watching {OTHER}" in r.getMessage()
        for r in caplog.records
    )


async def test_unwatched_calls_are_not_watched_again(connected, fake):
    make_calls(fake)
    c = await connected()
    await c.client.watch(STANDUP)
    await c.client.watch(OTHER)
    await c.client.unwatch("default", "other")
    await c.client.unwatch(OTHER)  # twice: nothing happens
    assert c.client.watched == {STANDUP}
    await c.conn.drop()
    again = await fake.wait_watched(STANDUP)
    assert again.watching == {STANDUP}
    await fake.deliver(custom(OTHER, 1))
    await fake.deliver(custom(STANDUP, 2))
    await eventually(lambda: numbers(c.events) == [(STANDUP, 2)])


async def test_watching_an_unknown_call_raises_and_watches_nothing(connected, fake):
    c = await connected()
    with pytest.raises(StreamAPIError) as raised:
        await c.client.watch("default:nope")
    assert (raised.value.status_code, raised.value.code) == (404, 16)
    assert c.client.watched == frozenset()


async def test_watch_needs_a_connection_and_a_well_formed_call(fake, make_client):
    client = make_client()
    with pytest.raises(RuntimeError, match="connect"):
        await client.watch(STANDUP)
    await client.connect()
    for bad in ["nocolon", ":id", "type:", "a/b:c"]:
        with pytest.raises(ValueError, match="call"):
            await client.watch(bad)


async def test_calls_watched_while_reconnecting_are_watched_on_the_new_connection(connected, fake):
    make_calls(fake)
    c = await connected(backoff_base=0.3)
    await c.conn.drop()
    await eventually(lambda: c.states.items[-1] is S.RECONNECTING)
    await c.client.watch(STANDUP)
    assert (await fake.wait_watched(STANDUP)) is not c.conn


async def test_the_rewatch_uses_the_refreshed_token_after_code_40():
    key, secret = "key", "secret-long-enough-for-hs256-0123456789abcdef"
    async with FakeCoordinator(api_key=key, api_secret=secret) as fake:
        make_calls(fake)
        # A token that expires 1.5 s from now; the provider gives long-lived ones.
        short = create_user_token(secret, "alice", ttl=3600, issued_at=time.time() - 3598.5)
        client = StreamAPIWS(
            key,
            short,
            "alice",
            uri=fake.uri,
            token_provider=lambda: create_user_token(secret, "alice", ttl=3600),
            **FAST,
        )
        try:
            await client.connect()
            await client.watch(STANDUP)
            first = fake.connections[0]
            await eventually(lambda: time.time() > _exp(short), timeout=3)
            await first.drop()
            again = await fake.wait_watched(STANDUP)
            assert [c.error_code for c in fake.connections] == [None, 40, None]
            assert again is fake.connections[2]
            assert [r.status for r in fake.rest_requests] == [200, 200]
        finally:
            await client.disconnect()


def _exp(token: str) -> float:
    return float(jwt.decode(token, options={"verify_signature": False})["exp"])


async def test_tokens_stay_out_of_logs_and_urls_when_watching(connected, fake, caplog):
    caplog.set_level(logging.DEBUG)
    make_calls(fake)
    c = await connected()
    await c.client.watch(STANDUP)
    await c.conn.drop()
    await fake.wait_watched(STANDUP)
    assert TOKEN not in caplog.text
    for request in fake.rest_requests:
        assert TOKEN not in request.path + str(request.query)


def test_the_rest_origin_follows_the_websocket_uri():
    assert rest_base("wss://video.stream-io-api.com/video/connect") == (
        "https://video.stream-io-api.com"
    )
    assert rest_base("ws://127.0.0.1:8800/video/connect?x=1") == "http://127.0.0.1:8800"
    assert call_cid("default", "abc") == call_cid("default:abc") == "default:abc"
    with pytest.raises(ValueError, match="rest_uri"):
        StreamAPIWS("key", TOKEN, "alice", rest_uri="ftp://example.com")


async def test_the_rewatch_is_one_query_calls_request_as_stream_s_sdk_makes(connected, fake):
    make_calls(fake)
    c = await connected()
    await c.client.watch(STANDUP)
    await c.client.watch(OTHER)
    before = len(fake.rest_requests)
    await c.conn.drop()
    await fake.wait_watched(OTHER)
    await eventually(lambda: c.states.items[-1] is S.CONNECTED)
    (rewatch,) = fake.rest_requests[before:]
    assert (rewatch.method, rewatch.path) == ("POST", "/api/v2/video/calls")
    assert rewatch.body is not None
    assert rewatch.body["watch"] is True
    assert rewatch.body["filter_conditions"] == {"cid": {"$in": [STANDUP, OTHER]}}
    assert rewatch.query["connection_id"] == c.client.connection_id
