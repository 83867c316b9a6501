"""The pytest plugin the package installs: users' tests get a fake_coordinator fixture."""

from __future__ import annotations

USER_TESTS = """
import asyncio
import pytest
from rx_coordinator import StreamAPIWS
from rx_coordinator.testing import FakeCoordinator, payloads


@pytest.mark.asyncio
async def test_events_from_the_fixture(fake_coordinator):
    assert isinstance(fake_coordinator, FakeCoordinator)
    async with StreamAPIWS("key", "token", "alice", uri=fake_coordinator.uri) as client:
        seen = []
        client.events.subscribe(lambda e: seen.append(e.type))
        conn = await fake_coordinator.next_connection()
        await conn.send(payloads.custom_event("default:1", {"x": 1}, by=payloads.user("bob")))
        await asyncio.sleep(0.05)
        assert seen == ["custom"]


@pytest.fixture
def fake_coordinator_settings():
    return {"answer_health_checks": False}


@pytest.mark.asyncio
async def test_settings_reach_the_fixture(fake_coordinator):
    assert fake_coordinator.answer_health_checks is False
"""


INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


def test_the_fixture_is_available_without_any_server_code(pytester):
    pytester.makeini(INI)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_fixture_is_listed_with_its_docstring(pytester):
    pytester.makeini(INI)
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(["fake_coordinator*", "*FakeCoordinator*127.0.0.1*"])


WITHOUT_AIOHTTP = """
import sys

sys.modules["aiohttp"] = None  # as if the testing extra were not installed
"""

NEEDS_THE_FIXTURE = """
import pytest


def test_plain():
    pass


@pytest.mark.asyncio
async def test_with_the_fake(fake_coordinator):
    pass
"""


def test_without_aiohttp_the_plugin_loads_and_the_fixture_says_what_to_install(pytester):
    pytester.makeini(INI)
    pytester.makeconftest(WITHOUT_AIOHTTP)
    pytester.makepyfile(test_user=NEEDS_THE_FIXTURE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fake_coordinator fixture*needs aiohttp*testing extra*"])
