"""The pytest plugin installed with the package: a ``fake_coordinator`` fixture.

Installing ``rx-coordinator`` registers it (entry point ``pytest11``), so a test only asks::

    async def test_ring(fake_coordinator):
        async with StreamAPIWS("key", "token", "alice", uri=fake_coordinator.uri) as client:
            ...

The fixture is a running ``FakeCoordinator`` on 127.0.0.1,
stopped after the test. Override the ``fake_coordinator_settings`` fixture to pass it
arguments (``api_key``/``api_secret`` to check tokens as Stream does, ``scenario``, ...).
Async fixtures need ``pytest-asyncio``; the fake needs the ``testing`` extra (aiohttp). The
plugin loads without it, and a test that asks for the fixture then fails saying what to
install.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from ._fake import FakeCoordinator

__all__ = ["fake_coordinator", "fake_coordinator_settings"]


@pytest.fixture
def fake_coordinator_settings() -> dict[str, Any]:
    """Keyword arguments for the ``fake_coordinator`` fixture's ``FakeCoordinator``."""
    return {}


_Fixture = TypeVar("_Fixture", bound=Callable[..., Any])


def _async_fixture() -> Callable[[_Fixture], _Fixture]:
    # Without pytest-asyncio, pytest itself reports that an async fixture needs a plugin.
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - exercised only where pytest-asyncio is missing
        return cast("Callable[[_Fixture], _Fixture]", pytest.fixture)
    return cast("Callable[[_Fixture], _Fixture]", pytest_asyncio.fixture)


@_async_fixture()
async def fake_coordinator(
    fake_coordinator_settings: dict[str, Any],
) -> AsyncIterator[FakeCoordinator]:
    """A running ``FakeCoordinator`` on 127.0.0.1, stopped after the test."""
    try:
        from ._fake import FakeCoordinator
    except ImportError as error:
        missing = str(error)
    else:
        missing = ""
    if missing:  # failed outside the except block: one line, not a chain of tracebacks
        pytest.fail(f"the fake_coordinator fixture: {missing}", pytrace=False)
    async with FakeCoordinator(**fake_coordinator_settings) as fake:
        yield fake
