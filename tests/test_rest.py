"""The REST side: what a call id may be, and how every kind of answer is read.

Against a tiny HTTP server on 127.0.0.1 that answers whatever a test tells it to.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from rx_coordinator import StreamAPIError, StreamWSConnectionError
from rx_coordinator.protocol import call_cid
from rx_coordinator.rest import RestClient

from .helpers import TOKEN

Answer = Callable[[str], bytes]  # request line -> raw answer (b"" closes without one)


class TinyServer:
    """Records request lines; answers each with ``answer(request_line)``."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[str] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].decode()
            self.requests.append(line)
            raw = self.answer(line)
            if raw:
                writer.write(raw)
                await writer.drain()
        finally:
            writer.close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def tiny_server(answer: Answer) -> AsyncIterator[TinyServer]:
    tiny = TinyServer(answer)
    server = await asyncio.start_server(tiny.handle, "127.0.0.1", 0)
    tiny.port = server.sockets[0].getsockname()[1]
    async with server:
        yield tiny


def http(status: str, body: bytes = b"", *headers: str) -> Answer:
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}", "", ""]
    raw = "\r\n".join(lines).encode() + body
    return lambda line: raw


@asynccontextmanager
async def rest_client(base: str) -> AsyncIterator[RestClient]:
    client = RestClient(base, "key", lambda: TOKEN, timeout=2.0)
    try:
        yield client
    finally:
        await client.aclose()


CALL = {"call": {"cid": "default:standup"}, "members": []}
JSON = "Content-Type: application/json"
HTML = "Content-Type: text/html"


async def get_call(answer: Answer) -> tuple[dict[str, object], TinyServer]:
    async with tiny_server(answer) as server, rest_client(server.base) as client:
        return await client.get_call("default:standup", "conn-1"), server


async def test_a_json_object_with_a_success_status_is_the_answer():
    body, server = await get_call(http("200 OK", json.dumps(CALL).encode(), JSON))
    assert body == CALL
    (line,) = server.requests
    assert line.startswith("GET /api/v2/video/call/default/standup?")
    created, _ = await get_call(http("201 Created", json.dumps(CALL).encode(), JSON))
    assert created == CALL


@pytest.mark.parametrize(
    ("status", "body", "headers", "says"),
    [
        ("200 OK", b"<html>ok</html>", [HTML], "not a JSON object"),
        ("200 OK", b'{"call": ', [JSON], "not a JSON object"),  # cut short
        ("200 OK", b"[1, 2]", [JSON], "not a JSON object"),
        ("200 OK", b"null", [JSON], "not a JSON object"),
        ("200 OK", b'"text"', [JSON], "not a JSON object"),
        ("200 OK", b"\xff\xfe{}", [JSON], "not a JSON object"),  # not UTF-8
        ("200 OK", b"[" * 100_000 + b"]" * 100_000, [JSON], "not a JSON object"),  # too deep
        ("200 OK", b"", [JSON], "empty answer"),
        ("204 No Content", b"", [], "empty answer"),
        ("202 Accepted", b"", [], "empty answer"),
        ("304 Not Modified", b"", [], "redirect"),
    ],
)
async def test_a_success_without_a_json_object_is_an_api_error(status, body, headers, says):
    with pytest.raises(StreamAPIError, match=says) as raised:
        await get_call(http(status, body, *headers))
    assert raised.value.status_code == int(status.split()[0])
    assert raised.value.code is None


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "307 Temporary Redirect"])
async def test_a_redirect_is_an_api_error_and_is_not_followed(status):
    async with tiny_server(http("200 OK", b"{}", JSON)) as elsewhere:
        location = f"Location: {elsewhere.base}/api/v2/video/call/default/standup"
        body = json.dumps(CALL).encode()  # a JSON body does not make it a success
        with pytest.raises(StreamAPIError, match="redirect, not followed") as raised:
            await get_call(http(status, body, JSON, location))
        assert elsewhere.requests == []  # the token never went there
    assert raised.value.status_code == int(status.split()[0])


@pytest.mark.parametrize(
    ("status", "body", "headers", "code", "message"),
    [
        ("500 Internal Server Error", b"<html><h1>oops</h1></html>", [HTML], None, "Internal"),
        ("502 Bad Gateway", b"", [], None, "Bad Gateway"),
        ("503 Service Unavailable", b'{"code": 9, "message": "slow down"}', [JSON], 9, "slow"),
        ("404 Not Found", b'{"code": 16, "message": "no such call"}', [JSON], 16, "no such"),
        ("401 Unauthorized", b'{"code": true, "message": 5}', [JSON], None, "Unauthorized"),
        ("400 Bad Request", b"[1]", [JSON], None, "Bad Request"),
    ],
)
async def test_an_error_status_is_an_api_error_whatever_its_body(
    status, body, headers, code, message
):
    with pytest.raises(StreamAPIError, match=message) as raised:
        await get_call(http(status, body, *headers))
    assert (raised.value.status_code, raised.value.code) == (int(status.split()[0]), code)


