from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from rx_coordinator import ConnectionLost, StreamWSConnectionError, __version__
from rx_coordinator.protocol import (
    auth_error,
    auth_frame,
    build_url,
    close_error,
    health_check_frame,
    new_client_id,
    validate_uri,
)


def test_build_url_adds_the_query_and_keeps_the_users():
    url = build_url("wss://host.example/video/connect?region=eu&x=1", "KEY")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("wss", "host.example", "/video/connect")
    assert parse_qs(parts.query) == {
        "region": ["eu"],
        "x": ["1"],
        "api_key": ["KEY"],
        "stream-auth-type": ["jwt"],
        "X-Stream-Client": [f"stream-rx-coordinator-python-{__version__}"],
    }


def test_build_url_replaces_a_stale_api_key_and_escapes():
    url = build_url("ws://h/c?api_key=old", "a key&b")
    assert parse_qs(urlsplit(url).query)["api_key"] == ["a key&b"]


def test_auth_frame():
    assert json.loads(auth_frame("T", "u")) == {
        "token": "T",
        "products": ["video"],
        "user_details": {"id": "u"},
    }


def test_health_check_frame_and_client_id():
    client_id = new_client_id("bob")
    assert client_id.startswith("bob--")
    assert new_client_id("bob") != client_id
    assert json.loads(health_check_frame(client_id)) == [
        {"type": "health.check", "client_id": client_id}
    ]


def test_auth_error_reads_code_message_and_status():
    error = auth_error({"error": {"code": 40, "message": "expired", "StatusCode": 401}})
    assert (error.code, error.message, error.status_code) == (40, "expired", 401)
    assert "40" in str(error)
    assert "expired" in str(error)


@pytest.mark.parametrize("raw", [{}, {"error": "nope"}, {"error": {"code": "x", "message": 3}}])
def test_auth_error_tolerates_malformed_errors(raw):
    error = auth_error(raw)
    assert error.code is None
    assert error.message


def test_server_close_1000_is_final_others_are_losses():
    final = close_error(1000, "bye", by_server=True)
    assert type(final) is StreamWSConnectionError
    assert (final.close_code, final.close_reason) == (1000, "bye")
    for code in (1001, 1006, 1011, 4000):
        assert isinstance(close_error(code, "", by_server=True), ConnectionLost)
    # a 1000 we did not receive from the server (we closed first) is not the server's verdict
    assert isinstance(close_error(1000, "", by_server=False), ConnectionLost)


@pytest.mark.parametrize("uri", ["ws://h/x", "wss://h:8443/video/connect?a=b"])
def test_validate_uri_accepts_websocket_urls(uri):
    validate_uri(uri)


@pytest.mark.parametrize(
    "uri", ["http://h/x", "h/x", "ws:///x", "", 42, "ws://h:99999/", "ws://h:x/"]
)
def test_validate_uri_rejects_the_rest(uri):
    with pytest.raises(ValueError, match="ws://"):
        validate_uri(uri)
