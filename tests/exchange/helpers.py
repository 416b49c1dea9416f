"""Helpers for the import/export/sync tests: the CLI in-process on real database files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli_helpers import run_cli as run_cli
from tests.cli_helpers import schedule_rows

FIXTURES = Path(__file__).parent / "fixtures"

Run = Callable[..., tuple[int, str, str]]


rows = schedule_rows


def listed(db: Path) -> list[dict[str, Any]]:
    code, out, err = run_cli(db, "list", "--json")
    assert code == 0, err
    return list(json.loads(out))
