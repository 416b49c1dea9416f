"""`tickwork doctor`: the database, the runners, overdue and invalid schedules, time zone data,
clocks and the service unit, one line each with the fix."""

from __future__ import annotations

from pathlib import Path

import click

from tickwork.cli.common import db_option, echo_json, given_db
from tickwork.cli.errors import CliError
from tickwork.store.location import Target

MARK = {"ok": "ok     ", "warning": "warning", "error": "error  "}


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def doctor_cmd(ctx: click.Context, as_json: bool, db: Target | None) -> None:
    """Check the database, the runners and the setup; exit 1 if any check is an error."""
    from tickwork.domain.timeutil import utcnow
    from tickwork.runner.doctor import Check, run_checks, summary, unit_paths
    from tickwork.store import Store, StoreError
    from tickwork.store.db import default_target

    path = given_db(ctx, db) or default_target()
    now = utcnow()
    if isinstance(path, Path) and not path.exists():
        checks = [
            Check(
                "database",
                "error",
                f"no database at {path}",
                "`tickwork add` or `tickwork import` creates it; or pass --db / TICKWORK_DB",
            )
        ]
    else:
        try:
            with Store.open(path) as store:
                checks = run_checks(store, now, units=unit_paths(Path.home()))
        except StoreError as exc:
            checks = [Check("database", "error", str(exc), "see the message; pass another --db")]
    result = summary(checks, now)
    if as_json:
        echo_json(result)
    else:
        for c in checks:
            click.echo(f"{MARK[c.level]}  {c.name:<9} {c.message}")
            if c.fix and c.level != "ok":
                click.echo(f"{'':<9}  {'':<9} fix: {c.fix}")
    if result["status"] == "error":
        raise CliError(f"{sum(c.level == 'error' for c in checks)} check(s) failed (see above)")


DOCTOR_COMMANDS: list[click.Command] = [doctor_cmd]
