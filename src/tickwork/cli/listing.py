"""`tickwork list`: the schedules as a table or as JSON, read as stored rows.

This module loads little (no model, validation or edits: see store.listing), so `tickwork list`
starts about as fast as the interpreter and click allow.
"""

from __future__ import annotations

import click

from tickwork.cli.common import db_option, echo_json_chunks, given_db
from tickwork.store.listing import State, open_reader, stream_rows
from tickwork.store.location import Target

STATES = click.Choice(["active", "paused", "all"])


def print_list(
    ctx: click.Context, *, state: State, search: str | None, as_json: bool, db: Target | None = None
) -> None:
    from tickwork.domain.timeutil import utcnow

    reader = open_reader(given_db(ctx, db))  # every check Store.open makes
    ctx.call_on_close(reader.close)
    if as_json:  # streamed: 100,000 schedules never sit in memory as objects
        from tickwork.store.json_columns import json_chunks
        from tickwork.store.json_lines import JSON_COLUMNS

        echo_json_chunks(json_chunks(stream_rows(reader, JSON_COLUMNS, state, search)))
    else:  # the printed columns only, no Schedule made of each row
        from tickwork.cli.output import LIST_COLUMNS, table

        click.echo(table(stream_rows(reader, LIST_COLUMNS, state, search), utcnow()))


@click.command("list")
@click.option("--state", type=STATES, default="all", show_default=True)
@click.option(
    "--search", metavar="TEXT", help="Filter on name, expression, external id, dedup key."
)
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def list_cmd(
    ctx: click.Context, state: State, search: str | None, as_json: bool, db: Target | None
) -> None:
    """List schedules, soonest next run first."""
    print_list(ctx, state=state, search=search, as_json=as_json, db=db)


LIST_COMMANDS: list[click.Command] = [list_cmd]
