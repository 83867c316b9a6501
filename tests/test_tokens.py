"""User tokens made with PyJWT: claims, ttl, verification, expiry on the wall clock."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from freezegun import freeze_time

from rx_coordinator.tokens import create_user_token, read_user_token

SECRET = "a-secret-long-enough-for-hs256-0123456789"


@freeze_time("2026-11-26 10:00:00")
def test_a_token_carries_user_id_and_iat_and_no_exp_without_ttl():
    token = create_user_token(SECRET, "alice")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert read_user_token(token, SECRET) == {"user_id": "alice", "iat": 1795687200}


@pytest.mark.parametrize("ttl", [3600, 3600.0, timedelta(hours=1)])
def test_a_ttl_sets_exp(ttl):
    with freeze_time("2026-11-26 10:00:00"):
        token = create_user_token(SECRET, "alice", ttl=ttl)
        assert read_user_token(token, SECRET)["exp"] == 1795687200 + 3600
    with freeze_time("2026-11-26 10:59:59"):
        read_user_token(token, SECRET)
    with freeze_time("2026-11-26 11:00:01"), pytest.raises(jwt.ExpiredSignatureError):
        read_user_token(token, SECRET)


def test_another_secret_fails_the_signature():
    token = create_user_token(SECRET, "alice")
    with pytest.raises(jwt.InvalidSignatureError):
        read_user_token(token, SECRET + "x")


def test_a_token_issued_in_the_future_is_not_valid_yet():
    with freeze_time("2026-11-26 10:00:00"):
        token = create_user_token(SECRET, "alice", issued_at=1795687200 + 600)
        with pytest.raises(jwt.ImmatureSignatureError):
            read_user_token(token, SECRET)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("", "alice"), {}, "api_secret"),
        ((SECRET, ""), {}, "user_id"),
        ((SECRET, "alice"), {"ttl": 0}, "positive"),
        ((SECRET, "alice"), {"ttl": -5}, "positive"),
        ((SECRET, "alice"), {"ttl": "1h"}, "seconds"),
        ((SECRET, "alice"), {"ttl": float("inf")}, "positive"),
    ],
)
def test_bad_arguments_are_refused_without_showing_the_secret(args, kwargs, message):
    with pytest.raises(ValueError, match=message) as raised:
        create_user_token(*args, **kwargs)
    assert SECRET not in str(raised.value)
