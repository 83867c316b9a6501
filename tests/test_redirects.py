"""Redirects of the opening handshake: followed within the origin only (the token follows)."""

from __future__ import annotations

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus, SecurityError
from websockets.http11 import Response

from rx_coordinator._redirects import SameOriginConnect, same_origin_redirect
from rx_coordinator.errors import StreamWSConnectionError


@pytest.mark.parametrize(
    ("uri", "location", "target"),
    [
        ("ws://h:8000/video/connect", "/other", "ws://h:8000/other"),
        ("ws://h:8000/video/connect", "other?x=1", "ws://h:8000/video/other?x=1"),
        ("ws://h/video/connect", "ws://h:80/elsewhere", "ws://h:80/elsewhere"),
        ("wss://h/video/connect", "wss://H:443/x", "wss://H:443/x"),
        ("wss://[::1]:9/a", "wss://[::1]:9/b", "wss://[::1]:9/b"),
    ],
)
def test_a_redirect_within_the_origin_is_followed(uri, location, target):
    assert same_origin_redirect(uri, location) == target


@pytest.mark.parametrize(
    ("uri", "location", "words"),
    [
        ("ws://h:8000/a", "ws://h:8001/a", "another origin, ws://h:8001"),
        ("ws://h:8000/a", "ws://evil.example:8000/a", "another origin, ws://evil.example:8000"),
        ("ws://h:8000/a", "//evil.example/a", "another origin, ws://evil.example:80"),
        ("ws://h/a", "wss://h/a", "another origin, wss://h:443"),  # scheme is origin too
        ("wss://h/a", "ws://h/a", "without TLS"),
        ("wss://h/a", "ws://h:443/a", "without TLS"),
        ("wss://h/a", "https://h/a", "not a ws:// or wss:// URL"),
        ("ws://h/a", "http://h/a", "not a ws:// or wss:// URL"),
        ("ws://h/a", "ws://h:99999/a", "not a ws:// or wss:// URL"),
        ("ws://h/a", "ws://:80/a", "not a ws:// or wss:// URL"),
    ],
)
def test_a_redirect_out_of_the_origin_or_to_plain_text_is_refused(uri, location, words):
    with pytest.raises(StreamWSConnectionError, match="not followed") as refused:
        same_origin_redirect(uri, location)
    assert words in str(refused.value)
    assert "/a" not in str(refused.value)  # origins only: never a path or a query


def redirect(status: int, location: str) -> InvalidStatus:
    return InvalidStatus(Response(status, "Redirect", Headers({"Location": location})))


@pytest.mark.parametrize("status", [300, 301, 302, 303, 307, 308])
def test_the_connect_refuses_what_the_policy_refuses_for_every_redirect_status(status):
    # Building a connect opens nothing: only awaiting it does.
    connect = SameOriginConnect("ws://127.0.0.1:8000/video/connect")
    refused = connect.process_redirect(redirect(status, "ws://127.0.0.1:8001/video/connect"))
    assert isinstance(refused, StreamWSConnectionError)
    assert "another origin" in str(refused)
    followed = connect.process_redirect(redirect(status, "/elsewhere"))
    assert followed == "ws://127.0.0.1:8000/elsewhere"


def test_the_connect_refuses_a_tls_downgrade_with_its_own_error():
    connect = SameOriginConnect("wss://127.0.0.1:8443/video/connect")
    refused = connect.process_redirect(redirect(302, "ws://127.0.0.1:8443/video/connect"))
    assert isinstance(refused, StreamWSConnectionError)
    assert not isinstance(refused, SecurityError)
    assert "without TLS" in str(refused)


def test_what_is_not_a_redirect_is_left_to_websockets():
    connect = SameOriginConnect("ws://127.0.0.1:8000/video/connect")
    not_found = InvalidStatus(Response(404, "Not Found", Headers()))
    assert connect.process_redirect(not_found) is not_found
    no_location = InvalidStatus(Response(302, "Found", Headers()))
    assert connect.process_redirect(no_location) is no_location
