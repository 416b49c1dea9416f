"""The edit form, a modal for new, edit and clone. Dismisses with the saved Schedule or None.

Validation runs as you type through spec.build / spec.patch (the calls behind `tickwork add` and
`tickwork edit`), so each field shows the CLI's own FieldError.message. Saving is blocked while
any field is wrong; nothing typed is ever thrown away unless the user says so.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Footer, Label, Static

from tickwork.domain.errors import FieldError, InvalidSchedule, NotAllowed, ScheduleNotFound
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock
from tickwork.store import Store, StoreError
from tickwork.ui.deferred import deferred
from tickwork.ui.screens.confirm import ConfirmScreen
from tickwork.ui.widgets.form.preview import PreviewPanel
from tickwork.ui.widgets.form.schedule_form import ScheduleForm
from tickwork.ui.widgets.form.values import (
    TIMING_KEYS,
    FormValues,
    check,
    create_data,
    error_field,
    from_schedule,
    patch_data,
    preview,
)

VALIDATE_DELAY = 0.12
_TIMING_INPUTS = {"timing", *(k for keys in TIMING_KEYS.values() for k in keys)}
WRITE_ERRORS = (NotAllowed, ScheduleNotFound, StoreError, sqlite3.Error)


class EditScreen(ModalScreen[Schedule | None]):
    CSS_PATH = "edit.tcss"
    AUTO_FOCUS = "#f-name"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, tooltip="Create or update (PATCH)"),
        Binding("escape", "cancel", "Cancel", tooltip="Close (asks when there are changes)"),
    ]

    def __init__(
        self, store: Store, clock: Clock, schedule: Schedule | None, *, clone: bool = False
    ) -> None:
        super().__init__(classes="modal")
        self.store = store
        self.clock = clock
        self.original = schedule if schedule is not None and not clone else None
        self.read_only = self.original is not None and self.original.type == "DECLARATIVE"
        self.initial = from_schedule(schedule, clone=clone) if schedule else FormValues()
        if schedule is None:
            self.heading = "New schedule"
        elif clone:
            self.heading = f"Clone of {schedule.name}"
        elif self.read_only:
            self.heading = f"{schedule.name} · read-only"
        else:
            self.heading = f"Edit {schedule.name}"
        self.save_tried = False
        self.errors: dict[str, str] = {}  # what is shown beside the fields
        self._timer: Timer | None = None
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box", classes="modal-box"):
            yield Label(self.heading, classes="modal-title", id="edit-title")
            if self.read_only and self.original is not None:
                where = self.original.declared_in or "a schedules file"
                yield Static(
                    f"DECLARATIVE: declared in {where}. Change it there and run tickwork sync; "
                    "it cannot be edited here.",
                    id="readonly-banner",
                    markup=False,
                )
            with Horizontal(id="edit-body"):
                yield ScheduleForm(self.initial, read_only=self.read_only)
                yield PreviewPanel(id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Save  ctrl+s", id="save", variant="primary", disabled=self.read_only)
                yield Button("Close  esc" if self.read_only else "Cancel  esc", id="cancel")
        yield Footer()

    @property
    def form(self) -> ScheduleForm:
        return self.query_one(ScheduleForm)

    def on_mount(self) -> None:
        self.validate_now()
        if self.read_only:
            self.query_one("#cancel").focus()

    # --- validation ------------------------------------------------------------------------

    @on(ScheduleForm.Edited)
    def _edited(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(VALIDATE_DELAY, self.validate_now)

    def validate_now(self) -> list[FieldError]:
        """Check the form now; show errors of touched fields (all of them after a save)."""
        self._timer = None
        values = self.form.values()
        now = self.clock()
        _, errors = check(values, self.initial, self.original, now)
        touched = self.initial.changed_keys(values)
        shown: dict[str, str] = {}
        for e in errors:
            key = error_field(e)
            visible = (
                self.save_tried
                or key in touched
                or (key in _TIMING_INPUTS and bool(touched & _TIMING_INPUTS))
            )
            if visible:
                shown.setdefault(key, e.message)
        self.errors = shown
        self.form.show_errors(shown)
        candidate, preview_errors = preview(values, self.initial, self.original, now)
        self.query_one(PreviewPanel).show(candidate, preview_errors, now)
        return errors

    @property
    def dirty(self) -> bool:
        return bool(self.initial.changed_keys(self.form.values()))

    # --- saving ----------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.read_only:
            self.notify("This schedule is DECLARATIVE: change its file", severity="warning")
            return
        if self._saving:
            return
        self.save_tried = True
        errors = self.validate_now()
        if errors:
            self._refuse(errors)
            return
        values = self.form.values()
        if self.original is not None and not patch_data(self.initial, values):
            self.notify("No changes to save", timeout=2)
            self.dismiss(None)
            return
        self._saving = True
        self.run_worker(deferred(self._write, values), group="save", exclusive=True)

    def _refuse(self, errors: list[FieldError]) -> None:
        n = len({error_field(e) for e in errors})
        self.notify(
            f"Not saved: {n} field{'s' if n != 1 else ''} to fix (marked in red)",
            severity="error",
        )
        target = self._focus_target(error_field(errors[0]))
        if target is not None:
            target.focus()

    def _focus_target(self, field: str) -> Widget | None:
        control = self.form.first_error_control({field: ""})
        if control is None:
            return None
        if control.focusable:
            return control
        return next((w for w in control.query("*") if w.focusable), None)

    async def _write(self, values: FormValues) -> None:
        try:
            if self.original is None:
                result = await asyncio.to_thread(self.store.create, create_data(values))
                saved = result.schedule
                verb = "Created" if result.created else "Updated (same dedup key)"
            else:
                patch = patch_data(self.initial, values)
                saved = await asyncio.to_thread(self.store.update, self.original.id, patch)
                verb = "Saved"
        except InvalidSchedule as exc:
            self._saving = False
            shown: dict[str, str] = {}
            for e in exc.errors:
                shown.setdefault(error_field(e), e.message)
            self.errors = shown
            self.form.show_errors(shown)
            self._refuse(exc.errors)
            return
        except WRITE_ERRORS as exc:
            self._saving = False
            self.notify(str(exc), title="Not saved", severity="error")
            return
        self.notify(f"{verb} {saved.name!r}", timeout=2)
        self.dismiss(saved)

    # --- leaving ---------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self.read_only or not self.dirty:
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmScreen(
                "Discard your changes?",
                "What you typed in this form will be lost.",
                yes="Discard",
                no="Keep editing",
                danger=True,
            ),
            self._cancel_answered,
        )

    def _cancel_answered(self, discard: bool | None) -> None:
        if discard:
            self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
