"""The fake coordinator's REST side: the video calls a UI needs, as aiohttp handlers.

Each handler checks the request as Stream does (headers, token, ``connection_id``), changes
the ``CallBook``, makes the requesting connection watch the call where Stream
would, and hands the events Stream sends to ``deliver``, which routes them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web

from . import payloads
from ._auth import check_auth
from ._calls import CallBook
from ._clock import now_rfc3339
from ._connection import FakeConnection

__all__ = ["PREFIXES", "RestApi", "RestRequest", "error_body"]

PREFIXES = ("/video", "/api/v2/video")
"""The REST bases served: the official SDKs' (``/video``) and the published spec's."""

DEFAULT_LIMIT = 25
MAX_LIMIT = 100

Payload = dict[str, Any]


@dataclass(frozen=True)
class RestRequest:
    """A REST request the fake answered.

    Attributes:
        path: the request path, such as ``/api/v2/video/call/default/abc``.
        query: its query parameters (``api_key``, ``connection_id``).
        authorization: whether it carried an ``Authorization`` header (never its value).
        status: the HTTP status of the answer.
        method: the HTTP method.
        body: the decoded JSON body (``None`` when it had none).
    """

    path: str
    query: dict[str, str]
    authorization: bool
    status: int
    method: str = "GET"
    body: Any = field(default=None, compare=False)


def error_body(status: int, code: int, message: str) -> Payload:
    """Stream's error shape (``APIError``)."""
    return {
        "code": code,
        "message": message,
        "StatusCode": status,
        "duration": "0.01ms",
        "more_info": "https://getstream.io/video/docs/api/errors/",
        "details": [],
    }


