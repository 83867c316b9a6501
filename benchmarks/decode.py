"""Decode speed: ``json.loads`` to dicts against rx_coordinator's typed decoding.

Run from the repository root::

    uv run python benchmarks/decode.py [--seconds 0.5] [--repeat 5]

For each realistic frame (``call.session_participant_joined``, ``call.created``) it
measures, in the same run, frames per second for ``json.loads`` into dicts (the peer) and
for ``rx_coordinator.events.decode`` into typed events, and prints the ratio (above 1:
typed decoding is faster). The best of ``--repeat`` rounds is kept for each.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from rx_coordinator.events import decode
from rx_coordinator.testing import payloads

# Go writes nanoseconds; the coordinator's timestamps look like this.
AT = "2026-11-26T10:15:30.123456789Z"


def frames() -> dict[str, str]:
    """Realistic frames, as text (what websockets hands the client)."""
    alice = payloads.user("alice", name="Alice Liddell", at=AT)
    bob = payloads.user("bob", name="Bob Builder", role="admin", at=AT)
    call = payloads.call("default:standup-2026-11-26", created_by=alice, session_id="4b1c", at=AT)
    joined = payloads.call_session_participant_joined(
        "default:standup-2026-11-26",
        "4b1c",
        payloads.participant(bob, user_session_id="0f3f4a6e-9b8e-4d55-9c4f", at=AT),
        at=AT,
    )
    created = payloads.call_created(
        call, members=[payloads.member(alice, at=AT), payloads.member(bob, role="host", at=AT)]
    )
    return {
        "call.session_participant_joined": json.dumps(joined),
        "call.created": json.dumps(created),
    }


def rate(fn: Callable[[str], Any], frame: str, seconds: float, repeat: int) -> float:
    """Best frames per second of ``fn(frame)`` over ``repeat`` rounds of about ``seconds``."""
    batch = 1
    while True:  # size a batch to last about a tenth of a round
        start = time.perf_counter()
        for _ in range(batch):
            fn(frame)
        if time.perf_counter() - start > seconds / 10:
            break
        batch *= 2
    best = 0.0
    for _ in range(repeat):
        done = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(batch):
                fn(frame)
            done += batch
        best = max(best, done / elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print frames per second and ratios."""
    parser = argparse.ArgumentParser(description="Decode speed against json.loads.")
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per measure")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    print(f"{'frame':34} {'bytes':>6} {'json.loads/s':>13} {'typed/s':>10} {'ratio':>6}")
    for kind, frame in frames().items():
        assert type(decode(frame)).__name__ != "GenericEvent", kind
        peer = rate(json.loads, frame, args.seconds, args.repeat)
        ours = rate(decode, frame, args.seconds, args.repeat)
        print(f"{kind:34} {len(frame):>6} {peer:>13,.0f} {ours:>10,.0f} {ours / peer:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
