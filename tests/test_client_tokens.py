"""token_provider: refresh on code 40, at once and without using up a backoff attempt."""

from __future__ import annotations

import asyncio
import logging

import pytest

from rx_coordinator import (
    ConnectionState,
    StreamAPIWS,
    StreamWSAuthError,
    StreamWSMaxRetriesExceeded,
    StreamWSTokenProviderError,
)

from .helpers import FAST, TOKEN, Recorder, eventually

S = ConnectionState
FRESH = [f"{TOKEN}-fresh-{n}" for n in range(5)]


class Provider:
    """Counts its calls; gives FRESH tokens in turn (async when asked)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self) -> str:
        self.calls += 1
        if self.fail:
            raise OSError("token service unreachable")
        return FRESH[self.calls - 1]

    async def async_call(self) -> str:
        await asyncio.sleep(0.01)
        return self()


def current_state(client: StreamAPIWS) -> ConnectionState:
    return Recorder(client.state).items[-1]


def client_for(fake, provider, token: str | None = TOKEN, **overrides) -> StreamAPIWS:
    return StreamAPIWS(
        "key",
        token,
        "alice",
        uri=fake.uri,
        token_provider=provider,
        **{
            **FAST,
            **overrides,
        },
    )


async def test_code_40_on_connect_fetches_a_token_and_retries_at_once(fake):
    provider = Provider()
    # A backoff of 10 s would time the test out: the retry must not wait for it.
    client = client_for(fake, provider, backoff_base=10)
    fake.fail_auth(code=40, message="token expired")
    try:
        async with asyncio.timeout(3):
            first = await client.connect()
        refused, accepted = fake.connections
        assert refused.auth["token"] == TOKEN
        assert accepted.auth["token"] == FRESH[0]
        assert first.to_dict()["connection_id"] == accepted.connection_id
        assert provider.calls == 1
    finally:
        await client.disconnect()


async def test_code_40_on_a_reconnect_refreshes_without_using_a_backoff_attempt(fake):
    provider = Provider()
    client = client_for(fake, provider.async_call, max_retries=1)
    events = Recorder(client.events)
    states = Recorder(client.state)
    try:
        await client.connect()
        conn = await fake.next_connection()
        fake.fail_auth(code=40, message="token expired")
        await conn.drop()
        await fake.next_connection()  # the refused one
        accepted = await fake.next_connection()
        assert accepted.auth["token"] == FRESH[0]
        await asyncio.sleep(0.05)
        assert current_state(client) is S.CONNECTED
        assert events.error is None
        # With max_retries=1, a retry that used the budget would have given up instead.
        assert states.items[-2:] == [S.RECONNECTING, S.CONNECTED]
    finally:
        await client.disconnect()


async def test_a_second_code_40_in_a_row_is_fatal(fake):
    provider = Provider()
    client = client_for(fake, provider)
    events = Recorder(client.events)
    fake.fail_auth(code=40, message="token expired", count=2)
    with pytest.raises(StreamWSAuthError) as raised:
        await client.connect()
    assert raised.value.code == 40
    assert provider.calls == 1
    assert len(fake.connections) == 2
    assert isinstance(events.error, StreamWSAuthError)
    await client.disconnect()


async def test_code_40_twice_but_not_in_a_row_refreshes_each_time(fake):
    provider = Provider()
    client = client_for(fake, provider)
    fake.fail_auth(code=40)
    try:
        await client.connect()
        fake.fail_auth(code=40)
        conn = fake.connections[-1]
        await conn.drop()
        await eventually(
            lambda: len(fake.connections) == 4 and current_state(client) is S.CONNECTED
        )
        assert provider.calls == 2
        assert fake.connections[-1].auth["token"] == FRESH[1]
    finally:
        await client.disconnect()


async def test_other_codes_are_fatal_even_with_a_provider(fake):
    provider = Provider()
    client = client_for(fake, provider)
    fake.fail_auth(code=43)
    with pytest.raises(StreamWSAuthError):
        await client.connect()
    assert provider.calls == 0
    await client.disconnect()


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_without_a_token_the_provider_is_called_before_the_first_connect(fake, kind):
    provider = Provider()
    client = client_for(fake, provider if kind == "sync" else provider.async_call, token=None)
    try:
        await client.connect()
        assert fake.connections[0].auth["token"] == FRESH[0]
        assert provider.calls == 1
    finally:
        await client.disconnect()


async def test_a_failing_provider_fails_connect_with_the_cause_attached(fake):
    client = client_for(fake, Provider(fail=True), token=None)
    with pytest.raises(StreamWSTokenProviderError) as raised:
        await client.connect()
    assert isinstance(raised.value.__cause__, OSError)
    assert fake.connections == []
    await client.disconnect()


async def test_a_failing_provider_on_a_reconnect_is_retried_with_backoff(fake):
    provider = Provider(fail=True)
    client = client_for(fake, provider, max_retries=2)
    events = Recorder(client.events)
    await client.connect()
    fake.fail_auth(code=40, count=5)
    await fake.connections[0].drop()
    await events.wait_ended()
    assert isinstance(events.error, StreamWSMaxRetriesExceeded)
    assert isinstance(events.error.__cause__, StreamWSTokenProviderError)
    assert provider.calls == 2  # each of the two retries hit code 40 and asked again
    await client.disconnect()


@pytest.mark.parametrize("bad", [None, "", 42])
async def test_a_provider_giving_no_token_is_an_error(fake, bad):
    client = client_for(fake, lambda: bad, token=None)
    with pytest.raises(StreamWSTokenProviderError, match="non-empty string"):
        await client.connect()
    await client.disconnect()


def test_a_token_or_a_provider_is_required_and_checked():
    with pytest.raises(ValueError, match="token, a token_provider"):
        StreamAPIWS("key", user_id="alice")
    with pytest.raises(TypeError, match="callable"):
        StreamAPIWS("key", user_id="alice", token_provider="not callable")
    with pytest.raises(ValueError, match="user_id"):
        StreamAPIWS("key", token_provider=lambda: "t")


async def test_provider_tokens_never_reach_logs_or_reprs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    provider = Provider()
    client = client_for(fake, provider, token=None)
    fake.fail_auth(code=40)
    fake.fail_auth(code=40)
    with pytest.raises(StreamWSAuthError) as raised:
        await client.connect()
    await client.disconnect()
    shown = caplog.text + repr(client) + str(raised.value) + repr(raised.value)
    for token in FRESH[:2]:
        assert token not in shown
    assert "refresh" in caplog.text or "fresh" in caplog.text
