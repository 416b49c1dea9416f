"""Timing commands: `describe` an expression, `next` fires of every active schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import click

from tickwork.cli.common import db_option, echo_json, open_store
from tickwork.cli.errors import CliError
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import iso, parse_iso, utcnow
from tickwork.store.location import Target


def _after(value: str | None) -> datetime:
    if value is None:
        return utcnow()
    try:
        parsed = parse_iso(value) if value.strip() and len(value) <= 100 else parse_iso("bad")
    except (ValueError, OverflowError):
        raise CliError(
            f'--after "{value}": use an ISO 8601 time like 2026-03-08T00:00:00-05:00'
        ) from None
    assert parsed is not None
    return parsed


@click.command("describe")
@click.argument("expression")
@click.option("--tz", "timezone", default="UTC", show_default=True, metavar="TZ")
@click.option("-n", "count", default=5, show_default=True, type=click.IntRange(1, 1000))
@click.option("--after", metavar="ISO", help="Start after this time [default: now].")
@click.option("--json", "as_json", is_flag=True)
def describe_cmd(
    expression: str, timezone: str, count: int, after: str | None, as_json: bool
) -> None:
    """Explain EXPRESSION in English and list its next runs, marking DST moves."""
    from tickwork import cron
    from tickwork.describe import describe
    from tickwork.domain import fields
    from tickwork.domain.humanize import format_local, relative

    try:
        expr = (
            fields.every(expression)
            if expression.strip().startswith("@every")
            else (fields.expression("cron", expression))
        )
        tz = fields.timezone(timezone)
    except InvalidSchedule as exc:
        e = exc.errors[0]
        label = "--tz" if e.field == "timezone" else "EXPRESSION"
        raise CliError(f'{label} "{e.value}": {e.message}') from None
    start = _after(after)
    fires = cron.next_fires(expr, tz, start, count)
    skipped = cron.skipped_between(expr, tz, start, fires[-1].at) if fires else []
    if as_json:
        echo_json(
            {
                "expression": expr,
                "description": describe(expr),
                "timezone": tz,
                "fixed_time": not cron.is_interval(expr) and cron.is_fixed_time(expr),
                "next_runs": [
                    {"at": iso(f.at), "local": f.local.isoformat(), "note": f.note} for f in fires
                ],
                "skipped_by_dst": [t.isoformat(timespec="minutes") for t in skipped],
            }
        )
        return
    click.echo(f"{expr}: {describe(expr)}")
    click.echo(f"next runs in {tz}:")
    now = utcnow()
    for f in fires:
        note = f"   <- {f.note}" if f.note else ""
        click.echo(f"  {format_local(f.at, tz)}   {iso(f.at)}   ({relative(f.at, now)}){note}")
    if not fires:
        click.echo("  none")
    if skipped:
        times = ", ".join(t.strftime("%Y-%m-%d %H:%M") for t in skipped)
        click.echo(f"skipped by DST (these local times do not exist): {times}")


@click.command("next")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(0, 24 * 366))
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def next_cmd(
    ctx: click.Context, hours: float, limit: int, as_json: bool, db: Target | None
) -> None:
    """Every fire of every active schedule in the next HOURS, time-ordered."""
    from tickwork.domain.humanize import format_local, local, relative
    from tickwork.store.fires import fires_between

    if hours != hours:  # FloatRange lets nan through
        raise click.BadParameter("nan is not a number of hours", param_hint="'--hours'")
    store = open_store(ctx, db)
    now = utcnow()
    end = now + timedelta(hours=hours)
    items: list[tuple[datetime, Schedule]] = []
    more = False

    def unreadable(s: Schedule, exc: Exception) -> None:
        click.echo(f"note: {s.name!r} ({s.id}): cannot compute its runs: {exc}", err=True)

    for pair in fires_between(store, now, end, unreadable):
        if len(items) == limit:
            more = True
            break
        items.append(pair)
    if as_json:
        as_json_of: dict[str, dict[str, Any]] = {}  # a herd shares one schedule: one to_json
        echo_json(
            [
                {
                    "at": iso(t),
                    "local": local(t, s.timezone).isoformat(),
                    "schedule_id": s.id,
                    "name": s.name,
                    "schedule": as_json_of.get(s.id) or as_json_of.setdefault(s.id, s.to_json()),
                }
                for t, s in items
            ]
        )
    else:
        if not items:
            click.echo(f"nothing fires in the next {hours:g} hours")
        for t, s in items:
            click.echo(
                f"{iso(t)}  {format_local(t, s.timezone):<22} {relative(t, now):>12}  "
                f"{s.name}  ({s.generator.expression})"
            )
    if more:
        click.echo(f"(stopped at --limit {limit}; more fires follow)", err=True)
