"""Time operators: the liveness timeout and the heartbeat, one lazy timer handle each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reactivex import abc

from ..errors import ConnectionLost
from ._lean import Lean, Operator, Stage, clock_of, is_observer

__all__ = ["heartbeat", "liveness_timeout"]

_T = TypeVar("_T")
_M = TypeVar("_M")


def liveness_timeout(
    timeout: float,
    scheduler: abc.SchedulerBase,
    error: Callable[[], Exception] | None = None,
) -> Callable[[abc.ObservableBase[_T]], Lean[_T]]:
    """Fail with ``error()`` when the source is silent for ``timeout`` seconds.

    The silence is measured from subscription and from every item; when it fires, the
    source is disposed, then the error is sent. Detection is exact (at the timeout itself)
    and costs one timer per timeout period, not one per item: an item only records the
    time; the single timer, when it fires early, re-arms for the remainder. The default
    error is a ``ConnectionLost`` that says how long it waited.
    """

    def _liveness(source: abc.ObservableBase[_T]) -> Lean[_T]:
        return _Liveness(source, timeout, scheduler, error)

    return _liveness


class _LivenessStage(Stage[_T, _T]):
    __slots__ = ("_last", "_op", "_timer")

    def __init__(self, op: _Liveness[_T], down: abc.ObserverBase[_T]) -> None:
        super().__init__(down)
        self._op = op
        self._last = op.clock()
        # The stage is its timer's action: a bound method per timer would cost memory.
        self._timer: abc.DisposableBase | None = op.scheduler.schedule_relative(op.timeout, self)

    def on_next(self, value: _T) -> None:
        down = self._down
        if down is not None:
            self._last = self._op.clock()
            down.on_next(value)

    def __call__(self, _scheduler: abc.SchedulerBase, _state: Any = None) -> None:
        """The timer fired: expire, or re-arm for the rest of the silence."""
        if self._timer is None:
            return
        op = self._op
        remaining = self._last + op.timeout - op.clock()
        if remaining > 0:
            self._timer = op.scheduler.schedule_relative(remaining, self)
            return
        self._timer = None
        self.on_error(op.silence())

    def _stop(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.dispose()


class _Liveness(Operator[_T]):
    __slots__ = ("clock", "error", "scheduler", "timeout")
    stage = _LivenessStage

    def __init__(
        self,
        source: abc.ObservableBase[_T],
        timeout: float,
        scheduler: abc.SchedulerBase,
        error: Callable[[], Exception] | None,
    ) -> None:
        super().__init__(source)
        self.timeout = timeout
        self.scheduler = scheduler
        self.error = error
        self.clock = clock_of(scheduler)

    def silence(self) -> Exception:
        if self.error is not None:
            return self.error()
        return ConnectionLost(f"no frame received for {self.timeout:g} s")


def heartbeat(
    interval: float,
    scheduler: abc.SchedulerBase,
    sink: abc.ObserverBase[_M] | Callable[[_M], None],
    message: Callable[[_T], _M],
) -> Callable[[abc.ObservableBase[_T]], Lean[_T]]:
    """Send a message to ``sink`` every ``interval`` seconds, from the first item on.

    Items pass through unchanged: the beat is an interval stream merged in beside them.
    ``message(first_item)`` makes the message, once per subscription (a coordinator
    connection's health check names a client id of its own); the first beat goes
    ``interval`` seconds after the first item. Placed after ``handshake``, the first item is
    ``connection.ok``, so nothing but the auth frame is sent before the coordinator
    accepts the connection. ``sink`` is an observer (the socket of ``websocket``:
    its ``on_next`` sends) or a function. The beat stops with the subscription.
    """

    def _heartbeat(source: abc.ObservableBase[_T]) -> Lean[_T]:
        return _Heartbeat(source, interval, scheduler, sink, message)

    return _heartbeat


class _HeartbeatStage(Stage[_T, _T], Generic[_T, _M]):
    __slots__ = ("_message", "_op", "_timer")

    def __init__(self, op: _Heartbeat[_T, _M], down: abc.ObserverBase[_T]) -> None:
        super().__init__(down)
        self._op = op
        self._message: _M | None = None
        self._timer: abc.DisposableBase | None = None

    def on_next(self, value: _T) -> None:
        down = self._down
        if down is None:
            return
        if self._message is None:
            op = self._op
            self._message = op.message(value)
            self._timer = op.scheduler.schedule_relative(op.interval, self)
        down.on_next(value)

    def __call__(self, _scheduler: abc.SchedulerBase, _state: Any = None) -> None:
        """The timer fired: send a beat and re-arm (the stage is its timer's action)."""
        message = self._message
        if self._timer is None or message is None:
            return
        op = self._op
        self._timer = op.scheduler.schedule_relative(op.interval, self)
        op.send(message)

    def _stop(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.dispose()


class _Heartbeat(Operator[_T], Generic[_T, _M]):
    __slots__ = ("interval", "message", "scheduler", "sink")
    stage = _HeartbeatStage

    def __init__(
        self,
        source: abc.ObservableBase[_T],
        interval: float,
        scheduler: abc.SchedulerBase,
        sink: abc.ObserverBase[_M] | Callable[[_M], None],
        message: Callable[[_T], _M],
    ) -> None:
        super().__init__(source)
        self.interval = interval
        self.scheduler = scheduler
        self.sink = sink  # kept as given: a bound on_next per client would cost memory
        self.message = message

    def send(self, message: _M) -> None:
        sink = self.sink
        if is_observer(sink):
            sink.on_next(message)
        else:
            sink(message)  # type: ignore[operator]  # a function, then
