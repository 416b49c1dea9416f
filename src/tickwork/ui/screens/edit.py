"""The edit form, a modal for new, edit and clone. Dismisses with the saved Schedule or None.

Validation runs as you type through spec.build / spec.patch (the calls behind `tickwork add` and
`tickwork edit`), so each field shows the CLI's own FieldError.message. Saving is blocked while
any field is wrong; nothing typed is ever thrown away unless the user says so.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Label, Static
from textual.worker import Worker, WorkerState

from tickwork.domain.errors import FieldError, InvalidSchedule, NotAllowed, ScheduleNotFound
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import Clock
from tickwork.store import Store, StoreError
from tickwork.ui.deferred import deferred
from tickwork.ui.screens.confirm import ConfirmScreen
from tickwork.ui.screens.help import bindings_of
from tickwork.ui.screens.secret import SecretScreen
from tickwork.ui.widgets.common.footer import FittingFooter
from tickwork.ui.widgets.form.preview import PreviewPanel, preview_lines
from tickwork.ui.widgets.form.schedule_form import ScheduleForm
from tickwork.ui.widgets.form.values import (
    GENERATE,
    FormValues,
    check,
    create_data,
    error_field,
    from_schedule,
    patch_data,
    preview,
)

WRITE_ERRORS = (NotAllowed, ScheduleNotFound, StoreError, sqlite3.Error)


@dataclass(frozen=True)
class Verdict:
    """What the checks said about one set of values (computed off the UI loop)."""

    values: FormValues
    errors: list[FieldError]
    preview: list[str]


def judge(
    values: FormValues, initial: FormValues, original: Schedule | None, now: datetime
) -> Verdict:
    """Check the values like the CLI does and draw the preview (blocking: call it in a thread)."""
    _, errors = check(values, initial, original, now)
    candidate, preview_errors = preview(values, initial, original, now)
    return Verdict(values, errors, preview_lines(candidate, preview_errors, now))


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
        self._judging = False  # a check runs in a thread
        self._judged: FormValues | None = None  # the values the shown messages are about
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
                stored = self.original.signing_secret if self.original is not None else None
                yield ScheduleForm(self.initial, read_only=self.read_only, stored_secret=stored)
                yield PreviewPanel(id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Save  ctrl+s", id="save", variant="primary", disabled=self.read_only)
                yield Button("Close  esc" if self.read_only else "Cancel  esc", id="cancel")
        yield FittingFooter()

    def palette_commands(self) -> Iterator[SystemCommand]:
        for binding in bindings_of(self.BINDINGS):
            yield SystemCommand(
                binding.description,
                binding.tooltip or binding.description,
                partial(self.run_action, binding.action),
            )

    @property
    def form(self) -> ScheduleForm:
        return self.query_one(ScheduleForm)

    @property
    def keys_on_hold(self) -> bool:
        """Only typing goes through until every field is mounted (see tickwork.ui.keys)."""
        forms = self.query(ScheduleForm)
        return not forms or not forms.first().complete

    def on_mount(self) -> None:
        self.validate()
        if self.read_only:
            self.query_one("#cancel").focus()

    # --- validation: off the UI loop, a verdict about text that changed since is dropped ----

    @on(ScheduleForm.Edited)
    def _edited(self) -> None:
        if self._judged is not None:
            changed = self._judged.changed_keys(self.form.values())
            self.form.mark_stale(changed)
        self.validate()

    def validate(self) -> None:
        """Check the form as it is now (again when it changes while a check runs)."""
        if self._judging:
            return  # the running check's verdict is stale when it lands: it starts another
        self._judging = True
        values = self.form.values()
        self.run_worker(
            partial(judge, values, self.initial, self.original, self.clock()),
            thread=True,
            group="validate",
        )

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "validate" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        self._judging = False
        verdict = worker.result
        if not isinstance(verdict, Verdict) or verdict.values != self.form.values():
            self.validate()  # stale (or failed): judge what is there now
            return
        self._show_verdict(verdict)

    def _show_verdict(self, verdict: Verdict) -> None:
        self._judged = verdict.values
        touched = self.initial.changed_keys(verdict.values)
        shown: dict[str, str] = {}
        for e in verdict.errors:
            key = error_field(e)
            if self.save_tried or key in touched:  # untouched fields are not shouted at
                shown.setdefault(key, e.message)
        self.errors = shown
        self.form.show_errors(shown)
        self.query_one(PreviewPanel).show_lines(verdict.preview)

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
        self._saving = True
        self.run_worker(deferred(self._save, self.form.values()), group="save", exclusive=True)

    async def _save(self, values: FormValues) -> None:
        now = self.clock()
        verdict = await asyncio.to_thread(judge, values, self.initial, self.original, now)
        if verdict.values == self.form.values():
            self._show_verdict(verdict)
        if verdict.errors:
            self._saving = False
            self._refuse(verdict.errors)
            return
        if self.original is not None and not patch_data(self.initial, values):
            self.notify("No changes to save", timeout=2)
            self.dismiss(None)
            return
        await self._write(values)

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
        new_secret = None
        if values.signing_secret.strip().lower() == GENERATE:
            from tickwork.runner.signing import generate_secret

            new_secret = generate_secret()
        try:
            if self.original is None:
                data = create_data(values, new_secret)
                result = await asyncio.to_thread(self.store.create, data)
                saved = result.schedule
                verb = "Created" if result.created else "Updated (same dedup key)"
            else:
                data = patch_data(self.initial, values, new_secret)
                saved = await asyncio.to_thread(self.store.update, self.original.id, data)
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
        secret = data.get("signing_secret")
        if isinstance(secret, str) and secret:
            self.app.push_screen(SecretScreen(saved.name, secret), lambda _: self.dismiss(saved))
            return
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
