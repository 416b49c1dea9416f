"""The `tickwork` command. Importing this module must not import Textual (keeps --help fast)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from tickwork import __version__
from tickwork.cli.backfill import BACKFILL_COMMANDS
from tickwork.cli.common import DATABASE, FilePath
from tickwork.cli.doctor import DOCTOR_COMMANDS
from tickwork.cli.errors import translate
from tickwork.cli.io_cmds import IO_COMMANDS
from tickwork.cli.runs import RUNNER_COMMANDS
from tickwork.cli.schedules import SCHEDULE_COMMANDS
from tickwork.cli.ui_cmd import UI_COMMANDS, open_ui
from tickwork.store.location import Target
from tickwork.store.ownership import ALLOW_SHARED_ENV


class TickworkGroup(click.Group):
    """Turns domain and store errors into one `error:` line and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            mapped = translate(exc)
            if mapped is None:
                raise
            raise mapped from None


@click.group(cls=TickworkGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db",
    type=DATABASE,
    envvar="TICKWORK_DB",
    help="Database file, or postgresql://user@host/db for runners on several hosts "
    "[env TICKWORK_DB; default ~/.local/share/tickwork/tickwork.db].",
)
@click.option(
    "--allow-shared-db",
    is_flag=True,
    help="Open a database that other users own or can write (it can run their commands as "
    "you) [env TICKWORK_ALLOW_SHARED_DB=1].",
)
@click.option("--demo", is_flag=True, help="Open the UI on a throwaway database of examples.")
@click.option("--no-runner", is_flag=True, help="Open the UI without its embedded runner.")
@click.option(
    "--sync",
    "sync_file",
    type=FilePath(),
    help="Keep the schedules of this tickwork.toml synced while the UI runs.",
)
@click.version_option(__version__, prog_name="tickwork")
@click.pass_context
def cli(
    ctx: click.Context,
    db: Target | None,
    allow_shared_db: bool,
    demo: bool,
    no_runner: bool,
    sync_file: Path | None,
) -> None:
    """tickwork: cron schedules in a local SQLite file, a terminal UI and a runner.

    Run without a command to open the UI.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    if allow_shared_db:  # read where the database is opened (also by `serve`'s UI processes)
        os.environ[ALLOW_SHARED_ENV] = "1"
    if ctx.invoked_subcommand is None:
        open_ui(ctx, db, demo=demo, no_runner=no_runner, sync_file=sync_file)


for _command in [
    *SCHEDULE_COMMANDS,
    *RUNNER_COMMANDS,
    *BACKFILL_COMMANDS,
    *DOCTOR_COMMANDS,
    *IO_COMMANDS,
    *UI_COMMANDS,
]:
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="tickwork")
