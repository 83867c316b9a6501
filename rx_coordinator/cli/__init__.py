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
            "rx-coordinator's command line needs click and rich: pip install click rich "
            "(or install the package with its extra: pip install '.[cli]' in a clone)\n"
        )
        sys.exit(1)
    run()
