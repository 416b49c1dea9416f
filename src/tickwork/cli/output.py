"""Plain-text renderings of schedules for the terminal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tickwork.describe import describe
from tickwork.domain.humanize import format_local, relative
from tickwork.domain.timeutil import parse_iso

if TYPE_CHECKING:
    from tickwork.domain.model import Schedule

# What `tickwork list` prints, read straight from the stored rows (no Schedule is made): the
# stored next_run_at is what the runner fires (domain.spec computes it on every write).
LIST_COLUMNS = (
    "id",
    "name",
    "active",
    "type",
    "expression",
    "timezone",
    "next_run_at",
    "status_reason",
    "run_count",
    "max_runs",
)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _expression_line(expression: str, description: str) -> str:
    return f"{expression}  ({description})"


def schedule_line(s: Schedule) -> str:
    return _expression_line(s.generator.expression, s.generator.description)


def table(list_rows: Iterable[tuple[Any, ...]], now: datetime) -> str:
    """The rows (LIST_COLUMNS of the schedules, in order) as a table."""
    rows = [("ID", "NAME", "STATE", "SCHEDULE", "TZ", "NEXT RUN", "RUNS")]
    lines: dict[str, str] = {}  # herds share expressions, zones and instants: each made once
    times: dict[tuple[str, str], str] = {}
    for sid, name, active, kind, expr, tz, next_text, reason, run_count, max_runs in list_rows:
        state = "active" if active else "paused"
        if kind == "DECLARATIVE":
            state += "*"
        nxt = times.get((next_text, tz)) if next_text else reason or "-"
        if nxt is None:
            at = parse_iso(next_text)
            nxt = times[next_text, tz] = f"{format_local(at, tz)} ({relative(at, now)})"
        runs = f"{run_count}/{max_runs}" if max_runs else str(run_count)
        line = lines.get(expr)
        if line is None:
            line = lines[expr] = _cut(_expression_line(expr, describe(expr)), 50)
        rows.append((sid, _cut(name, 28), state, line, tz, nxt, runs))
    if len(rows) == 1:
        return "no schedules (add one with: tickwork add NAME --cron '0 9 * * *' --command '...')"
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)]
        out.append("  ".join([*cells, r[-1]]).rstrip())
    return "\n".join(out)


def detail(s: Schedule, upcoming: Sequence[datetime], now: datetime) -> str:
    s = s.masked()  # secrets are shown once, when given; never here
    p = s.policies
    a = s.action.to_json()
    lines = [
        f"{s.name}  ({s.id})",
        f"  type        {s.type}" + (f" (declared in {s.declared_in})" if s.declared_in else ""),
        f"  state       {'active' if s.active else 'paused'}"
        + (f" - {s.status_reason}" if s.status_reason and s.status_reason != "paused" else ""),
        f"  schedule    {schedule_line(s)}",
    ]
    if s.time_of_day:
        days = ",".join(str(d) for d in s.days_of_week) if s.days_of_week else "every day"
        lines.append(f"  time        {s.time_of_day} on {days}")
    lines += [
        f"  timezone    {s.timezone}",
        f"  action      {s.action.kind}: {s.action.summary()}",
    ]
    for key in ("cwd", "env", "headers", "body"):
        if a.get(key):
            lines.append(f"  {key:<11} {a[key]}")
    if s.description:
        lines.append(f"  description {s.description}")
    lines += [
        f"  runs        {s.run_count}" + (f" of max {s.max_runs}" if s.max_runs else ""),
        f"  last run    {format_local(s.last_run_at, s.timezone)}"
        + (f" ({relative(s.last_run_at, now)})" if s.last_run_at else ""),
    ]
    if s.end_at:
        lines.append(f"  end at      {format_local(s.end_at, s.timezone)}")
    if s.deduplication_key:
        lines.append(f"  dedup key   {s.deduplication_key}")
    if s.external_id:
        lines.append(f"  external id {s.external_id}")
    if s.inherit_env:
        lines.append("  environment inherited from the runner (inherit_env)")
    for hook in ("on_failure", "on_success", "on_recovery"):
        if getattr(s, hook):
            lines.append(f"  {hook:<11} {getattr(s, hook)}")
    if s.signing_secret:
        lines.append(f"  signing     {s.signing_secret} (Standard Webhooks)")
    if s.last_status:
        from tickwork.domain.status import look  # not for `tickwork list`

        lines.append(f"  last status {look(s.last_status).text()}")
    lines.append(
        f"  policies    timeout {p.timeout_seconds}s, retries {p.retries} "
        f"(backoff {p.retry_backoff_seconds}s), overlap {p.overlap}, catchup {p.catchup}, "
        f"jitter {p.jitter_seconds}s"
    )
    if p.pause_after_failures is not None or p.max_duration_warning is not None:
        pause = p.pause_after_failures
        warn = p.max_duration_warning
        lines.append(
            "  on failure  "
            + (f"pause after {pause} failed fires in a row" if pause else "never pauses")
            + f" (now {s.consecutive_failures}), "
            + (f"slow after {warn:g}s" if warn is not None else "no slow warning")
        )
    lines.append(
        f"  created     {format_local(s.created_at, 'UTC')}, updated "
        f"{format_local(s.updated_at, 'UTC')}"
    )
    if upcoming:
        lines.append("  next runs")
        for t in upcoming:
            sec = s.generator.type == "INTERVAL"
            utc = format_local(t, "UTC", seconds=sec)
            loc = format_local(t, s.timezone, seconds=sec)
            lines.append(f"    {loc}   {utc}   ({relative(t, now)})")
    else:
        lines.append("  next runs   none")
    return "\n".join(lines)
