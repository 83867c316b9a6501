"""Timestamps as the coordinator writes them."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now_rfc3339"]


def now_rfc3339() -> str:
    """The current UTC time as the coordinator writes it (RFC 3339, ``Z`` suffix)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
