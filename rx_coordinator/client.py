"""``StreamAPIWS``: the coordinator connection as a hot Observable of events.

It composes the pieces: a :class:`rx_coordinator.session.Session` (connections one
after another, with backoff), whose events are fanned out to subscribers through an
isolating subject.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import math
import random
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar, overload

from reactivex import Observable, abc

from . import protocol
from ._backoff import Backoff
from ._hub import Hub, StateHub
from ._listen import EventStream
from ._match import Selector
from ._redact import RedactingLogger
from ._tasks import TaskSet
from .errors import (
    ConnectionLost,
    StreamWSAuthError,
    StreamWSConnectionError,
    StreamWSMaxRetriesExceeded,
    StreamWSTokenProviderError,
)
from .events import Event
from .operators import of_type
from .rest import RestClient, is_permanent
from .scheduling import LoopScheduler
from .session import Connected, Job, Session, Settings, connection_id_of
from .state import ConnectionState

__all__ = ["EventHandler", "StreamAPIWS", "TokenProvider"]

EventHandler = Callable[[Event], Awaitable[None] | None]
"""A handler for :meth:`StreamAPIWS.on`: a function or a coroutine function of one event."""

TokenProvider = Callable[[], Awaitable[str] | str]
"""Gives a fresh user token: a function or a coroutine function of no argument."""

_H = TypeVar("_H", bound=EventHandler)
_E = TypeVar("_E", bound=Event)
_E2 = TypeVar("_E2", bound=Event)


class StreamAPIWS:
    """A client for Stream Video's coordinator WebSocket.

    Args:
        api_key: the Stream application's API key.
        token: the user's JWT. It is sent in the first frame only: never in the URL,
            a log record, an exception or a ``repr``. May be omitted with a
            ``token_provider``.
        user_id: the user the token was issued for (required).
        token_provider: called (and awaited, if it is a coroutine function) for a fresh
            token: before the first connect when ``token`` is omitted, and whenever the
            coordinator answers a connect or reconnect with code 40 (token expired), after
            which the client retries at once, without using up a backoff attempt. A second
            code 40 in a row is fatal. Its tokens are kept as secret as ``token``.
        uri: the coordinator endpoint (``ws://`` or ``wss://``); any query it has is kept.
        rest_uri: the REST origin used to watch calls; by default the ``uri``'s host and
            port over ``https://`` (``http://`` for ``ws://``).
        healthcheck_interval: seconds between the health checks the client sends; also
            how long a new connection must live to count as a successful reconnect.
        healthcheck_timeout: seconds without any inbound frame after which the connection
            is declared dead; also the limit for the first frame after opening.
            Must exceed ``healthcheck_interval``.
        max_retries: failed reconnect attempts before giving up; ``None`` never gives up
            (for long-running services: cap the delay with ``backoff_max``).
        backoff_base: delay in seconds before the first reconnect attempt.
        backoff_factor: each further attempt waits this many times longer (``>= 1``).
        backoff_max: the longest delay between attempts, in seconds (``None``: no cap).
        jitter: the share of each delay that is random, from 0 (the exact 1-2-4-8-16
            schedule, the default) to 1 ("full jitter": uniform between 0 and the delay),
            so that many clients dropped at once do not all come back at once.
        jitter_random: the random source for ``jitter``, uniform in ``[0, 1)``
            (``random.random`` by default); give a fixed one in tests.
        max_pending_handlers: how many coroutine ``on()`` handler calls may run at once;
            beyond it, a call is skipped and logged at ERROR (with a count when calls
            run again), so slow handlers cannot pile up tasks without bound.
        max_size: the largest inbound frame accepted, in bytes (``None``: no limit). A larger
            one is a protocol error of that connection, which is then reconnected.
        compression: offer ``permessage-deflate``, as ``websockets`` does by default. When
            the server accepts it, each connection also holds zlib's state: about 40 KiB
            (measured with ``websockets``' settings), three times what the client takes
            otherwise. ``False`` saves that memory at the cost of bandwidth: for services
            holding many connections on a fast network.
        logger: where records go; by default ``logging.getLogger("rx_coordinator.client")``.
        scheduler: the reactivex scheduler for every timer; by default a
            :class:`~rx_coordinator.scheduling.LoopScheduler` on the running loop.

    Raises:
        ValueError: for an empty ``api_key``, ``token`` or ``user_id``, neither a ``token``
            nor a ``token_provider``, a ``uri`` that is not ``ws://``/``wss://``, a
            non-positive interval or a negative retry or backoff.
        TypeError: a ``token_provider`` or ``jitter_random`` that is not callable, or a
            ``compression`` that is not a bool.
    """

    # Slots: services hold thousands of clients, and a dict of 30 attributes is 1.5 KiB.
    __slots__ = (
        "__weakref__",
        "_api_key",
        "_backoff_base",
        "_backoff_factor",
        "_backoff_max",
        "_compression",
        "_connection_id",
        "_first",
        "_handlers",
        "_healthcheck_interval",
        "_healthcheck_timeout",
        "_hub",
        "_jitter",
        "_jitter_random",
        "_logger",
        "_max_pending_handlers",
        "_max_retries",
        "_max_size",
        "_pending_handlers",
        "_refreshed_on_expiry",
        "_rest",
        "_rest_base",
        "_scheduler",
        "_session",
        "_skipped_handlers",
        "_state",
        "_tasks",
        "_token",
        "_token_provider",
        "_uri",
        "_user_id",
        "_watched",
        "_ws_logger",
    )

    def __init__(
        self,
        api_key: str,
        token: str | None = None,
        user_id: str = "",
        *,
        token_provider: TokenProvider | None = None,
        uri: str = protocol.DEFAULT_WS_URI,
        rest_uri: str | None = None,
        healthcheck_interval: float = 25.0,
        healthcheck_timeout: float = 30.0,
        max_retries: int | None = 5,
        backoff_base: float = 1.0,
        backoff_factor: float = 2.0,
        backoff_max: float | None = 60.0,
        jitter: float = 0.0,
        jitter_random: Callable[[], float] | None = None,
        max_pending_handlers: int = 1000,
        max_size: int | None = 2**20,
        compression: bool = True,
        logger: logging.Logger | None = None,
        scheduler: abc.SchedulerBase | None = None,
    ) -> None:
        _check_text("api_key", api_key)
        if token is None and token_provider is None:
            raise ValueError("give a token, a token_provider, or both")
        if token is not None:
            _check_text("token", token)
        if token_provider is not None and not callable(token_provider):
            raise TypeError(f"token_provider must be callable, got {token_provider!r}")
        _check_text("user_id", user_id)
        protocol.validate_uri(uri)
        if rest_uri is not None:
            protocol.validate_rest_uri(rest_uri)
        _check_number("healthcheck_interval", healthcheck_interval, minimum=0, inclusive=False)
        _check_number("healthcheck_timeout", healthcheck_timeout, minimum=0, inclusive=False)
        if healthcheck_timeout <= healthcheck_interval:
            raise ValueError(
                "healthcheck_timeout must be greater than healthcheck_interval "
                f"(got {healthcheck_timeout!r} <= {healthcheck_interval!r}): a quiet but "
                "healthy connection would be declared dead before its heartbeat is answered"
            )
        if max_retries is not None and (
            isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0
        ):
            raise ValueError(f"max_retries must be an integer >= 0 or None, got {max_retries!r}")
        if backoff_max is not None:
            _check_number("backoff_max", backoff_max, minimum=0, inclusive=False)
        _check_number("jitter", jitter, minimum=0.0)
        if jitter > 1:
            raise ValueError(f"jitter must be between 0 and 1, got {jitter!r}")
        if (
            isinstance(max_pending_handlers, bool)
            or not isinstance(max_pending_handlers, int)
            or max_pending_handlers < 1
        ):
            raise ValueError(
                f"max_pending_handlers must be a positive integer, got {max_pending_handlers!r}"
            )
        if jitter_random is not None and not callable(jitter_random):
            raise TypeError(f"jitter_random must be callable, got {jitter_random!r}")
        _check_number("backoff_base", backoff_base, minimum=0.0)
        _check_number("backoff_factor", backoff_factor, minimum=1.0)
        if max_size is not None and (
            isinstance(max_size, bool) or not isinstance(max_size, int) or max_size <= 0
        ):
            raise ValueError(f"max_size must be a positive integer or None, got {max_size!r}")
        if not isinstance(compression, bool):
            raise TypeError(f"compression must be True or False, got {compression!r}")

        self._api_key = api_key
        self._token = token or ""
        self._token_provider = token_provider
        # A code 40 was answered with a fresh token, and no connection.ok came since.
        self._refreshed_on_expiry = False
        self._user_id = user_id
        self._uri = uri
        self._rest_base = rest_uri.rstrip("/") if rest_uri else protocol.rest_base(uri)
        self._rest: RestClient | None = None
        self._watched: dict[str, None] = {}  # insertion-ordered set of cids
        self._healthcheck_interval = float(healthcheck_interval)
        self._healthcheck_timeout = float(healthcheck_timeout)
        self._max_retries = max_retries
        self._backoff_base = float(backoff_base)
        self._backoff_factor = float(backoff_factor)
        self._backoff_max = None if backoff_max is None else float(backoff_max)
        self._jitter = float(jitter)
        self._jitter_random = jitter_random or random.random
        self._max_pending_handlers = max_pending_handlers
        self._pending_handlers = 0
        self._skipped_handlers = 0
        self._max_size = max_size
        self._compression = compression
        self._logger = logger or logging.getLogger(__name__)
        self._ws_logger = RedactingLogger(self._logger.getChild("websockets"), self._current_token)
        self._scheduler = scheduler

        self._hub: Hub[Event] = Hub(self._logger)
        self._state = StateHub(ConnectionState.DISCONNECTED, self._logger)
        self._handlers: dict[str, list[EventHandler]] = {}
        self._tasks = TaskSet(self._logger)
        self._session: Session | None = None
        self._first: asyncio.Future[Connected] | None = None
        self._connection_id: str | None = None

    # -- public API ---------------------------------------------------------------------

    @property
    def events(self) -> Observable[Event]:
        """Every event of the current session, hot and shared by all subscribers.

        One socket however many subscribers. It begins with the ``connection.ok`` of
        :meth:`connect`, carries on across reconnects, completes on :meth:`disconnect`,
        and fails with :class:`StreamWSMaxRetriesExceeded`, :class:`StreamWSAuthError` or
        :class:`StreamWSConnectionError` when the client gives up. A subscriber that raises
        is logged and isolated. A new :meth:`connect` after the end begins a new stream:
        subscribe again.
        """
        return self._hub

    @property
    def state(self) -> Observable[ConnectionState]:
        """The :class:`ConnectionState`, replaying the current value to each new subscriber."""
        return self._state

    @property
    def connection_id(self) -> str | None:
        """The coordinator's id for the live connection, ``None`` when not connected."""
        return self._connection_id

    async def connect(self) -> Connected:
        """Open the connection and wait for ``connection.ok``, which is returned.

        The event is a :class:`~rx_coordinator.events.ConnectedEvent` (``.connection_id``,
        ``.me``), or a :class:`~rx_coordinator.events.GenericEvent` if the server's frame
        does not fit Stream's spec (Stream's service always fits; :attr:`connection_id` is
        set either way). The first connection is never retried: the caller learns at once.

        Raises:
            StreamWSAuthError: the coordinator answered ``connection.error``.
            StreamWSConnectionError: the socket could not open, or no first frame came
                within ``healthcheck_timeout``.
            StreamWSTokenProviderError: the ``token_provider`` failed to give a token.
            RuntimeError: the client is already connecting or connected.
        """
        current = self._state.value
        if current not in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
            raise RuntimeError(f"connect() called while {current.value}; disconnect() first")
        if not self._token:
            await self._fetch_token()
        loop = asyncio.get_running_loop()
        scheduler = self._scheduler or LoopScheduler.for_loop(loop)
        self._hub.restart()
        first = self._first = loop.create_future()
        self._set_state(ConnectionState.CONNECTING)
        self._logger.info("connecting to %s as user %s", self._uri, self._user_id)
        self._session = self._new_session(scheduler)
        self._session.start()
        try:
            connected: Connected = await first
            self._first = None  # the event is the caller's now; do not keep it alive here
        except asyncio.CancelledError:
            await self.disconnect()
            raise
        except BaseException:
            await self._tasks.join()
            raise
        return connected

    async def disconnect(self) -> None:
        """Close the connection for good and complete :attr:`events`.

        Stops the heartbeat, cancels a pending reconnect at once (also mid-backoff),
        closes the socket with 1000 ``"client disconnect"``, waits for every task the client
        started (coroutine handlers included) and sets ``DISCONNECTED``. Safe to call twice,
        or before :meth:`connect`.
        """
        if self._session is not None:
            self._session.dispose()
            self._session = None
        if self._first is not None and not self._first.done():
            self._first.set_exception(
                StreamWSConnectionError("disconnect() was called before the connection was made")
            )
        await self._tasks.join()
        self._connection_id = None
        if self._rest is not None:
            await self._rest.aclose()
            self._rest = None
        if not self._hub.is_stopped:
            self._hub.on_completed()
        if self._state.value is not ConnectionState.DISCONNECTED:
            self._logger.info("disconnected")
            self._set_state(ConnectionState.DISCONNECTED)

    @overload
    def on(self, event_type: str) -> Callable[[_H], _H]: ...

    @overload
    def on(self, event_type: str, handler: _H) -> _H: ...

    def on(self, event_type: str, handler: _H | None = None) -> _H | Callable[[_H], _H]:
        """Call ``handler`` for every event of ``event_type``; usable as a decorator.

        Plain functions are called in the event's turn; coroutine functions are scheduled
        as tasks (awaited by :meth:`disconnect`). A handler's exception is logged with its
        traceback and never propagates. Handlers stay registered across reconnects and
        new sessions.
        """
        _check_text("event_type", event_type)

        def register(fn: _H) -> _H:
            if not callable(fn):
                raise TypeError(f"handler must be callable, got {fn!r}")
            self._handlers.setdefault(event_type, []).append(fn)
            return fn

        return register if handler is None else register(handler)

    @property
    def watched(self) -> frozenset[str]:
        """The calls this client watches (``"type:id"``), re-watched after every reconnect."""
        return frozenset(self._watched)

    async def watch(self, call: str, call_id: str | None = None) -> None:
        """Receive the events of a call: ``watch("default", "abc")`` or ``watch("default:abc")``.

        Watching is tied to the connection, so the client watches every watched call again
        after each reconnect, before the state turns ``CONNECTED``. When connected, the
        call is watched at once (``GetCall`` with this ``connection_id``) and its errors
        are raised here; while connecting or reconnecting, it is watched as soon as the
        connection is made. Watched calls stay watched across :meth:`disconnect` and a new
        :meth:`connect`.

        Raises:
            ValueError: a malformed call type or id.
            StreamAPIError: the API refused (404: no such call).
            StreamWSConnectionError: the REST API could not be reached.
            RuntimeError: the client is disconnected or failed: :meth:`connect` first.
        """
        cid = protocol.call_cid(call, call_id)
        current = self._state.value
        if current in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
            raise RuntimeError(f"watch() called while {current.value}; connect() first")
        connection_id = self._connection_id
        added = cid not in self._watched
        # Listed first, so that a reconnect during the request watches it again.
        self._watched[cid] = None
        if current is not ConnectionState.CONNECTED or connection_id is None:
            return
        rest = await self._rest_client()
        try:
            await rest.get_call(cid, connection_id)
        except Exception:
            if self._connection_id == connection_id and added:
                self._watched.pop(cid, None)  # refused on this very connection
            if self._connection_id == connection_id:
                raise
            # The connection changed meanwhile: watching it on the new one covers the call.
        self._logger.info("watching %s", cid)

    async def unwatch(self, call: str, call_id: str | None = None) -> None:
        """Stop watching a call: it is not watched again after the next reconnect.

        Stream's API has no request to stop watching (its own clients stop tracking the
        call locally), so the coordinator may send the call's events on the current
        connection until it ends. Unwatching a call that is not watched does nothing.
        """
        self._watched.pop(protocol.call_cid(call, call_id), None)

    @overload
    def listen(self, *, maxsize: int = ...) -> EventStream[Event]: ...

    @overload
    def listen(self, first: type[_E], /, *, maxsize: int = ...) -> EventStream[_E]: ...

    @overload
    def listen(
        self, first: type[_E], second: type[_E2], /, *, maxsize: int = ...
    ) -> EventStream[_E | _E2]: ...

    @overload
    def listen(self, *selectors: Selector, maxsize: int = ...) -> EventStream[Event]: ...

    def listen(self, *selectors: Selector, maxsize: int = 1000) -> EventStream[Any]:
        """The events (those matching ``selectors``, as in :func:`of_type`), to ``async for``.

        The safe path for slow consumers: a subscriber of :attr:`events` runs in the
        socket's turn, so one that blocks stalls the loop, heartbeat included. Here events
        wait in a buffer of ``maxsize``; a consumer that falls further behind gets
        :class:`~rx_coordinator.errors.StreamWSOverflowError` after the kept events, never
        a silent gap and never unbounded memory::

            async with client.listen("call.session_*") as stream:
                async for event in stream:
                    await store(event)

        Listening starts at once (before the first ``await``); the iteration ends when
        :attr:`events` completes and raises its error when it fails.

        Raises:
            ValueError: ``maxsize`` is not a positive integer, or a selector is empty.
            TypeError: a selector is neither a string nor an event class.
        """
        source = self._hub.pipe(of_type(*selectors)) if selectors else self._hub
        return EventStream(source, maxsize)

    async def __aenter__(self) -> StreamAPIWS:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    def __repr__(self) -> str:
        return (
            f"<StreamAPIWS user_id={self._user_id!r} uri={self._uri!r} "
            f"state={self._state.value.value}>"
        )

    def _new_session(self, scheduler: abc.SchedulerBase) -> Session:
        """Connections one after another, with backoff, until one fails for good."""
        settings = Settings(
            url=protocol.build_url(self._uri, self._api_key),
            user_id=self._user_id,
            healthcheck_interval=self._healthcheck_interval,
            healthcheck_timeout=self._healthcheck_timeout,
            max_size=self._max_size,
            compression=self._compression,
            tasks=self._tasks,
            logger=self._logger,
            ws_logger=self._ws_logger,
        )
        backoff = Backoff(
            max_retries=self._max_retries,
            base=self._backoff_base,
            factor=self._backoff_factor,
            max_delay=self._backoff_max,
            jitter=self._jitter,
            rand=self._jitter_random,
        )
        return Session(settings, scheduler, backoff, _Hooks(self))

    # -- watched calls --------------------------------------------------------------------

    async def _rest_client(self) -> RestClient:
        # Made at the first watch: a client that never watches never loads httpx, and the
        # import (about half a second) runs in a thread so that the loop keeps serving.
        if self._rest is None:
            await asyncio.to_thread(importlib.import_module, "httpx")
            if self._rest is None:
                self._rest = RestClient(self._rest_base, self._api_key, lambda: self._token)
        return self._rest

    def _prepare(self, event: Connected) -> Job | None:
        """Watch the watched calls on a new connection (``None``: nothing to do)."""
        connection_id = connection_id_of(event)
        if not self._watched or connection_id is None:
            return None
        return lambda: self._rewatch(connection_id)

    async def _rewatch(self, connection_id: str) -> None:
        """Watch every watched call on ``connection_id``, including those added meanwhile.

        A call the API refuses for good (404, 403, ...) is dropped with a WARNING; any
        other failure fails the connection, which is then retried with the backoff.
        """
        rest = await self._rest_client()
        done: set[str] = set()
        while pending := [cid for cid in self._watched if cid not in done]:
            results = await asyncio.gather(
                *(rest.get_call(cid, connection_id) for cid in pending),
                return_exceptions=True,
            )
            failures: list[BaseException] = []
            for cid, result in zip(pending, results, strict=True):
                done.add(cid)
                if not isinstance(result, BaseException):
                    continue
                if is_permanent(result):
                    self._watched.pop(cid, None)
                    self._logger.warning("no longer watching %s: %s", cid, result)
                else:
                    failures.append(result)
            if failures:
                raise ConnectionLost(
                    f"re-watching {len(failures)} of {len(pending)} calls failed: {failures[0]}"
                ) from failures[0]
        self._logger.info("watching %d calls on the new connection", len(done))

    # -- tokens ---------------------------------------------------------------------------

    def _current_token(self) -> str:
        return self._token

    def _fresh_token_for(self, error: Exception) -> Job | None:
        """A token fetch (then an immediate retry) for a first code 40 in a row."""
        expired = isinstance(error, StreamWSAuthError) and error.code == protocol.TOKEN_EXPIRED
        if not expired or self._token_provider is None or self._refreshed_on_expiry:
            return None
        self._logger.info("the token has expired; asking token_provider for a fresh one")
        return self._refresh_after_expiry

    async def _refresh_after_expiry(self) -> None:
        await self._fetch_token()
        self._refreshed_on_expiry = True

    async def _fetch_token(self) -> str:
        assert self._token_provider is not None
        try:
            token = self._token_provider()
            if inspect.isawaitable(token):
                token = await token
        except Exception as error:
            raise StreamWSTokenProviderError("token_provider raised") from error
        if not isinstance(token, str) or not token:
            raise StreamWSTokenProviderError(
                f"token_provider must give a non-empty string, not a {type(token).__name__}"
            )
        self._token = token
        return token

    # -- the stream's callbacks -----------------------------------------------------------

    def _on_connected(self, event: Connected) -> None:
        self._connection_id = connection_id_of(event)
        self._refreshed_on_expiry = False
        self._logger.info("connected (connection_id %s)", self._connection_id)
        self._on_event(event)

    def _on_event(self, event: Event) -> None:
        self._hub.on_next(event)
        handlers = self._handlers.get(event.type)
        if handlers:
            self._dispatch(handlers, event)

    def _on_ready(self, event: Connected) -> None:
        """The connection is authenticated and its calls are watched again."""
        self._set_state(ConnectionState.CONNECTED)
        if self._first is not None and not self._first.done():
            self._first.set_result(event)

    def _on_failure(self, error: Exception) -> None:
        self._connection_id = None
        if isinstance(error, StreamWSMaxRetriesExceeded):
            self._logger.info("giving up: %s", error)
        else:
            self._logger.info("connection failed: %s", error)
        self._set_state(ConnectionState.FAILED)
        if self._first is not None and not self._first.done():
            self._first.set_exception(error)
        self._hub.on_error(error)

    def _on_retry(self, attempt: int, delay: float, error: Exception) -> None:
        self._connection_id = None
        self._set_state(ConnectionState.RECONNECTING)
        what = "connection lost" if attempt == 0 else f"reconnect attempt {attempt} failed"
        self._logger.warning("%s; reconnecting in %g s", what, delay, exc_info=error)

    def _set_state(self, state: ConnectionState) -> None:
        if self._state.value is not state:
            self._state.on_next(state)

    def _dispatch(self, handlers: list[EventHandler], event: Event) -> None:
        for handler in tuple(handlers):
            try:
                result = handler(event)
            except Exception:
                self._logger.exception("handler %r raised on a %s event", handler, event.type)
                continue
            if inspect.isawaitable(result):
                self._schedule_handler(handler, event, result)

    def _schedule_handler(
        self, handler: EventHandler, event: Event, pending: Awaitable[None]
    ) -> None:
        if self._pending_handlers >= self._max_pending_handlers:
            if inspect.iscoroutine(pending):
                pending.close()  # never awaited: close it rather than leak a warning
            if not self._skipped_handlers:
                self._logger.error(
                    "%d coroutine handler calls are still running: skipping %r for a %s "
                    "event (and further calls until they catch up)",
                    self._pending_handlers,
                    handler,
                    event.type,
                )
            self._skipped_handlers += 1
            return
        if self._skipped_handlers:
            self._logger.error(
                "handlers caught up; %d handler calls were skipped", self._skipped_handlers
            )
            self._skipped_handlers = 0
        self._pending_handlers += 1
        self._tasks.spawn(self._run_handler(handler, event, pending), name="rx_coordinator.handler")

    async def _run_handler(
        self, handler: EventHandler, event: Event, pending: Awaitable[None]
    ) -> None:
        try:
            await pending
        except Exception:
            self._logger.exception("handler %r raised on a %s event", handler, event.type)
        finally:
            self._pending_handlers -= 1


class _Hooks:
    """The client's side of its :class:`Session`: one small object rather than a bound
    method per hook, since services hold thousands of clients."""

    __slots__ = ("_client",)

    def __init__(self, client: StreamAPIWS) -> None:
        self._client = client

    def token(self) -> str:
        return self._client._token

    def connected(self, event: Connected) -> None:
        self._client._on_connected(event)

    def event(self, event: Event) -> None:
        self._client._on_event(event)

    def prepare(self, event: Connected) -> Job | None:
        return self._client._prepare(event)

    def ready(self, event: Connected) -> None:
        self._client._on_ready(event)

    def fresh_token(self, error: Exception) -> Job | None:
        return self._client._fresh_token_for(error)

    def retrying(self, attempt: int, delay: float, error: Exception) -> None:
        self._client._on_retry(attempt, delay, error)

    def failed(self, error: Exception) -> None:
        self._client._on_failure(error)


def _check_text(name: str, value: Any) -> None:
    # The value is never shown: it may be the token.
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")


def _check_number(name: str, value: Any, *, minimum: float, inclusive: bool = True) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < minimum
        or (value == minimum and not inclusive)
    ):
        bound = ">=" if inclusive else ">"
        raise ValueError(f"{name} must be a finite number {bound} {minimum:g}, got {value!r}")
