"""Fuzzing the server's behaviour: a hypothesis state machine drives the FakeCoordinator
through random sequences of events, bad frames, drops, silences, closes and refused
handshakes, and checks the client's promises after every step:

- every event sent on a live connection is delivered once, in order, and none twice
  across reconnects;
- the state stream only takes allowed transitions;
- the stream ends exactly when the rules say: a server close with 1000, or more failed
  reconnects in a row than ``max_retries`` (refused, or silent after ``connection.ok``);
  never otherwise, and only ever with a ``StreamWSException``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from websockets.exceptions import ConnectionClosed

from rx_coordinator import (
    ConnectionState,
    Event,
    StreamAPIWS,
    StreamWSConnectionError,
    StreamWSException,
    StreamWSMaxRetriesExceeded,
)
from rx_coordinator.state import ALLOWED_TRANSITIONS
from rx_coordinator.testing import FakeConnection, FakeCoordinator

from .helpers import TOKEN, Recorder, eventually

S = ConnectionState
MAX_RETRIES = 2
INTERVAL = 0.05
QUIET = logging.getLogger("tests.fuzz")
QUIET.setLevel(logging.CRITICAL)
QUIET.propagate = False

bad_frames = st.one_of(
    st.binary(min_size=1, max_size=20),
    st.sampled_from(["not json", "[1, 2]", "null", '{"no": "type"}', '{"type": 5}', "{"]),
    # Nested deeper than any decoder recurses (msgspec raises RecursionError, on 3.13 too).
    st.integers(30_000, 60_000).map(
        lambda d: '{"type": "fuzz.deep", "x": ' + "[" * d + "]" * d + "}"
    ),
)


class MisbehavingCoordinator(RuleBasedStateMachine):
    """The model: the numbers sent so far, and how (if at all) the stream must end."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.sent: list[int] = []
        self.expected_end: type[Exception] | None = None
        self.run(self.start())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def start(self) -> None:
        self.fake = FakeCoordinator()
        await self.fake.start()
        self.client = StreamAPIWS(
            "key",
            TOKEN,
            "alice",
            uri=self.fake.uri,
            healthcheck_interval=INTERVAL,
            healthcheck_timeout=INTERVAL * 3,
            backoff_base=0.005,
            max_retries=MAX_RETRIES,
            logger=QUIET,
        )
        self.events: Recorder[Event] = Recorder(self.client.events)
        self.states: Recorder[ConnectionState] = Recorder(self.client.state)
        await self.client.connect()
        self.conn: FakeConnection = await self.fake.next_connection()

    def teardown(self) -> None:
        self.run(self.client.disconnect())
        self.run(self.fake.stop())
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    @property
    def ended(self) -> bool:
        return self.expected_end is not None

    def numbers(self) -> list[int]:
        return [e.to_dict()["n"] for e in self.events.items if e.type == "fuzz"]

    async def reconnected(self) -> None:
        self.conn = await self.fake.next_connection()
        await eventually(lambda: self.states.items[-1] is S.CONNECTED)
        # Live one interval, so that the next loss starts the retry budget afresh.
        await asyncio.sleep(INTERVAL * 1.2)

    # -- what the server does ---------------------------------------------------------

    @precondition(lambda self: not self.ended)
    @rule(count=st.integers(1, 3))
    def send_events(self, count: int) -> None:
        async def send() -> None:
            for _ in range(count):
                self.sent.append(len(self.sent))
                await self.conn.send({"type": "fuzz", "n": self.sent[-1]})
            await eventually(lambda: len(self.numbers()) >= len(self.sent))

        self.run(send())

    @precondition(lambda self: not self.ended)
    @rule(frame=bad_frames)
    def send_a_bad_frame(self, frame: str | bytes) -> None:
        async def send() -> None:
            await self.conn.send_raw(frame)
            await asyncio.sleep(0.01)

        self.run(send())

    @precondition(lambda self: not self.ended)
    @rule()
    def drop(self) -> None:
        async def drop() -> None:
            await self.conn.drop()
            await self.reconnected()

        self.run(drop())

    @precondition(lambda self: not self.ended)
    @rule()
    def go_silent(self) -> None:
        async def silence() -> None:
            self.conn.go_silent()
            await self.reconnected()

        self.run(silence())

    @precondition(lambda self: not self.ended)
    @rule(code=st.sampled_from([1001, 1011, 1012, 4000, 4999]))
    def close(self, code: int) -> None:
        async def close() -> None:
            await self.conn.close(code, "fuzz")
            await self.reconnected()

        self.run(close())

    @precondition(lambda self: not self.ended)
    @rule()
    def close_with_1000(self) -> None:
        self.expected_end = StreamWSConnectionError
        self.run(self.conn.close(1000, "go away"))
        self.run(eventually(lambda: self.events.ended))

    @precondition(lambda self: not self.ended)
    @rule(refusals=st.integers(1, MAX_RETRIES + 1))
    def refuse_the_next_handshakes(self, refusals: int) -> None:
        self.fake.refuse_handshakes(refusals)
        self.run(self.conn.drop())
        if refusals >= MAX_RETRIES:
            self.expected_end = StreamWSMaxRetriesExceeded
            self.run(eventually(lambda: self.events.ended))
        else:
            self.run(self.reconnected())

    @precondition(lambda self: not self.ended)
    @rule(frames=st.lists(bad_frames, min_size=1, max_size=3))
    def bad_frames_before_the_next_connection_ok(self, frames: list[str | bytes]) -> None:
        # The next connection hears bad frames and never connection.ok: it fails at the
        # handshake deadline, whatever arrives (one failed attempt, within the budget).
        self.fake.ignore_auth(1)

        async def flood() -> None:
            await self.conn.drop()
            conn = await self.fake.next_connection()
            while not conn.closed:  # until the client gives up on it
                with contextlib.suppress(ConnectionClosed):
                    for frame in frames:
                        await conn.send_raw(frame)
                await asyncio.sleep(INTERVAL / 2)
            await self.reconnected()

        self.run(flood())

    @precondition(lambda self: not self.ended)
    @rule(silent=st.integers(1, MAX_RETRIES))
    def connections_silent_after_connection_ok(self, silent: int) -> None:
        # Each lives past the interval but proves nothing: each is a failed attempt.
        async def silence() -> None:
            self.conn.go_silent()  # it proved itself before: its loss resets the budget
            for _ in range(silent):
                conn = await self.fake.next_connection()
                conn.go_silent()
            if silent >= MAX_RETRIES:
                self.expected_end = StreamWSMaxRetriesExceeded
                await eventually(lambda: self.events.ended)
            else:
                await self.reconnected()

        self.run(silence())

    @rule()
    def wait(self) -> None:
        self.run(asyncio.sleep(0.005))

    # -- what the client promises -----------------------------------------------------

    @invariant()
    def every_event_once_in_order(self) -> None:
        assert self.numbers() == self.sent

    @invariant()
    def only_allowed_transitions(self) -> None:
        steps = list(zip(self.states.items, self.states.items[1:], strict=False))
        assert all(step in ALLOWED_TRANSITIONS for step in steps), steps

    @invariant()
    def the_stream_fails_only_with_our_exceptions(self) -> None:
        assert self.events.error is None or isinstance(self.events.error, StreamWSException)

    @invariant()
    def the_stream_ends_exactly_when_the_rules_say(self) -> None:
        if self.expected_end is None:
            assert not self.events.ended, self.events.error
            return
        assert type(self.events.error) is self.expected_end
        assert self.states.items[-1] is S.FAILED
        # Nothing was delivered after the end.
        assert json.dumps(self.numbers()) == json.dumps(self.sent)


MisbehavingCoordinator.TestCase.settings = settings(settings.default, stateful_step_count=10)
TestMisbehavingCoordinator = MisbehavingCoordinator.TestCase
