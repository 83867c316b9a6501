"""Watched calls: the set the client keeps, and watching them on a connection over REST.

Every answer is handed to the client's call states (when it keeps any): the answer of a
first watch gives a call's first snapshot, the answer of a re-watch after a reconnect
replaces it.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable

from ._call_states import CallStates
from .errors import ConnectionLost, StreamAPIError
from .rest import RestClient

__all__ = ["Watching"]

NO_SUCH_CALL = 16
"""Stream's error code for a call that does not exist."""


class Watching:
    """The calls a client watches (``"type:id"``, in the order they were added).

    Watching is tied to a connection: ``rewatch`` watches every call again on a new
    one, with one ``QueryCalls`` request per page of calls, as Stream's own SDK does. The
    REST client is made at the first request, so a client that never watches never
    imports ``httpx``.
    """

    __slots__ = ("_api_key", "_base", "_logger", "_rest", "_token", "cids", "states")

    def __init__(
        self, base: str, api_key: str, token: Callable[[], str], logger: logging.Logger
    ) -> None:
        self._base = base
        self._api_key = api_key
        self._token = token
        self._logger = logger
        self._rest: RestClient | None = None
        self.cids: dict[str, None] = {}  # an insertion-ordered set
        self.states: CallStates | None = None  # made at the first call_state()

    async def rest(self) -> RestClient:
        """The REST client, made (and ``httpx`` imported, in a thread) at the first call."""
        if self._rest is None:
            # The import takes about half a second: in a thread, the loop keeps serving.
            await asyncio.to_thread(importlib.import_module, "httpx")
            if self._rest is None:
                self._rest = RestClient(self._base, self._api_key, self._token)
        return self._rest

    async def watch(self, cid: str, connection_id: str, current: Callable[[], str | None]) -> None:
        """Watch ``cid`` on ``connection_id`` now; ``current()`` is the live connection's id.

        The call is listed first, so a reconnect during the request watches it again. A
        refusal on the live connection unlists a call that was new and is raised; if the
        connection changed meanwhile, the new one's re-watch covers the call.
        """
        added = cid not in self.cids
        self.cids[cid] = None
        states = self.states
        if states is not None:
            states.requesting((cid,))
        rest = await self.rest()
        try:
            answer = await rest.get_call(cid, connection_id)
        except Exception as error:
            if states is not None:
                states.unanswered((cid,))
            if current() == connection_id:
                if added:
                    self.cids.pop(cid, None)
                    if states is not None:
                        states.refused(cid, error)
                raise
            return  # the connection changed meanwhile: its re-watch answers
        if states is not None:
            states.answered(cid, answer, resync=False)
        self._logger.info("watching %s", cid)

    async def rewatch(self, connection_id: str) -> None:
        """Watch every listed call on ``connection_id``, those added meanwhile included.

        ``QueryCalls`` with ``watch``, a page at a time. A call missing from the answer
        (it no longer exists) is unlisted with a WARNING; a failed request raises
        ``ConnectionLost``, so the connection is retried with the backoff.
        """
        rest = await self.rest()
        done: set[str] = set()
        while pending := [cid for cid in self.cids if cid not in done]:
            done.update(pending)
            states = self.states
            if states is not None:
                states.requesting(pending)
            try:
                found = await rest.query_calls(pending, connection_id)
            except Exception as error:
                if states is not None:
                    states.unanswered(pending)
                raise ConnectionLost(f"re-watching the calls failed: {error}") from error
            for cid in pending:
                answer = found.get(cid)
                if answer is None:
                    self.cids.pop(cid, None)
                    self._logger.warning("no longer watching %s: the call does not exist", cid)
                    if states is not None:
                        gone = StreamAPIError(404, NO_SUCH_CALL, f"call {cid} does not exist")
                        states.refused(cid, gone)
                elif states is not None:
                    states.answered(cid, answer, resync=True)
        self._logger.info("watching %d calls on the new connection", len(done))

    async def aclose(self) -> None:
        """Close the REST client's connections, if it was made."""
        rest, self._rest = self._rest, None
        if rest is not None:
            await rest.aclose()
