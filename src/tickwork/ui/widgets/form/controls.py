"""Every field of a schedule as a form control, grouped in the form's sections (no events here).

Control ids are `f-<field>` (field = the schedule input name). Placeholders say what a field takes
("e.g. …", "default …"), never something that could pass for a value that was typed.
"""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Select, TextArea

from tickwork.domain.model import (
    CATCHUP_POLICIES,
    DEFAULT_RETRY_BACKOFF_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    HTTP_METHODS,
    OVERLAP_POLICIES,
)
from tickwork.domain.secrets import mask_secret
from tickwork.ui.widgets.form.rows import FormPane, FormSection, field_row
from tickwork.ui.widgets.form.values import GENERATE, REMOVE, FormValues, Kind, Timing
from tickwork.ui.widgets.form.zone_input import ZoneInput

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
TZ_HINT = "IANA name; tab or → accepts the completion"
HOOK_HINT = "a shell command, or an http(s):// URL to POST to"
PLACEHOLDERS = {
    "name": "required, e.g. nightly backup",
    "description": "optional",
    "cron": "e.g. 0 9 * * 1-5 or @daily",
    "time_of_day": "HH:MM, e.g. 09:30",
    "every": "e.g. 30s, 5m, 1h30m",
    "timezone": "e.g. Europe/Paris",
    "command": "e.g. /usr/local/bin/backup.sh",
    "cwd": "optional: where the command runs",
    "url": "e.g. https://example.com/hook",
    "target": "e.g. mypackage.jobs:nightly",
    "timeout_seconds": f"default {DEFAULT_TIMEOUT_SECONDS}",
    "retries": "default 0 (no retry)",
    "retry_backoff_seconds": f"default {DEFAULT_RETRY_BACKOFF_SECONDS}",
    "jitter_seconds": "default 0",
    "pause_after_failures": "optional: never pauses",
    "max_duration_warning": "optional: no warning",
    "max_runs": "optional: no limit",
    "end_at": "optional, e.g. 2026-12-31T23:59Z",
    "deduplication_key": "optional: adding the same key again updates",
    "external_id": "optional: your own reference",
    "on_failure": "optional, e.g. notify-send failed",
    "on_success": "optional",
    "on_recovery": "optional",
    "signing_secret": f"optional: type {GENERATE}, or whsec_…",
}
NOTIFY_KEYS = ("on_failure", "on_success", "on_recovery", "signing_secret")


