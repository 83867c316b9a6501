"""Which HTTP redirects of the opening handshake the client follows: same origin only.

The token travels in the first frame after the handshake, so a followed redirect decides
where it goes. ``websockets`` follows redirects to any origin (it strips only HTTP
credentials, and the token is not one); ``SameOriginConnect`` refuses every redirect
that leaves the origin of the URI the client was given, and every TLS downgrade.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from .errors import StreamWSConnectionError

__all__ = ["REDIRECT_STATUSES", "SameOriginConnect", "same_origin_redirect"]

REDIRECT_STATUSES = frozenset({300, 301, 302, 303, 307, 308})
"""The statuses ``websockets`` follows (given a ``Location``)."""

_DEFAULT_PORTS = {"ws": 80, "wss": 443}


def same_origin_redirect(uri: str, location: str) -> str:
    """The URI a redirect from ``uri`` to ``location`` leads to, if the client may follow it.

    ``location`` may be relative (it is resolved against ``uri``). The client follows a
    redirect only within the origin of ``uri``: the same scheme, host and port (``ws://h``
    and ``ws://h:80`` are the same origin).

    Raises:
        StreamWSConnectionError: the redirect leads to another origin, from ``wss://`` to
            ``ws://`` (a TLS downgrade), or to something that is not a ``ws://`` or
            ``wss://`` URL. The message names both origins, never a path or a query.
    """
    target = urljoin(uri, location)
    here = _origin(uri)
    there = _origin(target)
    if here is None:
        raise StreamWSConnectionError("cannot follow a redirect from a URI that is not ws(s)://")
    if there is None:
        raise StreamWSConnectionError(
            f"the server at {_show(here)} redirected the connection to something that is not "
            "a ws:// or wss:// URL; not followed"
        )
    if here[0] == "wss" and there[0] == "ws":
        raise StreamWSConnectionError(
            f"the server at {_show(here)} redirected the connection to {_show(there)}, "
            "without TLS; not followed: the token never travels unencrypted"
        )
    if there != here:
        raise StreamWSConnectionError(
            f"the server at {_show(here)} redirected the connection to another origin, "
            f"{_show(there)}; not followed: the token is only sent to the origin of the "
            "client's uri (give the new address as uri if it is the right one)"
        )
    return target


class SameOriginConnect(connect):
    """``websockets.asyncio.client.connect`` that follows same-origin redirects only.

    Used as ``connect`` is (``ws = await SameOriginConnect(url, **options)``). A refused
    redirect raises ``StreamWSConnectionError``, chained to
    ``websockets``' ``InvalidStatus`` for the redirect.
    """

    def process_redirect(self, exc: Exception) -> Exception | str:
        """Refuse a redirect that ``same_origin_redirect`` refuses; else as ``websockets``."""
        if (
            isinstance(exc, InvalidStatus)
            and exc.response.status_code in REDIRECT_STATUSES
            and "Location" in exc.response.headers
        ):
            try:
                # Each hop stays within the origin of the one before: all stay in the first.
                same_origin_redirect(self.uri, exc.response.headers["Location"])
            except StreamWSConnectionError as refused:
                return refused
        return super().process_redirect(exc)


def _origin(uri: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname, _DEFAULT_PORTS[scheme] if port is None else port


def _show(origin: tuple[str, str, int]) -> str:
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else host  # IPv6
    return f"{scheme}://{host}:{port}"
