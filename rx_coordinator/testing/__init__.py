"""Test utilities shipped with the package: a local, scriptable coordinator and payloads."""

from . import payloads
from ._clock import now_rfc3339
from ._fake import FakeConnection, FakeCoordinator

__all__ = ["FakeConnection", "FakeCoordinator", "now_rfc3339", "payloads"]
