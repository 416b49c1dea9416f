"""Every field of a schedule as form controls: build them from FormValues, read them back.

Control ids are `f-<field>` (field = the schedule input name); errors go to `err-<field>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    ContentSwitcher,
    Input,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from tickwork.domain.model import CATCHUP_POLICIES, HTTP_METHODS, OVERLAP_POLICIES
from tickwork.domain.timezones import all_timezones, complete_timezone
from tickwork.ui.widgets.form.rows import FormPane, FormSection, field_row
from tickwork.ui.widgets.form.values import FORM_KEYS, FormValues, Kind, Timing

DAY_LABELS = ((1, "Mo"), (2, "Tu"), (3, "We"), (4, "Th"), (5, "Fr"), (6, "Sa"), (0, "Su"))
TIMINGS: tuple[tuple[Timing, str], ...] = (
    ("cron", "Cron"),
    ("time", "Time of day"),
    ("every", "Interval"),
)
KINDS: tuple[tuple[Kind, str], ...] = (
    ("command", "Command"),
    ("http", "HTTP"),
    ("python", "Python"),
)
TEXT_KEYS = tuple(
    k
    for k in FORM_KEYS
    if k
    not in (
        "active",
        "inherit_env",
        "timing",
        "days_of_week",
        "kind",
        "method",
        "overlap",
        "catchup",
    )
)
TZ_HINT = "IANA name; tab or → accepts the completion"


class ScheduleForm(VerticalScroll):
    """The fields; posts `ScheduleForm.Edited` whenever any control changes."""

    class Edited(Message):
        """Something in the form changed."""

    def __init__(self, values: FormValues, *, read_only: bool = False) -> None:
        super().__init__(id="form")
        self.initial = values
        self.read_only = read_only
        self._shown: dict[str, str] = {}

    # --- building --------------------------------------------------------------------------

    def _input(self, key: str, placeholder: str = "", **kwargs: Any) -> Input:
        return Input(
            getattr(self.initial, key),
            placeholder=placeholder,
            id=f"f-{key}",
            compact=True,
            disabled=self.read_only,
            **kwargs,
        )

    def _area(self, key: str) -> TextArea:
        return TextArea(
            getattr(self.initial, key),
            id=f"f-{key}",
            compact=True,
            soft_wrap=True,
            read_only=self.read_only,
            classes="form-area",
        )

    def _select(self, key: str, options: tuple[str, ...]) -> Select[str]:
        return Select(
            [(o, o) for o in options],
            value=getattr(self.initial, key),
            allow_blank=False,
            id=f"f-{key}",
            compact=True,
            disabled=self.read_only,
        )

    def _radios(self, key: str, choices: tuple[tuple[str, str], ...]) -> RadioSet:
        current = getattr(self.initial, key)
        buttons = [
            RadioButton(label, value=value == current, id=f"{key}-{value}", compact=True)
            for value, label in choices
        ]
        return RadioSet(*buttons, id=f"f-{key}", disabled=self.read_only, compact=True)

    def compose(self) -> ComposeResult:
        v = self.initial
        yield FormSection(
            "General",
            FormPane(
                *field_row(
                    "Name", "name", self._input("name", "a short name, like nightly backup")
                ),
                *field_row("Description", "description", self._input("description", "free text")),
                *field_row(
                    "Active",
                    "active",
                    Checkbox(
                        "fires on schedule",
                        v.active,
                        id="f-active",
                        compact=True,
                        disabled=self.read_only,
                    ),
                ),
            ),
        )
        yield FormSection("When", *self._timing_rows())
        yield FormSection("Action", *self._action_rows())
        yield FormSection(
            "Policies",
            FormPane(
                *field_row(
                    "Timeout (s)", "timeout_seconds", self._input("timeout_seconds", "3600")
                ),
                *field_row("Retries", "retries", self._input("retries", "0")),
                *field_row(
                    "Backoff (s)",
                    "retry_backoff_seconds",
                    self._input("retry_backoff_seconds", "10"),
                ),
                *field_row("Overlap", "overlap", self._select("overlap", OVERLAP_POLICIES)),
                *field_row("Catch-up", "catchup", self._select("catchup", CATCHUP_POLICIES)),
                *field_row("Jitter (s)", "jitter_seconds", self._input("jitter_seconds", "0")),
                *field_row(
                    "Pause after",
                    "pause_after_failures",
                    self._input("pause_after_failures", "never"),
                    hint="failed fires in a row, then the schedule pauses itself",
                ),
                *field_row(
                    "Slow after (s)",
                    "max_duration_warning",
                    self._input("max_duration_warning", "off"),
                    hint="a warning (the run goes on; the timeout stops it)",
                ),
            ),
        )
        yield FormSection(
            "Limits and ids",
            FormPane(
                *field_row("Max runs", "max_runs", self._input("max_runs", "no limit")),
                *field_row("End at", "end_at", self._input("end_at", "2026-12-31T23:59:00+00:00")),
                *field_row(
                    "Dedup key",
                    "deduplication_key",
                    self._input("deduplication_key", "adding the same key again updates"),
                ),
                *field_row("External id", "external_id", self._input("external_id", "your own id")),
            ),
        )

    # --- switchable panes: only the shown one is built; the others on first use ------------

    def _pane(self, value: str) -> FormPane:
        """Build the pane for a timing or action kind (ids `pane-<value>`)."""
        v = self.initial
        rows: list[Widget]
        if value == "cron":
            rows = field_row(
                "Cron",
                "cron",
                self._input("cron", "0 9 * * 1-5 or @daily"),
                hint="minute hour day-of-month month day-of-week",
            )
        elif value == "time":
            days = Horizontal(
                *(
                    Checkbox(
                        label,
                        n in v.days_of_week,
                        id=f"day-{n}",
                        compact=True,
                        disabled=self.read_only,
                    )
                    for n, label in DAY_LABELS
                ),
                id="f-days_of_week",
            )
            rows = [
                *field_row("At (HH:MM)", "time_of_day", self._input("time_of_day", "09:30")),
                *field_row("Days", "days_of_week", days, hint="no day ticked = every day"),
            ]
        elif value == "every":
            rows = field_row(
                "Every",
                "every",
                self._input("every", "30s, 5m, 1h30m"),
                hint="a fixed interval, immune to DST",
            )
        elif value == "command":
            rows = [
                *field_row("Command", "command", self._input("command", "echo hello")),
                *field_row("Directory", "cwd", self._input("cwd", "working directory")),
                *field_row("Environment", "env", self._area("env"), hint="KEY=value, one per line"),
                *field_row(
                    "Inherit env",
                    "inherit_env",
                    Checkbox(
                        "the runner's environment, not cron's minimal one",
                        v.inherit_env,
                        id="f-inherit_env",
                        compact=True,
                        disabled=self.read_only,
                    ),
                ),
            ]
        elif value == "http":
            rows = [
                *field_row("URL", "url", self._input("url", "https://example.com/hook")),
                *field_row("Method", "method", self._select("method", HTTP_METHODS)),
                *field_row(
                    "Headers", "headers", self._area("headers"), hint="Key: value, one per line"
                ),
                *field_row(
                    "Body", "body", self._area("body"), hint="empty: a JSON payload about the run"
                ),
            ]
        else:
            rows = field_row("Target", "target", self._input("target", "package.module:function"))
        return FormPane(*rows, id=f"pane-{value}")

    async def _show_pane(self, switcher_id: str, value: str) -> None:
        switcher = self.query_one(f"#{switcher_id}", ContentSwitcher)
        if not switcher.query_children(f"#pane-{value}"):
            await switcher.mount(self._pane(value))
        switcher.current = f"pane-{value}"

    def _timing_rows(self) -> list[Widget]:
        v = self.initial
        timezone = self._input(
            "timezone", "UTC", suggester=SuggestFromList(all_timezones(), case_sensitive=False)
        )
        return [
            FormPane(*field_row("Schedule", "timing", self._radios("timing", TIMINGS))),
            ContentSwitcher(self._pane(v.timing), initial=f"pane-{v.timing}", id="timing-switcher"),
            FormPane(*field_row("Time zone", "timezone", timezone, hint=TZ_HINT)),
        ]

    def _action_rows(self) -> list[Widget]:
        v = self.initial
        return [
            FormPane(*field_row("Kind", "kind", self._radios("kind", KINDS))),
            ContentSwitcher(self._pane(v.kind), initial=f"pane-{v.kind}", id="kind-switcher"),
        ]

    # --- reading ---------------------------------------------------------------------------

    def values(self) -> FormValues:
        """What the controls hold now (a control not mounted yet still holds its initial value)."""
        data: dict[str, Any] = {}
        for key in TEXT_KEYS:
            found = self.query(f"#f-{key}")
            if not found:
                data[key] = getattr(self.initial, key)
                continue
            widget = found.first()
            data[key] = widget.text if isinstance(widget, TextArea) else cast(Input, widget).value
        for key in ("method", "overlap", "catchup"):
            selects = self.query(f"#f-{key}").results(Select)
            value = next((sel.value for sel in selects), None)
            data[key] = value if isinstance(value, str) else getattr(self.initial, key)
        data["active"] = self.query_one("#f-active", Checkbox).value
        inherit = self.query("#f-inherit_env").results(Checkbox)
        data["inherit_env"] = next((c.value for c in inherit), self.initial.inherit_env)
        if self.query("#f-days_of_week"):
            data["days_of_week"] = tuple(
                sorted(n for n, _ in DAY_LABELS if self.query_one(f"#day-{n}", Checkbox).value)
            )
        else:
            data["days_of_week"] = self.initial.days_of_week
        data["timing"] = self._pressed("timing", self.initial.timing)
        data["kind"] = self._pressed("kind", self.initial.kind)
        return FormValues(**data)

    def _pressed(self, key: str, default: str) -> Any:
        button = self.query_one(f"#f-{key}", RadioSet).pressed_button
        if button is None or button.id is None:
            return default
        return button.id.removeprefix(f"{key}-")

    # --- showing ---------------------------------------------------------------------------

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Put each message beside its field; clear the others (only what changed is touched)."""
        for field in set(errors) | set(self._shown):
            message = errors.get(field, "")
            if self._shown.get(field, "") == message:
                continue
            for line in self.query(f"#err-{field}").results(Static):
                line.update(message)
                line.set_class(bool(message), "-shown")
            for label in self.query(f"#label-{field}"):
                label.set_class(bool(message), "-invalid")
        self._shown = dict(errors)

    def first_error_control(self, errors: Mapping[str, str]) -> Widget | None:
        for field in errors:
            found = self.query(f"#f-{field}")
            if found:
                return found.first()
        return None

    def _timezone_hint(self, value: str) -> None:
        hint = self.query_one("#hint-timezone", Static)
        text = value.strip()
        matches = complete_timezone(text, limit=6) if text else []
        if text and matches and text not in matches:
            hint.update("matches: " + ", ".join(matches))
        else:
            hint.update(TZ_HINT)

    # --- events ----------------------------------------------------------------------------

    @on(RadioSet.Changed, "#f-timing")
    async def _timing_switched(self, event: RadioSet.Changed) -> None:
        timing = (event.pressed.id or "timing-cron").removeprefix("timing-")
        await self._show_pane("timing-switcher", timing)

    @on(RadioSet.Changed, "#f-kind")
    async def _kind_switched(self, event: RadioSet.Changed) -> None:
        kind = (event.pressed.id or "kind-command").removeprefix("kind-")
        await self._show_pane("kind-switcher", kind)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "f-timezone":
            self._timezone_hint(event.value)
        self.post_message(self.Edited())

    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    def _control_changed(self) -> None:
        self.post_message(self.Edited())
