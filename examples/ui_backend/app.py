"""The backend: one coordinator client, Rx pipelines, and server-sent events per browser.

Every browser tab opens ``/events`` (server-sent events) and receives, as JSON:

- ``state``: the connection state (the current one first, then each change);
- ``participants``: who is in the watched call (the current list first, then each change);
- ``event``: each event of the watched call (its ``to_dict()``).

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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import reactivex
import reactivex.operators as ops
from reactivex import Observable
from reactivex.subject import BehaviorSubject
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
    of_type,
)
from rx_coordinator.events import (
    CallCreatedEvent,
    CallEndedEvent,
    CallSessionParticipantJoinedEvent,
    CallSessionParticipantLeftEvent,
)

PAGE = Path(__file__).parent / "static" / "index.html"
BUFFER = 1000  # messages a tab may lag behind before it is disconnected
RETRY_MS = 5000  # how long a browser waits before opening a stream that ended again
SHUTDOWN_GRACE = 2.0  # seconds the streams have to end when the server stops

_log = logging.getLogger(__name__)

PRESENCE = (
    CallSessionParticipantJoinedEvent,
    CallSessionParticipantLeftEvent,
    CallCreatedEvent,
    CallEndedEvent,
)
"""The events that change who is in the call."""
Message = dict[str, Any]


def step(present: frozenset[str], event: Event) -> frozenset[str]:
    """Who is in the call after ``event`` (nobody when the call begins or ends)."""
    if isinstance(event, CallCreatedEvent | CallEndedEvent):
        return frozenset()
    if isinstance(event, CallSessionParticipantJoinedEvent):
        return present | {event.participant.user.name or event.participant.user.id}
    if isinstance(event, CallSessionParticipantLeftEvent):
        return present - {event.participant.user.name or event.participant.user.id}
    return present


def participants(events: Observable[Event]) -> Observable[list[str]]:
    """Who is in the call, as a sorted list, after each join or leave."""
    return events.pipe(
        of_type(*PRESENCE),
        ops.scan(step, frozenset[str]()),
        ops.map(sorted),
        ops.distinct_until_changed(),
    )


def _keep(_error: Exception) -> None:
    """The participants' stream failed with the client's: keep the last list."""


def messages(
    client: StreamAPIWS, present: BehaviorSubject[list[str]], cid: str
) -> Observable[Message]:
    """Everything a tab receives, as ``{"kind", "data"}`` messages."""

    def of_call(event: Event) -> bool:
        return event.to_dict().get("call_cid") == cid

    def state(value: ConnectionState) -> Message:
        return {"kind": "state", "data": value.value}

    def people(names: list[str]) -> Message:
        return {"kind": "participants", "data": names}

    def event(value: Event) -> Message:
        return {"kind": "event", "data": value.to_dict()}

    return reactivex.merge(
        client.state.pipe(ops.map(state)),
        present.pipe(ops.map(people)),
        client.events.pipe(ops.filter(of_call), ops.map(event)),
    )


def create_app(
    make_client: Callable[[], contextlib.AbstractAsyncContextManager[StreamAPIWS]], cid: str
) -> Starlette:
    """The app; ``make_client`` is an async context manager giving a connected client.

    ``make_client()`` is entered when the app starts (its client is connected and watches
    ``cid``) and left when the app stops.
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with make_client() as client:
            present: BehaviorSubject[list[str]] = BehaviorSubject([])
            # The list stays as it was when the stream fails: the page says it is stale.
            participants(client.events).subscribe(present.on_next, on_error=_keep)
            app.state.client = client
            app.state.present = present
            await client.watch(cid)
            yield

    async def page(request: Request) -> FileResponse:
        return FileResponse(PAGE)

    async def events(request: Request) -> EventSourceResponse:
        stream = EventStream(
            messages(request.app.state.client, request.app.state.present, cid), maxsize=BUFFER
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
