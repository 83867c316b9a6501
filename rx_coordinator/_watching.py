"""Watched calls: the set the client keeps, and watching them on a connection over REST."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable

from .errors import ConnectionLost
from .rest import RestClient, is_permanent

__all__ = ["Watching"]


class Watching:
    """The calls a client watches (``"type:id"``, in the order they were added).

    Watching is tied to a connection: :meth:`rewatch` watches every call again on a new
    one. The REST client is made at the first request, so a client that never watches
    never imports ``httpx``.
    """

    __slots__ = ("_api_key", "_base", "_logger", "_rest", "_token", "cids")

    def __init__(
        self, base: str, api_key: str, token: Callable[[], str], logger: logging.Logger
    ) -> None:
        self._base = base
        self._api_key = api_key
        self._token = token
        self._logger = logger
        self._rest: RestClient | None = None
        self.cids: dict[str, None] = {}  # an insertion-ordered set

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
        rest = await self.rest()
        try:
            await rest.get_call(cid, connection_id)
        except Exception:
            if current() == connection_id:
                if added:
                    self.cids.pop(cid, None)
                raise
        self._logger.info("watching %s", cid)

    async def rewatch(self, connection_id: str) -> None:
        """Watch every listed call on ``connection_id``, those added meanwhile included.

        A call the API refuses for good (404, 403, ...) is unlisted with a WARNING; any
        other failure raises :class:`ConnectionLost`, so the connection is retried.
        """
        rest = await self.rest()
        done: set[str] = set()
        while pending := [cid for cid in self.cids if cid not in done]:
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
                    self.cids.pop(cid, None)
                    self._logger.warning("no longer watching %s: %s", cid, result)
                else:
                    failures.append(result)
            if failures:
                raise ConnectionLost(
                    f"re-watching {len(failures)} of {len(pending)} calls failed: {failures[0]}"
                ) from failures[0]
        self._logger.info("watching %d calls on the new connection", len(done))

    async def aclose(self) -> None:
        """Close the REST client's connections, if it was made."""
        rest, self._rest = self._rest, None
        if rest is not None:
            await rest.aclose()
