"""Property tests: frames valid per schema decode to their class; no frame breaks decoding."""

from __future__ import annotations

import json
import logging
import os

import msgspec.inspect as mi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rx_coordinator.events import EVENT_TYPES, Event, GenericEvent, decode

from .strategies import frames_for, json_values, wrong_value_for

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
QUIET = logging.getLogger("tests.quiet")
QUIET.disabled = True


def _required_fields(cls):
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return [
        f for f in info.fields if f.required and not isinstance(f.type, mi.AnyType | mi.UnionType)
    ]


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
@given(data=st.data())
def test_frames_of_every_type_decode_to_their_class_or_to_a_generic_event_when_off_schema(
    kind, data
):
    cls = EVENT_TYPES[kind]
    frame = data.draw(frames_for(cls), label="valid frame")
    event = decode(json.dumps(frame), QUIET)
    assert type(event) is cls
    assert event.type == kind
    assert event.to_dict() == frame

    field = data.draw(st.sampled_from(_required_fields(cls)), label="broken field")
    frame[field.encode_name] = wrong_value_for(field.type)
    event = decode(json.dumps(frame), QUIET)
    assert type(event) is GenericEvent
    assert event.raw == frame


any_valid_frame = st.sampled_from(sorted(EVENT_TYPES)).flatmap(
    lambda kind: frames_for(EVENT_TYPES[kind])
)
objects_with_type = st.fixed_dictionaries(
    {"type": st.sampled_from([*EVENT_TYPES, "call.x", ""])},
    optional={"connection_id": json_values, "me": json_values, "created_at": json_values},
)
garbage = st.one_of(
    st.text(),
    st.binary(),
    json_values.map(json.dumps),
    objects_with_type.map(json.dumps),
    any_valid_frame.map(json.dumps).flatmap(
        lambda text: st.integers(0, len(text) - 1).map(lambda cut: text[:cut])
    ),
)


@settings(max_examples=1500 if THOROUGH else 150)
@given(garbage)
def test_decode_never_raises_and_keeps_every_object_with_a_string_type(frame):
    event = decode(frame, QUIET)
    try:
        raw = json.loads(frame) if isinstance(frame, str) else None
    except ValueError:
        raw = None
    if isinstance(raw, dict) and isinstance(raw.get("type"), str):
        assert isinstance(event, Event)
        assert event.type == raw["type"]
        if isinstance(event, GenericEvent):
            assert event.raw == raw
    else:
        assert event is None
