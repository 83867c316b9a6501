"""The public surface: every name in ``__all__`` is importable, documented, listed once.

(ruff's RUF022 keeps each ``__all__`` sorted.)"""

from __future__ import annotations

import importlib
import inspect

import pytest

import rx_coordinator

MODULES = [
    "rx_coordinator",
    "rx_coordinator.call_state",
    "rx_coordinator.errors",
    "rx_coordinator.events",
    "rx_coordinator.operators",
    "rx_coordinator.protocol",
    "rx_coordinator.scheduling",
    "rx_coordinator.state",
    "rx_coordinator.testing",
    "rx_coordinator.testing.payloads",
]


def test_the_design_contract_names_are_exported():
    for name in [
        "StreamAPIWS",
        "ConnectionState",
        "StreamWSException",
        "StreamWSAuthError",
        "StreamWSConnectionError",
        "StreamWSMaxRetriesExceeded",
        "retry_when",
        "exponential_backoff",
        "liveness_timeout",
        "heartbeat",
        "of_type",
        "websocket",
    ]:
        assert name in rx_coordinator.__all__
        assert getattr(rx_coordinator, name) is not None


@pytest.mark.parametrize("module_name", MODULES)
def test_all_is_importable_and_documented(module_name):
    module = importlib.import_module(module_name)
    names = module.__all__
    assert len(set(names)) == len(names)
    for name in names:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__doc__, f"{module_name}.{name} has no docstring"


def test_errors_form_one_hierarchy():
    from rx_coordinator import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), rx_coordinator.StreamWSException)


def test_connection_state_members():
    assert [s.name for s in rx_coordinator.ConnectionState] == [
        "DISCONNECTED",
        "CONNECTING",
        "CONNECTED",
        "RECONNECTING",
        "FAILED",
    ]


def test_py_typed_is_shipped():
    from importlib.resources import files

    assert files("rx_coordinator").joinpath("py.typed").is_file()
