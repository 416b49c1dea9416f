"""The ops tests reuse the runner tests' helpers (real runner subprocesses)."""

from __future__ import annotations

from ..runner.conftest import spawn

__all__ = ["spawn"]
