from __future__ import annotations

import logging

import pytest

from rx_coordinator.events import (
    ConnectedEvent,
    ConnectionErrorEvent,
    Event,
    HealthCheckEvent,
    decode,
)


def test_unknown_types_are_plain_events_with_raw_and_to_dict():
    event = decode('{"type": "call.brand_new", "call_cid": "default:1", "n": 2}')
    assert type(event) is Event
    assert event.type == "call.brand_new"
    assert event.raw == {"type": "call.brand_new", "call_cid": "default:1", "n": 2}
    copy = event.to_dict()
    assert copy == event.raw
    copy["n"] = 3
    assert event.raw["n"] == 2


def test_connection_ok_is_typed():
    event = decode('{"type": "connection.ok", "connection_id": "c1", "me": {"id": "u"}}')
    assert isinstance(event, ConnectedEvent)
    assert (event.connection_id, event.me["id"]) == ("c1", "u")


def test_connection_error_is_typed():
    event = decode('{"type": "connection.error", "error": {"code": 43, "message": "bad"}}')
    assert isinstance(event, ConnectionErrorEvent)
    assert (event.code, event.message) == (43, "bad")


def test_health_check_is_typed():
    event = decode('{"type": "health.check", "connection_id": "c1", "custom": {}}')
    assert isinstance(event, HealthCheckEvent)
    assert event.connection_id == "c1"


def test_a_known_type_that_does_not_fit_falls_back_to_a_plain_event(caplog):
    with caplog.at_level(logging.DEBUG, logger="rx_coordinator"):
        event = decode('{"type": "connection.ok", "connection_id": 5}')
    assert type(event) is Event
    assert event.type == "connection.ok"
    assert any("does not fit" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("frame", [b"{}", "nope", "[]", "null", '{"type": null}', "{}"])
def test_bad_frames_decode_to_none(frame):
    assert decode(frame) is None


def test_events_compare_by_class_and_payload_and_show_a_short_repr():
    a = decode('{"type": "x", "v": 1}')
    assert a == decode('{"type": "x", "v": 1}')
    assert a != decode('{"type": "x", "v": 2}')
    big = Event("x", {"type": "x", "blob": "y" * 1000})
    assert len(repr(big)) < 200
