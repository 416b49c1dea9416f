"""The detail pane under the table: every field, the next 10 runs, the last 10 runs."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, VerticalScroll
from textual.markup import escape
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import WorkerState

from tickwork.cron import CronError
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.domain.timeutil import Clock
from tickwork.store import Store, StoreError
from tickwork.ui.deferred import deferred
from tickwork.ui.times import Times, times_of
from tickwork.ui.widgets.pictures.draw import STRIP_RUNS
from tickwork.ui.widgets.pictures.widgets import RunStrip
from tickwork.ui.widgets.schedules import detail_text

DEBOUNCE = 0.08  # cursor held down: load the detail once it rests
NEXT_MIN = 10
LAST_MIN = 10
STRIP_LINES = 4  # the outcome strip and sparkline above the last runs (3 lines and a margin)


class DetailPane(Horizontal):
    """Shows one schedule; `show()` may be called on every cursor move (it debounces)."""

    def __init__(self, store: Store, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.clock = clock
        self.schedule: Schedule | None = None
        self._last_load = 0.0
        self._timer: Timer | None = None
        self._listed = (0, 0)  # (next, last) runs the shown lists were read for

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-fields", can_focus=False):
            yield Static(id="detail-fields-text")
        with Container(id="detail-runs"):  # side by side, or stacked when narrow
            with VerticalScroll(id="detail-next", can_focus=False):
                yield Static(id="detail-next-text")
            with VerticalScroll(id="detail-last", can_focus=False):
                yield RunStrip(id="detail-strip")
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

    def on_resize(self) -> None:
        """Taller or shorter: list as many runs as the pane now has lines for (a list read for
        another height would leave blank lines, or a scrollbar, until the next cursor move)."""
        if self.schedule is not None and self._counts() != self._listed:
            self.show(self.schedule)

    @property
    def waiting(self) -> bool:
        """A load is due (debounced, or for a new height not yet handled by on_resize) or under
        way (tests and screenshots wait for it)."""
        busy = (WorkerState.PENDING, WorkerState.RUNNING)
        resized = self.schedule is not None and self._counts() != self._listed
        return (
            resized
            or self._timer is not None
            or any(w.state in busy for w in self.workers if w.group == "detail" and w.node is self)
        )

    def refresh_detail(self) -> None:
        """Load the shown schedule again (it or its runs changed)."""
        self._load_now(reread=True)

    def _load_now(self, reread: bool = False) -> None:
        self._timer = None
        self._last_load = time.monotonic()
        work = deferred(self._load, self.schedule, reread)
        self.run_worker(work, group="detail", exclusive=True)

    def _counts(self) -> tuple[int, int]:
        """(next runs, last runs) to list: as many as the pane has lines for (under a title line;
        the last runs also under the strip), at least 10."""
        lines = max(self.size.height - 1, 0)
        return max(NEXT_MIN, lines), max(LAST_MIN, lines - STRIP_LINES)

    async def _load(self, schedule: Schedule | None, reread: bool = False) -> None:
        if schedule is None:
            self._put(["[$text-muted]No schedule selected[/]"], [], [], [])
            return
        now = self.clock()
        times = times_of(self.app)
        try:
            found, runs, nexts = await asyncio.to_thread(self._gather, schedule, now, times, reread)
        except (StoreError, sqlite3.Error) as exc:
            self.notify(f"could not read runs: {exc}", severity="error")
            return
        if found is None:
            self._put(["[$text-muted]This schedule was deleted[/]"], [], [], [])
            return
        if found.id != (self.schedule.id if self.schedule else None):
            return  # the cursor moved on meanwhile
        self.schedule = found
        self._put(
            detail_text.field_lines(found, now, times, runs),
            nexts,
            detail_text.last_lines(found, runs[: self._counts()[1]], now, times),
            runs[:STRIP_RUNS],
        )

    def _gather(
        self, schedule: Schedule, now: datetime, times: Times, reread: bool
    ) -> tuple[Schedule | None, list[Run], list[str]]:
        """Blocking (a thread): the schedule as stored now, its last runs, its next runs."""
        next_count, last_count = self._listed = self._counts()
        found = self.store.find(schedule.id) if reread else schedule
        if found is None:
            return None, [], []
        runs = self.store.runs.list(schedule_id=found.id, limit=max(STRIP_RUNS, last_count))
        try:
            nexts = detail_text.next_lines(found, now, times, next_count)
        except CronError as exc:  # a stored expression this version cannot read
            nexts = ["[b]Next runs[/b]", f"[$error]{escape(str(exc))}[/]"]
        return found, runs, nexts

    def _put(self, fields: list[str], nexts: list[str], last: list[str], runs: list[Run]) -> None:
        if not self.is_attached:
            return  # the screen went away while the store was read
        if not self.query(RunStrip):  # not all mounted yet: once they are
            self.call_after_refresh(self._put, fields, nexts, last, runs)
            return
        for ident, lines in (
            ("#detail-fields-text", fields),
            ("#detail-next-text", nexts),
            ("#detail-last-text", last),
        ):
            for static in self.query(ident).results(Static):
                static.update("\n".join(lines))
        for strip in self.query(RunStrip):
            strip.show(runs)
