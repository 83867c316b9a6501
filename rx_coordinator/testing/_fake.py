"""A scriptable coordinator on 127.0.0.1, for the client's tests and for users' own.

The top of the emulator's layers: it serves the WebSocket (``_connection``) and the REST
calls (``_rest``, over the state in ``_calls``) on one aiohttp port, routes events as Stream
does, and plays scenarios (``scenarios``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

try:
    from aiohttp import WSMsgType, web
except ImportError as error:  # pragma: no cover - only without the testing extra
    raise ImportError(
        "the fake coordinator needs aiohttp: install rx-coordinator's testing extra "
        "(pip install '.[testing]' in a clone)",
        name=error.name,
    ) from error

from . import payloads
from ._auth import check_auth
from ._calls import CallBook
from ._connection import FakeConnection
from ._rest import PREFIXES, RestApi, RestRequest, error_body
from .scenarios import SCENARIOS, Scenario, Stage

__all__ = ["MEMBER_EVENT_TYPES", "FakeConnection", "FakeCoordinator"]

_log = logging.getLogger(__name__)

MEMBER_EVENT_TYPES = frozenset(
    {
        "call.created",
        "call.ring",
        "call.notification",
        "call.missed",
        "call.accepted",
        "call.rejected",
    }
)
"""Events about a call that reach its members even when they do not watch it (the ring
flow's: a caller learns who accepted or rejected without watching)."""

_NOT_TO_THEIR_SENDER = frozenset({"call.ring", "call.notification"})
"""Events that never reach the user who caused them (Stream's SDK: the caller does not get
its own ``call.ring``; its ringing state comes from its own request)."""

_CLOSE_TIMEOUT = 5.0
_CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"


@dataclass(frozen=True)
class _AuthFailure:
    code: int
    message: str
    status_code: int
    legacy: bool


class _Ignore:
    """Accept the socket and the auth frame, then never answer."""


_AuthScript = _AuthFailure | _Ignore


class FakeCoordinator:
    """A local coordinator speaking Stream's protocol, scriptable per connection: an emulator
    that Stream's own JavaScript SDK runs against.

    It answers the auth frame with ``connection.ok`` (or a scripted ``connection.error``),
    answers health checks, records every connection (``connections``), and lets a test
    send events, drop sockets, go silent, close with any code, and refuse handshakes::

        async with FakeCoordinator() as fake:
            client = StreamAPIWS("key", "token", "alice", uri=fake.uri)
            await client.connect()
            conn = await fake.next_connection()
            await conn.send({"type": "call.created", "call_cid": "default:123"})

    Given ``api_key`` and ``api_secret``, it checks every connection as Stream's service
    does and refuses with the real error frames: a wrong api key (code 2), a missing
    ``user_details.id`` (4), a bad signature (43), an expired token (40, judged on the wall
    clock), a token not valid yet (41) or issued in the future (42). Without them it
    accepts any token.

    On the same port (``base_url``, under ``/video`` and ``/api/v2/video``) it serves
    the REST calls a call UI needs: ``GetCall``, ``GetOrCreateCall``, ``QueryCalls``,
    ``accept``, ``reject``, ``ring``, ``ring_state``, ``mark_ended``, custom events and
    reactions. Each changes the call state (``calls``, ``call_members``), makes the
    requesting connection watch the call where Stream does, and sends Stream's events
    through ``deliver``. Every request is recorded in ``rest_requests``. It needs
    aiohttp (the ``testing`` extra).

    Args:
        host: the interface to listen on (loopback by default).
        port: the port; 0 picks a free one.
        answer_health_checks: whether health checks get a ``health.check`` answer.
        api_key: the app's API key the connections must give.
        api_secret: the app's secret the tokens must be signed with.
        scenario: a scenario to play from the start (it waits for its clients): a name from
            ``SCENARIOS`` (``"call_lifecycle"``) or a
            coroutine function of a ``Stage``.
        speed: how many times faster than written the scenario runs.
        repeat: play the scenario again (for the next connected client) after it ends.

    Raises:
        ValueError: only one of ``api_key`` and ``api_secret``, an unknown scenario name,
            or a speed that is not positive.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        answer_health_checks: bool = True,
        api_key: str | None = None,
        api_secret: str | None = None,
        scenario: str | Scenario | None = None,
        speed: float = 1.0,
        repeat: bool = False,
    ) -> None:
        if (api_key is None) != (api_secret is None):
            raise ValueError("give both api_key and api_secret, or neither")
        if isinstance(scenario, str):
            if scenario not in SCENARIOS:
                known = ", ".join(sorted(SCENARIOS))
                raise ValueError(f"unknown scenario {scenario!r}; known: {known}")
            scenario = SCENARIOS[scenario]
        self._scenario = scenario
        self._stage = Stage(self, speed)
        self._repeat = repeat
        self._scenario_task: asyncio.Task[None] | None = None
        self._scenario_done: asyncio.Future[None] | None = None
        self._live = asyncio.Condition()
        self._credentials = None if api_key is None or api_secret is None else (api_key, api_secret)
        self.host = host
        self.port = port
        self.answer_health_checks = answer_health_checks
        self.connections: list[FakeConnection] = []
        self.refused = 0
        self.rest_requests: list[RestRequest] = []
        self._book = CallBook()
        self._rest_failures: deque[int] = deque()
        self._runner: web.AppRunner | None = None
        self._refusals: deque[int] = deque()
        self._auth_script: deque[_AuthScript] = deque()
        self._arrivals: asyncio.Queue[FakeConnection] = asyncio.Queue()
        self._counter = itertools.count()

    @property
    def uri(self) -> str:
        """The ``ws://`` URI to give the client (the fake must be started)."""
        if self._runner is None:
            raise RuntimeError("the FakeCoordinator is not started")
        return f"ws://{self.host}:{self.port}/video/connect"

    @property
    def base_url(self) -> str:
        """The REST base to give Stream's SDKs as ``baseURL`` (``http://…/video``)."""
        if self._runner is None:
            raise RuntimeError("the FakeCoordinator is not started")
        return f"http://{self.host}:{self.port}/video"

    @property
    def calls(self) -> dict[str, dict[str, Any]]:
        """The calls clients can watch (``CallResponse`` dicts by cid); delete one to make
        it disappear."""
        return self._book.calls

    @property
    def call_members(self) -> dict[str, list[dict[str, Any]]]:
        """The members (``MemberResponse`` dicts) of each call, by cid."""
        return self._book.members

    async def start(self) -> None:
        """Start listening; ``port`` then holds the actual port."""
        app = web.Application(middlewares=[self._edge])
        app.on_response_prepare.append(self._cors_headers)
        rest = RestApi(
            self._book,
            self._authenticated,
            self.deliver,
            self._credentials,
            self._rest_failures,
            self.rest_requests,
            self._live_changed,
        )
        app.add_routes(rest.routes())
        app.add_routes([web.get(prefix + "/connect", self._websocket) for prefix in PREFIXES])
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        if self._scenario is not None:
            self._scenario_done = asyncio.get_running_loop().create_future()
            self._scenario_task = asyncio.create_task(
                self._play(self._scenario), name="rx_coordinator.fake.scenario"
            )

    async def stop(self) -> None:
        """Stop the scenario, close every connection (code 1001) and stop listening."""
        if self._scenario_task is not None:
            self._scenario_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scenario_task
            self._scenario_task = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await asyncio.gather(
                *(self._going_away(conn) for conn in self.live_connections),
                return_exceptions=True,
            )
            await runner.cleanup()
            _forget_middleware_chains()

    async def __aenter__(self) -> FakeCoordinator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def refuse_handshakes(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` opening handshakes with HTTP ``status`` instead."""
        self._refusals.extend([status] * count)

    def fail_auth(
        self,
        code: int = 43,
        message: str = "token signature is invalid",
        *,
        count: int = 1,
        status_code: int = 401,
        legacy: bool = False,
    ) -> None:
        """Answer the next ``count`` auth frames with ``connection.error`` (or ``error``
        when ``legacy``) carrying ``code`` and ``message``, then close with 1000."""
        self._auth_script.extend([_AuthFailure(code, message, status_code, legacy)] * count)

    def ignore_auth(self, count: int = 1) -> None:
        """Never answer the next ``count`` auth frames, nor anything after them (the client's
        first frame times out); what the client sends is still recorded."""
        self._auth_script.extend([_Ignore()] * count)

    async def next_connection(self, timeout: float = 5.0) -> FakeConnection:
        """Wait for the next connection whose auth frame was answered (or ignored)."""
        async with asyncio.timeout(timeout):
            return await self._arrivals.get()

    async def wait_connected(self, timeout: float | None = 5.0) -> FakeConnection:
        """Wait until an authenticated connection is open, and return one (the newest).

        Unlike ``next_connection``, this consumes nothing: it may return a connection
        that was already there.
        """
        async with asyncio.timeout(timeout), self._live:
            await self._live.wait_for(lambda: bool(self._authenticated()))
            return self._authenticated()[-1]

    async def wait_scenario(self, timeout: float | None = None, settle: float = 0.05) -> None:
        """Wait until the scenario has been played through once (re-raising its error),
        then ``settle`` seconds more, for local clients to read its last frames."""
        if self._scenario_done is None:
            raise RuntimeError("no scenario is playing: give scenario= and start the fake")
        async with asyncio.timeout(timeout):
            await asyncio.shield(self._scenario_done)
        await asyncio.sleep(settle)

    @property
    def stage(self) -> Stage:
        """The scenario's stage (its ``speed``, and ``drops``: network drops played so far)."""
        return self._stage

    @property
    def live_connections(self) -> list[FakeConnection]:
        """The connections still open."""
        return [c for c in self.connections if not c.closed]

    async def broadcast(self, event: dict[str, Any]) -> None:
        """Send ``event`` to every open, authenticated connection, watching or not."""
        for conn in self._authenticated():
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.send(event)

    async def deliver(self, event: dict[str, Any]) -> list[FakeConnection]:
        """Send ``event`` to the connections the coordinator would send it to.

        An event about a call (it has a ``call_cid``) goes to the connections watching the
        call; ring-flow events (``MEMBER_EVENT_TYPES``: ``call.created``,
        ``call.ring``, ``call.notification``, ``call.missed``, ``call.accepted``,
        ``call.rejected``) also go to the connections of the call's members (from the
        event's ``members``, or the call's). ``call.ring`` and ``call.notification`` never
        reach the user who sent them (the event's ``user``). Any other event goes to every
        connection. Returns the connections it was sent to.
        """
        cid = event.get("call_cid")
        kind = event.get("type")
        event = self._book.apply(event)
        if not isinstance(cid, str):
            recipients = self._authenticated()
        else:
            members: set[str | None] = set()
            if kind in MEMBER_EVENT_TYPES:
                listed = event.get("members") or self._book.members.get(cid, [])
                members = {m.get("user_id") for m in listed if isinstance(m, dict)}
            recipients = [
                c for c in self._authenticated() if cid in c.watching or c.user_id in members
            ]
            sender = event.get("user")
            if kind in _NOT_TO_THEIR_SENDER and isinstance(sender, dict):
                recipients = [c for c in recipients if c.user_id != sender.get("id")]
        for conn in recipients:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await conn.send(event)
        return recipients

    def create_call(self, call: dict[str, Any], members: Sequence[dict[str, Any]] = ()) -> str:
        """Make ``call`` (a ``call`` payload) exist, so
        that clients can watch it; returns its cid. A call with a ``current_session_id``
        gets a ``session`` object if it has none."""
        return self._book.add(call, members)

    def fail_rest(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` REST requests with HTTP ``status``."""
        self._rest_failures.extend([status] * count)

    async def wait_watched(self, cid: str, timeout: float | None = 5.0) -> FakeConnection:
        """Wait until an open connection watches ``cid``, and return it."""

        def watchers() -> list[FakeConnection]:
            return [c for c in self._authenticated() if cid in c.watching]

        async with asyncio.timeout(timeout), self._live:
            await self._live.wait_for(lambda: bool(watchers()))
            return watchers()[-1]

    def _authenticated(self) -> list[FakeConnection]:
        return [c for c in self.live_connections if c.connection_id is not None]

    async def _live_changed(self) -> None:
        async with self._live:
            self._live.notify_all()

    async def _play(self, scenario: Scenario) -> None:
        done = self._scenario_done
        assert done is not None
        while True:
            try:
                await scenario(self._stage)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                _log.exception("the scenario failed")
                if not done.done():
                    done.set_exception(error)
                    done.exception()  # reported above; awaiting wait_scenario() re-raises it
                return
            if not done.done():
                done.set_result(None)
            if not self._repeat:
                return
            await self._stage.pause(2.0)

    def _judge(self, api_key: str | None, auth: Any) -> _AuthFailure | None:
        if self._credentials is None:
            return None
        expected_key, secret = self._credentials
        refusal = check_auth(api_key, auth, expected_key=expected_key, secret=secret)
        if refusal is None:
            return None
        return _AuthFailure(refusal.code, refusal.message, refusal.status_code, legacy=False)

    @web.middleware
    async def _edge(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """What Stream's edge does around every endpoint: CORS preflights, errors in its
        shape."""
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return web.Response(
                status=204,
                headers={
                    "Access-Control-Allow-Origin": request.headers.get("Origin", "*"),
                    "Access-Control-Allow-Methods": _CORS_METHODS,
                    "Access-Control-Allow-Headers": request.headers.get(
                        "Access-Control-Request-Headers", "*"
                    ),
                    "Access-Control-Max-Age": "86400",
                    "Vary": "Origin",
                },
            )
        try:
            response = await handler(request)
        except web.HTTPMethodNotAllowed as refused:
            body = error_body(405, 4, f"{request.method} is not allowed on {request.path}")
            response = web.json_response(
                body, status=405, headers={"Allow": refused.headers["Allow"]}
            )
        except web.HTTPNotFound:
            body = error_body(404, 16, f"no such endpoint: {request.method} {request.path}")
            response = web.json_response(body, status=404)
        return response

    @staticmethod
    async def _cors_headers(request: web.Request, response: web.StreamResponse) -> None:
        """Let browser apps on other origins read every answer (set as headers go out)."""
        response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
        response.headers["Vary"] = "Origin"

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if self._refusals:
            self.refused += 1
            return web.Response(status=self._refusals.popleft(), text="refused\n")
        ws = web.WebSocketResponse(compress=True, autoping=True, timeout=_CLOSE_TIMEOUT)
        if not ws.can_prepare(request).ok:
            body = error_body(400, 4, "this endpoint takes a WebSocket upgrade")
            return web.json_response(body, status=400)
        await ws.prepare(request)
        conn = FakeConnection(ws, request, next(self._counter))
        self.connections.append(conn)
        code: int | None = 1006
        reason = ""
        try:
            code, reason = await self._serve(conn, ws)
        finally:
            if code is None:  # our own close() is under way: it records the client's answer
                with contextlib.suppress(TimeoutError):
                    await conn.wait_closed(_CLOSE_TIMEOUT + 1)
            if not conn.closed:
                await conn._ended(code or 1006, reason)
            await self._live_changed()
            _log.info(
                "%s left: connection %s, watched %s, close code %s",
                conn.user_id or "?",
                conn.connection_id or "-",
                ", ".join(sorted(conn.watching)) or "nothing",
                conn.close_code,
            )
        return ws

    async def _serve(
        self, conn: FakeConnection, ws: web.WebSocketResponse
    ) -> tuple[int | None, str]:
        """Run the protocol on ``conn``; returns the client's close code and reason (1006
        for a drop), ``None`` when our own close is under way."""
        first = await ws.receive()
        if first.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            return _close_of(conn, first)
        conn.auth = _loads(first.data)
        script = self._auth_script.popleft() if self._auth_script else None
        if script is None:
            script = self._judge(conn.query.get("api_key"), conn.auth)
        if isinstance(script, _AuthFailure):
            conn.error_code = script.code
            await ws.send_str(json.dumps(_error_frame(script)))
            self._arrivals.put_nowait(conn)
            await ws.close(code=1000, message=b"authentication failed")
            _log.info("%s refused: code %s", conn.user_id or "?", script.code)
            return ws.close_code or 1006, ""
        if isinstance(script, _Ignore):
            conn.silent = True  # records what the client sends, answers nothing
        else:
            conn.connection_id = str(uuid.uuid4())
            if conn.user_id is not None:
                self._book.meet(conn.user_id, conn.user_name)
            await ws.send_str(json.dumps(self._connected_frame(conn)))
            _log.info("%s connected: connection %s", conn.user_id, conn.connection_id)
        self._arrivals.put_nowait(conn)
        await self._live_changed()
        while True:
            message = await ws.receive()
            if message.type is WSMsgType.TEXT or message.type is WSMsgType.BINARY:
                conn.received.append(message.data)
                await self._on_frame(conn, message.data)
                continue
            return _close_of(conn, message)

    async def _on_frame(self, conn: FakeConnection, frame: str | bytes) -> None:
        decoded = _loads(frame)
        items = decoded if isinstance(decoded, list) else [decoded]
        checks = [i for i in items if isinstance(i, dict) and i.get("type") == "health.check"]
        if not checks:
            return
        await conn._record_health_checks(checks)
        if self.answer_health_checks and not conn.silent:
            await conn.send_raw(json.dumps(payloads.health_check(conn.connection_id or "")))

    def _connected_frame(self, conn: FakeConnection) -> dict[str, Any]:
        me = payloads.own_user(conn.user_id or "", name=conn.user_name)
        return payloads.connection_ok(conn.connection_id or "", me)

    async def _going_away(self, conn: FakeConnection) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
            await conn.close(1001, "server shutting down")


def _close_of(conn: FakeConnection, message: Any) -> tuple[int | None, str]:
    if message.type is WSMsgType.CLOSE:  # the client closed: its code and reason
        return int(message.data), message.extra or ""
    if message.type is WSMsgType.CLOSING or conn._closing:
        return None, ""
    return 1006, ""  # dropped, or broken


def _loads(frame: str | bytes) -> Any:
    try:
        return json.loads(frame)
    except ValueError:
        return None


def _error_frame(failure: _AuthFailure) -> dict[str, Any]:
    return payloads.connection_error(
        failure.code, failure.message, status_code=failure.status_code, legacy=failure.legacy
    )


def _forget_middleware_chains() -> None:
    """Empty aiohttp's cache of middleware chains, which keeps a stopped fake alive.

    aiohttp caches each (handler, applications) chain in a module-level LRU of 1,024
    entries: every fake a test suite or a notebook stopped would stay in memory with its
    event loop. The cache only saves building a chain again; emptying it costs nothing else.
    """
    from aiohttp import web_app

    cache = getattr(web_app, "_cached_build_middleware", None)
    if cache is not None and hasattr(cache, "cache_clear"):
        cache.cache_clear()
