"""The classes every event builds on: ``Event``, ``TypedEvent``, ``GenericEvent``.

The generated module (``_models.py``) subclasses ``Model`` and ``TypedEvent``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

__all__ = ["Event", "GenericEvent", "Model", "TypedEvent"]

_PREVIEW = 120


class Event:
    """What every event is: it has ``.type`` (the wire ``type`` string) and ``to_dict()``.

    An event is either a ``TypedEvent`` (one class per type in Stream's spec, with
    typed attributes) or a ``GenericEvent`` (a type the spec does not know, or a frame
    that does not fit its class), so ``isinstance(event, Event)`` holds for both.
    """

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def type(self) -> str:
            """The wire ``type`` string, such as ``"call.created"``."""

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict, with the same fields as the wire frame."""
        raise NotImplementedError


class Model(
    msgspec.Struct,
    kw_only=True,
    omit_defaults=True,
    frozen=True,
    # Decoded frames hold no reference cycles, so the garbage collector need not track them.
    gc=False,
    repr_omit_defaults=True,
):
    """Base of the spec's object types (``CallResponse``, ``UserResponse``, ...).

    Instances are immutable (every subscriber sees the same object) and compare by value.
    Optional fields default to ``None``; fields the spec does not know are ignored.
    """

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: datetimes as RFC 3339 text, fields left at ``None`` omitted."""
        out: dict[str, Any] = msgspec.to_builtins(self)
        return out


class TypedEvent(Model, Event, tag_field="type", frozen=True):
    """Base of the 68 event classes generated from Stream's spec.

    ``type`` is a class attribute (``CallCreatedEvent.type == "call.created"``); it is
    also the ``"type"`` key of ``to_dict``. ``rx_coordinator.events.EVENT_TYPES``
    maps every wire type to its class.
    """

    if TYPE_CHECKING:
        type: ClassVar[str]


class GenericEvent(Event):
    """An event without a class that fits it: its ``type`` and the decoded frame (``raw``).

    It stands for a type Stream's spec does not know yet, or for a frame of a known type
    that does not fit its class (a missing field, a field of another type). Nothing is
    dropped for being new.
    """

    __slots__ = ("raw", "type")

    type: str

    def __init__(self, type: str, raw: dict[str, Any]) -> None:
        self.type = type
        self.raw = raw

    def to_dict(self) -> dict[str, Any]:
        """The frame as a JSON-ready dict (a shallow copy: changing it leaves the event alone)."""
        return dict(self.raw)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GenericEvent):
            return NotImplemented
        return self.raw == other.raw

    __hash__ = None  # type: ignore[assignment]  # mutable payload

    def __repr__(self) -> str:
        return f"GenericEvent(type={self.type!r}, raw={preview(repr(self.raw))})"


def preview(text: str) -> str:
    """``text`` cut to a size fit for a log line or a repr."""
    return text if len(text) <= _PREVIEW else f"{text[:_PREVIEW]}... ({len(text)} chars)"
