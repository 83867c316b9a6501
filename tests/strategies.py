"""Hypothesis strategies for wire frames, derived from the generated event classes.

``frames_for(cls)`` draws JSON-ready dicts that fit ``cls`` the way the coordinator
writes them: every required field, any subset of the optional ones, datetimes as RFC 3339
text in UTC. The classes come from Stream's spec (``scripts/generate_events.py``), so these
are frames valid per the schema, and the tests need no copy of the spec.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import msgspec.inspect as mi
from hypothesis import strategies as st

from rx_coordinator._event_base import Model

__all__ = ["frames_for", "json_values", "rfc3339", "wrong_value_for"]

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)


def rfc3339(moment: datetime) -> str:
    """``moment`` as the coordinator writes it (and as ``to_dict()`` gives it back)."""
    return moment.isoformat().replace("+00:00", "Z")


datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(rfc3339)


def for_type(info: mi.Type) -> st.SearchStrategy[Any]:
    """Values of one msgspec type, JSON-ready."""
    if isinstance(info, mi.StrType):
        return text
    if isinstance(info, mi.BoolType):
        return st.booleans()
    if isinstance(info, mi.IntType):
        return st.integers(-(2**63), 2**63 - 1)
    if isinstance(info, mi.FloatType):
        return st.floats(allow_nan=False, allow_infinity=False)
    if isinstance(info, mi.DateTimeType):
        return datetimes
    if isinstance(info, mi.AnyType):
        return json_values
    if isinstance(info, mi.ListType):
        return st.lists(for_type(info.item_type), max_size=2)
    if isinstance(info, mi.DictType):
        return st.dictionaries(text, for_type(info.value_type), max_size=2)
    if isinstance(info, mi.UnionType):
        # Optional fields: a valid frame leaves them out rather than sending null.
        return st.one_of([for_type(t) for t in info.types if not isinstance(t, mi.NoneType)])
    if isinstance(info, mi.StructType):
        return st.deferred(lambda: frames_for(info.cls))
    raise NotImplementedError(f"no strategy for {info!r}")


@cache
def frames_for(cls: type[Model]) -> st.SearchStrategy[dict[str, Any]]:
    """Frames (dicts) that fit ``cls``: required fields always, optional ones sometimes."""
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    required = {f.encode_name: for_type(f.type) for f in info.fields if f.required}
    optional = {f.encode_name: for_type(f.type) for f in info.fields if not f.required}
    if info.tag_field is not None:
        required[info.tag_field] = st.just(info.tag)
    return st.fixed_dictionaries(required, optional=optional)


def wrong_value_for(info: mi.Type) -> Any:
    """A JSON value that ``info`` does not accept."""
    if isinstance(info, mi.StrType | mi.DateTimeType):
        return 12
    if isinstance(info, mi.ListType | mi.DictType | mi.StructType):
        return "not a container"
    if isinstance(info, mi.AnyType):
        raise ValueError("every value fits Any")
    return "not a number"
