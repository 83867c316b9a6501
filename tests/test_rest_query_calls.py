"""RestClient.query_calls against the fake: the way Stream's SDK re-watches calls."""

from __future__ import annotations

import pytest

from rx_coordinator import StreamAPIError, StreamWSConnectionError
from rx_coordinator.rest import RestClient
from rx_coordinator.testing import FakeCoordinator, payloads

from .helpers import TOKEN

ALICE = payloads.user("alice")


@pytest.fixture
async def rest(fake: FakeCoordinator):
    client = RestClient(f"http://127.0.0.1:{fake.port}", "key", lambda: TOKEN)
    yield client
    await client.aclose()


def make_calls(fake: FakeCoordinator, count: int) -> list[str]:
    return [
        fake.create_call(payloads.call(f"default:c{n}", created_by=ALICE)) for n in range(count)
    ]


async def test_one_request_per_page_following_next_and_every_call_watched(connected, fake, rest):
    cids = make_calls(fake, 5)
    c = await connected()
    found = await rest.query_calls([*cids, "default:gone"], c.conn.connection_id, limit=2)
    assert list(found) == cids  # the missing call is simply absent
    assert found["default:c3"]["call"]["cid"] == "default:c3"
    assert "members" in found["default:c3"]
    assert c.conn.watching == set(cids)
    pages = [r for r in fake.rest_requests if r.path == "/api/v2/video/calls"]
    assert len(pages) == 3
    assert pages[0].method == "POST"
    assert pages[0].query == {"api_key": "key", "connection_id": c.conn.connection_id}
    assert pages[0].authorization
    assert pages[0].body == {
        "filter_conditions": {"cid": {"$in": [*cids, "default:gone"]}},
        "limit": 2,
        "watch": True,
    }
    assert "next" in pages[1].body
    assert TOKEN not in str([(r.path, r.query, r.body) for r in fake.rest_requests])


async def test_without_watch_nothing_is_watched_and_no_cids_means_no_request(connected, fake, rest):
    cids = make_calls(fake, 2)
    c = await connected()
    assert list(await rest.query_calls(cids, c.conn.connection_id, watch=False)) == cids
    assert c.conn.watching == set()
    assert await rest.query_calls([], c.conn.connection_id) == {}
    assert len(fake.rest_requests) == 1


async def test_errors_are_raised_with_the_api_s_status_and_code(connected, fake, rest):
    cids = make_calls(fake, 1)
    c = await connected()
    fake.fail_rest(status=503)
    with pytest.raises(StreamAPIError) as failed:
        await rest.query_calls(cids, c.conn.connection_id)
    assert failed.value.status_code == 503
    with pytest.raises(StreamAPIError) as unknown:
        await rest.query_calls(cids, "not-a-connection")
    assert (unknown.value.status_code, unknown.value.code) == (400, 4)
    with pytest.raises(ValueError, match="call"):
        await rest.query_calls(["nocolon"], c.conn.connection_id)
    with pytest.raises(ValueError, match="limit"):
        await rest.query_calls(cids, c.conn.connection_id, limit=101)


async def test_an_unreachable_api_is_a_connection_error():
    async with FakeCoordinator() as gone:
        base = f"http://127.0.0.1:{gone.port}"
    rest = RestClient(base, "key", lambda: TOKEN)
    try:
        with pytest.raises(StreamWSConnectionError, match="could not be reached"):
            await rest.query_calls(["default:a"], "c")
    finally:
        await rest.aclose()
