"""Opening the UI (`tickwork` with no command, --demo) and `tickwork serve`.

Textual is imported only inside the functions, so `tickwork --help` stays fast.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

import click

from tickwork.cli.common import CONCURRENCY, DEFAULT_CONCURRENCY, db_option, given_db
from tickwork.cli.errors import CliError
from tickwork.store.location import Target, describe_target

TOKEN_ENV = "TICKWORK_SERVE_TOKEN"


def _db_path(ctx: click.Context, db: Target | None) -> Target:
    from tickwork.store.db import default_target

    given = given_db(ctx, db)
    return given if given is not None else default_target()


def _demo_path(ctx: click.Context) -> Path:
    """A throwaway database in a temp dir, removed when the command ends."""
    tmp = tempfile.TemporaryDirectory(prefix="tickwork-demo-")
    ctx.call_on_close(tmp.cleanup)
    return Path(tmp.name) / "demo.db"


def open_ui(
    ctx: click.Context,
    db: Target | None,
    *,
    demo: bool,
    no_runner: bool,
    sync_file: Path | None = None,
    max_concurrency: int = DEFAULT_CONCURRENCY,
) -> None:
    """Run the Textual UI on the database (or on a demo database)."""
    from tickwork.ui.app import create_app

    path = _demo_path(ctx) if demo else _db_path(ctx, db)
    app = create_app(
        path,
        runner=not no_runner,
        demo=demo,
        sync_file=sync_file,
        max_concurrency=max_concurrency,
    )
    try:
        app.run()
    finally:  # whatever ended the UI (a crash too): its runner has stopped before we exit
        app.bridge.wait_stopped()


_WILDCARD_HOSTS = ("0.0.0.0", "::", "")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0: any free."
)
@click.option(
    "--token",
    metavar="TOKEN",
    help=f"The secret the browser must present [env {TOKEN_ENV}; default: a new random one, "
    "printed once in the URL]. Prefer the env var: options are visible in ps.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The address browsers use, when it is not the listening one (a reverse proxy, "
    "another host name): https://tick.example.com/ [default: each request's own host].",
)
@click.option("--demo", is_flag=True, help="Serve a throwaway database of examples.")
@click.option("--no-runner", is_flag=True, help="Sessions run without an embedded runner.")
@click.option(
    "--max-concurrency",
    type=CONCURRENCY,
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Runs each session's embedded runner starts at once.",
)
@db_option
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    token: str | None,
    public_url: str | None,
    demo: bool,
    no_runner: bool,
    max_concurrency: int,
    db: Target | None,
) -> None:
    """Serve the UI in a web browser: one UI process per browser tab, behind a secret token.

    Whoever opens a session can run any command as you, so every request needs the token
    (printed once, in the URL; the browser then keeps an HttpOnly cookie), and websockets
    from other sites are refused.
    """
    import asyncio  # only when it runs: --help stays light
    import socket

    from tickwork.ui.serve import ServeSettings, TokenServer, check_token, new_token, origin_of

    token = token if token is not None else os.environ.get(TOKEN_ENV)
    os.environ.pop(TOKEN_ENV, None)  # the UI processes (and their jobs) never see it
    given = token is not None
    if token is None:
        token = new_token()
    problem = check_token(token)
    if problem:
        raise CliError(f"--token: {problem}")
    if public_url is not None and origin_of(public_url) is None:
        raise CliError(f"--public-url {public_url!r}: give an http(s) URL, e.g. https://host/")
    path: Target
    if demo:
        from tickwork.demo import build_demo
        from tickwork.store import Store

        path = _demo_path(ctx)
        with Store.open(path) as store:
            build_demo(store, history=True)
    else:
        path = _db_path(ctx, db)
        from tickwork.store import Store

        Store.open(path).close()  # refuse an untrusted or damaged database now, not per tab
    command = [sys.executable, "-m", "tickwork"]
    if isinstance(path, str):  # a URL: through the environment, never on a command line (ps)
        os.environ["TICKWORK_DB"] = path
    else:
        command += ["--db", str(path)]
    if no_runner:
        command.append("--no-runner")
    elif max_concurrency != DEFAULT_CONCURRENCY:
        command += ["--max-concurrency", str(max_concurrency)]
    if host in _WILDCARD_HOSTS:
        click.echo(
            f"warning: --host {host or '*'} exposes the UI, and so command execution as this "
            "user, to the network (anyone with the token); prefer 127.0.0.1 behind a TLS "
            "reverse proxy with --public-url",
            err=True,
        )
    server = TokenServer(ServeSettings(shlex.join(command), token, public_url))

    def ready(addresses: list[tuple[str, int]]) -> None:
        bound = addresses[0][1] if addresses else port
        if public_url:
            base = public_url.rstrip("/") + "/"
        else:
            shown = socket.gethostname() if host in _WILDCARD_HOSTS else host
            shown = f"[{shown}]" if ":" in shown else shown
            base = f"http://{shown}:{bound}/"
        url = base + ("?token=<token>" if given else f"?token={token}")
        listening = f"[{host}]" if ":" in host else host
        click.echo(
            f"tickwork UI on {url} (listening on {listening}:{bound}, database "
            f"{describe_target(path)}); "
            "Ctrl+C stops"
        )
        sys.stdout.flush()

    try:
        asyncio.run(server.serve(host, port, ready))
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


UI_COMMANDS: list[click.Command] = [serve]