class Controls:
    """Builds the controls of one form (remembering each by field) from its initial values."""

    def __init__(
        self, values: FormValues, *, read_only: bool, stored_secret: str | None = None
    ) -> None:
        self.initial = values
        self.read_only = read_only
        self.stored_secret = stored_secret
        self.made: dict[str, Widget] = {}

    def _keep(self, key: str, widget: Widget) -> Widget:
        self.made[key] = widget
        return widget

    def input(self, key: str, **kwargs: Any) -> Input:
        widget = Input(
            getattr(self.initial, key),
            placeholder=PLACEHOLDERS.get(key, ""),
            id=f"f-{key}",
            compact=True,
            disabled=self.read_only,
            select_on_focus=False,  # tabbing into a filled field must not arm a silent replace
            **kwargs,
        )
        self._keep(key, widget)
        return widget

    def area(self, key: str) -> TextArea:
        widget = TextArea(
            getattr(self.initial, key),
            id=f"f-{key}",
            compact=True,
            soft_wrap=True,
            read_only=self.read_only,
            classes="form-area",
        )
        self._keep(key, widget)
        return widget

    def select(self, key: str, options: tuple[str, ...]) -> Select[str]:
        widget: Select[str] = Select(
            [(o, o) for o in options],
            value=getattr(self.initial, key),
            allow_blank=False,
            id=f"f-{key}",
            compact=True,
            disabled=self.read_only,
        )
        self._keep(key, widget)
        return widget

    def radios(self, key: str, choices: tuple[tuple[str, str], ...]) -> RadioSet:
        current = getattr(self.initial, key)
        buttons = [
            RadioButton(label, value=value == current, id=f"{key}-{value}", compact=True)
            for value, label in choices
        ]
        widget = RadioSet(*buttons, id=f"f-{key}", disabled=self.read_only, compact=True)
        self._keep(key, widget)
        return widget

    # --- sections ---------------------------------------------------------------------------

    def general(self) -> FormSection:
        active = Checkbox(
            "fires on schedule",
            self.initial.active,
            id="f-active",
            compact=True,
            disabled=self.read_only,
        )
        self._keep("active", active)
        return FormSection(
            "General",
            FormPane(
                *field_row("Name", "name", self.input("name")),
                *field_row("Description", "description", self.input("description")),
                *field_row("Active", "active", active),
            ),
            id="section-general",
        )

    def timing_pane(self, value: str) -> FormPane:
        """The fields of one way to give the timing (id `pane-<value>`)."""
        if value == "cron":
            rows = field_row(
                "Cron",
                "cron",
                self.input("cron"),
                hint="minute hour day-of-month month day-of-week",
            )
        elif value == "time":
            days = Horizontal(
                *(
                    Checkbox(
                        label,
                        n in self.initial.days_of_week,
                        id=f"day-{n}",
                        compact=True,
                        disabled=self.read_only,
                    )
                    for n, label in DAY_LABELS
                ),
                id="f-days_of_week",
            )
            self._keep("days_of_week", days)
            rows = [
                *field_row("At (HH:MM)", "time_of_day", self.input("time_of_day")),
                *field_row("Days", "days_of_week", days, hint="no day ticked = every day"),
            ]
        else:
            rows = field_row(
                "Every", "every", self.input("every"), hint="a fixed interval, immune to DST"
            )
        return FormPane(*rows, id=f"pane-{value}")

    def kind_pane(self, value: str) -> FormPane:
        """The fields of one action kind (id `pane-<value>`)."""
        if value == "command":
            rows = [
                *field_row("Command", "command", self.input("command")),
                *field_row("Directory", "cwd", self.input("cwd")),
                *field_row("Environment", "env", self.area("env"), hint="KEY=value, one per line"),
                *field_row("Inherit env", "inherit_env", self._inherit_env()),
            ]
        elif value == "http":
            rows = [
                *field_row("URL", "url", self.input("url")),
                *field_row("Method", "method", self.select("method", HTTP_METHODS)),
                *field_row(
                    "Headers", "headers", self.area("headers"), hint="Key: value, one per line"
                ),
                *field_row(
                    "Body", "body", self.area("body"), hint="empty: a JSON payload about the run"
                ),
            ]
        else:
            rows = field_row("Target", "target", self.input("target"))
        return FormPane(*rows, id=f"pane-{value}")

    def _inherit_env(self) -> Checkbox:
        box = Checkbox(
            "the runner's environment, not cron's minimal one",
            self.initial.inherit_env,
            id="f-inherit_env",
            compact=True,
            disabled=self.read_only,
        )
        self._keep("inherit_env", box)
        return box

    def timing_choice(self) -> FormPane:
        return FormPane(*field_row("Schedule", "timing", self.radios("timing", TIMINGS)))

    def timezone(self) -> FormPane:
        zone = ZoneInput(
            self.initial.timezone,
            placeholder=PLACEHOLDERS["timezone"],
            id="f-timezone",
            compact=True,
            disabled=self.read_only,
            select_on_focus=False,
        )
        self._keep("timezone", zone)
        return FormPane(*field_row("Time zone", "timezone", zone, hint=TZ_HINT))

    def kind_choice(self) -> FormPane:
        return FormPane(*field_row("Kind", "kind", self.radios("kind", KINDS)))

    def policies(self) -> FormSection:
        return FormSection(
            "Policies",
            FormPane(
                *field_row("Timeout (s)", "timeout_seconds", self.input("timeout_seconds")),
                *field_row("Retries", "retries", self.input("retries")),
                *field_row(
                    "Backoff (s)", "retry_backoff_seconds", self.input("retry_backoff_seconds")
                ),
                *field_row("Overlap", "overlap", self.select("overlap", OVERLAP_POLICIES)),
                *field_row("Catch-up", "catchup", self.select("catchup", CATCHUP_POLICIES)),
                *field_row("Jitter (s)", "jitter_seconds", self.input("jitter_seconds")),
                *field_row(
                    "Pause after",
                    "pause_after_failures",
                    self.input("pause_after_failures"),
                    hint="failed fires in a row, then the schedule pauses itself",
                ),
                *field_row(
                    "Slow after (s)",
                    "max_duration_warning",
                    self.input("max_duration_warning"),
                    hint="a run still going after this warns (and goes on)",
                ),
            ),
            id="section-policies",
        )

    def notifications(self) -> FormSection:
        stored = mask_secret(self.stored_secret)
        if stored:
            secret_hint = (
                f"set ({stored}): empty keeps it, {GENERATE} makes a new one, {REMOVE} removes it"
            )
        else:
            secret_hint = f"signs webhooks; {GENERATE} makes one, shown once after saving"
        return FormSection(
            "Notifications",
            FormPane(
                *field_row("On failure", "on_failure", self.input("on_failure"), hint=HOOK_HINT),
                *field_row("On success", "on_success", self.input("on_success")),
                *field_row("On recovery", "on_recovery", self.input("on_recovery")),
                *field_row(
                    "Signing secret",
                    "signing_secret",
                    self.input("signing_secret"),
                    hint=secret_hint,
                ),
            ),
            id="section-notifications",
        )

    def limits(self) -> FormSection:
        return FormSection(
            "Limits and ids",
            FormPane(
                *field_row("Max runs", "max_runs", self.input("max_runs")),
                *field_row("End at", "end_at", self.input("end_at")),
                *field_row("Dedup key", "deduplication_key", self.input("deduplication_key")),
                *field_row("External id", "external_id", self.input("external_id")),
            ),
            id="section-limits",
        )
