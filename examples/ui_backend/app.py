"""The backend: one coordinator client, Rx pipelines, and server-sent events per browser.

Every browser tab opens ``/events`` (server-sent events) and receives, as JSON:

- ``state``: the connection state (the current one first, then each change);
- ``call``: the watched call as the client's :meth:`~rx_coordinator.StreamAPIWS.call_state`
  last described it (the current view first, then each change): who is in it, its members,
  who accepted, rejected or missed the ring, whether it has ended, and what the view comes
  from (``"answer"``, ``"event"``, or ``"resync"`` after a reconnect);
- ``event``: each event of the watched call (its ``to_dict()``).

The call's view comes from the client's call state, not from folding events here: after a
reconnect the re-watch answer replaces it, so someone who joined or left while the socket
was down shows (their events were never delivered).

Each tab reads through a bounded buffer (an ``EventStream``): a tab that cannot keep up
gets an ``overflow`` message and its stream ends, rather than memory growing. If the
client's stream fails for good (the coordinator refused the credentials, or closed for
good), each tab gets a ``failed`` message with the reason and its stream ends: no request
raises, and the browser asks again after ``RETRY_MS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import reactivex
import reactivex.operators as ops
from reactivex import Observable
from reactivex.subject import ReplaySubject
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from rx_coordinator import (
    ConnectionState,
    Event,
    EventStream,
    StreamAPIWS,
    StreamWSException,
    StreamWSOverflowError,
)
from rx_coordinator.call_state import CallState
from rx_coordinator.events import UserResponse

PAGE = Path(__file__).parent / "static" / "index.html"
BUFFER = 1000  # messages a tab may lag behind before it is disconnected
RETRY_MS = 5000  # how long a browser waits before opening a stream that ended again
SHUTDOWN_GRACE = 2.0  # seconds the streams have to end when the server stops

_log = logging.getLogger(__name__)

Message = dict[str, Any]


def _name(user: UserResponse) -> str:
    return user.name or user.id


def view(state: CallState) -> dict[str, Any]:
    """What the page shows of a call, JSON-ready: names sorted, times as RFC 3339 text.

    ``participants`` has a name per participant (someone on two devices is there twice);
    the ring's ``accepted_by``, ``rejected_by`` and ``missed_by`` name members where the
    call has them as members, and give the user id otherwise.
    """
    names = {user_id: _name(member.user) for user_id, member in state.members.items()}

    def named(user_ids: Iterable[str]) -> list[str]:
        return sorted(names.get(user_id, user_id) for user_id in user_ids)

    return {
        "cid": state.cid,
        "participants": sorted(_name(p.user) for p in state.participants.values()),
        "members": sorted(names.values()),
        "accepted_by": named(state.accepted_by),
        "rejected_by": named(state.rejected_by),
        "missed_by": named(state.missed_by),
        "ended_at": None if state.ended_at is None else state.ended_at.isoformat(),
        "source": state.source,
    }


def call_views(states: Observable[CallState]) -> Observable[dict[str, Any]]:
    """The page's view of each snapshot of ``states`` (``client.call_state(cid)``), when it
    changes what the page shows."""
    return states.pipe(ops.map(view), ops.distinct_until_changed())


def _keep(error: Exception) -> None:
    """The call's stream failed (the client's error, or the call is gone): keep the last
    view; the page says the connection is not live."""
    _log.warning("the call's state stream ended: %s", error)


def messages(
    client: StreamAPIWS, shown: Observable[dict[str, Any]], cid: str
) -> Observable[Message]:
    """Everything a tab receives, as ``{"kind", "data"}`` messages; ``shown`` replays the
    call's latest view."""

    def of_call(event: Event) -> bool:
        return event.to_dict().get("call_cid") == cid

    def state(value: ConnectionState) -> Message:
        return {"kind": "state", "data": value.value}

    def call(data: dict[str, Any]) -> Message:
        return {"kind": "call", "data": data}

    def event(value: Event) -> Message:
        return {"kind": "event", "data": value.to_dict()}

    return reactivex.merge(
        client.state.pipe(ops.map(state)),
        shown.pipe(ops.map(call)),
        client.events.pipe(ops.filter(of_call), ops.map(event)),
    )


def create_app(
    make_client: Callable[[], contextlib.AbstractAsyncContextManager[StreamAPIWS]], cid: str
) -> Starlette:
    """The app; ``make_client`` is an async context manager giving a connected client.

    ``make_client()`` is entered when the app starts (its client is connected) and left
    when the app stops. The app keeps ``client.call_state(cid)`` (which watches the call)
    for the whole run, and starts serving once it has the call's first snapshot.

    Raises:
        StreamAPIError: at startup, the call cannot be watched (no such call).
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with make_client() as client:
            # The latest view, for every tab (those opened after the client failed too:
            # the view stays as it was, and the page says the connection is not live).
            shown: ReplaySubject[dict[str, Any]] = ReplaySubject(1)
            first: asyncio.Future[None] = asyncio.get_running_loop().create_future()

            def on_view(data: dict[str, Any]) -> None:
                shown.on_next(data)
                if not first.done():
                    first.set_result(None)

            def on_error(error: Exception) -> None:
                if not first.done():
                    first.set_exception(error)
                _keep(error)

            call_views(client.call_state(cid)).subscribe(on_view, on_error=on_error)
            await first  # the call is watched, its first view is there
            app.state.client = client
            app.state.shown = shown
            yield

    async def page(request: Request) -> FileResponse:
        return FileResponse(PAGE)

    async def events(request: Request) -> EventSourceResponse:
        stream = EventStream(
            messages(request.app.state.client, request.app.state.shown, cid), maxsize=BUFFER
        )
        # Set by sse-starlette when the server stops: the stream then ends as a stream
        # should (a cancelled response would be an error in the server's log).
        stopping = anyio.Event()

        async def end_when_stopping() -> None:
            await stopping.wait()
            await stream.aclose()

        async def send() -> AsyncIterator[dict[str, Any]]:
            async with stream:
                ender = asyncio.ensure_future(end_when_stopping())
                try:
                    async for message in stream:
                        yield {"event": message["kind"], "data": json.dumps(message["data"])}
                except StreamWSOverflowError as error:
                    yield {"event": "overflow", "data": json.dumps(str(error))}
                except StreamWSException as error:
                    _log.warning("a tab's stream ended: the client failed: %s", error)
                    reason = f"{type(error).__name__}: {error}"
                    yield {"event": "failed", "data": json.dumps(reason), "retry": RETRY_MS}
                finally:
                    ender.cancel()

        return EventSourceResponse(
            send(), ping=15, shutdown_event=stopping, shutdown_grace_period=SHUTDOWN_GRACE
        )

    return Starlette(
        routes=[Route("/", page), Route("/events", events)],
        lifespan=lifespan,
    )
