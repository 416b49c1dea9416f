"""Opening the UI (`tickwork` with no command, --demo) and `tickwork serve`.

Textual is imported only inside the functions, so `tickwork --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

UI_COMMANDS: list[click.Command] = []


def open_ui(ctx: click.Context, db: Path | None, *, demo: bool, no_runner: bool) -> None:
    """Placeholder until the UI lands: print the schedule list."""
    from tickwork.cli.schedules import print_list

    print_list(ctx, state="all", search=None, as_json=False, db=db)
