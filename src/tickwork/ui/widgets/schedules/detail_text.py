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
from tickwork.domain.humanize import error_headline, format_local, local, relative, seconds_words
from tickwork.domain.model import CommandAction, HttpAction, Schedule
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, look, trigger_look
from tickwork.ui import format as fmt
from tickwork.ui.times import Times, TimeShown

KEY_WIDTH = 13
NEXT_COUNT = 10


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


def last_run_words(s: Schedule, runs: list[Run], now: datetime) -> str:
    """'✗ failed · 2m ago'; a run still going says so ('▶ running · started 1s ago'), never
    'never run · 1s ago' while the first run of a schedule is under way."""
    newest = runs[0] if runs else None
    if newest is not None and newest.status == RunStatus.RUNNING:
        started = relative(newest.started_at or newest.created_at, now)
        return f"{look(newest.status).text()} · started {started}"
    if s.last_run_at is None:
        return "never"
    if s.last_status is None:
        return f"started {relative(s.last_run_at, now)}"
    return f"{look(s.last_status).text()} · {relative(s.last_run_at, now)}"


def field_lines(
    s: Schedule, now: datetime, times: Times | None = None, runs: list[Run] | None = None
) -> list[str]:
    """Every field of the schedule, one per line (times on the chosen clock, zone named;
    secrets masked: shown once, when given)."""
    s = s.masked()
    times = times or Times()
    p = s.policies
    state = "active" if s.active else "paused"
    if s.status_reason and s.status_reason != "paused":
        state += f" ({s.status_reason})"
    kind = s.type + (f" · declared in {s.declared_in}" if s.declared_in else "")
    last = last_run_words(s, runs or [], now)
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
        _row("next run", times.format(s.next_run_at, s.timezone)),
        _row("last run", last),
        _row("runs", fmt.runs_text(s) + ("" if s.max_runs else " (no max_runs)")),
        _row("end at", times.format(s.end_at, s.timezone) if s.end_at else None),
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
        *_hook_rows(s),
        _row("created", times.format(s.created_at, s.timezone), muted=True),
        _row("updated", times.format(s.updated_at, s.timezone), muted=True),
    ]


def _hook_rows(s: Schedule) -> list[str]:
    rows = [
        _row(f"on {name}", getattr(s, f"on_{name}")) for name in ("failure", "success", "recovery")
    ]
    if s.signing_secret:
        rows.append(_row("signing", f"{s.signing_secret} (masked: shown once, at saving)"))
    return rows


def next_fires(
    s: Schedule, now: datetime, count: int = NEXT_COUNT, times: Times | None = None
) -> list[NextFire]:
    """The next `count` runs (what the runner fires), in the schedule's zone and on a second
    clock: the chosen one, or this machine's when the chosen one is the schedule's."""
    second = second_clock(times)
    moments = spec.upcoming(s, now, count)
    if not moments:
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
            local_text=_second_text(t, s.timezone, seconds, second),
            note=notes.get(t),
        )
        for t in moments
    ]


def second_clock(times: Times | None) -> Times:
    """Beside the schedule's own zone: the chosen clock, or local when that is the schedule's."""
    times = times or Times()
    if times.shown == TimeShown.SCHEDULE:
        return Times(TimeShown.LOCAL, times.local_zone)
    return times


def _second_text(t: datetime, tz: str, seconds: bool, second: Times) -> str:
    """The same instant on the second clock; with the date when the day differs."""
    same_day = second.at(t).date() == local(t, tz).date()
    return second.format(t, date=not same_day, year=False, seconds=seconds)


def skipped_by_dst(s: Schedule, now: datetime, until: datetime) -> list[datetime]:
    """Wall-clock times (naive, in the schedule's zone) a DST gap swallows before `until`."""
    return cron.skipped_between(s.expression, s.timezone, now, until)


def next_lines(
    s: Schedule, now: datetime, times: Times | None = None, count: int = NEXT_COUNT
) -> list[str]:
    fires = next_fires(s, now, count, times)
    head = "[b]Next runs[/b]" if s.active else "[b]Next runs[/b] [$text-muted](if resumed)[/]"
    if not fires:
        return [head, f"[$text-muted]none: {escape(s.status_reason or 'never fires again')}[/]"]
    second = "UTC" if second_clock(times).shown == TimeShown.UTC else "local"
    lines = [head + f"  [$text-muted]{escape(s.timezone)} · {second}[/]"]
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


def run_line(run: Run, tz: str, now: datetime, times: Times | None = None) -> str:
    outcome = look(run.status)
    moment = run.started_at or run.scheduled_for
    when = (times or Times()).format(moment, tz, year=False, seconds=True, zone=False)
    took = seconds_words(run.duration) if run.duration is not None else ""
    detail = ""
    if run.exit_code not in (None, 0):
        detail = f"exit {run.exit_code}"
    elif run.http_status is not None:
        detail = f"HTTP {run.http_status}"
    if run.error:
        detail = (detail + ": " if detail else "") + error_headline(run.error)
    trigger = (
        ""
        if run.trigger == "schedule"
        else f" [$text-muted]({escape(trigger_look(run.trigger).label)})[/]"
    )
    return (
        f"[{outcome.markup}]{escape(outcome.text()):<12}[/] {escape(when)} {took:>6}"
        f"{trigger} [$text-muted]{escape(detail)}[/]"
    )


def clock_words(times: Times, tz: str) -> str:
    """What the times of one schedule are shown in: 'Europe/Paris', 'local (CET)', 'UTC'."""
    return tz if times.shown == TimeShown.SCHEDULE else times.words


def last_lines(
    s: Schedule, runs: list[Run], now: datetime, times: Times | None = None
) -> list[str]:
    times = times or Times()
    head = f"[b]Last runs[/b]  [$text-muted]{escape(clock_words(times, s.timezone))} · h: all[/]"
    if not runs:
        return [head, "[$text-muted]no runs yet[/]"]
    return [head, *(run_line(r, s.timezone, now, times) for r in runs)]
