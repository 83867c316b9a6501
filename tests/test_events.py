from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import msgspec
import pytest

from rx_coordinator.events import (
    EVENT_TYPES,
    CallCreatedEvent,
    CallSessionParticipantJoinedEvent,
    ConnectedEvent,
    ConnectionErrorEvent,
    Event,
    GenericEvent,
    HealthCheckEvent,
    TypedEvent,
    UserResponse,
    decode,
)
from rx_coordinator.testing import payloads


def alice():
    return payloads.user("alice", name="Alice", at="2026-11-26T10:00:00.500000Z")


def joined_frame(**overrides):
    frame = payloads.call_session_participant_joined(
        "default:standup",
        "s1",
        payloads.participant(alice(), at="2026-11-26T10:00:01Z"),
        at="2026-11-26T10:00:01.250000Z",
    )
    frame.update(overrides)
    return frame


def test_a_known_type_decodes_to_its_class_with_typed_attributes():
    event = decode(json.dumps(joined_frame()))
    assert isinstance(event, CallSessionParticipantJoinedEvent)
    assert event.type == "call.session_participant_joined"
    assert event.call_cid == "default:standup"
    assert isinstance(event.participant.user, UserResponse)
    assert event.participant.user.name == "Alice"
    assert event.participant.joined_at == datetime(2026, 11, 26, 10, 0, 1, tzinfo=UTC)
    assert event.participant.user.deleted_at is None  # optional and absent


def test_event_types_maps_all_68_wire_types_to_their_classes():
    assert len(EVENT_TYPES) == 68
    for kind, cls in EVENT_TYPES.items():
        assert issubclass(cls, TypedEvent)
        assert cls.type == kind
    assert EVENT_TYPES["call.created"] is CallCreatedEvent
    assert EVENT_TYPES["connection.ok"] is ConnectedEvent
    with pytest.raises(TypeError):
        EVENT_TYPES["x"] = CallCreatedEvent  # type: ignore[index]


def test_to_dict_gives_back_the_frame_with_rfc3339_dates():
    frame = joined_frame()
    event = decode(json.dumps(frame))
    assert event is not None
    assert event.to_dict() == frame
    json.dumps(event.to_dict())  # JSON-ready
    # Times come back as the same instant, with their offset, written to the microsecond.
    other = decode(json.dumps(joined_frame(created_at="2026-11-26T11:00:01.25+01:00")))
    assert other is not None
    assert other.to_dict()["created_at"] == "2026-11-26T11:00:01.250000+01:00"


def test_nanosecond_timestamps_as_go_writes_them_are_read():
    event = decode(json.dumps(joined_frame(created_at="2026-11-26T10:00:01.123456789Z")))
    assert isinstance(event, CallSessionParticipantJoinedEvent)
    assert event.created_at == datetime(2026, 11, 26, 10, 0, 1, 123457, tzinfo=UTC)


def test_fields_the_spec_does_not_know_are_ignored():
    frame = joined_frame(brand_new_field={"x": 1})
    frame["participant"]["also_new"] = [1, 2]
    event = decode(json.dumps(frame))
    assert isinstance(event, CallSessionParticipantJoinedEvent)
    assert "brand_new_field" not in event.to_dict()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda f: f.pop("participant"), "missing required field"),
        (lambda f: f.update(session_id=5), "Expected `str`, got `int`"),
        (lambda f: f.update(created_at=1764151201), "Expected `datetime`, got `int`"),
        (lambda f: f["participant"]["user"].update(banned="no"), "participant.user.banned"),
    ],
)
def test_a_known_type_that_does_not_fit_becomes_a_generic_event_logged_at_debug(
    caplog, change, why
):
    frame = joined_frame()
    change(frame)
    with caplog.at_level(logging.DEBUG, logger="rx_coordinator"):
        event = decode(json.dumps(frame))
    assert type(event) is GenericEvent
    assert event.type == "call.session_participant_joined"
    assert event.raw == frame
    assert event.to_dict() == frame
    (record,) = caplog.records
    assert record.levelno == logging.DEBUG
    assert "does not fit" in record.getMessage()
    assert why in record.getMessage()


