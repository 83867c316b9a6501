"""``Options``: the client's arguments, checked once, frozen, and never echoing a secret."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
import random

import pytest
from reactivex.scheduler import ImmediateScheduler

from rx_coordinator import StreamAPIWS, protocol
from rx_coordinator._options import Options, shown

from .helpers import TOKEN

BASE = {"api_key": "key", "token": TOKEN, "user_id": "alice"}


def test_options_take_every_argument_of_the_client_with_its_defaults():
    client = inspect.signature(StreamAPIWS.__init__).parameters
    options = inspect.signature(Options).parameters
    assert [(p.name, p.kind, p.default) for p in options.values()] == [
        (p.name, p.kind, p.default)
        for p in list(client.values())[1:]  # without self
    ]


def test_good_options_are_kept_with_numbers_as_floats():
    logger = logging.getLogger("test.options")
    scheduler = ImmediateScheduler()

    async def provider() -> str:
        return TOKEN

    options = Options(
        "key",
        None,
        "alice",
        token_provider=provider,
        uri="ws://127.0.0.1:9/video/connect?region=eu",
        rest_uri="http://127.0.0.1:10/",
        healthcheck_interval=1,
        healthcheck_timeout=2,
        max_retries=None,
        backoff_base=0,
        backoff_factor=1,
        backoff_max=None,
        jitter=1,
        jitter_random=random.random,
        max_pending_handlers=1,
        max_size=None,
        compression=False,
        logger=logger,
        scheduler=scheduler,
    )
    assert (options.api_key, options.token, options.user_id) == ("key", None, "alice")
    assert options.token_provider is provider
    assert options.uri == "ws://127.0.0.1:9/video/connect?region=eu"
    assert options.rest_uri == "http://127.0.0.1:10/"
    floats = (
        options.healthcheck_interval,
        options.healthcheck_timeout,
        options.backoff_base,
        options.backoff_factor,
        options.jitter,
    )
    assert floats == (1.0, 2.0, 0.0, 1.0, 1.0)
    assert all(type(value) is float for value in floats)
    assert (options.max_retries, options.backoff_max, options.max_size) == (None, None, None)
    assert options.jitter_random is random.random
    assert (options.max_pending_handlers, options.compression) == (1, False)
    assert (options.logger, options.scheduler) == (logger, scheduler)
    assert type(Options(**BASE, backoff_max=5).backoff_max) is float


def test_the_defaults_are_the_clients():
    options = Options(**BASE)
    assert options.uri == protocol.DEFAULT_WS_URI
    assert (options.healthcheck_interval, options.healthcheck_timeout) == (25.0, 30.0)
    assert (options.max_retries, options.backoff_base, options.backoff_factor) == (5, 1.0, 2.0)
    assert (options.backoff_max, options.jitter, options.jitter_random) == (60.0, 0.0, None)
    assert (options.max_pending_handlers, options.max_size) == (1000, 2**20)
    assert (options.compression, options.logger, options.scheduler) == (True, None, None)
    assert (options.token_provider, options.rest_uri) == (None, None)


def test_options_are_frozen_and_slotted():
    options = Options(**BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.token = "other"  # type: ignore[misc]
    assert not hasattr(options, "__dict__")


def test_replace_checks_again():
    options = Options(**BASE)
    assert dataclasses.replace(options, jitter=0.5).jitter == 0.5
    with pytest.raises(ValueError, match="jitter"):
        dataclasses.replace(options, jitter=2)


@pytest.mark.parametrize(
    ("rest_uri", "uri", "base"),
    [
        (None, "wss://video.stream-io-api.com/video/connect", "https://video.stream-io-api.com"),
        (None, "ws://127.0.0.1:9/video/connect", "http://127.0.0.1:9"),
        ("http://127.0.0.1:10/", "ws://127.0.0.1:9/x", "http://127.0.0.1:10"),
    ],
)
def test_rest_base_is_the_rest_uri_or_the_uris_origin(rest_uri, uri, base):
    assert Options(**BASE, uri=uri, rest_uri=rest_uri).rest_base == base


def test_the_repr_shows_no_token_no_provider_and_no_random_source():
    holder = functools.partial(str, TOKEN)  # its repr shows the token
    options = Options("key", TOKEN, "alice", token_provider=holder, jitter_random=holder)
    text = repr(options)
    assert TOKEN not in text
    assert "token" not in text
    assert "jitter_random" not in text
    assert "user_id='alice'" in text


def not_callable_object() -> object:
    return object()


# (overrides, exception, what the message says): one for each check.
BAD = [
    ({"api_key": ""}, ValueError, "api_key must be a non-empty string"),
    ({"api_key": None}, ValueError, "api_key must be a non-empty string"),
    ({"api_key": b"key"}, ValueError, "api_key must be a non-empty string"),
    ({"token": None}, ValueError, "give a token, a token_provider, or both"),
    ({"token": ""}, ValueError, "token must be a non-empty string"),
    ({"token": b"x"}, ValueError, "token must be a non-empty string"),
    ({"token_provider": "x"}, TypeError, "token_provider must be callable, got a str"),
    ({"token_provider": 5}, TypeError, "token_provider must be callable, got 5"),
    ({"user_id": ""}, ValueError, "user_id must be a non-empty string"),
    ({"user_id": 7}, ValueError, "user_id must be a non-empty string"),
    ({"uri": "https://example.com/connect"}, ValueError, "uri must be a ws:// or wss:// URL"),
    ({"uri": "ws://"}, ValueError, "uri must be a ws:// or wss:// URL with a host"),
    ({"uri": "ws://h:99999/"}, ValueError, "with a valid port"),
    ({"uri": 5}, ValueError, "uri must be a ws:// or wss:// URL string, not int"),
    ({"rest_uri": "ws://h"}, ValueError, "rest_uri must be an http:// or https:// URL"),
    ({"healthcheck_interval": 0}, ValueError, "healthcheck_interval must be a finite number > 0"),
    ({"healthcheck_interval": -1.0}, ValueError, "healthcheck_interval"),
    ({"healthcheck_interval": True}, ValueError, "healthcheck_interval"),
    ({"healthcheck_timeout": 0}, ValueError, "healthcheck_timeout must be a finite number > 0"),
    ({"healthcheck_timeout": float("nan")}, ValueError, "got nan"),
    ({"healthcheck_timeout": float("inf")}, ValueError, "got inf"),
    (
        {"healthcheck_interval": 30.0, "healthcheck_timeout": 25.0},
        ValueError,
        "healthcheck_timeout must be greater than healthcheck_interval (got 25.0 <= 30.0)",
    ),
    ({"healthcheck_interval": 5, "healthcheck_timeout": 5}, ValueError, "greater than"),
    ({"max_retries": -1}, ValueError, "max_retries must be an integer >= 0 or None, got -1"),
    ({"max_retries": 2.5}, ValueError, "max_retries must be an integer >= 0 or None, got 2.5"),
    ({"max_retries": True}, ValueError, "max_retries must be an integer >= 0 or None, got True"),
    ({"backoff_max": 0}, ValueError, "backoff_max must be a finite number > 0, got 0"),
    ({"jitter": -0.1}, ValueError, "jitter must be a finite number >= 0, got -0.1"),
    ({"jitter": 1.5}, ValueError, "jitter must be between 0 and 1, got 1.5"),
    (
        {"max_pending_handlers": 0},
        ValueError,
        "max_pending_handlers must be a positive integer, got 0",
    ),
    ({"max_pending_handlers": 1.0}, ValueError, "max_pending_handlers"),
    ({"max_pending_handlers": False}, ValueError, "max_pending_handlers"),
    ({"jitter_random": 0.5}, TypeError, "jitter_random must be callable, got 0.5"),
    ({"jitter_random": "x"}, TypeError, "jitter_random must be callable, got a str"),
    ({"backoff_base": -1.0}, ValueError, "backoff_base must be a finite number >= 0, got -1.0"),
    ({"backoff_factor": 0.5}, ValueError, "backoff_factor must be a finite number >= 1, got 0.5"),
    ({"backoff_factor": -2.0}, ValueError, "backoff_factor"),
    ({"max_size": 0}, ValueError, "max_size must be a positive integer or None, got 0"),
    ({"max_size": 1.5}, ValueError, "max_size must be a positive integer or None, got 1.5"),
    ({"compression": "deflate"}, TypeError, "compression must be True or False, got a str"),
    ({"compression": 1}, TypeError, "compression must be True or False, got 1"),
]


@pytest.mark.parametrize(("overrides", "error", "says"), BAD)
def test_each_bad_option_is_refused_with_its_message(overrides, error, says):
    with pytest.raises(error) as caught:
        Options(**{**BASE, **overrides})
    assert type(caught.value) is error
    assert says in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(("overrides", "error", "says"), BAD)
def test_the_client_refuses_the_same_options_with_the_same_exception(overrides, error, says):
    # Until the client checks through Options: the same refusals, of the same types.
    with pytest.raises(error):
        StreamAPIWS(**{**BASE, **overrides})


def test_the_first_bad_option_is_the_one_reported():
    with pytest.raises(ValueError, match="api_key"):
        Options("", None, "", token_provider="x", jitter=9)
    with pytest.raises(TypeError, match="token_provider"):
        Options("key", None, "", token_provider="x", jitter=9)


# Every option where a token passed by mistake is refused. The URIs are left out: a bad
# URI is shown (it says what is wrong with it), and a URI is no place for a token.
SECRET_SLOTS = [
    "token_provider",
    "jitter_random",
    "healthcheck_interval",
    "healthcheck_timeout",
    "max_retries",
    "backoff_base",
    "backoff_factor",
    "backoff_max",
    "jitter",
    "max_pending_handlers",
    "max_size",
    "compression",
]


@pytest.mark.parametrize("name", SECRET_SLOTS)
def test_a_token_passed_as_any_option_is_never_shown(name):
    with pytest.raises((TypeError, ValueError)) as caught:
        Options(**{**BASE, name: TOKEN})
    assert TOKEN not in str(caught.value)
    assert TOKEN[:12] not in str(caught.value)
    assert "a str" in str(caught.value)


@pytest.mark.parametrize("name", ["api_key", "token", "user_id"])
def test_a_text_option_of_another_type_is_not_shown(name):
    secret = TOKEN.encode()
    with pytest.raises(ValueError, match=name) as caught:
        Options(**{**BASE, name: secret})
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "None"),
        (True, "True"),
        (3, "3"),
        (2.5, "2.5"),
        (TOKEN, "a str"),
        (TOKEN.encode(), "a bytes"),
        (functools.partial(str, TOKEN), "a partial"),
        (not_callable_object(), "an object"),
        (1j, "a complex"),
        ([TOKEN], "a list"),
    ],
)
def test_shown_gives_numbers_and_the_type_of_anything_else(value, text):
    assert shown(value) == text
