"""What every operator here is built on: one slotted stage object per subscription.

reactivex's stock ``Observable`` gives each instance a lock and wraps every subscribe in an
``AutoDetachObserver`` with its own disposables. Here a ``Lean`` Observable's
subscription is a single ``Stage``: the observer of its upstream and, at once, the
disposable handed downstream. A terminal event or a dispose releases the upstream and
silences the stage; there are no locks, because everything runs on one event loop's thread
(or one ``TestScheduler``).

Lean Observables accept any observer and can be piped into reactivex's own operators, and
any ``reactivex.Observable`` can be piped into them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeGuard, TypeVar, cast

from reactivex import abc

__all__ = ["Lean", "Operator", "Stage", "attach", "clock_of", "is_observer"]

_T = TypeVar("_T")
_R = TypeVar("_R")


def clock_of(scheduler: abc.SchedulerBase) -> Callable[[], float]:
    """The scheduler's clock in seconds, as cheaply as it can be read (once per frame)."""
    monotonic = getattr(scheduler, "monotonic", None)  # LoopScheduler keeps one for all
    if callable(monotonic):
        return cast("Callable[[], float]", monotonic)
    return lambda: scheduler.now.timestamp()


def is_observer(value: object) -> TypeGuard[abc.ObserverBase[Any]]:
    """Whether ``value`` is an observer, by reactivex's rule: it has a callable ``on_next``."""
    return isinstance(value, abc.ObserverBase) or callable(getattr(value, "on_next", None))


def attach(
    source: abc.ObservableBase[_T],
    observer: abc.ObserverBase[_T],
    scheduler: abc.SchedulerBase | None = None,
) -> abc.DisposableBase:
    """Subscribe ``observer`` to ``source``; a lean one (with ``_attach``) adds no wrapper."""
    direct = getattr(source, "_attach", None)
    if direct is not None:
        return cast("abc.DisposableBase", direct(observer, scheduler))
    return source.subscribe(observer, scheduler=scheduler)


class Lean(abc.ObservableBase[_T], Generic[_T]):
    """A slotted, lock-free Observable whose subscription is one ``Stage``.

    Subclasses implement ``_attach``. ``subscribe`` takes an observer or callbacks, as
    reactivex's does; ``pipe`` applies operators left to right.
    """

    __slots__ = ()

    def _attach(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        raise NotImplementedError

    def subscribe(
        self,
        on_next: abc.ObserverBase[_T] | Callable[[_T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_completed: Callable[[], None] | None = None,
        *,
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        """Subscribe an observer, or callbacks; dispose the result to unsubscribe."""
        if is_observer(on_next):
            return self._attach(on_next, scheduler)
        callback = cast("Callable[[_T], None] | None", on_next)
        return self._attach(_Callbacks(callback, on_error, on_completed), scheduler)

    def pipe(self, *operators: Callable[[Any], Any]) -> Any:
        """Apply ``operators`` in turn: ``source.pipe(a, b)`` is ``b(a(source))``."""
        return functools.reduce(lambda acc, op: op(acc), operators, self)


class Operator(Lean[_R]):
    """A lean operator over one ``source``: its subscription is one ``stage``.

    Subclasses name their :class:`Stage` class, made as ``stage(operator, downstream)``,
    which then subscribes to ``source`` (RxJS builds its operators the same way).
    """

    __slots__ = ("source",)
    stage: ClassVar[Callable[..., Stage[Any, Any]]]

    def __init__(self, source: abc.ObservableBase[Any]) -> None:
        self.source = source

    def _attach(
        self, observer: abc.ObserverBase[_R], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        stage = self.stage(self, observer)
        stage._listen(self.source, scheduler)
        return stage


class Stage(abc.ObserverBase[_T], abc.DisposableBase, Generic[_T, _R]):
    """One operator's subscription: observes the upstream, is disposed by the downstream.

    By default it passes everything on. ``_end`` (a terminal event or ``dispose``)
    detaches the downstream, disposes the upstream and calls ``_stop`` once, so a stage
    says nothing after its end. Subclasses call ``_listen`` to subscribe upstream.
    """

    __slots__ = ("_down", "_up")

    def __init__(self, down: abc.ObserverBase[_R]) -> None:
        self._down: abc.ObserverBase[_R] | None = down
        self._up: abc.DisposableBase | None = None

    def _listen(self, source: abc.ObservableBase[_T], scheduler: abc.SchedulerBase | None) -> None:
        up = attach(source, self, scheduler)
        if self._down is None:
            up.dispose()  # it ended, or was disposed, while subscribing
        else:
            self._up = up

    def on_next(self, value: _T) -> None:
        down = self._down
        if down is not None:
            down.on_next(value)  # type: ignore[arg-type]  # passes through: _R is _T (no cast() call per item)

    def on_error(self, error: Exception) -> None:
        down = self._end()
        if down is not None:
            down.on_error(error)

    def on_completed(self) -> None:
        down = self._end()
        if down is not None:
            down.on_completed()

    def dispose(self) -> None:
        self._end()

    def _end(self) -> abc.ObserverBase[_R] | None:
        """Silence the stage and release what it holds; the downstream, the first time."""
        down, self._down = self._down, None
        if down is None:
            return None
        up, self._up = self._up, None
        if up is not None:
            up.dispose()
        self._stop()
        return down

    def _stop(self) -> None:
        """Release the stage's own resources (timers): called once, at its end."""


class _Callbacks(abc.ObserverBase[_T]):
    """An observer from up to three functions; without ``on_error``, errors are raised."""

    __slots__ = ("_on_completed", "_on_error", "_on_next")

    def __init__(
        self,
        on_next: Callable[[_T], None] | None,
        on_error: Callable[[Exception], None] | None,
        on_completed: Callable[[], None] | None,
    ) -> None:
        self._on_next = on_next
        self._on_error = on_error
        self._on_completed = on_completed

    def on_next(self, value: _T) -> None:
        if self._on_next is not None:
            self._on_next(value)

    def on_error(self, error: Exception) -> None:
        if self._on_error is None:
            raise error  # as reactivex does: an unhandled error is not silently lost
        self._on_error(error)

    def on_completed(self) -> None:
        if self._on_completed is not None:
            self._on_completed()
