"""Backfill from the schedule's detail: a window, the count it holds, then queue the fires.

The same plan and queue as `tickwork backfill` (tickwork.store.backfill): every fire of the
window from the runner's own next-run function, fires that already ran left out unless asked.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import PurePath
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Label, Static

from tickwork.domain.backfill import parse_window
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.humanize import format_local
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock, iso
from tickwork.store import Store
from tickwork.store.backfill import BackfillPlan, enqueue_backfill, plan_backfill
from tickwork.ui.format import plural

DEBOUNCE = 0.15


def plan_text(plan: BackfillPlan) -> str:
    s = plan.schedule
    if not plan.fires:
        text = "No fire to run in this window."
    else:
        first = format_local(plan.fires[0], s.timezone)
        last = format_local(plan.fires[-1], s.timezone)
        text = f"{plural(len(plan.fires), 'fire')}, first {first}, last {last}."
    if plan.already_ran:
        ran = plural(len(plan.already_ran), "fire")
        text += f"\n{ran} already ran: left out (tick the box to run them again)."
    return text


class BackfillScreen(ModalScreen[int | None]):
    """Dismisses with the number of runs queued (None: cancelled)."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["modals.tcss", "backfill.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "queue", "Backfill", tooltip="Queue the fires of the window"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, store: Store, clock: Clock, schedule: Schedule) -> None:
        super().__init__(classes="modal")
        self.store = store
        self.clock = clock
        self.schedule = schedule
        self.plan: BackfillPlan | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        now = self.clock().replace(microsecond=0)
        with Vertical(id="backfill-box", classes="modal-box"):
            yield Label(f"Backfill {self.schedule.name}", classes="modal-title")
            yield Static(
                "Runs every fire of the window, in order, like the runner would have.",
                classes="field-hint",
            )
            with Horizontal(classes="backfill-row"):
                yield Label("From", classes="backfill-label")
                yield Input(iso(now - timedelta(days=1)) or "", id="bf-from")
            with Horizontal(classes="backfill-row"):
                yield Label("To", classes="backfill-label")
                yield Input(iso(now) or "", id="bf-to")
            yield Checkbox("run again fires that already ran", id="bf-force", compact=True)
            yield Static("…", id="bf-plan", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Backfill (ctrl+s)", id="bf-queue", variant="primary")
                yield Button("Cancel (esc)", id="bf-cancel")

    def on_mount(self) -> None:
        self.query_one("#bf-from", Input).focus()
        self._replan()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._replan)

    def _replan(self) -> None:
        self._timer = None
        start = self.query_one("#bf-from", Input).value
        end = self.query_one("#bf-to", Input).value
        self._compute(start, end, self.query_one("#bf-force", Checkbox).value)

    @work(thread=True, exclusive=True, group="backfill-plan")
    def _compute(self, start: str, end: str, force: bool) -> None:
        plan: BackfillPlan | None = None
        try:
            lo, hi = parse_window(start, end, self.clock())
            plan = plan_backfill(self.store, self.schedule, lo, hi, force=force)
            text = plan_text(plan)
        except InvalidSchedule as exc:
            error = exc.errors[0]
            text = f"{error.field.capitalize()}: {error.message}"
        self.app.call_from_thread(self._show, plan, text)

    def _show(self, plan: BackfillPlan | None, text: str) -> None:
        self.plan = plan
        box = self.query_one("#bf-plan", Static)
        box.update(text)
        box.set_class(plan is None, "-error")
        self.query_one("#bf-queue", Button).disabled = plan is None or not plan.fires

    @on(Button.Pressed, "#bf-queue")
    def action_queue(self) -> None:
        if self.plan is None or not self.plan.fires:
            self.notify("Nothing to backfill: give a past window with fires", severity="warning")
            return
        self.run_worker(self._queue(self.plan), group="backfill-queue", exclusive=True)

    async def _queue(self, plan: BackfillPlan) -> None:
        runs = await asyncio.to_thread(enqueue_backfill, self.store, plan, self.clock())
        self.dismiss(len(runs))

    @on(Button.Pressed, "#bf-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
