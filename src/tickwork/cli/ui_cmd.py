"""Opening the UI (`tickwork` with no command, --demo) and `tickwork serve`.

Textual is imported only inside the functions, so `tickwork --help` stays fast.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from tickwork.cli.common import db_option


def _db_path(ctx: click.Context, db: Path | None) -> Path:
    from tickwork.store import default_db_path

    root = ctx.find_root()
    given = db or (root.obj or {}).get("db")
    return Path(given).expanduser() if given is not None else default_db_path()


def _demo_path(ctx: click.Context) -> Path:
    """A throwaway database in a temp dir, removed when the command ends."""
    tmp = tempfile.TemporaryDirectory(prefix="tickwork-demo-")
    ctx.call_on_close(tmp.cleanup)
    return Path(tmp.name) / "demo.db"


def open_ui(
    ctx: click.Context,
    db: Path | None,
    *,
    demo: bool,
    no_runner: bool,
    sync_file: Path | None = None,
) -> None:
    """Run the Textual UI on the database (or on a demo database)."""
    from tickwork.ui.app import create_app

    path = _demo_path(ctx) if demo else _db_path(ctx, db)
    app = create_app(path, runner=not no_runner, demo=demo, sync_file=sync_file)
    app.run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--demo", is_flag=True, help="Serve a throwaway database of examples.")
@click.option("--no-runner", is_flag=True, help="Sessions run without an embedded runner.")
@db_option
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, demo: bool, no_runner: bool, db: Path | None
) -> None:
    """Serve the UI in a web browser (textual-serve): one UI process per browser tab."""
    from tickwork.ui.serve import serve_in_browser

    if demo:
        from tickwork.demo import build_demo
        from tickwork.store import Store

        path = _demo_path(ctx)
        with Store.open(path) as store:
            build_demo(store, history=True)
    else:
        path = _db_path(ctx, db)
    command = [sys.executable, "-m", "tickwork", "--db", str(path)]
    if no_runner:
        command.append("--no-runner")
    click.echo(f"tickwork UI on http://{host}:{port} (database {path}); Ctrl+C stops")
    serve_in_browser(command, host=host, port=port)


UI_COMMANDS: list[click.Command] = [serve]
