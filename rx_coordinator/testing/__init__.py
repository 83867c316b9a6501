"""Test utilities shipped with the package: a local coordinator emulator and payloads.

The emulator (``FakeCoordinator``) needs the ``testing`` extra
(``pip install '.[testing]'`` in a clone, which brings aiohttp); ``.payloads`` and
``.scenarios`` do not. The modules, from the bottom up: ``_clock``, ``payloads`` and
``_auth`` (data and rules); ``_calls`` (the call state); ``_connection`` (one socket);
``scenarios`` and ``_rest`` (scripts, and the REST calls); ``_fake`` (the server that serves
them all); ``pytest_plugin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import payloads
from ._clock import now_rfc3339
from ._connection import FakeConnection

if TYPE_CHECKING:
    from ._fake import FakeCoordinator

__all__ = ["FakeConnection", "FakeCoordinator", "now_rfc3339", "payloads"]


def __getattr__(name: str) -> Any:
    # Imported on first use: it needs aiohttp, which only the testing extra installs.
    if name == "FakeCoordinator":
        from ._fake import FakeCoordinator

        return FakeCoordinator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
