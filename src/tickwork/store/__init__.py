"""SQLite persistence behind a small API of dataclasses. No Textual."""

from tickwork.store.db import StoreError, default_db_path
from tickwork.store.schedules import CreateResult, Store

__all__ = ["CreateResult", "Store", "StoreError", "default_db_path"]
