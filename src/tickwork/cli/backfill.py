"""`tickwork backfill`: run every fire of a schedule in a past window, in order."""

from __future__ import annotations

from typing import Any

import click

from tickwork.cli.common import db_option, echo_json, open_store
from tickwork.cli.errors import CliError, describe_invalid
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.status import RunStatus
from tickwork.store.location import Target


@click.command("backfill")
@click.argument("ref")
@click.option("--from", "start", required=True, metavar="ISO", help="Window start (inclusive).")
@click.option("--to", "end", required=True, metavar="ISO", help="Window end (inclusive, past).")
@click.option("--dry-run", is_flag=True, help="Print the plan, queue nothing.")
@click.option("--force", is_flag=True, help="Run again the fires that already ran.")
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def backfill_cmd(
    ctx: click.Context,
    ref: str,
    start: str,
    end: str,
    dry_run: bool,
    force: bool,
    as_json: bool,
    db: Target | None,
) -> None:
    """Run every fire of REF between --from and --to (a past window), in order, through the
    runner's own path (trigger `backfill`). Fires that already ran are left out unless
    --force. A live runner starts them; without one they run here, in the foreground."""
    from tickwork.cli.runs import live_runner, run_summary
    from tickwork.domain.backfill import parse_window
    from tickwork.domain.humanize import format_local
    from tickwork.domain.timeutil import utcnow
    from tickwork.runner import Runner
    from tickwork.store.backfill import enqueue_backfill, plan_backfill

    store = open_store(ctx, db)
    s = store.resolve(ref)
    try:
        lo, hi = parse_window(start, end, utcnow())
        plan = plan_backfill(store, s, lo, hi, force=force)
    except InvalidSchedule as exc:
        raise CliError(describe_invalid(exc, {"from": "--from", "to": "--to"})) from None
    out: dict[str, Any] = {**plan.to_json(), "dry_run": dry_run, "queued": [], "ran_here": False}
    if not as_json:
        first = format_local(plan.fires[0], s.timezone) if plan.fires else "-"
        last = format_local(plan.fires[-1], s.timezone) if plan.fires else "-"
        fires = f"{len(plan.fires)} fire{'' if len(plan.fires) == 1 else 's'}"
        click.echo(f"backfill {s.name!r} ({s.id}): {fires}, first {first}, last {last}")
        if plan.already_ran:
            click.echo(
                f"  {len(plan.already_ran)} fires in the window already ran: left out "
                "(--force runs them again)"
            )
    if dry_run or not plan.fires:
        if as_json:
            echo_json(out)
        elif dry_run:
            click.echo("dry run: nothing queued")
        return
    queued = enqueue_backfill(store, plan, utcnow())
    out["queued"] = [r.id for r in queued]
    live = live_runner(store)
    if live is not None:
        if as_json:
            echo_json(out)
        else:
            click.echo(
                f"queued {len(queued)} backfill runs; the runner on {live.host} (pid {live.pid}) "
                f"starts them in order (follow with: tickwork runs {s.id})"
            )
        return
    if not as_json:
        click.echo(f"no runner is alive: running the {len(queued)} fires here, in order")
    out["ran_here"] = True
    failed = 0
    finals = []
    for run in queued:
        import asyncio  # only when it runs: --help stays light

        asyncio.run(Runner(store, mode="manual").run_one(run.id))
        final = store.runs.get(run.id)
        assert final is not None
        finals.append(final)
        failed += final.status != RunStatus.SUCCEEDED
        if not as_json:
            when = format_local(final.scheduled_for, s.timezone)
            click.echo(f"  {when}  {final.id}  {run_summary(final)}")
    if as_json:
        out["runs"] = [r.to_json(with_output=False) for r in finals]
        echo_json(out)
    if failed:
        raise CliError(f"{failed} of {len(finals)} backfill runs did not succeed")


BACKFILL_COMMANDS: list[click.Command] = [backfill_cmd]