@pytest.mark.parametrize(
    "answer",
    [
        lambda line: b"",  # the connection closed without an answer
        lambda line: b"NOT HTTP AT ALL\r\n\r\n",
        lambda line: b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}",  # cut short
    ],
    ids=["closed", "garbage", "short-body"],
)
async def test_no_answer_is_a_connection_error(answer):
    with pytest.raises(StreamWSConnectionError) as raised:
        await get_call(answer)
    assert not isinstance(raised.value, StreamAPIError)
    assert TOKEN not in str(raised.value)


async def test_a_closed_port_is_a_connection_error():
    async with tiny_server(http("200 OK")) as server:
        base = server.base
    async with rest_client(base) as client:
        with pytest.raises(StreamWSConnectionError):
            await client.get_call("default:standup", "conn-1")


@pytest.mark.parametrize(
    "cid", ["..:users", ".:x", "default:..", "default:.", "a/b:c", "default:a?b", "default:%2e%2e"]
)
async def test_a_call_that_would_change_the_path_sends_nothing(cid):
    async with tiny_server(http("200 OK", b"{}", JSON)) as server, rest_client(server.base) as c:
        with pytest.raises(ValueError, match="call"):
            await c.get_call(cid, "conn-1")
    assert server.requests == []


# -- call_cid -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "cid"),
    [
        (("default:standup",), "default:standup"),
        (("default", "standup"), "default:standup"),
        (("default:a:b",), "default:a:b"),  # an id may hold a colon
        (("livestream", "a-b_c.d..e"), "livestream:a-b_c.d..e"),  # dots inside are fine
        (("default", "ünïcödé"), "default:ünïcödé"),
    ],
)
def test_call_cid_accepts_path_segments(args, cid):
    assert call_cid(*args) == cid


@pytest.mark.parametrize(
    "args",
    [
        ("..", "users"),
        (".", "x"),
        ("default", ".."),
        ("default", "."),
        ("..:users",),
        ("default:..",),
        *[("default", f"a{c}b") for c in "/?#%\\"],
        *[(f"a{c}b", "id") for c in "/?#%\\:"],
        *[("default", f"a{c}b") for c in " \t\n\r\x00\x1f\x7f\x85\u00a0\u2028\u200b\u202e"],
        ("nocolon",),
        (":id",),
        ("type:",),
        ("", "id"),
        ("default", ""),
    ],
)
def test_call_cid_refuses_what_would_change_the_rest_path(args):
    with pytest.raises(ValueError, match="call"):
        call_cid(*args)


@pytest.mark.parametrize(
    "args",
    [(None,), (123,), (b"default:x",), (None, "x"), ("default", 5), ("default", b"x"), (1.5, "x")],
)
def test_call_cid_refuses_what_is_not_a_string_with_value_error(args):
    with pytest.raises(ValueError, match="call") as raised:
        call_cid(*args)
    assert type(raised.value) is ValueError


# -- through the client ---------------------------------------------------------------------

# Long enough that a loaded machine does not drop the connection (and defer the watch).
CALM = {"healthcheck_interval": 5.0, "healthcheck_timeout": 10.0}


async def test_a_redirected_watch_raises_and_the_call_is_not_watched(connected):
    body = json.dumps(CALL).encode()
    redirect = http("302 Found", body, JSON, "Location: http://127.0.0.1:9/elsewhere")
    async with tiny_server(redirect) as server:
        c = await connected(rest_uri=server.base, **CALM)
        with pytest.raises(StreamAPIError, match="redirect") as raised:
            await c.client.watch("default:standup")
    assert raised.value.status_code == 302
    assert c.client.watched == frozenset()
    assert len(server.requests) == 1


@pytest.mark.parametrize("answer", [http("200 OK", b"<html>", HTML), http("204 No Content")])
async def test_a_watch_answered_without_json_raises_an_api_error(connected, answer):
    async with tiny_server(answer) as server:
        c = await connected(rest_uri=server.base, **CALM)
        with pytest.raises(StreamAPIError):
            await c.client.watch("default:standup")
    assert c.client.watched == frozenset()


@pytest.mark.parametrize(
    "args", [("..", "users"), ("..:users",), (None,), (123,), (b"default:x",), ("default", 5)]
)
async def test_watch_and_unwatch_refuse_bad_calls_with_value_error(connected, args):
    async with tiny_server(http("200 OK", json.dumps(CALL).encode(), JSON)) as server:
        c = await connected(rest_uri=server.base, **CALM)
        with pytest.raises(ValueError, match="call"):
            await c.client.unwatch(*args)
        with pytest.raises(ValueError, match="call"):
            await c.client.watch(*args)
    assert server.requests == []
    assert c.client.watched == frozenset()
