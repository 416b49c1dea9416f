"""Fixtures of the import/export/sync tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _paris(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's zone, for crontab entries without CRON_TZ (read from $TZ first)."""
    monkeypatch.setenv("TZ", "Europe/Paris")
