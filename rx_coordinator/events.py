"""Coordinator events: one typed class per wire type, and the decoder that picks it.

Every frame becomes an ``Event``. The 68 types of Stream's spec have classes of their
own, generated from the spec (``CallCreatedEvent``, ``CallSessionParticipantJoinedEvent``,
...), with typed attributes (``event.call.created_by.id``); ``EVENT_TYPES`` maps each
wire type to its class. A type the spec does not know, or a frame that does not fit its
class, arrives as a ``GenericEvent`` with ``.type`` and ``.raw``: an event is never
dropped for being new.

Every event has ``to_dict``, a JSON-ready dict (datetimes as RFC 3339 text)
for forwarding to browsers.

The object types the events carry (``CallResponse``, ``UserResponse``, ...) are here too,
with the answers of the REST calls (``GetCallResponse``, ``QueryCallsResponse``, ...),
generated from the same spec.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from . import _models
from ._event_base import Event, GenericEvent, Model, TypedEvent, preview
from ._models import *  # noqa: F403  # the generated classes are part of this module's API

__all__ = [  # the generated names are listed in _models.__all__
    "Event",
    "GenericEvent",
    "Model",
    "TypedEvent",
    "decode",
    *_models.__all__,
]

_log = logging.getLogger(__name__)

_typed = msgspec.json.Decoder(_models.AnyTypedEvent)
_any = msgspec.json.Decoder()


def decode(frame: str | bytes, logger: logging.Logger | None = None) -> Event | None:
    """Decode one inbound text frame into its event, or return ``None`` for a bad frame.

    A frame of a known type that fits its class becomes that class, decoded straight from
    the frame's text (fields the spec does not know are ignored). An unknown type, or a
    frame that does not fit (a missing field, a field of another type), becomes a
    ``GenericEvent``, logged at DEBUG. Bad frames (binary, not JSON, not an object,
    no string ``type``, or any frame a decoder fails on, such as JSON nested too deep)
    are logged at WARNING with a truncated preview and skipped: this never raises.
    """
    log = logger or _log
    if not isinstance(frame, str):
        log.warning("skipping a binary frame (%d bytes)", len(frame))
        return None
    try:
        event: Event = _typed.decode(frame)
        return event
    except msgspec.ValidationError as error:
        reason = str(error)
    except msgspec.DecodeError:
        reason = "not JSON"  # the generic decoder says so too, for bad frames only
    except Exception as error:
        # RecursionError (JSON nested ~1000 deep), or anything else a decoder may raise:
        # one frame the client cannot read must never end the connection or the stream.
        _undecodable(frame, error, log)
        return None
    try:
        return _generic(frame, reason, log)
    except Exception as error:
        _undecodable(frame, error, log)
        return None


def _undecodable(frame: str, error: Exception, log: logging.Logger) -> None:
    try:
        detail = preview(str(error))
    except Exception:  # an exception that cannot say what it is still skips one frame only
        detail = "?"
    log.warning(
        "skipping a frame that could not be decoded (%s: %s): %s",
        type(error).__name__,
        detail,
        preview(frame),
    )


def _generic(frame: str, reason: str, log: logging.Logger) -> GenericEvent | None:
    try:
        # The typed decoder may stop at a bad field before reading the rest of the text.
        raw: Any = _any.decode(frame)
    except msgspec.DecodeError:
        log.warning("skipping a frame that is not JSON: %s", preview(frame))
        return None
    if not isinstance(raw, dict):
        log.warning("skipping a frame that is not a JSON object: %s", preview(frame))
        return None
    kind = raw.get("type")
    if not isinstance(kind, str):
        log.warning("skipping a frame without a string 'type': %s", preview(frame))
        return None
    if kind in _models.EVENT_TYPES:
        log.debug(
            "a %s frame does not fit its class (%s); delivered as a GenericEvent", kind, reason
        )
    else:
        log.debug("%r is not a type Stream's spec knows; delivered as a GenericEvent", kind)
    return GenericEvent(kind, raw)
