"""The FakeCoordinator's REST side: ``GetCall``, which makes a connection watch a call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ._auth import check_auth

if TYPE_CHECKING:
    from websockets.http11 import Request

    from ._fake import FakeCoordinator

__all__ = ["CALL_PATH", "RestRequest", "answer"]

CALL_PATH = "/api/v2/video/call/"


@dataclass(frozen=True)
class RestRequest:
    """A REST request the fake answered.

    Attributes:
        path: the request path, such as ``/api/v2/video/call/default/abc``.
        query: its query parameters (``api_key``, ``connection_id``).
        authorization: whether it carried an ``Authorization`` header (never its value).
        status: the HTTP status of the answer.
    """

    path: str
    query: dict[str, str]
    authorization: bool
    status: int


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "code": code,
        "message": message,
        "StatusCode": status,
        "duration": "0.01ms",
        "more_info": "",
        "details": [],
    }


def answer(fake: FakeCoordinator, request: Request) -> tuple[int, dict[str, Any]]:
    """The status and JSON body the coordinator would give ``request``."""
    target = urlsplit(request.path)
    query = dict(parse_qsl(target.query, keep_blank_values=True))
    parts = [unquote(p) for p in target.path[len(CALL_PATH) :].split("/")]
    if len(parts) != 2 or not all(parts):
        return _error(404, 16, f"no such endpoint: {target.path}")
    if fake._rest_failures:
        status = fake._rest_failures.popleft()
        return _error(status, 0, "scripted failure")
    token = request.headers.get("Authorization", "")
    if not token or request.headers.get("stream-auth-type") != "jwt":
        return _error(401, 5, "JWTAuth error: missing Authorization or stream-auth-type header")
    conn = next(
        (c for c in fake.live_connections if c.connection_id == query.get("connection_id")),
        None,
    )
    if conn is None:
        return _error(400, 4, "GetCall failed with error: connection_id is not valid")
    if fake._credentials is not None:
        expected_key, secret = fake._credentials
        auth = {"token": token, "user_details": {"id": conn.user_id}}
        refusal = check_auth(query.get("api_key"), auth, expected_key=expected_key, secret=secret)
        if refusal is not None:
            return _error(refusal.status_code, refusal.code, refusal.message)
    cid = f"{parts[0]}:{parts[1]}"
    call = fake.calls.get(cid)
    if call is None:
        return _error(404, 16, f"GetCall failed with error: Can't find call with id {cid}")
    conn.watching.add(cid)
    return 200, {
        "call": call,
        "members": fake.call_members.get(cid, []),
        "own_capabilities": ["read-call", "join-call"],
        "blocked_users": [],
        "duration": "0.42ms",
    }
