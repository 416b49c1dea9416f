"""The form's live preview: the English description and the next 5 runs (with DST notes)."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Label, Static

from tickwork.cron import CronError
from tickwork.domain.errors import FieldError
from tickwork.domain.humanize import relative
from tickwork.domain.model import Schedule
from tickwork.ui.widgets.schedules import detail_text

PREVIEW_COUNT = 5
_TIMING_FIELDS = {"cron", "every", "time_of_day", "days_of_week", "timezone", "max_runs", "end_at"}


def preview_lines(candidate: Schedule | None, errors: list[FieldError], now: datetime) -> list[str]:
    if candidate is None:
        timing = [e for e in errors if e.field in _TIMING_FIELDS]
        first = timing[0].message if timing else "complete the schedule to see its runs"
        return ["[$text-muted]No preview yet:[/]", f"[$text-muted]{escape(first)}[/]"]
    lines = [
        "[b]Runs[/b]",
        f"[$accent]{escape(candidate.generator.description)}[/]",
        f"[$text-muted]{escape(candidate.expression)} · {escape(candidate.timezone)}[/]",
        "",
        f"[b]Next {PREVIEW_COUNT}[/b]  [$text-muted]zone · local[/]",
    ]
    try:
        fires = detail_text.next_fires(candidate, now, PREVIEW_COUNT)
    except CronError as exc:
        return [*lines, f"[$error]{escape(str(exc))}[/]"]
    if not fires:
        reason = candidate.status_reason or "never fires again"
        return [*lines, f"[$warning]none: {escape(reason)}[/]"]
    for f in fires:
        lines.append(f"{escape(f.zone_text)}  [$text-muted]{escape(f.local_text)}[/]")
        lines.append(f"  [$text-muted]{escape(relative(f.at, now))}[/]")
        if f.note:
            lines.append(f"  [$warning]⚠ {escape(f.note)}[/]")
    skipped = detail_text.skipped_by_dst(candidate, now, fires[-1].at)
    if skipped:
        shown = ", ".join(t.strftime("%m-%d %H:%M") for t in skipped[:3])
        lines.append(f"[$warning]⚠ skipped by DST: {escape(shown)}[/]")
    return lines


class PreviewPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("Preview", classes="panel-title")
        yield Static(id="preview-text")

    def show_lines(self, lines: list[str]) -> None:
        self.query_one("#preview-text", Static).update("\n".join(lines))
