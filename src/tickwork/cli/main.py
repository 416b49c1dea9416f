"""The `tickwork` command. Importing this module must not import Textual (keeps --help fast)."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from tickwork import __version__
from tickwork.cli.common import CONCURRENCY, DATABASE, DEFAULT_CONCURRENCY, FilePath
from tickwork.cli.errors import translate
from tickwork.store.location import Target
from tickwork.store.ownership import ALLOW_SHARED_ENV

# The modules of the commands, each with its list of them. A command's module (and what it
# imports) is loaded when that command runs: `tickwork list` never imports the runner's.
COMMAND_MODULES = {
    "tickwork.cli.listing": "LIST_COMMANDS",
    "tickwork.cli.schedules": "SCHEDULE_COMMANDS",
    "tickwork.cli.runs": "RUNNER_COMMANDS",
    "tickwork.cli.backfill": "BACKFILL_COMMANDS",
    "tickwork.cli.doctor": "DOCTOR_COMMANDS",
    "tickwork.cli.io_cmds": "IO_COMMANDS",
    "tickwork.cli.ui_cmd": "UI_COMMANDS",
}
# Where each command is, to load only its module; a name missing here loads them all (so a
# command added to a module's list works before it is added here, only slower).
COMMAND_HOME = {
    **dict.fromkeys(
        ["add", "show", "edit", "pause", "resume", "deactivate", "activate", "delete"],
        "tickwork.cli.schedules",
    ),
    "list": "tickwork.cli.listing",
    "describe": "tickwork.cli.schedules",
    "next": "tickwork.cli.schedules",
    **dict.fromkeys(["run", "trigger", "runs", "run-show"], "tickwork.cli.runs"),
    "backfill": "tickwork.cli.backfill",
    "doctor": "tickwork.cli.doctor",
    **dict.fromkeys(["import", "export", "sync"], "tickwork.cli.io_cmds"),
    "serve": "tickwork.cli.ui_cmd",
}


class TickworkGroup(click.Group):
    """Turns domain and store errors into one `error:` line and exit 1, never a traceback.
    Loads the commands' modules lazily (see COMMAND_MODULES)."""

    def _load(self, module: str) -> None:
        for command in getattr(importlib.import_module(module), COMMAND_MODULES[module]):
            self.commands.setdefault(command.name or "", command)

    def _load_all(self) -> None:
        for module in COMMAND_MODULES:
            self._load(module)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            home = COMMAND_HOME.get(cmd_name)
            if home is not None:
                self._load(home)
            if cmd_name not in self.commands:
                self._load_all()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return super().list_commands(ctx)

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
    "--max-concurrency",
    type=CONCURRENCY,
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Runs the UI's embedded runner starts at once (as `tickwork run --max-concurrency`).",
)
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
    max_concurrency: int,
    sync_file: Path | None,
) -> None:
    """tickwork: cron schedules in a local SQLite file, a terminal UI and a runner.

    Run without a command to open the UI.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    if allow_shared_db:  # read where the database is opened (also by `serve`'s UI processes)
        os.environ[ALLOW_SHARED_ENV] = "1"
    given = ctx.get_parameter_source("max_concurrency") == ParameterSource.COMMANDLINE
    if given and ctx.invoked_subcommand is not None:  # not silently ignored
        raise click.UsageError(
            f"--max-concurrency before `{ctx.invoked_subcommand}` is the UI's embedded "
            "runner's: for the headless runner give it after `run` "
            "(tickwork run --max-concurrency N)"
        )
    if ctx.invoked_subcommand is None:
        from tickwork.cli.ui_cmd import open_ui

        open_ui(
            ctx,
            db,
            demo=demo,
            no_runner=no_runner,
            sync_file=sync_file,
            max_concurrency=max_concurrency,
        )


def main() -> None:
    cli(prog_name="tickwork")
