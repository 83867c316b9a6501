"""A scriptable coordinator on 127.0.0.1, for the client's tests and for users' own."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .._redact import RedactingLogger
from . import payloads
from ._auth import check_auth
from ._clock import now_rfc3339
from ._rest import CALL_PATH, RestRequest, answer
from .scenarios import SCENARIOS, Scenario, Stage

__all__ = ["FakeConnection", "FakeCoordinator"]

_log = logging.getLogger(__name__)

MEMBER_EVENT_TYPES = frozenset({"call.created", "call.ring", "call.notification", "call.missed"})
"""Events about a call that reach its members even when they do not watch it."""


@dataclass(frozen=True)
class _AuthFailure:
    code: int
    message: str
    status_code: int
    legacy: bool


class _Ignore:
    """Accept the socket and the auth frame, then never answer."""


_AuthScript = _AuthFailure | _Ignore


class FakeConnection:
    """One connection accepted by a :class:`FakeCoordinator`, as the server sees it.

    Attributes:
        index: 0 for the first connection the fake accepted, 1 for the next, ...
        path: the request path (``/video/connect``).
        query: the request's query parameters.
        auth: the decoded first frame the client sent (``None`` until it arrives).
        connection_id: the id sent in ``connection.ok`` (``None`` if auth was refused).
        error_code: the code of the ``connection.error`` it was refused with, if any.
        health_checks: every health-check item the client sent, decoded.
        received: every frame the client sent after the auth frame, as received.
        close_code: the close code the client sent (1006 when the socket just dropped),
            ``None`` while open.
        close_reason: the close reason the client sent.
        watching: the calls (``"type:id"``) this connection watches, through ``GetCall``.
        compressed: whether ``permessage-deflate`` was negotiated (the fake accepts it
            when the client offers it).
    """

    def __init__(self, fake: FakeCoordinator, ws: ServerConnection, index: int) -> None:
        self._fake = fake
        self._ws = ws
        self.index = index
        request = ws.request
        target = urlsplit(request.path if request is not None else "/")
        self.path = target.path
        self.query: dict[str, str] = dict(parse_qsl(target.query, keep_blank_values=True))
        self.auth: dict[str, Any] | None = None
        self.connection_id: str | None = None
        self.error_code: int | None = None
        self.health_checks: list[dict[str, Any]] = []
        self.received: list[str | bytes] = []
        self.close_code: int | None = None
        self.close_reason: str = ""
        self.silent = False
        self.watching: set[str] = set()
        self.compressed = any(
            extension.name == "permessage-deflate" for extension in ws.protocol.extensions
        )
        self._closed = asyncio.Event()
        self._health = asyncio.Condition()

    @property
    def closed(self) -> bool:
        """Whether the socket has ended."""
        return self._closed.is_set()

    async def send(self, event: dict[str, Any]) -> None:
        """Send an event (a JSON object); ``created_at`` is filled in when missing."""
        frame = dict(event)
        frame.setdefault("created_at", now_rfc3339())
        await self.send_raw(json.dumps(frame))

    async def send_raw(self, data: str | bytes) -> None:
        """Send one frame exactly as given: text for ``str``, binary for ``bytes``."""
        await self._ws.send(data)

    async def drop(self) -> None:
        """End the socket abruptly, with no close frame (the client sees code 1006)."""
        transport = self._ws.transport
        transport.abort()
        await self.wait_closed()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket cleanly with ``code`` and ``reason``."""
        await self._ws.close(code, reason)
        await self.wait_closed()

    def go_silent(self) -> None:
        """Stop answering health checks (the socket stays open): the client should time out."""
        self.silent = True

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        """Wait until the socket has ended; return the client's close code."""
        async with asyncio.timeout(timeout):
            await self._closed.wait()
        return self.close_code

    async def wait_for_health_checks(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until the client has sent at least ``count`` health checks."""
        async with asyncio.timeout(timeout), self._health:
            await self._health.wait_for(lambda: len(self.health_checks) >= count)

    @property
    def user_id(self) -> str | None:
        """The ``user_details.id`` of the auth frame, if it had one."""
        details = (self.auth or {}).get("user_details")
        user_id = details.get("id") if isinstance(details, dict) else None
        return user_id if isinstance(user_id, str) else None

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<FakeConnection #{self.index} {state} connection_id={self.connection_id!r}>"

    async def _serve(self) -> None:
        ws = self._ws
        try:
            first = await ws.recv()
            self.auth = _loads(first)
            script = self._fake._auth_script.popleft() if self._fake._auth_script else None
            if script is None:
                script = self._fake._judge(self.query.get("api_key"), self.auth)
            if isinstance(script, _AuthFailure):
                self.error_code = script.code
                await ws.send(json.dumps(_error_frame(script)))
                self._fake._arrivals.put_nowait(self)
                await ws.close(1000, "authentication failed")
                return
            if isinstance(script, _Ignore):
                self.silent = True  # records what the client sends, answers nothing
            else:
                self.connection_id = str(uuid.uuid4())
                await ws.send(json.dumps(self._connected_frame()))
            self._fake._arrivals.put_nowait(self)
            await self._fake._live_changed()
            async for frame in ws:
                self.received.append(frame)
                await self._on_frame(frame)
        except ConnectionClosed:
            pass
        finally:
            self.close_code = ws.close_code
            self.close_reason = ws.close_reason or ""
            self._closed.set()
            await self._fake._live_changed()
            async with self._health:
                self._health.notify_all()

    async def _on_frame(self, frame: str | bytes) -> None:
        decoded = _loads(frame)
        items = decoded if isinstance(decoded, list) else [decoded]
        checks = [i for i in items if isinstance(i, dict) and i.get("type") == "health.check"]
        if not checks:
            return
        async with self._health:
            self.health_checks.extend(checks)
            self._health.notify_all()
        if self._fake.answer_health_checks and not self.silent:
            await self._ws.send(json.dumps(payloads.health_check(self.connection_id or "")))

    def _connected_frame(self) -> dict[str, Any]:
        user_details = (self.auth or {}).get("user_details")
        user_id = user_details.get("id") if isinstance(user_details, dict) else None
        me = payloads.own_user(user_id if isinstance(user_id, str) else "")
        return payloads.connection_ok(self.connection_id or "", me)


class FakeCoordinator:
    """A local coordinator speaking Stream's WebSocket protocol, scriptable per connection.

    It answers the auth frame with ``connection.ok`` (or a scripted ``connection.error``),
    answers health checks, records every connection (:attr:`connections`), and lets a test
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

    Args:
        host: the interface to listen on (loopback by default).
        port: the port; 0 picks a free one.
        answer_health_checks: whether health checks get a ``health.check`` answer.
        api_key: the app's API key the connections must give.
        api_secret: the app's secret the tokens must be signed with.
        scenario: a scenario to play from the start (it waits for its clients): a name from
            :data:`~rx_coordinator.testing.scenarios.SCENARIOS` (``"call_lifecycle"``) or a
            coroutine function of a :class:`~rx_coordinator.testing.scenarios.Stage`.
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
        self.calls: dict[str, dict[str, Any]] = {}
        self.call_members: dict[str, list[dict[str, Any]]] = {}
        self.rest_requests: list[RestRequest] = []
        self._rest_failures: deque[int] = deque()
        self._server: Server | None = None
        self._refusals: deque[int] = deque()
        self._auth_script: deque[_AuthScript] = deque()
        self._arrivals: asyncio.Queue[FakeConnection] = asyncio.Queue()
        self._counter = itertools.count()
        self._logger = RedactingLogger(_log, lambda: "")

    @property
    def uri(self) -> str:
        """The ``ws://`` URI to give the client (the fake must be started)."""
        if self._server is None:
            raise RuntimeError("the FakeCoordinator is not started")
        return f"ws://{self.host}:{self.port}/video/connect"

    async def start(self) -> None:
        """Start listening; :attr:`port` then holds the actual port."""
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
            ping_interval=None,
            logger=self._logger,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
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
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

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

        Unlike :meth:`next_connection`, this consumes nothing: it may return a connection
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
            with contextlib.suppress(ConnectionClosed):
                await conn.send(event)

    async def deliver(self, event: dict[str, Any]) -> list[FakeConnection]:
        """Send ``event`` to the connections the coordinator would send it to.

        An event about a call (it has a ``call_cid``) goes to the connections watching the
        call; ``call.created``, ``call.ring``, ``call.notification`` and ``call.missed``
        also go to the connections of the call's members (from the event's ``members``, or
        :meth:`create_call`'s). Any other event goes to every connection. Returns the
        connections it was sent to.
        """
        cid = event.get("call_cid")
        if not isinstance(cid, str):
            recipients = self._authenticated()
        else:
            members: set[str | None] = set()
            if event.get("type") in MEMBER_EVENT_TYPES:
                listed = event.get("members") or self.call_members.get(cid, [])
                members = {m.get("user_id") for m in listed if isinstance(m, dict)}
            recipients = [
                c for c in self._authenticated() if cid in c.watching or c.user_id in members
            ]
        for conn in recipients:
            with contextlib.suppress(ConnectionClosed):
                await conn.send(event)
        return recipients

    def create_call(self, call: dict[str, Any], members: Sequence[dict[str, Any]] = ()) -> str:
        """Make ``call`` (a :func:`~rx_coordinator.testing.payloads.call` payload) exist, so
        that clients can watch it; returns its cid."""
        cid: str = call["cid"]
        self.calls[cid] = call
        self.call_members[cid] = list(members)
        return cid

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

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        if request.path.startswith(CALL_PATH):
            status, body = answer(self, request)
            target = urlsplit(request.path)
            self.rest_requests.append(
                RestRequest(
                    target.path,
                    dict(parse_qsl(target.query)),
                    "Authorization" in request.headers,
                    status,
                )
            )
            if status == HTTPStatus.OK:
                await self._live_changed()  # someone may wait_watched()
            response = connection.respond(HTTPStatus(status), json.dumps(body))
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/json"
            return response
        if self._refusals:
            self.refused += 1
            return connection.respond(HTTPStatus(self._refusals.popleft()), "refused\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        conn = FakeConnection(self, ws, next(self._counter))
        self.connections.append(conn)
        await conn._serve()


def _loads(frame: str | bytes) -> Any:
    try:
        return json.loads(frame)
    except ValueError:
        return None


def _error_frame(failure: _AuthFailure) -> dict[str, Any]:
    return payloads.connection_error(
        failure.code, failure.message, status_code=failure.status_code, legacy=failure.legacy
    )
