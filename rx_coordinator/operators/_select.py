"""Selecting events by wire type, glob or class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from reactivex import Observable
from reactivex import operators as ops

from .._event_base import Event
from .._match import Selector, matcher

__all__ = ["of_type"]

_E = TypeVar("_E", bound=Event)
_E2 = TypeVar("_E2", bound=Event)
_E3 = TypeVar("_E3", bound=Event)


# Up to three classes give their union; more classes give their common base.
@overload
def of_type(first: type[_E], /) -> Callable[[Observable[Event]], Observable[_E]]: ...


@overload
def of_type(
    first: type[_E], second: type[_E2], /
) -> Callable[[Observable[Event]], Observable[_E | _E2]]: ...


@overload
def of_type(
    first: type[_E], second: type[_E2], third: type[_E3], /
) -> Callable[[Observable[Event]], Observable[_E | _E2 | _E3]]: ...


@overload
def of_type(
    first: type[_E], /, *selectors: type[_E]
) -> Callable[[Observable[Event]], Observable[_E]]: ...


@overload
def of_type(*selectors: Selector) -> Callable[[Observable[Event]], Observable[Event]]: ...


def of_type(*selectors: Selector) -> Callable[[Observable[Event]], Observable[Any]]:
    """Keep the events that match any of ``selectors``.

    A selector is a wire type (``"call.created"``), a glob over wire types
    (``"call.session_*"``, ``"call.*"``, in ``fnmatch`` syntax) or an event class
    (``CallCreatedEvent``). Strings match generic events too; a class matches only its
    instances, so ``of_type(CallCreatedEvent)`` is an ``Observable[CallCreatedEvent]`` to
    type checkers (and two or three classes give their union)::

        client.events.pipe(of_type(CallCreatedEvent), ops.map(lambda e: e.call.id))

    Raises:
        ValueError: no selector, or an empty string.
        TypeError: a selector that is neither a string nor an event class.
    """
    return ops.filter(matcher(selectors))