def test_an_unknown_type_is_a_generic_event_with_raw_and_to_dict(caplog):
    with caplog.at_level(logging.DEBUG, logger="rx_coordinator"):
        event = decode('{"type": "call.brand_new", "call_cid": "default:1", "n": 2}')
    assert type(event) is GenericEvent
    assert isinstance(event, Event)
    assert event.type == "call.brand_new"
    assert event.raw == {"type": "call.brand_new", "call_cid": "default:1", "n": 2}
    copy = event.to_dict()
    assert copy == event.raw
    copy["n"] = 3
    assert event.raw["n"] == 2
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]


def test_the_connection_frames_are_typed():
    ok = decode(json.dumps(payloads.connection_ok("c1", payloads.own_user("alice"))))
    assert isinstance(ok, ConnectedEvent)
    assert (ok.connection_id, ok.me.id) == ("c1", "alice")
    error = decode(json.dumps(payloads.connection_error(43, "bad signature")))
    assert isinstance(error, ConnectionErrorEvent)
    assert (error.error.code, error.error.message) == (43, "bad signature")
    check = decode(json.dumps(payloads.health_check("c1")))
    assert isinstance(check, HealthCheckEvent)
    assert check.connection_id == "c1"


@pytest.mark.parametrize("frame", [b"{}", "nope", "[]", "null", '{"type": null}', "{}", '{"ty'])
def test_bad_frames_decode_to_none_with_a_warning(caplog, frame):
    with caplog.at_level(logging.DEBUG, logger="rx_coordinator"):
        assert decode(frame) is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


# Deep enough for msgspec's RecursionError on every supported Python (3.11 recurses out
# near 1,000 levels, 3.13 only past about 10,000): 100 KB, well under max_size.
DEEP = 50_000


def deep(kind: str, depth: int = DEEP) -> str:
    """A frame of ``kind`` with a list nested ``depth`` deep: msgspec's RecursionError."""
    return json.dumps({"type": kind, "x": 0})[:-2] + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    "frame",
    [
        deep("custom.deep"),  # the typed decoder refuses the type; the generic one recurses
        deep("call.created"),  # the typed decoder recurses
        deep("health.check", DEEP * 2),
        "[" * DEEP + "]" * DEEP,
    ],
    ids=["unknown-type", "known-type", "very-deep", "bare-array"],
)
def test_a_frame_nested_too_deep_is_a_bad_frame_not_an_error(caplog, frame):
    with caplog.at_level(logging.DEBUG, logger="rx_coordinator"):
        assert decode(frame) is None
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "RecursionError" in record.getMessage()
    assert len(record.getMessage()) < 600  # truncated: the frame is 2 KB or more
    # The decoders still work afterwards.
    assert isinstance(decode(json.dumps(joined_frame())), CallSessionParticipantJoinedEvent)


class _Broken:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def decode(self, frame: str) -> object:
        raise self.error


class _Unspeakable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no words")


@pytest.mark.parametrize("decoder", ["_typed", "_any"])
@pytest.mark.parametrize(
    "error", [ValueError("odd"), MemoryError(), KeyError("k" * 5000), _Unspeakable()]
)
def test_any_failure_of_either_decoder_is_a_bad_frame(caplog, monkeypatch, decoder, error):
    from rx_coordinator import events

    monkeypatch.setattr(events, decoder, _Broken(error))
    frame = json.dumps({"type": "custom.thing"})  # the generic decoder reads unknown types
    with caplog.at_level(logging.DEBUG, logger="rx_coordinator"):
        assert decode(frame) is None
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert type(error).__name__ in record.getMessage()
    assert len(record.getMessage()) < 600


def test_typed_events_are_immutable_values_with_a_short_repr():
    a = decode(json.dumps(joined_frame()))
    b = decode(json.dumps(joined_frame()))
    assert a == b
    assert a != decode(json.dumps(joined_frame(session_id="s2")))
    assert isinstance(a, CallSessionParticipantJoinedEvent)
    with pytest.raises(AttributeError):
        a.session_id = "s3"  # type: ignore[misc]
    assert "deleted_at" not in repr(a)  # fields left at None are not shown


def test_generic_events_compare_by_payload_and_show_a_short_repr():
    a = decode('{"type": "x", "v": 1}')
    assert a == decode('{"type": "x", "v": 1}')
    assert a != decode('{"type": "x", "v": 2}')
    big = GenericEvent("x", {"type": "x", "blob": "y" * 1000})
    assert len(repr(big)) < 200


def test_decoding_reads_the_same_classes_msgspec_would():
    frame = joined_frame()
    assert decode(json.dumps(frame)) == msgspec.convert(frame, CallSessionParticipantJoinedEvent)
