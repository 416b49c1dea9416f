"""SQLite persistence behind a small API of dataclasses. No Textual.

`Store` and `CreateResult` load on first use (PEP 562), so importing the package for its
lightweight parts (tickwork.store.db) stays cheap for `tickwork --help`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tickwork.store.db import default_db_path
from tickwork.store.faults import StoreError

if TYPE_CHECKING:
    from tickwork.store.schedules import CreateResult, Store

__all__ = ["CreateResult", "Store", "StoreError", "default_db_path"]


def __getattr__(name: str) -> Any:
    if name in ("Store", "CreateResult"):
        from tickwork.store import schedules

        return getattr(schedules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
