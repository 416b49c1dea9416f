"""What the detail pane says about a schedule, as Textual markup (colours are theme variables).

The next runs come from spec.upcoming (THE next-run function); cron.next_fires adds the local
wall-clock time and DST notes for the same instants, cron.skipped_between the times a DST gap ate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.markup import escape

from tickwork import cron
from tickwork.domain import spec
from tickwork.domain.humanize import format_local, local, relative
from tickwork.domain.model import CommandAction, HttpAction, Schedule
from tickwork.domain.runs import Run
from tickwork.ui import format as fmt

KEY_WIDTH = 13
NEXT_COUNT = 10
_KIND_COLOUR = {"ok": "$success", "failed": "$error", "running": "$warning", "muted": "$text-muted"}


@dataclass(frozen=True)
class NextFire:
    at: datetime
    zone_text: str  # in the schedule's zone
    local_text: str  # in this machine's zone
    note: str | None


def _row(key: str, value: object, *, muted: bool = False) -> str:
    text = escape(str(value)) if value not in (None, "") else "[$text-muted]-[/]"
    if muted:
        text = f"[$text-muted]{text}[/]"
    return f"[b]{key:<{KEY_WIDTH}}[/b]{text}"


def _action_rows(s: Schedule) -> list[str]:
    a = s.action
    rows = [_row("action", f"{a.kind}: {a.summary()}")]
    if isinstance(a, CommandAction):
        if a.cwd:
            rows.append(_row("  cwd", a.cwd))
        for key, value in sorted(a.env.items()):
            rows.append(_row("  env", f"{key}={value}"))
    elif isinstance(a, HttpAction):
        for key, value in sorted(a.headers.items()):
            rows.append(_row("  header", f"{key}: {value}"))
        if a.body is not None:
            rows.append(_row("  body", a.body if len(a.body) < 60 else a.body[:59] + "…"))
    return rows


def field_lines(s: Schedule, now: datetime) -> list[str]:
    """Every field of the schedule, one per line (secrets masked: shown once, when given)."""
    s = s.masked()
    p = s.policies
    state = "active" if s.active else "paused"
    if s.status_reason and s.status_reason != "paused":
        state += f" ({s.status_reason})"
    kind = s.type + (f" · declared in {s.declared_in}" if s.declared_in else "")
    last = (
        f"{fmt.status_words(s.last_status)} · {relative(s.last_run_at, now)}"
        if s.last_run_at
        else "never"
    )
    days = ",".join(str(d) for d in s.days_of_week) if s.days_of_week else None
    return [
        f"[b $accent]{escape(s.name)}[/]  [$text-muted]{escape(s.id)}[/]",
        _row("description", s.description),
        _row("type", kind),
        _row("state", state),
        _row("schedule", f"{s.expression} · {s.generator.description}"),
        _row("time of day", s.time_of_day) + (f"  days {escape(days)}" if days else ""),
        _row("timezone", s.timezone),
        *_action_rows(s),
        _row("next run", format_local(s.next_run_at, s.timezone)),
        _row("last run", last),
        _row("runs", fmt.runs_text(s) + ("" if s.max_runs else " (no max_runs)")),
        _row("end at", format_local(s.end_at, s.timezone) if s.end_at else None),
        _row("dedup key", s.deduplication_key),
        _row("external id", s.external_id),
        _row(
            "timeout",
            f"{p.timeout_seconds:g}s · retries {p.retries} · backoff {p.retry_backoff_seconds:g}s",
        ),
        _row(
            "policies",
            f"overlap {p.overlap} · catchup {p.catchup} · jitter {p.jitter_seconds:g}s",
        ),
        _row("created", format_local(s.created_at, s.timezone), muted=True),
        _row("updated", format_local(s.updated_at, s.timezone), muted=True),
    ]


def next_fires(s: Schedule, now: datetime, count: int = NEXT_COUNT) -> list[NextFire]:
    """The next `count` runs (what the runner fires), in the schedule's zone and locally."""
    times = spec.upcoming(s, now, count)
    if not times:
        return []
    notes = {
        f.at: f.note
        for f in cron.next_fires(s.expression, s.timezone, now, count, anchor=s.anchor_at)
    }
    seconds = s.generator.type == "INTERVAL"
    return [
        NextFire(
            at=t,
            zone_text=format_local(t, s.timezone, seconds=seconds),
            local_text=_local_text(t, s.timezone, seconds),
            note=notes.get(t),
        )
        for t in times
    ]


def _local_text(t: datetime, tz: str, seconds: bool) -> str:
    """The same instant on this machine's clock; with the date when the day differs."""
    here = t.astimezone()
    there = local(t, tz)
    fmt = "%H:%M:%S %Z" if seconds else "%H:%M %Z"
    return here.strftime(fmt if here.date() == there.date() else "%m-%d " + fmt)


def skipped_by_dst(s: Schedule, now: datetime, until: datetime) -> list[datetime]:
    """Wall-clock times (naive, in the schedule's zone) a DST gap swallows before `until`."""
    return cron.skipped_between(s.expression, s.timezone, now, until)


def next_lines(s: Schedule, now: datetime) -> list[str]:
    fires = next_fires(s, now)
    head = "[b]Next runs[/b]" if s.active else "[b]Next runs[/b] [$text-muted](if resumed)[/]"
    if not fires:
        return [head, f"[$text-muted]none: {escape(s.status_reason or 'never fires again')}[/]"]
    lines = [head + f"  [$text-muted]zone {escape(s.timezone)} · local[/]"]
    for f in fires:
        lines.append(f"{escape(f.zone_text)}  [$text-muted]{escape(f.local_text)}[/]")
        if f.note:
            lines.append(f"  [$warning]⚠ {escape(f.note)}[/]")
    skipped = skipped_by_dst(s, now, fires[-1].at)
    if skipped:
        shown = ", ".join(t.strftime("%m-%d %H:%M") for t in skipped[:4])
        more = f" +{len(skipped) - 4}" if len(skipped) > 4 else ""
        lines.append(f"[$warning]⚠ skipped by DST (no such time): {escape(shown)}{more}[/]")
    return lines


def run_line(run: Run, tz: str, now: datetime) -> str:
    kind = fmt.outcome_kind(run.status)
    colour = _KIND_COLOUR[kind]
    when = format_local(run.started_at or run.scheduled_for, tz, seconds=True)[5:19]
    took = f"{run.duration:.1f}s" if run.duration is not None else ""
    detail = ""
    if run.exit_code not in (None, 0):
        detail = f"exit {run.exit_code}"
    elif run.http_status is not None:
        detail = f"HTTP {run.http_status}"
    if run.error:
        detail = (detail + ": " if detail else "") + run.error
    trigger = "" if run.trigger == "schedule" else f" [$text-muted]({escape(run.trigger)})[/]"
    status = f"{fmt.outcome_icon(run.status)} {fmt.status_words(run.status)}"
    return (
        f"[{colour}]{escape(status):<11}[/] {escape(when)} {took:>6}"
        f"{trigger} [$text-muted]{escape(detail)}[/]"
    )


def last_lines(s: Schedule, runs: list[Run], now: datetime) -> list[str]:
    head = "[b]Last runs[/b]  [$text-muted]h: full history[/]"
    if not runs:
        return [head, "[$text-muted]no runs yet[/]"]
    return [head, *(run_line(r, s.timezone, now) for r in runs)]
