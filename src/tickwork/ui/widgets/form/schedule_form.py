"""The schedule form: every field of a schedule, read back as FormValues, errors beside fields.

It opens fast: the first screenful (General, When) is composed at once and painted; the other
sections, then the panes of the other timing and action kinds, are mounted one step per refresh
after that. `complete` says when all is there (the screen holds Tab and other non-typing keys until
then, so a Tab never skips a field that is about to appear). Control ids are `f-<field>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, ContentSwitcher, Input, RadioSet, Select, Static, TextArea

from tickwork.domain.timezones import complete_timezone
from tickwork.ui.widgets.form.controls import DAY_LABELS, KINDS, TIMINGS, TZ_HINT, Controls
from tickwork.ui.widgets.form.rows import FormSection, error_line
from tickwork.ui.widgets.form.values import FORM_KEYS, FormValues

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
SELECT_KEYS = ("method", "overlap", "catchup")


class ScheduleForm(VerticalScroll):
    """The fields; posts `ScheduleForm.Edited` whenever any control changes."""

    class Edited(Message):
        """Something in the form changed."""

    class Completed(Message):
        """Every section and pane of the form is mounted."""

    def __init__(
        self, values: FormValues, *, read_only: bool = False, stored_secret: str | None = None
    ) -> None:
        super().__init__(id="form")
        self.initial = values
        self.read_only = read_only
        self.controls = Controls(values, read_only=read_only, stored_secret=stored_secret)
        self.complete = False
        self._shown: dict[str, str] = {}
        self._lines: dict[str, Static] = {}
        self._steps: list[Callable[[], Widget | list[Widget]]] = [
            self._action_section,
            self.controls.policies,
            self.controls.notifications,
            self.controls.limits,
        ]

    # --- building ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        v = self.initial
        yield self.controls.general()
        yield FormSection(
            "When",
            self.controls.timing_choice(),
            ContentSwitcher(
                self.controls.timing_pane(v.timing),
                initial=f"pane-{v.timing}",
                id="timing-switcher",
            ),
            self.controls.timezone(),
            id="section-when",
        )

    def _action_section(self) -> Widget:
        kind = self.initial.kind
        return FormSection(
            "Action",
            self.controls.kind_choice(),
            ContentSwitcher(
                self.controls.kind_pane(kind), initial=f"pane-{kind}", id="kind-switcher"
            ),
            id="section-action",
        )

    def on_mount(self) -> None:
        self.call_after_refresh(self._build_step)

    async def _build_step(self) -> None:
        """Mount the next section (one per refresh, so keys and paints go in between)."""
        if not self.is_attached:
            return
        if self._steps:
            built = self._steps.pop(0)()
            await self.mount_all(built if isinstance(built, list) else [built])
            self.call_after_refresh(self._build_step)
            return
        for switcher_id, choices in (("timing-switcher", TIMINGS), ("kind-switcher", KINDS)):
            for value, _label in choices:
                await self._ensure_pane(switcher_id, value)
        self.complete = True
        self.show_errors(self._shown, force=True)
        self.post_message(self.Completed())

    async def _ensure_pane(self, switcher_id: str, value: str) -> ContentSwitcher:
        switcher = self.query_one(f"#{switcher_id}", ContentSwitcher)
        if not switcher.query_children(f"#pane-{value}"):
            make = self.controls.timing_pane if switcher_id == "timing-switcher" else None
            pane = make(value) if make is not None else self.controls.kind_pane(value)
            pane.display = False
            await switcher.mount(pane)
        return switcher

    async def _show_pane(self, switcher_id: str, value: str) -> None:
        switcher = await self._ensure_pane(switcher_id, value)
        switcher.current = f"pane-{value}"

    # --- reading ----------------------------------------------------------------------------

    def values(self) -> FormValues:
        """What the controls hold now (a control not mounted yet still holds its initial value)."""
        made = self.controls.made
        data: dict[str, Any] = {}
        for key in TEXT_KEYS:
            widget = made.get(key)
            if widget is None:
                data[key] = getattr(self.initial, key)
            elif isinstance(widget, TextArea):
                data[key] = widget.text
            else:
                data[key] = cast(Input, widget).value
        for key in SELECT_KEYS:
            select = made.get(key)
            value = select.value if isinstance(select, Select) else None
            data[key] = value if isinstance(value, str) else getattr(self.initial, key)
        data["active"] = cast(Checkbox, made["active"]).value
        inherit = made.get("inherit_env")
        data["inherit_env"] = (
            inherit.value if isinstance(inherit, Checkbox) else self.initial.inherit_env
        )
        days = made.get("days_of_week")
        if days is not None:
            data["days_of_week"] = tuple(
                sorted(n for n, _ in DAY_LABELS if days.query_one(f"#day-{n}", Checkbox).value)
            )
        else:
            data["days_of_week"] = self.initial.days_of_week
        data["timing"] = self._pressed("timing", self.initial.timing)
        data["kind"] = self._pressed("kind", self.initial.kind)
        return FormValues(**data)

    def _pressed(self, key: str, default: str) -> Any:
        radios = self.controls.made.get(key)
        button = radios.pressed_button if isinstance(radios, RadioSet) else None
        if button is None or button.id is None:
            return default
        return button.id.removeprefix(f"{key}-")

    def control(self, field: str) -> Widget | None:
        return self.controls.made.get(field)

    # --- showing ----------------------------------------------------------------------------

    def show_errors(self, errors: Mapping[str, str], *, force: bool = False) -> None:
        """Put each message under its field; clear the others (only what changed is touched)."""
        for field in set(errors) | set(self._shown):
            message = errors.get(field, "")
            line = self._lines.get(field)
            if line is not None:
                line.remove_class("-stale")
            if self._shown.get(field, "") == message and not force:
                continue
            if line is None and message:
                line = self._make_line(field)
            if line is not None:
                line.update(message)
                line.set_class(bool(message), "-shown")
            control = self.controls.made.get(field)
            if control is not None and control.parent is not None:
                label = control.parent.query_children(f"#label-{field}")
                for found in label:
                    found.set_class(bool(message), "-invalid")
        self._shown = dict(errors)

    def _make_line(self, field: str) -> Static | None:
        """The error line of `field`, mounted under it (after its hint) on first use."""
        control = self.controls.made.get(field)
        pane = control.parent if control is not None else None
        if control is None or not isinstance(pane, Widget) or not control.is_attached:
            return None  # not mounted yet: shown when the form is complete
        hints = pane.query_children(f"#hint-{field}")
        labels = pane.query_children(f"#label-{field}")
        line = error_line(field, labels.first() if labels else None)
        pane.mount(line, after=hints.first() if hints else control)
        self._lines[field] = line
        return line

    def mark_stale(self, fields: set[str]) -> None:
        """These fields changed since their message was written: hide it (keeping its space)
        until the new verdict arrives, so no message ever speaks of text that is gone."""
        for field in fields:
            line = self._lines.get(field)
            if line is not None and self._shown.get(field):
                line.add_class("-stale")

    @property
    def shown_errors(self) -> dict[str, str]:
        return dict(self._shown)

    def first_error_control(self, errors: Mapping[str, str]) -> Widget | None:
        for field in errors:
            control = self.controls.made.get(field)
            if control is not None:
                return control
        return None

    def _timezone_hint(self, value: str) -> None:
        hints = self.query("#hint-timezone").results(Static)
        hint = next(hints, None)
        if hint is None:
            return
        text = value.strip()
        matches = complete_timezone(text, limit=6) if text else []
        if text and matches and text not in matches:
            hint.update("matches: " + ", ".join(matches))
        else:
            hint.update(TZ_HINT)

    # --- events -----------------------------------------------------------------------------

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