class _Refused(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class _Caller:
    user_id: str
    connection: FakeConnection | None
    body: Payload
    watched: bool = False


class RestApi:
    """The REST handlers, given what they act on.

    Args:
        book: the calls.
        connections: returns the open, authenticated connections.
        deliver: sends an event where the coordinator would.
        credentials: ``(api_key, api_secret)`` to check tokens with, or ``None``.
        failures: scripted HTTP statuses to answer the next requests with.
        requests: where every answered request is recorded.
        watched: called after a connection started watching a call.
    """

    def __init__(
        self,
        book: CallBook,
        connections: Callable[[], list[FakeConnection]],
        deliver: Callable[[Payload], Awaitable[object]],
        credentials: tuple[str, str] | None,
        failures: deque[int],
        requests: list[RestRequest],
        watched: Callable[[], Awaitable[None]],
    ) -> None:
        self._book = book
        self._connections = connections
        self._deliver = deliver
        self._credentials = credentials
        self._failures = failures
        self._requests = requests
        self._watched = watched

    def routes(self) -> list[web.RouteDef]:
        """Every REST route, under both prefixes."""
        call = "/call/{type}/{id}"
        table: list[tuple[str, str, Callable[[web.Request, _Caller], Awaitable[Payload]]]] = [
            ("GET", call, self._get_call),
            ("POST", call, self._get_or_create_call),
            ("POST", "/calls", self._query_calls),
            ("POST", call + "/accept", self._accept),
            ("POST", call + "/reject", self._reject),
            ("POST", call + "/ring", self._ring),
            ("GET", call + "/ring_state", self._ring_state),
            ("POST", call + "/mark_ended", self._mark_ended),
            ("POST", call + "/event", self._custom_event),
            ("POST", call + "/reaction", self._reaction),
        ]
        return [
            web.route(method, prefix + path, self._endpoint(handler))
            for prefix in PREFIXES
            for method, path, handler in table
        ]

    def _endpoint(
        self, handler: Callable[[web.Request, _Caller], Awaitable[Payload]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            body: Any = None
            caller: _Caller | None = None
            try:
                if request.can_read_body:
                    body = await _json_body(request)
                caller = self._authenticate(request, body)
                answer = await handler(request, caller)
                status = 200
            except _Refused as refused:
                status = refused.status
                answer = error_body(refused.status, refused.code, str(refused))
            self._requests.append(
                RestRequest(
                    request.path,
                    dict(request.query),
                    "Authorization" in request.headers,
                    status,
                    request.method,
                    body,
                )
            )
            response = web.json_response(answer, status=status)
            if caller is not None and caller.watched:
                # Waiters (wait_watched) wake once the answer is out, as a client sees it.
                await response.prepare(request)
                await response.write_eof()
                await self._watched()
            return response

        return endpoint

    def _authenticate(self, request: web.Request, body: Any) -> _Caller:
        if self._failures:
            raise _Refused(self._failures.popleft(), 0, "scripted failure")
        token = request.headers.get("Authorization", "")
        if not token or request.headers.get("stream-auth-type") != "jwt":
            raise _Refused(
                401, 5, "JWTAuth error: missing Authorization or stream-auth-type header"
            )
        connection: FakeConnection | None = None
        connection_id = request.query.get("connection_id")
        if connection_id:
            connection = next(
                (c for c in self._connections() if c.connection_id == connection_id), None
            )
            if connection is None:
                raise _Refused(400, 4, "connection_id is not valid")
        user_id = connection.user_id if connection is not None else _token_user(token)
        if not user_id:
            raise _Refused(401, 5, "JWTAuth error: the token has no user_id")
        if self._credentials is not None:
            key, secret = self._credentials
            auth = {"token": token, "user_details": {"id": user_id}}
            refusal = check_auth(
                request.query.get("api_key"), auth, expected_key=key, secret=secret
            )
            if refusal is not None:
                raise _Refused(refusal.status_code, refusal.code, refusal.message)
        if body is not None and not isinstance(body, dict):
            raise _Refused(400, 4, "the request body must be a JSON object")
        return _Caller(user_id, connection, body or {})

    def _existing(self, request: web.Request, operation: str) -> str:
        cid = _cid(request)
        if cid not in self._book.calls:
            raise _Refused(404, 16, f"{operation} failed with error: Can't find call with id {cid}")
        return cid

    async def _watch(self, caller: _Caller, cids: list[str]) -> None:
        if caller.connection is not None and cids:
            caller.connection.watching.update(cids)
            caller.watched = True

    async def _get_call(self, request: web.Request, caller: _Caller) -> Payload:
        cid = self._existing(request, "GetCall")
        await self._watch(caller, [cid])
        flags = {k: request.query.get(k, "").lower() == "true" for k in ("ring", "notify", "video")}
        if flags["ring"]:
            await self._send_ring(cid, caller.user_id, None, video=flags["video"])
        if flags["notify"]:
            await self._send_notification(cid, caller.user_id)
        return {**self._book.state(cid, caller.user_id), "duration": _duration()}

    async def _get_or_create_call(self, request: web.Request, caller: _Caller) -> Payload:
        cid = _cid(request)
        data = caller.body.get("data")
        call, created = self._book.get_or_create(
            cid, caller.user_id, data if isinstance(data, dict) else {}
        )
        await self._watch(caller, [cid])
        if created:
            members = self._book.members[cid]
            await self._deliver(payloads.call_created(call, members=members))
        if caller.body.get("ring") is True:
            await self._send_ring(cid, caller.user_id, None, video=caller.body.get("video") is True)
        if caller.body.get("notify") is True:
            await self._send_notification(cid, caller.user_id)
        state = self._book.state(cid, caller.user_id)
        return {**state, "created": created, "duration": _duration()}

    async def _query_calls(self, request: web.Request, caller: _Caller) -> Payload:
        body = caller.body
        wanted = _cid_filter(body.get("filter_conditions"))
        cids = [cid for cid in self._book.calls if wanted is None or cid in wanted]
        limit = body.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_LIMIT:
            raise _Refused(400, 4, f"limit must be between 1 and {MAX_LIMIT}")
        start = _offset(body.get("next"))
        page = cids[start : start + limit]
        if body.get("watch") is True:
            await self._watch(caller, page)
        out: Payload = {
            "calls": [self._book.state(cid, caller.user_id) for cid in page],
            "duration": _duration(),
        }
        if start + limit < len(cids):
            out["next"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        if start > 0:
            out["prev"] = base64.urlsafe_b64encode(str(max(0, start - limit)).encode()).decode()
        return out

    async def _accept(self, request: web.Request, caller: _Caller) -> Payload:
        cid = self._existing(request, "AcceptCall")
        call = self._book.answer(cid, caller.user_id, "accepted")
        await self._deliver(payloads.call_accepted(call, by=self._book.user(caller.user_id)))
        return {"duration": _duration()}

    async def _reject(self, request: web.Request, caller: _Caller) -> Payload:
        cid = self._existing(request, "RejectCall")
        call = self._book.answer(cid, caller.user_id, "rejected")
        reason = caller.body.get("reason")
        await self._deliver(
            payloads.call_rejected(
                call,
                by=self._book.user(caller.user_id),
                reason=reason if isinstance(reason, str) else None,
            )
        )
        return {"duration": _duration()}

    async def _ring(self, request: web.Request, caller: _Caller) -> Payload:
        cid = self._existing(request, "RingCall")
        wanted = caller.body.get("members_ids")
        ids = [i for i in wanted if isinstance(i, str)] if isinstance(wanted, list) else None
        rung = await self._send_ring(
            cid, caller.user_id, ids, video=caller.body.get("video") is True
        )
        return {"members_ids": rung, "duration": _duration()}

    async def _ring_state(self, request: web.Request, caller: _Caller) -> Payload:
        # Not in the published spec: Stream's JS SDK polls it while its user's call rings
        # (GetCallRingStateResponse in the SDK's generated types).
        cid = self._existing(request, "GetCallRingState")
        call = self._book.calls[cid]
        session = call.get("session") or {}
        wanted = request.query.get("call_session_id") or call.get("current_session_id")
        if session.get("id") != wanted:
            session = {}
        out: Payload = {
            "call_cid": cid,
            "created_by_user_id": call["created_by"]["id"],
            "session_id": session.get("id", ""),
            "accepted_by": dict(session.get("accepted_by", {})),
            "rejected_by": dict(session.get("rejected_by", {})),
            "missed_by": dict(session.get("missed_by", {})),
            "duration": _duration(),
        }
        for key, field_name in (
            ("session_started_at", "started_at"),
            ("session_ended_at", "ended_at"),
        ):
            if session.get(field_name):
                out[key] = session[field_name]
        if call.get("ended_at"):
            out["call_ended_at"] = call["ended_at"]
        return out

    async def _mark_ended(self, request: web.Request, caller: _Caller) -> Payload:
        cid = self._existing(request, "EndCall")
        call = self._book.end(cid)
        await self._deliver(payloads.call_ended(call, by=self._book.user(caller.user_id)))
        return {"duration": _duration()}

    async def _custom_event(self, request: web.Request, caller: _Caller) -> Payload:
        cid = self._existing(request, "SendCallEvent")
        custom = caller.body.get("custom")
        event = payloads.custom_event(
            cid, custom if isinstance(custom, dict) else {}, by=self._book.user(caller.user_id)
        )
        await self._deliver(event)
        return {"duration": _duration()}

    async def _reaction(self, request: web.Request, caller: _Caller) -> Payload:
        cid = self._existing(request, "SendVideoReaction")
        kind = caller.body.get("type")
        if not isinstance(kind, str) or not kind:
            raise _Refused(400, 4, "SendVideoReaction failed with error: type is a required field")
        reaction: Payload = {
            "type": kind,
            "user": self._book.user(caller.user_id),
            "custom": dict(caller.body.get("custom") or {}),
        }
        emoji = caller.body.get("emoji_code")
        if isinstance(emoji, str):
            reaction["emoji_code"] = emoji
        await self._deliver(
            {
                "type": "call.reaction_new",
                "call_cid": cid,
                "created_at": now_rfc3339(),
                "reaction": reaction,
            }
        )
        return {"reaction": reaction, "duration": _duration()}

    async def _send_ring(
        self, cid: str, caller_id: str, only: list[str] | None, *, video: bool
    ) -> list[str]:
        call = self._book.start_session(cid)
        members = self._book.members.get(cid, [])
        rung = [
            m["user_id"]
            for m in members
            if m["user_id"] != caller_id and (only is None or m["user_id"] in only)
        ]
        if rung:
            event = payloads.call_ring(
                call,
                caller=self._book.user(caller_id),
                members=[m for m in members if m["user_id"] in rung],
                video=video,
            )
            await self._deliver(event)
        return rung

    async def _send_notification(self, cid: str, caller_id: str) -> None:
        call = self._book.calls[cid]
        members = self._book.members.get(cid, [])
        await self._deliver(
            payloads.call_notification(call, by=self._book.user(caller_id), members=members)
        )


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _Refused(400, 4, "the request body is not valid JSON") from None


def _cid(request: web.Request) -> str:
    return f"{request.match_info['type']}:{request.match_info['id']}"


def _cid_filter(conditions: Any) -> set[str] | None:
    """The cids a ``filter_conditions`` selects (``None``: all); only ``cid`` is supported."""
    if conditions is None or conditions == {}:
        return None
    if not isinstance(conditions, dict) or set(conditions) != {"cid"}:
        raise _Refused(400, 4, "QueryCalls: the emulator filters on cid only ($eq, $in)")
    condition = conditions["cid"]
    if isinstance(condition, str):
        return {condition}
    if isinstance(condition, dict) and len(condition) == 1:
        (operator, value), *_ = condition.items()
        if operator == "$eq" and isinstance(value, str):
            return {value}
        if operator == "$in" and isinstance(value, list):
            return {v for v in value if isinstance(v, str)}
    raise _Refused(400, 4, "QueryCalls: cid takes a string, {$eq: cid} or {$in: [cids]}")


def _offset(cursor: Any) -> int:
    if cursor is None or cursor == "":
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(str(cursor).encode()).decode())
    except (ValueError, binascii.Error):
        raise _Refused(400, 4, "QueryCalls: next is not a cursor this server gave") from None
    return max(offset, 0)


def _token_user(token: str) -> str | None:
    # Read without checking: the signature is checked afterwards when the fake has a secret.
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    user_id = claims.get("user_id")
    return user_id if isinstance(user_id, str) else None


def _duration() -> str:
    return "0.42ms"
