"""The coordinator's REST side, as far as this client needs it: watching calls (with httpx)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import protocol
from .errors import StreamAPIError, StreamWSConnectionError

if TYPE_CHECKING:
    import httpx

__all__ = ["RestClient", "is_permanent"]


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
            headers={"stream-auth-type": "jwt", "X-Stream-Client": protocol.CLIENT_NAME},
        )

    async def get_call(self, cid: str, connection_id: str) -> dict[str, Any]:
        """``GetCall`` for ``cid`` on behalf of ``connection_id``, which then watches it.

        Raises:
            StreamAPIError: the API answered with an error status.
            StreamWSConnectionError: the request could not be made.
        """
        call_type, _, call_id = protocol.call_cid(cid).partition(":")
        path = f"/api/v2/video/call/{quote(call_type, safe='')}/{quote(call_id, safe='')}"
        import httpx

        try:
            response = await self._http.get(
                path,
                params={"api_key": self._api_key, "connection_id": connection_id},
                headers={"Authorization": self._token()},
            )
        except httpx.HTTPError as error:
            raise StreamWSConnectionError(f"the REST API could not be reached: {error}") from error
        if response.is_error:
            raise _api_error(response)
        body: dict[str, Any] = response.json()
        return body

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def _api_error(response: httpx.Response) -> StreamAPIError:
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    code = body.get("code")
    message = body.get("message")
    return StreamAPIError(
        response.status_code,
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        message if isinstance(message, str) else response.reason_phrase,
    )
