"""``StreamAPIWS``: the coordinator connection as a hot Observable of events.

The client's lifecycle (connect, disconnect, the state) around the pipeline of
``rx_coordinator._pipeline``, whose events it publishes to a hub (``events``), to its
``on()`` handlers and to ``listen()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, cast, overload

from reactivex import Observable, abc

from . import protocol
from ._call_states import CallStates
from ._handlers import EventHandler, Handlers
from ._hub import Hub, StateHub
from ._listen import EventStream
from ._match import Selector
from ._options import Options, TokenProvider, check_text, shown
from ._pipeline import coordinator_events
from ._redact import for_logger
from ._tasks import TaskSet
from ._watching import Watching
from .call_state import CallState
from .errors import (
    ConnectionLost,
    StreamWSAuthError,
    StreamWSConnectionError,
    StreamWSMaxRetriesExceeded,
    StreamWSTokenProviderError,
)
from .events import Event
from .operators import Connected, connection_id_of, of_type
from .operators._coordinator import Job
from .scheduling import LoopScheduler
from .state import ConnectionState

__all__ = ["EventHandler", "StreamAPIWS", "TokenProvider"]

_H = TypeVar("_H", bound=EventHandler)

# Tasks inside disconnect(), of any client: a disconnect() never waits for another one.
_DISCONNECTING: set[asyncio.Task[Any]] = set()
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
        shutdown_timeout: how long ``disconnect`` waits for running coroutine
            handlers, in seconds, before it cancels them (logged at WARNING).
        logger: where records go; by default ``logging.getLogger("rx_coordinator.client")``.
        scheduler: the reactivex scheduler for every timer; by default a
            ``LoopScheduler`` on the running loop.

    Raises:
        ValueError: for an empty ``api_key``, ``token`` or ``user_id``, neither a ``token``
            nor a ``token_provider``, a ``uri`` that is not ``ws://``/``wss://``, a
            non-positive interval or a negative retry or backoff.
        TypeError: a ``token_provider`` or ``jitter_random`` that is not callable, or a
            ``compression`` that is not a bool.
    """

    # Slots: services hold thousands of clients, and a dict of 20 attributes is 1 KiB.
    __slots__ = (
        "__weakref__",
        "_connection_id",
        "_established",
        "_first",
        "_handlers",
        "_hub",
        "_logger",
        "_options",
        "_refreshed_on_expiry",
        "_state",
        "_subscription",
        "_tasks",
        "_token",
        "_watching",
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
        shutdown_timeout: float = 5.0,
        max_size: int | None = 2**20,
        compression: bool = True,
        logger: logging.Logger | None = None,
        scheduler: abc.SchedulerBase | None = None,
    ) -> None:
        options = self._options = Options(
            api_key,
            token,
            user_id,
            token_provider=token_provider,
            uri=uri,
            rest_uri=rest_uri,
            healthcheck_interval=healthcheck_interval,
            healthcheck_timeout=healthcheck_timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            jitter=jitter,
            jitter_random=jitter_random,
            max_pending_handlers=max_pending_handlers,
            shutdown_timeout=shutdown_timeout,
            max_size=max_size,
            compression=compression,
            logger=logger,
            scheduler=scheduler,
        )
        self._token = options.token or ""
        # A code 40 was answered with a fresh token, and no connection.ok came since.
        self._refreshed_on_expiry = False
        self._logger = logger or logging.getLogger(__name__)
        self._tasks = TaskSet(self._logger)
        # Made at the first on() and watch(): many clients use neither.
        self._handlers: Handlers | None = None
        self._watching: Watching | None = None
        self._hub: Hub[Event] = Hub(self._logger)
        self._state = StateHub(ConnectionState.DISCONNECTED, self._logger)
        self._subscription: abc.DisposableBase | None = None
        self._first: asyncio.Future[Connected] | None = None
        self._connection_id: str | None = None
        self._established = False

    # -- public API ---------------------------------------------------------------------

    @property
    def events(self) -> Observable[Event]:
        """Every event of the current session, hot and shared by all subscribers.

        One socket however many subscribers. It begins with the ``connection.ok`` of
        ``connect``, carries on across reconnects, completes on ``disconnect``,
        and fails with ``StreamWSMaxRetriesExceeded``, ``StreamWSAuthError`` or
        ``StreamWSConnectionError`` when the client gives up. A subscriber that raises
        is logged and isolated. A new ``connect`` after the end begins a new stream:
        subscribe again.
        """
        return self._hub

    @property
    def state(self) -> Observable[ConnectionState]:
        """The ``ConnectionState``, replaying the current value to each new subscriber."""
        return self._state

    @property
    def connection_id(self) -> str | None:
        """The coordinator's id for the live connection, ``None`` when not connected."""
        return self._connection_id

    async def connect(self) -> Connected:
        """Open the connection and wait for ``connection.ok``, which is returned.

        The event is a ``ConnectedEvent`` (``.connection_id``,
        ``.me``), or a ``GenericEvent`` if the server's frame
        does not fit Stream's spec (Stream's service always fits; ``connection_id`` is
        set either way). The first connection is never retried: the caller learns at once.

        Raises:
            StreamWSAuthError: the coordinator answered ``connection.error``.
            StreamWSConnectionError: the socket could not open, no ``connection.ok`` came
                within ``healthcheck_timeout``, or ``disconnect`` was called meanwhile.
            StreamWSTokenProviderError: the ``token_provider`` failed to give a token.
            RuntimeError: the client is already connecting or connected.
        """
        current = self._state.value
        if current not in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
            raise RuntimeError(f"connect() called while {current.value}; disconnect() first")
        loop = asyncio.get_running_loop()
        first = self._first = loop.create_future()
        self._hub.restart()
        self._established = False
        # CONNECTING before the first await: a second connect() now raises.
        self._set_state(ConnectionState.CONNECTING)
        try:
            if not self._token:
                try:
                    await self._fetch_token()
                except StreamWSTokenProviderError as error:
                    if not first.done():
                        self._on_failure(error)
                    raise
            if not first.done():  # else disconnect() was called while the token came
                options = self._options
                self._logger.info("connecting to %s as user %s", options.uri, options.user_id)
                scheduler = options.scheduler or LoopScheduler.for_loop(loop)
                hooks = _Hooks(self)
                stream = coordinator_events(
                    options,
                    scheduler,
                    hooks,
                    tasks=self._tasks,
                    logger=self._logger,
                    ws_logger=for_logger(self._logger),
                )
                subscription = stream.subscribe(hooks)
                if first.done() and self._subscription is None:
                    subscription.dispose()  # it failed (or was disconnected) at once
                else:
                    self._subscription = subscription
            connected: Connected = await first
        except asyncio.CancelledError:
            await self.disconnect()
            raise
        finally:
            if self._first is first:
                self._first = None  # the event is the caller's now; do not keep it here
        return connected

    async def disconnect(self) -> None:
        """Close the connection for good and complete ``events``.

        Stops the heartbeat, cancels a pending reconnect at once (also mid-backoff),
        closes the socket with 1000 ``"client disconnect"``, completes ``events`` and
        sets ``DISCONNECTED``; then waits for the tasks the client started: the socket's
        closing, and coroutine handlers for up to ``shutdown_timeout`` seconds, after
        which they are cancelled. Safe to call twice, before ``connect``, or from a
        handler (it never waits for the task that called it).
        """
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.dispose()
        first, self._first = self._first, None
        if first is not None and not first.done():
            first.set_exception(
                StreamWSConnectionError("disconnect() was called before the connection was made")
            )
        self._connection_id = None
        # The streams end before anything is awaited: a handler may be waiting on them.
        self._end_call_states(None)
        if not self._hub.is_stopped:
            self._hub.on_completed()
        if self._state.value is not ConnectionState.DISCONNECTED:
            self._logger.info("disconnected")
            self._set_state(ConnectionState.DISCONNECTED)
        await self._finish_tasks()
        if self._watching is not None:
            await self._watching.aclose()

    async def _finish_tasks(self) -> None:
        timeout = self._options.shutdown_timeout
        current = asyncio.current_task()
        if current is not None:
            _DISCONNECTING.add(current)
        try:
            # Two handlers that each call disconnect() would otherwise wait for each other.
            left = await self._tasks.join(timeout, exclude=_DISCONNECTING)
        finally:
            if current is not None:
                _DISCONNECTING.discard(current)
        if left:
            self._logger.warning(
                "disconnect(): cancelling %d task(s) still running after %g s: %s",
                len(left),
                timeout,
                ", ".join(sorted({t.get_name() for t in left})),
            )
            for task in left:
                task.cancel()
            await self._tasks.join(1.0)

    @overload
    def on(self, event_type: str) -> Callable[[_H], _H]: ...

    @overload
    def on(self, event_type: str, handler: _H) -> _H: ...

    def on(self, event_type: str, handler: _H | None = None) -> _H | Callable[[_H], _H]:
        """Call ``handler`` for every event of ``event_type``; usable as a decorator.

        Plain functions are called in the event's turn; coroutine functions are scheduled
        as tasks (awaited by ``disconnect``, up to ``shutdown_timeout``). Whatever a
        handler raises is logged with its traceback and never propagates. Handlers stay
        registered across reconnects and new sessions.
        """
        check_text("event_type", event_type)

        def register(fn: _H) -> _H:
            if not callable(fn):
                raise TypeError(f"handler must be callable, got {shown(fn)}")
            if self._handlers is None:
                limit = self._options.max_pending_handlers
                self._handlers = Handlers(self._tasks, self._logger, limit)
            self._handlers.add(event_type, fn)
            return fn

        return register if handler is None else register(handler)

    @property
    def watched(self) -> frozenset[str]:
        """The calls this client watches (``"type:id"``), re-watched after every reconnect."""
        return frozenset(() if self._watching is None else self._watching.cids)

    async def watch(self, call: str, call_id: str | None = None) -> None:
        """Receive the events of a call: ``watch("default", "abc")`` or ``watch("default:abc")``.

        Watching is tied to the connection, so the client watches every watched call again
        after each reconnect, before the state turns ``CONNECTED``. When connected, the
        call is watched at once (``GetCall`` with this ``connection_id``) and its errors
        are raised here; while connecting or reconnecting, it is watched as soon as the
        connection is made. Watched calls stay watched across ``disconnect`` and a new
        ``connect``.

        Raises:
            ValueError: a malformed call type or id.
            StreamAPIError: the API refused (404: no such call).
            StreamWSConnectionError: the REST API could not be reached.
            RuntimeError: the client is disconnected or failed: ``connect`` first.
        """
        cid = protocol.call_cid(call, call_id)
        current = self._usable("watch")
        watching = self._watching_made()
        connection_id = self._connection_id
        if current is not ConnectionState.CONNECTED or connection_id is None:
            watching.cids[cid] = None  # watched when the connection is made
            return
        await watching.watch(cid, connection_id, self._live_connection_id)

    async def unwatch(self, call: str, call_id: str | None = None) -> None:
        """Stop watching a call: it is not watched again after the next reconnect.

        Stream's API has no request to stop watching (its own clients stop tracking the
        call locally), so the coordinator may send the call's events on the current
        connection until it ends. Unwatching a call that is not watched does nothing.
        """
        cid = protocol.call_cid(call, call_id)
        watching = self._watching
        if watching is not None:
            watching.cids.pop(cid, None)
            if watching.states is not None:
                watching.states.forget(cid)

    def call_state(self, call: str, call_id: str | None = None) -> Observable[CallState]:
        """The state of a call, as it changes: ``call_state("default", "abc")`` or
        ``call_state("default:abc")``.

        An Observable of ``CallState`` snapshots, the same one for every call of this
        method with the same call, that replays the latest snapshot to each new
        subscriber. The call is watched (as with ``watch``) if it is not yet; the first
        snapshot comes from the watch request's answer (``source="answer"``), then one for
        each event that changes the call (``source="event"``; events that change nothing
        give none), and after every reconnect one from the re-watch answer
        (``source="resync"``), which shows what happened while the socket was down. Events
        that arrive while a request is in flight are applied on top of its answer.

        The stream fails with ``StreamAPIError`` when the call cannot be watched (404: no
        such call, or no longer), with the client's error when the client fails, and
        completes on ``unwatch`` and ``disconnect``.

        Raises:
            ValueError: a malformed call type or id.
            RuntimeError: the client is disconnected or failed: ``connect`` first.
        """
        cid = protocol.call_cid(call, call_id)
        current = self._usable("call_state")
        watching = self._watching_made()
        states = watching.states
        if states is None:
            states = watching.states = CallStates(self._logger)
        stream = states.stream(cid)
        connection_id = self._connection_id
        if current is not ConnectionState.CONNECTED or connection_id is None:
            watching.cids[cid] = None  # the (re-)watch of the coming connection answers
        elif states.needs_answer(cid):
            states.requesting((cid,))  # a second ask meanwhile needs no second request
            self._tasks.spawn(self._first_answer(cid, connection_id), "rx_coordinator.watch")
        return cast("Observable[CallState]", stream)

    def _usable(self, method: str) -> ConnectionState:
        """The state, unless it forbids ``method`` (disconnected or failed)."""
        current = self._state.value
        if current in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
            raise RuntimeError(f"{method}() called while {current.value}; connect() first")
        return current

    async def _first_answer(self, cid: str, connection_id: str) -> None:
        # Its error went to the call's stream (refused); the caller of call_state() has no
        # other place to hear of it.
        watching = self._watching_made()
        with contextlib.suppress(Exception):
            await watching.watch(cid, connection_id, self._live_connection_id)

    def _watching_made(self) -> Watching:
        watching = self._watching
        if watching is None:
            watching = self._watching = Watching(
                self._options.rest_base,
                self._options.api_key,
                self._current_token,
                self._logger,
            )
        return watching

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
        """The events (those matching ``selectors``, as in ``of_type``), to ``async for``.

        The safe path for slow consumers: a subscriber of ``events`` runs in the
        socket's turn, so one that blocks stalls the loop, heartbeat included. Here events
        wait in a buffer of ``maxsize``; a consumer that falls further behind gets
        ``StreamWSOverflowError`` after the kept events, never
        a silent gap and never unbounded memory::

            async with client.listen("call.session_*") as stream:
                async for event in stream:
                    await store(event)

        Listening starts at once (before the first ``await``); the iteration ends when
        ``events`` completes and raises its error when it fails.

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
            f"<StreamAPIWS user_id={self._options.user_id!r} uri={self._options.uri!r} "
            f"state={self._state.value.value}>"
        )

    # -- tokens ---------------------------------------------------------------------------

    def _current_token(self) -> str:
        return self._token

    def _live_connection_id(self) -> str | None:
        return self._connection_id

    async def _fetch_token(self) -> None:
        provider = self._options.token_provider
        assert provider is not None
        try:
            token = provider()
            if inspect.isawaitable(token):
                token = await token
        except Exception as error:
            raise StreamWSTokenProviderError("token_provider raised") from error
        if not isinstance(token, str) or not token:
            raise StreamWSTokenProviderError(
                f"token_provider must give a non-empty string, not a {type(token).__name__}"
            )
        self._token = token

    async def _refresh_after_expiry(self) -> None:
        await self._fetch_token()
        self._refreshed_on_expiry = True

    # -- what the pipeline tells ----------------------------------------------------------

    def _on_failure(self, error: Exception) -> None:
        self._subscription = None
        self._connection_id = None
        if isinstance(error, StreamWSMaxRetriesExceeded):
            self._logger.info("giving up: %s", error)
        else:
            self._logger.info("connection failed: %s", error)
        self._set_state(ConnectionState.FAILED)
        self._end_call_states(error)
        first = self._first
        if first is not None and not first.done():
            first.set_exception(error)
        self._hub.on_error(error)

    def _end_call_states(self, error: Exception | None) -> None:
        watching = self._watching
        if watching is not None and watching.states is not None:
            states, watching.states = watching.states, None
            states.end(error)

    def _set_state(self, state: ConnectionState) -> None:
        if self._state.value is not state:
            self._state.on_next(state)


class _Hooks(abc.ObserverBase[Event]):
    """The client's side of its pipeline, and the pipeline's end: one small object."""

    __slots__ = ("_client",)

    def __init__(self, client: StreamAPIWS) -> None:
        self._client = client

    def on_next(self, value: Event) -> None:
        """Each event, to the hub (``events``), then to the ``on()`` handlers."""
        client = self._client
        client._hub.on_next(value)
        watching = client._watching
        if watching is not None and watching.states is not None:
            watching.states.apply(value)
        handlers = client._handlers
        if handlers is not None:
            handlers.dispatch(value)

    def on_error(self, error: Exception) -> None:
        """The pipeline gave up: the client has failed."""
        self._client._on_failure(error)

    def on_completed(self) -> None:  # the pipeline ends only with an error; for completeness
        self._client._on_failure(StreamWSConnectionError("the connection ended"))

    def auth_frame(self) -> str:
        client = self._client
        return protocol.auth_frame(client._token, client._options.user_id)

    def prepare(self, event: Event) -> Job | None:
        """At ``connection.ok``: note the connection, and re-watch the watched calls."""
        client = self._client
        connection_id = client._connection_id = connection_id_of(event)
        client._refreshed_on_expiry = False
        client._logger.info("connected (connection_id %s)", connection_id)
        watching = client._watching
        if watching is None or not watching.cids or connection_id is None:
            return None
        return lambda: watching.rewatch(connection_id)

    def ready(self, event: Event) -> None:
        """The connection is authenticated and its calls are watched again."""
        client = self._client
        client._established = True
        client._set_state(ConnectionState.CONNECTED)
        first = client._first
        if first is not None and not first.done():
            first.set_result(event)  # type: ignore[arg-type]  # connection.ok, by handshake()

    def is_retryable(self, error: Exception) -> bool:
        # Before the first ready connection, the caller of connect() learns at once.
        return self._client._established and isinstance(
            error, ConnectionLost | StreamWSTokenProviderError
        )

    def resets_budget(self, error: Exception) -> bool:
        # A connection proves itself by a frame at least one interval after connection.ok.
        uptime = getattr(error, "uptime", None)
        return uptime is not None and uptime >= self._client._options.healthcheck_interval

    def on_retry(self, attempt: int, delay: float, error: Exception) -> None:
        client = self._client
        client._connection_id = None
        client._set_state(ConnectionState.RECONNECTING)
        what = "connection lost" if attempt == 0 else f"reconnect attempt {attempt} failed"
        budget = client._options.max_retries
        of = "" if budget is None else f" of {budget}"
        client._logger.warning(
            "%s; reconnecting in %.3g s (attempt %d%s)",
            what,
            delay,
            attempt + 1,
            of,
            exc_info=error,
        )

    def recover(self, error: Exception) -> Job | None:
        """For a first code 40 in a row, with a provider: fetch a token, reconnect at once."""
        client = self._client
        expired = isinstance(error, StreamWSAuthError) and error.code == protocol.TOKEN_EXPIRED
        if not expired or client._options.token_provider is None or client._refreshed_on_expiry:
            return None
        client._connection_id = None
        client._logger.info("the token has expired; asking token_provider for a fresh one")
        return client._refresh_after_expiry
