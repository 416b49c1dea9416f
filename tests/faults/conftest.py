"""Fault tests run real runner processes (the `spawn` fixture of the runner tests)."""

from tests.runner.conftest import spawn

__all__ = ["spawn"]
