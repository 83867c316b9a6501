"""Property tests: no frame, however malformed, raises out of decoding or ends the stream."""

from __future__ import annotations

import json
import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rx_coordinator.events import Event, decode

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

objects_with_type = st.fixed_dictionaries(
    {"type": st.sampled_from(["connection.ok", "connection.error", "health.check", "call.x"])},
    optional={
        "connection_id": json_values,
        "error": json_values,
        "me": json_values,
        "created_at": json_values,
    },
)

frames = st.one_of(
    st.text(),
    st.binary(),
    json_values.map(json.dumps),
    objects_with_type.map(json.dumps),
    objects_with_type.map(lambda o: json.dumps(o)[: len(json.dumps(o)) // 2]),  # truncated
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
def test_decode_never_raises_and_keeps_every_object_with_a_string_type(frame):
    quiet = logging.getLogger("tests.quiet")
    quiet.disabled = True
    event = decode(frame, quiet)
    try:
        raw = json.loads(frame) if isinstance(frame, str) else None
    except ValueError:
        raw = None
    if isinstance(raw, dict) and isinstance(raw.get("type"), str):
        assert isinstance(event, Event)
        assert event.type == raw["type"]
        assert event.to_dict() == raw
    else:
        assert event is None
