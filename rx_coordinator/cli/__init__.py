"""The ``rx-coordinator`` command line (needs the ``cli`` extra: click and rich)."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``rx-coordinator`` console script and ``python -m rx_coordinator``."""
    try:
        from ._app import run
    except ImportError as error:  # pragma: no cover - only without the cli extra
        if error.name not in {"click", "rich"}:
            raise
        sys.stderr.write(
            "rx-coordinator needs its command-line extra: pip install 'rx-coordinator[cli]'\n"
        )
        sys.exit(1)
    run()
