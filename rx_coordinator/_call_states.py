"""The client's call states: one replaying stream per call, fed by answers and events.

A call's stream gets its first snapshot from the answer of the request that watched the
call, a new one for each event that changes the call, and a ``"resync"`` snapshot from the
answer of each re-watch after a reconnect: what happened while the socket was down shows
then. Events that arrive while a (re-)watch request is in flight are kept and applied on
top of its answer, so none is lost to the race between the two.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec

from ._hub import StateHub
from .call_state import CallState, Source, from_response, reduce
from .events import Event

__all__ = ["CallStates"]


class _Call(StateHub[CallState | None]):
    """One call's stream: replays its latest snapshot (nothing before the first)."""

    __slots__ = ("held",)

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(None, logger)
        # Events that came while a request for this call was in flight, to apply on top
        # of its answer; None when no request is in flight.
        self.held: list[Event] | None = None

    def _welcome(self, observer: Any) -> None:
        if self.value is not None:
            observer.on_next(self.value)


class CallStates:
    """The call states a client keeps, by call id (``type:id``)."""

    __slots__ = ("_by_cid", "_logger")

    def __init__(self, logger: logging.Logger) -> None:
        self._by_cid: dict[str, _Call] = {}
        self._logger = logger

    def stream(self, cid: str) -> _Call:
        """The stream of ``cid``, made at the first ask."""
        # Ended streams are dropped from the registry, so this one is live.
        call = self._by_cid.get(cid)
        if call is None:
            call = self._by_cid[cid] = _Call(self._logger)
        return call

    def needs_answer(self, cid: str) -> bool:
        """Whether ``cid`` has no snapshot yet and no request that will give one."""
        call = self._by_cid.get(cid)
        return call is not None and call.value is None and call.held is None

    def requesting(self, cids: Any) -> None:
        """Requests for ``cids`` are in flight: hold their events until the answers."""
        for cid in cids:
            call = self._by_cid.get(cid)
            if call is not None and call.held is None:
                call.held = []

    def unanswered(self, cids: Any) -> None:
        """The requests for ``cids`` failed: stop holding their events (the next answer,
        made later, covers them; applied on top of it, they could undo newer facts)."""
        for cid in cids:
            call = self._by_cid.get(cid)
            if call is not None:
                call.held = None

    def answered(self, cid: str, answer: Mapping[str, Any], *, resync: bool) -> None:
        """``answer`` (``GetCall``, or a ``QueryCalls`` entry) gives the call's snapshot."""
        call = self._by_cid.get(cid)
        if call is None:
            return
        held, call.held = call.held or [], None
        # A re-watch that gives a call its very first snapshot is its answer, not a resync.
        source: Source = "resync" if resync and call.value is not None else "answer"
        try:
            state = from_response(answer, source=source)
        except Exception as error:  # an answer that does not fit the spec: keep the last
            self._logger.warning("the answer for %s is not a call's state: %s", cid, error)
            return
        for event in held:
            state = reduce(state, event)
        if state.source != source:  # what the subscriber learns is still the answer
            state = msgspec.structs.replace(state, source=source)
        call.on_next(state)

    def refused(self, cid: str, error: Exception) -> None:
        """The call cannot be watched (``error``): its stream fails, and is forgotten."""
        call = self._by_cid.pop(cid, None)
        if call is not None:
            call.on_error(error)

    def apply(self, event: Event) -> None:
        """The per-event path: a new snapshot for the event's call, if it changes it."""
        cid = getattr(event, "call_cid", None)
        if cid is None:
            return
        call = self._by_cid.get(cid)
        if call is None:
            return
        if call.held is not None:
            call.held.append(event)
            return
        state = call.value
        if state is not None:
            after = reduce(state, event)
            if after is not state:
                call.on_next(after)

    def forget(self, cid: str) -> None:
        """``cid`` is no longer watched: its stream completes."""
        call = self._by_cid.pop(cid, None)
        if call is not None:
            call.on_completed()

    def end(self, error: Exception | None) -> None:
        """The client stopped: every stream completes (or fails with ``error``)."""
        calls, self._by_cid = self._by_cid, {}
        for call in calls.values():
            if error is None:
                call.on_completed()
            else:
                call.on_error(error)
