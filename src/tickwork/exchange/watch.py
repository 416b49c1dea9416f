"""Re-sync a schedules file whenever it changes on disk (mtime polling, no dependencies).

Used by `tickwork run --sync FILE` and the UI's `--sync FILE`::

    task = asyncio.create_task(watch_and_sync(store, path, on_result))
    ...
    task.cancel()
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from tickwork.domain.errors import NotAllowed
from tickwork.exchange.declarative import SyncError, SyncResult, sync
from tickwork.store import Store, StoreError

Signature = tuple[int, int, int, int] | None
SETTLE = 0.1  # after a change, how long the file must stay the same before it is read


def signature(path: Path) -> Signature:
    """What changes when the file is written or replaced: (mtime, ctime, size, inode)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def sync_once(store: Store, path: Path | str) -> tuple[SyncResult | SyncError, bool]:
    """One sync whose failure is a value, and whether to try again without a file change
    (the database was busy or refused); never raises for a bad file or a busy database."""
    try:
        return sync(store, path), False
    except SyncError as exc:
        return exc, False
    except NotAllowed as exc:
        return SyncError.one(str(path), f"nothing changed: {exc}"), False
    except (StoreError, sqlite3.Error, OSError) as exc:
        return SyncError.one(str(path), f"sync failed, nothing changed: {exc}"), True


async def watch_and_sync(
    store: Store,
    path: Path | str,
    on_result: Callable[[SyncResult | SyncError], None],
    interval: float = 1.0,
) -> None:
    """Sync ``path`` now, then again each time it changes (checked every ``interval`` s).

    ``on_result`` gets every outcome: a :class:`SyncResult` (possibly with no changes) or a
    :class:`SyncError` (nothing was written; the last good state stays in force). A missing
    file is reported once, until it appears again. Runs until cancelled.
    """
    p = Path(path)
    seen: Signature | bool = False  # False: nothing synced yet
    while True:
        current = signature(p)
        if current != seen:
            await asyncio.sleep(min(SETTLE, interval))
            again = signature(p)
            if again != current:  # still being written: look again shortly
                continue
            result, retry = await asyncio.to_thread(sync_once, store, p)
            seen = False if retry else current
            on_result(result)
        await asyncio.sleep(interval)
