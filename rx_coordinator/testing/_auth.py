"""What Stream's coordinator checks when a client authenticates, and how it says no.

A pure function of the connection's ``api_key``, its auth frame and the app's credentials;
expiry is judged on the wall clock (``time.time()``), as the real service does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from ..tokens import ALGORITHM

__all__ = ["AuthRefusal", "check_auth"]


@dataclass(frozen=True)
class AuthRefusal:
    """A refused authentication: Stream's error code, message and HTTP status."""

    code: int
    message: str
    status_code: int = 401


WRONG_API_KEY = AuthRefusal(2, "api_key not found")
NO_USER_ID = AuthRefusal(4, "user_details.id is a required field", 400)
NO_TOKEN = AuthRefusal(5, "JWTAuth error: token is missing")
EXPIRED = AuthRefusal(40, "JWTAuth error: token has expired")
NOT_VALID_YET = AuthRefusal(41, "JWTAuth error: token is not valid yet (nbf)")
ISSUED_IN_THE_FUTURE = AuthRefusal(42, "JWTAuth error: token used before issue at (iat)")
BAD_SIGNATURE = AuthRefusal(
    43,
    "JWTAuth error: signature is not valid. Make sure the token is created using the secret "
    "key from the dashboard",
)
MALFORMED = AuthRefusal(5, "JWTAuth error: token is malformed")
WRONG_USER = AuthRefusal(5, "JWTAuth error: the token's user_id does not match user_details.id")


def check_auth(
    api_key: str | None, auth: Any, *, expected_key: str, secret: str
) -> AuthRefusal | None:
    """``None`` when the coordinator would accept this connection, else why it refuses."""
    if api_key != expected_key:
        return WRONG_API_KEY
    if not isinstance(auth, dict):
        return NO_TOKEN
    details = auth.get("user_details")
    user_id = details.get("id") if isinstance(details, dict) else None
    if not isinstance(user_id, str) or not user_id:
        return NO_USER_ID
    token = auth.get("token")
    if not isinstance(token, str) or not token:
        return NO_TOKEN
    try:
        # Times are judged below, on this process's clock, in Stream's order.
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        return BAD_SIGNATURE
    except jwt.InvalidTokenError:
        return MALFORMED
    times = {name: claims.get(name) for name in ("exp", "nbf", "iat")}
    if any(value is not None and not _is_number(value) for value in times.values()):
        return MALFORMED
    now = time.time()
    if times["exp"] is not None and times["exp"] <= now:
        return EXPIRED
    if times["nbf"] is not None and times["nbf"] > now:
        return NOT_VALID_YET
    if times["iat"] is not None and times["iat"] > now:
        return ISSUED_IN_THE_FUTURE
    if claims.get("user_id") != user_id:
        return WRONG_USER
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
