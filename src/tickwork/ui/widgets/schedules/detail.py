"""The detail pane under the table: every field, the next 10 runs, the last 10 runs."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.markup import escape
from textual.timer import Timer
from textual.widgets import Static

from tickwork.cron import CronError
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.domain.timeutil import Clock
from tickwork.store import Store, StoreError
from tickwork.ui.deferred import deferred
from tickwork.ui.widgets.schedules import detail_text

DEBOUNCE = 0.08  # cursor held down: load the detail once it rests


class DetailPane(Horizontal):
    """Shows one schedule; `show()` may be called on every cursor move (it debounces)."""

    def __init__(self, store: Store, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.clock = clock
        self.schedule: Schedule | None = None
        self._last_load = 0.0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-fields", can_focus=False):
            yield Static(id="detail-fields-text")
        with VerticalScroll(id="detail-next", can_focus=False):
            yield Static(id="detail-next-text")
        with VerticalScroll(id="detail-last", can_focus=False):
            yield Static(id="detail-last-text")

    def show(self, schedule: Schedule | None) -> None:
        self.schedule = schedule
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if time.monotonic() - self._last_load < DEBOUNCE:
            self._timer = self.set_timer(DEBOUNCE, self._load_now)
        else:
            self._load_now()

    def refresh_detail(self) -> None:
        """Load the shown schedule again (its runs changed)."""
        self._load_now()

    def _load_now(self) -> None:
        self._timer = None
        self._last_load = time.monotonic()
        self.run_worker(deferred(self._load, self.schedule), group="detail", exclusive=True)

    async def _load(self, schedule: Schedule | None) -> None:
        if schedule is None:
            self._put(["[$text-muted]No schedule selected[/]"], [], [])
            return
        now = self.clock()
        try:
            runs, nexts = await asyncio.to_thread(self._gather, schedule, now)
        except (StoreError, sqlite3.Error) as exc:
            self.notify(f"could not read runs: {exc}", severity="error")
            return
        self._put(
            detail_text.field_lines(schedule, now),
            nexts,
            detail_text.last_lines(schedule, runs, now),
        )

    def _gather(self, schedule: Schedule, now: datetime) -> tuple[list[Run], list[str]]:
        runs = self.store.runs.list(schedule_id=schedule.id, limit=10)
        try:
            nexts = detail_text.next_lines(schedule, now)
        except CronError as exc:  # a stored expression this version cannot read
            nexts = ["[b]Next runs[/b]", f"[$error]{escape(str(exc))}[/]"]
        return runs, nexts

    def _put(self, fields: list[str], nexts: list[str], last: list[str]) -> None:
        try:
            self.query_one("#detail-fields-text", Static).update("\n".join(fields))
            self.query_one("#detail-next-text", Static).update("\n".join(nexts))
            self.query_one("#detail-last-text", Static).update("\n".join(last))
        except NoMatches:  # the pane was taken down while the runs were read (the app quits)
            return
