"""The FakeCoordinator checks tokens as Stream does; each refusal, end to end."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from freezegun import freeze_time
from websockets.asyncio.client import connect

from rx_coordinator import StreamAPIWS, StreamWSAuthError
from rx_coordinator.testing import FakeCoordinator
from rx_coordinator.testing._auth import check_auth
from rx_coordinator.tokens import create_user_token

from .helpers import FAST

KEY = "demo-key"
SECRET = "demo-secret-long-enough-for-hs256-0123456789"


@pytest.fixture
async def app():
    async with FakeCoordinator(api_key=KEY, api_secret=SECRET) as fake:
        yield fake


async def refusal(app: FakeCoordinator, token: str, *, api_key: str = KEY) -> StreamWSAuthError:
    client = StreamAPIWS(api_key, token, "alice", uri=app.uri, **FAST)
    with pytest.raises(StreamWSAuthError) as raised:
        await client.connect()
    await client.disconnect()
    return raised.value


async def test_a_good_token_is_accepted(app):
    async with StreamAPIWS(KEY, create_user_token(SECRET, "alice", ttl=60), "alice", uri=app.uri):
        conn = await app.next_connection()
        assert conn.connection_id is not None
        assert conn.error_code is None


async def test_a_wrong_api_key_is_code_2(app):
    error = await refusal(app, create_user_token(SECRET, "alice"), api_key="other-key")
    assert (error.code, error.status_code) == (2, 401)


async def test_a_token_signed_with_another_secret_is_code_43(app):
    error = await refusal(app, create_user_token(SECRET + "-other", "alice"))
    assert error.code == 43
    assert "signature" in error.message


async def test_an_expired_token_is_code_40(app):
    with freeze_time("2026-01-01 10:00:00"):  # the wall clock only: no asyncio inside
        token = create_user_token(SECRET, "alice", ttl=3600)
    error = await refusal(app, token)
    assert error.code == 40
    assert error.message == "JWTAuth error: token has expired"


async def test_a_token_not_valid_yet_is_code_41(app):
    token = jwt.encode({"user_id": "alice", "nbf": time.time() + 600}, SECRET, algorithm="HS256")
    assert (await refusal(app, token)).code == 41


async def test_a_token_issued_in_the_future_is_code_42(app):
    with freeze_time("2099-01-01"):
        token = create_user_token(SECRET, "alice")
    assert (await refusal(app, token)).code == 42


async def test_a_token_for_another_user_is_refused(app):
    assert (await refusal(app, create_user_token(SECRET, "mallory"))).code == 5


async def test_a_missing_user_id_is_code_4(app):
    token = create_user_token(SECRET, "alice")
    async with connect(f"{app.uri}?api_key={KEY}") as ws:
        await ws.send(json.dumps({"token": token, "products": ["video"], "user_details": {}}))
        frame = json.loads(await ws.recv())
    assert frame["type"] == "connection.error"
    assert (frame["error"]["code"], frame["error"]["StatusCode"]) == (4, 400)


async def test_an_expired_token_is_refreshed_through_the_provider(app):
    with freeze_time("2026-01-01 10:00:00"):
        expired = create_user_token(SECRET, "alice", ttl=60)
    client = StreamAPIWS(
        KEY,
        expired,
        "alice",
        uri=app.uri,
        token_provider=lambda: create_user_token(SECRET, "alice", ttl=3600),
        **FAST,
    )
    try:
        await client.connect()
        refused, accepted = app.connections
        assert (refused.error_code, accepted.error_code) == (40, None)
    finally:
        await client.disconnect()


def test_credentials_come_in_pairs():
    with pytest.raises(ValueError, match="both"):
        FakeCoordinator(api_key=KEY)


def test_expiry_is_judged_on_the_wall_clock():
    auth: dict[str, object] = {"user_details": {"id": "alice"}}
    with freeze_time("2026-11-26 10:00:00"):
        auth["token"] = create_user_token(SECRET, "alice", ttl=3600)
        assert check_auth(KEY, auth, expected_key=KEY, secret=SECRET) is None
    with freeze_time("2026-11-26 10:59:59"):
        assert check_auth(KEY, auth, expected_key=KEY, secret=SECRET) is None
    with freeze_time("2026-11-26 11:00:00"):
        refusal = check_auth(KEY, auth, expected_key=KEY, secret=SECRET)
        assert refusal is not None
        assert refusal.code == 40


@pytest.mark.parametrize(
    ("auth", "code"),
    [(None, 5), ([], 5), ({"user_details": {"id": "alice"}}, 5), ({"token": "x.y.z"}, 4)],
)
def test_malformed_auth_frames_are_refused(auth, code):
    refusal = check_auth(KEY, auth, expected_key=KEY, secret=SECRET)
    assert refusal is not None
    assert refusal.code == code


def test_a_garbage_token_is_malformed():
    auth = {"token": "not-a-jwt", "user_details": {"id": "alice"}}
    refusal = check_auth(KEY, auth, expected_key=KEY, secret=SECRET)
    assert refusal is not None
    assert "malformed" in refusal.message
