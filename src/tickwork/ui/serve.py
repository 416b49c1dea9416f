"""Serving the UI in a web browser with textual-serve: one UI process per browser tab."""

from __future__ import annotations

import shlex

from textual_serve.server import Server


def serve_in_browser(command: list[str], *, host: str, port: int) -> None:
    """Serve `command` (a tickwork UI process) on http://host:port until Ctrl+C."""
    Server(shlex.join(command), host=host, port=port, title="tickwork").serve()
