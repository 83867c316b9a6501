"""``python -m rx_coordinator``: the command line."""

from .cli import main

main()
