"""The state transitions the docs list are exactly those the client may take."""

from __future__ import annotations

import re
from pathlib import Path

from rx_coordinator.state import ALLOWED_TRANSITIONS, ConnectionState

CONCEPTS = Path(__file__).parent.parent / "docs" / "concepts.md"

Pair = tuple[ConnectionState, ConnectionState]


def _section() -> str:
    text = CONCEPTS.read_text()
    start = text.index("## The connection's life")
    return text[start : text.index("\n## ", start + 1)]


def diagram_transitions() -> list[Pair]:
    """The ``A --> B: label`` lines of the state diagram (the start arrow left out)."""
    found = re.findall(r"^\s*([A-Z]+) --> ([A-Z]+)\s*:", _section(), flags=re.MULTILINE)
    return [(ConnectionState[a], ConnectionState[b]) for a, b in found]


def table_transitions() -> list[Pair]:
    """The rows of the table of transitions: ``| `A` | `B` | when |``."""
    found = re.findall(r"^\| `([A-Z]+)` \| `([A-Z]+)` \|", _section(), flags=re.MULTILINE)
    return [(ConnectionState[a], ConnectionState[b]) for a, b in found]


def test_the_state_diagram_lists_every_allowed_transition_once():
    pairs = diagram_transitions()
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == ALLOWED_TRANSITIONS


def test_the_table_lists_every_allowed_transition_once():
    pairs = table_transitions()
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == ALLOWED_TRANSITIONS


def test_the_diagram_starts_disconnected():
    assert re.search(r"^\s*\[\*\] --> DISCONNECTED$", _section(), flags=re.MULTILINE)
