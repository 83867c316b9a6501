"""A reactive UI backend: the coordinator's events and states, pushed to a browser page."""
