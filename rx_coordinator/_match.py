"""Event selectors: a wire type, a glob over wire types, or an event class."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import TypeAlias

from ._event_base import Event

__all__ = ["Selector", "matcher"]

Selector: TypeAlias = str | type[Event]
"""``"call.created"``, ``"call.session_*"`` (``fnmatch`` syntax), or ``CallCreatedEvent``."""

_GLOB = re.compile(r"[*?\[]")
# Verdicts are remembered per wire type; a server inventing types cannot grow this forever.
_CACHE_LIMIT = 1024


def matcher(selectors: tuple[Selector, ...]) -> Callable[[Event], bool]:
    """A predicate true for events matching any of ``selectors``.

    A string matches the wire ``type`` of any event, typed or generic; a glob is matched
    with ``fnmatch.fnmatchcase``; a class matches its instances (and its subclasses').

    Raises:
        ValueError: no selector, or an empty string.
        TypeError: a selector that is neither a string nor an ``Event`` class.
    """
    if not selectors:
        raise ValueError("give at least one selector: a type, a glob or an event class")
    names: set[str] = set()
    globs: list[str] = []
    classes: list[type[Event]] = []
    for selector in selectors:
        if isinstance(selector, str):
            if not selector:
                raise ValueError("an event selector cannot be an empty string")
            if _GLOB.search(selector):
                globs.append(selector)
            else:
                names.add(selector)
        elif isinstance(selector, type) and issubclass(selector, Event):
            classes.append(selector)
        else:
            raise TypeError(
                f"an event selector is a type string, a glob or an Event class, not {selector!r}"
            )
    pattern = re.compile("|".join(fnmatch.translate(g) for g in globs)) if globs else None
    kinds = tuple(classes)
    verdicts: dict[str, bool] = {}

    def by_type(kind: str) -> bool:
        verdict = verdicts.get(kind)
        if verdict is None:
            verdict = kind in names or (pattern is not None and pattern.match(kind) is not None)
            if len(verdicts) < _CACHE_LIMIT:
                verdicts[kind] = verdict
        return verdict

    if not kinds:
        return lambda event: by_type(event.type)
    if not names and pattern is None:
        return lambda event: isinstance(event, kinds)
    return lambda event: isinstance(event, kinds) or by_type(event.type)
