"""The client's event stream, composed of the public operators: the design in one place."""

from __future__ import annotations

import logging
import random
from typing import Protocol

from reactivex import abc

from . import protocol
from ._options import Options
from .events import ConnectedEvent, Event, GenericEvent
from .operators import (
    Lean,
    decode_events,
    exponential_backoff,
    handshake,
    heartbeat,
    liveness_timeout,
    retry_when,
    websocket,
    when_ready,
)
from .operators._coordinator import Job
from .operators._socket import Tasks

__all__ = ["Hooks", "coordinator_events", "health_check", "user_id_of"]


class Hooks(Protocol):
    """What the stream asks of the client, and tells it: one object, for every stage.

    It is a ``Readiness`` for ``when_ready`` and a
    ``RetryPolicy`` for ``exponential_backoff``.
    """

    def auth_frame(self) -> str:
        """The first frame of a new socket, with the current token."""

    def prepare(self, event: Event) -> Job | None:
        """At ``connection.ok``: a job (re-watching calls) to await before "ready"."""

    def ready(self, event: Event) -> None:
        """The connection of this ``connection.ok`` is ready."""

    def is_retryable(self, error: Exception) -> bool:
        """Whether a lost connection is worth a reconnect."""

    def resets_budget(self, error: Exception) -> bool:
        """Whether the lost connection proved itself, so the backoff starts over."""

    def on_retry(self, attempt: int, delay: float, error: Exception) -> None:
        """Reconnect attempt ``attempt`` (0-based) opens in ``delay`` seconds."""

    def recover(self, error: Exception) -> Job | None:
        """A job after which to reconnect at once (a fresh token after code 40), or ``None``."""


def health_check(connected: Event) -> str:
    """The health-check frame of the connection that ``connected`` (``connection.ok``) opened.

    Its client id is the official client's ``"{user_id}--{uuid4}"``, with the user the
    coordinator says is connected.
    """
    return protocol.health_check_frame(protocol.new_client_id(user_id_of(connected)))


def coordinator_events(
    options: Options,
    scheduler: abc.SchedulerBase,
    hooks: Hooks,
    *,
    tasks: Tasks,
    logger: logging.Logger,
    ws_logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
) -> Lean[Event]:
    """The coordinator's events, across reconnects, until a final error.

    Each subscription to the socket is one connection: opened and authenticated, watched
    for silence, decoded, checked for ``connection.ok`` first, kept alive by a heartbeat,
    and prepared (its calls watched again) before it is "ready". When it ends, the retry
    logic fetches a fresh token (code 40) or waits out the backoff, then subscribes again:
    a new connection.
    """
    socket = websocket(
        protocol.build_url(options.uri, options.api_key),
        hooks.auth_frame,
        open_timeout=options.healthcheck_timeout,
        max_size=options.max_size,
        compression=options.compression,
        logger=ws_logger,
        tasks=tasks,
    )
    backoff = exponential_backoff(
        max_retries=options.max_retries,
        base=options.backoff_base,
        factor=options.backoff_factor,
        max_delay=options.backoff_max,
        jitter=options.jitter,
        rand=options.jitter_random or random.random,
        scheduler=scheduler,
        policy=hooks,
        tasks=tasks,
    )
    events: Lean[Event] = socket.pipe(
        liveness_timeout(options.healthcheck_timeout, scheduler),
        decode_events(logger),
        handshake(options.healthcheck_timeout, scheduler),
        heartbeat(options.healthcheck_interval, scheduler, socket, health_check),
        when_ready(hooks, tasks=tasks),
        retry_when(backoff),
    )
    return events


def user_id_of(connected: Event) -> str:
    """The id of the user a ``connection.ok`` event names (``me.id``); ``""`` if none."""
    if isinstance(connected, ConnectedEvent):
        return connected.me.id
    me = connected.raw.get("me") if isinstance(connected, GenericEvent) else None
    user_id = me.get("id") if isinstance(me, dict) else None
    return user_id if isinstance(user_id, str) else ""
