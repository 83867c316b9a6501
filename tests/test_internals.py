"""The small private pieces: isolating subjects, the task set, the redacting logger."""

from __future__ import annotations

import asyncio
import logging

from websockets.frames import Frame, Opcode

from rx_coordinator._hub import Hub, StateHub
from rx_coordinator._redact import REDACTED, RedactingLogger
from rx_coordinator._tasks import TaskSet

log = logging.getLogger("tests.internals")


def test_hub_isolates_a_raising_subscriber(caplog):
    hub: Hub[int] = Hub(log)
    seen: list[int] = []
    hub.subscribe(lambda v: 1 / 0)
    hub.subscribe(seen.append)
    with caplog.at_level(logging.ERROR):
        hub.on_next(1)
        hub.on_next(2)
    assert seen == [1, 2]
    assert len(caplog.records) == 2


def test_hub_subscriber_without_on_error_does_not_raise_into_the_producer(caplog):
    hub: Hub[int] = Hub(log)
    errors: list[Exception] = []
    hub.subscribe(lambda v: None)  # reactivex's default on_error raises
    hub.subscribe(on_error=errors.append)
    boom = RuntimeError("end")
    with caplog.at_level(logging.ERROR):
        hub.on_error(boom)
    assert errors == [boom]
    (record,) = caplog.records
    assert "has no on_error" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[1] is boom


def test_hub_unsubscribes_once_and_restarts_after_the_end():
    hub: Hub[int] = Hub(log)
    seen: list[object] = []
    subscription = hub.subscribe(seen.append, on_completed=lambda: seen.append("done"))
    hub.on_next(1)
    subscription.dispose()
    subscription.dispose()
    hub.on_next(2)
    assert seen == [1]

    hub.subscribe(seen.append, on_completed=lambda: seen.append("done"))
    hub.on_completed()
    hub.on_next(3)  # after the end: dropped
    hub.subscribe(on_completed=lambda: seen.append("late"))
    hub.restart()
    hub.subscribe(seen.append)
    hub.on_next(4)
    assert seen == [1, "done", "late", 4]


def test_state_hub_replays_and_isolates(caplog):
    state = StateHub("a", log)
    seen: list[str] = []
    state.subscribe(lambda v: 1 / 0)
    state.on_next("b")
    state.subscribe(seen.append)
    state.on_next("c")
    assert seen == ["b", "c"]


async def test_task_set_joins_spawned_tasks_and_logs_failures(caplog):
    tasks = TaskSet(log)
    done: list[int] = []

    async def work(n: int) -> None:
        await asyncio.sleep(0.01)
        done.append(n)
        if n == 2:
            tasks.spawn(work(3), name="child")
            raise ValueError("boom")

    tasks.spawn(work(1), name="one")
    tasks.spawn(work(2), name="two")
    with caplog.at_level(logging.ERROR):
        await tasks.join()
    assert sorted(done) == [1, 2, 3]
    assert len(tasks) == 0
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)


def test_redacting_logger_hides_auth_frames_and_the_token(caplog):
    token = "SECRET-TOKEN-123"
    logger = RedactingLogger(log, lambda: token)
    auth = Frame(Opcode.TEXT, b'{"token": "SECRET-TOKEN-123", "products": ["video"]}')
    other = Frame(Opcode.TEXT, b'{"type": "call.created"}')
    with caplog.at_level(logging.DEBUG):
        logger.debug("> %s", auth)
        logger.debug("> %s", other)
        logger.info("token is %s", f"Bearer {token}")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"> {REDACTED}",
        '> TEXT \'{"type": "call.created"}\' [24 bytes]',
        f"token is {REDACTED}",
    ]


def test_redacting_logger_hides_authorization_headers_whatever_the_token(caplog):
    logger = RedactingLogger(log, lambda: "")
    with caplog.at_level(logging.DEBUG):
        logger.debug("< %s: %s", "Authorization", "some-other-token")
        logger.debug("< %s: %s", "cookie", "session=1")
        logger.debug("< %s: %s", "Host", "127.0.0.1")
    assert [r.getMessage() for r in caplog.records] == [
        "< Authorization: <redacted>",
        "< cookie: <redacted>",
        "< Host: 127.0.0.1",
    ]
