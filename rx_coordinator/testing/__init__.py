"""Test utilities shipped with the package: a local, scriptable coordinator."""

from ._fake import FakeConnection, FakeCoordinator, now_rfc3339

__all__ = ["FakeConnection", "FakeCoordinator", "now_rfc3339"]
