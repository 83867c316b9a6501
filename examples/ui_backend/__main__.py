"""Run the UI backend: ``uv run python -m examples.ui_backend`` then open the printed URL.

By default it plays ``call_lifecycle`` on the embedded coordinator, over and over. With
``--api-key`` and ``--token`` (or ``--secret``) it connects to Stream instead and shows the
call given with ``--call``. It is made to run for hours: its client never gives up
reconnecting, and its log says one line per lost connection or failed attempt.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from .app import create_app
from .clients import DEMO_CALL, embedded, real


class OneLine(logging.Formatter):
    """A record per line, its exception named rather than given a traceback: the client
    logs each lost connection and failed attempt, and the server runs for hours."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and str(error) not in message:
            head, sep, rest = message.partition("; ")
            lost = str(error).startswith(head)  # "connection lost (close code 1006); ..."
            message = f"{error}{sep}{rest}" if lost else f"{message} ({error})"
        return f"{self.formatTime(record, '%H:%M:%S')} {record.levelname.lower()}: {message}"


def main() -> None:
    """Parse the arguments and serve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--speed", type=float, default=1.0, help="scenario speed (embedded)")
    parser.add_argument("--api-key", help="connect to Stream with this API key")
    parser.add_argument("--user-id", default="alice")
    parser.add_argument("--token", help="a user token (or --secret)")
    parser.add_argument("--secret", help="the app's secret, to make tokens")
    parser.add_argument("--call", default=DEMO_CALL, help="the call to show, type:id")
    args = parser.parse_args()
    handler = logging.StreamHandler()
    handler.setFormatter(OneLine())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    if args.api_key:
        make = real(args.api_key, args.user_id, args.token, args.secret)
    else:
        make = embedded(args.speed)
    print(f"open http://{args.host}:{args.port}/")
    uvicorn.run(create_app(make, args.call), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
