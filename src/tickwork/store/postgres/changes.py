"""Following edits made on other hosts: LISTEN on a connection of its own, with a slow poll.

Edits (schedules created, changed, paused or deleted; manual runs; cancel requests) NOTIFY the
channel at commit (Store.edit). A daemon thread LISTENs and calls back at once, so a pause on one
host reaches every runner and UI within a second. Notifications can be lost (the listening
connection drops, a proxy in between); so the thread also compares the change count
(change_counter) every POLL seconds and calls back when it moved, and reconnects after a fault.
Claims and run results do not NOTIFY (every runner's commits would queue on NOTIFY's lock): the
readers' own polls of content_version() follow those.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from tickwork.store.postgres.schema import CHANNEL

POLL = 5.0  # seconds between looks at the change count while notifications are quiet
RETRY_MAX = 10.0  # seconds between reconnection attempts, at most
log = logging.getLogger("tickwork.store")


class ChangeWatcher:
    """Calls every subscriber (from its own thread) when another connection edited something."""

    def __init__(self, conninfo: str, location: str, poll: float = POLL) -> None:
        self.conninfo = conninfo
        self.location = location
        self.poll = poll
        self.listening = threading.Event()  # set while LISTEN is in place
        self._subscribers: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: int | None = None

    def subscribe(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._subscribers.append(callback)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="tickwork-listen", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=2.0)

    def _changed(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback()
            except Exception:  # a subscriber's failure must not stop the others, or the thread
                log.exception("tickwork: a change subscriber failed")

    def _count(self, conn: psycopg.Connection[tuple[object, ...]]) -> int:
        row = conn.execute("SELECT sum(value) FROM change_counter").fetchone()
        return int(str(row[0] or 0)) if row else 0

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}".encode())
                    self.listening.set()
                    delay = 0.5
                    self._watch(conn)
            except psycopg.Error as exc:
                if self.listening.is_set():
                    log.warning("tickwork: stopped listening to %s (%s)", self.location, exc)
            finally:
                self.listening.clear()
            self._stop.wait(delay)
            delay = min(delay * 2, RETRY_MAX)

    def _watch(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        count = self._count(conn)
        if self._seen is not None and count != self._seen:
            self._changed()  # while not listening (a reconnect)
        self._seen = count
        while not self._stop.is_set():
            notified = False
            # A short timeout keeps close() prompt; the count is compared every `poll` seconds.
            waited = 0.0
            while waited < self.poll and not self._stop.is_set():
                for _ in conn.notifies(timeout=0.5, stop_after=1):
                    notified = True
                if notified:
                    break
                waited += 0.5
            if notified:
                self._seen = self._count(conn)
                self._changed()
                continue
            count = self._count(conn)
            if count != self._seen:
                self._seen = count
                self._changed()
