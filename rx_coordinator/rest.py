"""The coordinator's REST side, as far as this client needs it: watching calls (with httpx)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import protocol
from .errors import StreamAPIError, StreamWSConnectionError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "QUERY_CALLS_LIMIT",
    "QUERY_CALLS_LIMIT_MAX",
    "RestClient",
    "is_permanent",
    "read_answer",
]

QUERY_CALLS_LIMIT = 25
"""Calls per ``QueryCalls`` page by default (Stream's default page size)."""

QUERY_CALLS_LIMIT_MAX = 100
"""The most calls one ``QueryCalls`` page may ask for."""


def is_permanent(error: BaseException) -> bool:
    """Whether retrying the same request cannot help: a 4xx other than 408 and 429."""
    return (
        isinstance(error, StreamAPIError)
        and 400 <= error.status_code < 500
        and error.status_code not in (408, 429)
    )


class RestClient:
    """Calls Stream's video REST API with the client's current token.

    The token goes in the ``Authorization`` header only, never in a URL; ``api_key`` and
    ``connection_id`` are query parameters, as in Stream's published API.

    Args:
        base: the REST origin (``https://video.stream-io-api.com``).
        api_key: the app's API key.
        token: returns the token in use (it may have been refreshed).
        timeout: seconds allowed for each request.
    """

    def __init__(
        self, base: str, api_key: str, token: Callable[[], str], *, timeout: float = 10.0
    ) -> None:
        # Imported here: httpx costs about half a second to import (it loads its own
        # command line when click and rich are installed), paid only once a client connects.
        import httpx

        self._api_key = api_key
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=base,
            timeout=timeout,
            # A redirect is an answer, not a success: following it would send the token on.
            follow_redirects=False,
            headers={"stream-auth-type": "jwt", "X-Stream-Client": protocol.CLIENT_NAME},
        )

    async def get_call(self, cid: str, connection_id: str) -> dict[str, Any]:
        """``GetCall`` for ``cid`` on behalf of ``connection_id``, which then watches it.

        Raises:
            ValueError: a malformed ``cid`` (see ``rx_coordinator.protocol.call_cid``).
            StreamAPIError: the API answered with anything but a JSON object and a success
                status: an error status, a redirect, no body, a body that is not JSON.
            StreamWSConnectionError: the request could not be made or got no answer.
        """
        call_type, _, call_id = protocol.call_cid(cid).partition(":")
        path = f"/api/v2/video/call/{quote(call_type, safe='')}/{quote(call_id, safe='')}"
        return await self._request(
            "GET", path, params={"api_key": self._api_key, "connection_id": connection_id}
        )

    async def query_calls(
        self,
        cids: Iterable[str],
        connection_id: str,
        *,
        watch: bool = True,
        limit: int = QUERY_CALLS_LIMIT,
    ) -> dict[str, dict[str, Any]]:
        """``QueryCalls`` for ``cids`` on behalf of ``connection_id``, which then watches
        them (unless ``watch`` is false): the way Stream's own SDK re-watches after a
        reconnect.

        One ``POST /api/v2/video/calls`` with ``filter_conditions: {"cid": {"$in": cids}}``
        per page of at most ``limit`` calls, following the answer's ``next`` cursor until
        there is none.

        Returns:
            Each call the API found, by cid: its ``CallStateResponseFields`` (``call``,
            ``members``, ``own_capabilities``, ``membership``...), in the API's order. A
            call that does not exist (any more) is simply absent. No cids: no request,
            an empty dict.

        Raises:
            ValueError: a cid that is not ``"type:id"``, or ``limit`` outside 1..100.
            StreamAPIError: the API answered with an error status (any page).
            StreamWSConnectionError: a request could not be made, or an answer was not
                a ``QueryCallsResponse``.
        """
        wanted = list(dict.fromkeys(protocol.call_cid(cid) for cid in cids))
        if not 1 <= limit <= QUERY_CALLS_LIMIT_MAX:
            raise ValueError(f"limit must be between 1 and {QUERY_CALLS_LIMIT_MAX}, got {limit}")
        found: dict[str, dict[str, Any]] = {}
        cursor: str | None = None
        while wanted:
            body: dict[str, Any] = {
                "filter_conditions": {"cid": {"$in": wanted}},
                "limit": limit,
                "watch": watch,
            }
            if cursor is not None:
                body["next"] = cursor
            answer = await self._request(
                "POST",
                "/api/v2/video/calls",
                params={"api_key": self._api_key, "connection_id": connection_id},
                json=body,
            )
            calls = answer.get("calls")
            if not isinstance(calls, list):
                raise StreamWSConnectionError("QueryCalls answered without a list of calls")
            for state in calls:
                call = state.get("call") if isinstance(state, dict) else None
                cid = call.get("cid") if isinstance(call, dict) else None
                if isinstance(cid, str):
                    found[cid] = state
            following = answer.get("next")
            if not isinstance(following, str) or not following or following == cursor:
                break
            cursor = following
        return found

    async def _request(
        self, method: str, path: str, *, params: dict[str, str], json: Any = None
    ) -> dict[str, Any]:
        """One request with the current token, its answer read by ``read_answer``.

        Every method of this class goes through here, so that every answer is read the
        same way. Raises as ``get_call`` does.
        """
        import httpx

        try:
            response = await self._http.request(
                method, path, params=params, json=json, headers={"Authorization": self._token()}
            )
        except httpx.HTTPError as error:
            raise StreamWSConnectionError(f"the REST API could not be reached: {error}") from error
        return read_answer(response)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def read_answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON object a successful answer carries, or the ``StreamAPIError`` it is.

    Only a 2xx status with a JSON object for a body is a success. An error status gives
    Stream's ``code`` and ``message`` when the body has them; a redirect (never followed),
    an empty body (204), a body that is not JSON (an HTML error page, a truncated text)
    or JSON that is not an object all give a ``StreamAPIError`` with the status.
    """
    body = _json_object(response)
    status = response.status_code
    if 200 <= status < 300 and body is not None:
        return body
    if response.is_error:
        code = body.get("code") if body is not None else None
        message = body.get("message") if body is not None else None
        raise StreamAPIError(
            status,
            code if isinstance(code, int) and not isinstance(code, bool) else None,
            message if isinstance(message, str) else _phrase(response),
        )
    if 300 <= status < 400:
        why = "a redirect, not followed"
    elif not response.content:
        why = "an empty answer where a JSON object was expected"
    elif 200 <= status < 300:
        why = "an answer that is not a JSON object"
    else:
        why = "an unexpected status"
    raise StreamAPIError(status, None, f"{_phrase(response)}: {why}")


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or ``None`` (empty, not JSON, not an object, too deep)."""
    if not response.content:
        return None
    try:
        body = response.json()
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return body if isinstance(body, dict) else None


def _phrase(response: httpx.Response) -> str:
    return response.reason_phrase or f"HTTP {response.status_code}"
