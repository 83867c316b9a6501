"""User tokens: the HS256 JWTs Stream's coordinator accepts, made and read with PyJWT.

Tokens are made server side, with the app's secret; never ship the secret to a browser.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

import jwt

__all__ = ["ALGORITHM", "create_user_token", "read_user_token"]

ALGORITHM = "HS256"
"""The signature algorithm of Stream's user tokens."""


def create_user_token(
    api_secret: str,
    user_id: str,
    *,
    ttl: float | timedelta | None = None,
    issued_at: float | None = None,
) -> str:
    """A user token for ``user_id``, signed with ``api_secret`` (HS256).

    The payload holds ``user_id`` and ``iat`` (now, in whole seconds) and, with a ``ttl``
    (seconds or a ``timedelta``), ``exp = iat + ttl``. Without a ttl the
    token never expires.

    Args:
        api_secret: the app's secret, from Stream's dashboard.
        user_id: the user the token speaks for.
        ttl: how long the token stays valid.
        issued_at: the ``iat`` to write, as a Unix time (now by default).

    Raises:
        ValueError: an empty secret or user id, or a ttl that is not a positive number.
    """
    if not isinstance(api_secret, str) or not api_secret:
        raise ValueError("api_secret must be a non-empty string")
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("user_id must be a non-empty string")
    iat = math.floor(time.time() if issued_at is None else issued_at)
    payload: dict[str, Any] = {"user_id": user_id, "iat": iat}
    if ttl is not None:
        seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else ttl
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError(f"ttl must be a number of seconds or a timedelta, got {ttl!r}")
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        payload["exp"] = iat + math.ceil(seconds)
    return jwt.encode(payload, api_secret, algorithm=ALGORITHM)


def read_user_token(token: str, api_secret: str, *, leeway: float = 0) -> dict[str, Any]:
    """The verified payload of ``token``: signature, ``exp``, ``nbf`` and ``iat`` checked.

    Raises:
        jwt.ExpiredSignatureError: ``exp`` has passed.
        jwt.ImmatureSignatureError: ``nbf`` or ``iat`` is in the future.
        jwt.InvalidSignatureError: not signed with ``api_secret``.
        jwt.InvalidTokenError: anything else wrong (the base of the above).
    """
    payload: dict[str, Any] = jwt.decode(
        token,
        api_secret,
        algorithms=[ALGORITHM],
        leeway=leeway,
        options={"require": ["user_id"], "verify_iat": True},
    )
    return payload
