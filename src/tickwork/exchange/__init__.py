"""Schedules in and out: crontab import/export, JSON/TOML files, schedules as code (sync).

No Textual here: the CLI, the runner and the UI all use this package.
"""

from tickwork.exchange.declarative import SyncError, SyncResult, sync
from tickwork.exchange.watch import watch_and_sync

__all__ = ["SyncError", "SyncResult", "sync", "watch_and_sync"]
