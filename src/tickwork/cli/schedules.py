"""Schedule commands: add, list, show, edit, pause/resume/deactivate/activate, delete."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tickwork.cli.common import db_option, echo_json, open_store
from tickwork.cli.errors import CliError
from tickwork.cli.schedule_options import CLEARABLE, schedule_options, to_fields
from tickwork.cli.timing import describe_cmd, next_cmd
from tickwork.domain.model import Schedule
from tickwork.store.location import Target


def upcoming_or_note(s: Schedule, now: datetime, count: int) -> list[datetime]:
    """The next runs of an active schedule; a stored expression this version cannot read
    gives none and a note on stderr (readers go on; the runner sets such a schedule aside)."""
    from tickwork.cron import CronError
    from tickwork.domain import spec

    if not s.active or count <= 0:
        return []
    try:
        return spec.upcoming(s, now, count)
    except CronError as exc:
        click.echo(f"note: {s.name!r} ({s.id}): cannot compute its next runs: {exc}", err=True)
        return []


def _show_json(s: Schedule, upcoming_count: int = 0, secret: str | None = None) -> dict[str, Any]:
    out = s.to_json()
    if secret:  # shown once, when it is made; masked everywhere after
        out["signing_secret"] = secret
    if upcoming_count:
        from tickwork.domain.timeutil import iso, utcnow

        out["upcoming"] = [iso(t) for t in upcoming_or_note(s, utcnow(), upcoming_count)]
    return out


@click.command()
@click.argument("name")
@schedule_options
@click.option("--paused", is_flag=True, help="Create it paused.")
@click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON.")
@db_option
@click.pass_context
def add(
    ctx: click.Context, /, name: str, paused: bool, as_json: bool, db: Target | None, **opts: Any
) -> None:
    """Add a schedule (or update the one with the same --dedup-key)."""
    data = to_fields(opts, creating=True)
    data["name"] = name
    if paused:
        data["active"] = False
    store = open_store(ctx, db)
    result = store.create(data)
    s = result.schedule
    if as_json:
        echo_json(_show_json(s, secret=data.get("signing_secret")))
        return
    verb = "added" if result.created else f"updated (same dedup key {s.deduplication_key!r})"
    nxt = f", next run {s.next_run_at.isoformat()}" if s.next_run_at else ""
    click.echo(
        f"{verb} {s.name!r} ({s.id}): {s.generator.expression} - {s.generator.description}{nxt}"
    )
    _show_secret_once(data)


def _show_secret_once(data: dict[str, Any]) -> None:
    if data.get("signing_secret"):
        click.echo(f"signing secret (shown once, keep it safe): {data['signing_secret']}")


@click.command()
@click.argument("ref")
@schedule_options
@click.option("--name", "new_name", metavar="NAME", help="Rename.")
@click.option(
    "--clear",
    multiple=True,
    type=click.Choice(sorted(CLEARABLE)),
    help="Remove a value (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON.")
@db_option
@click.pass_context
def edit(
    ctx: click.Context,
    /,
    ref: str,
    new_name: str | None,
    clear: tuple[str, ...],
    as_json: bool,
    db: Target | None,
    **opts: Any,
) -> None:
    """Change some fields of a schedule; the others stay as they are."""
    data = to_fields(opts, creating=False)
    if new_name is not None and not new_name.strip():
        raise CliError("--name: is empty: give the new name")
    if new_name is not None:
        data["name"] = new_name
    for c in clear:
        data[CLEARABLE[c]] = None
    if not data:
        raise CliError("nothing to change: give at least one option (see tickwork edit --help)")
    store = open_store(ctx, db)
    target = store.resolve(ref)
    missing_file_hint(target)
    s = store.update(target.id, data)
    if as_json:
        echo_json(_show_json(s, secret=data.get("signing_secret")))
    else:
        click.echo(f"updated {s.name!r} ({s.id})")
        _show_secret_once(data)


@click.command()
@click.argument("ref")
@click.option(
    "-n",
    "count",
    default=5,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="How many next runs.",
)
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def show(ctx: click.Context, ref: str, count: int, as_json: bool, db: Target | None) -> None:
    """Show one schedule with its next runs."""
    from tickwork.cli.output import detail
    from tickwork.domain.timeutil import utcnow

    store = open_store(ctx, db)
    s = store.resolve(ref)
    if as_json:
        echo_json(_show_json(s, count))
        return
    now = utcnow()
    click.echo(detail(s, upcoming_or_note(s, now, count), now))


def _state_command(name: str, active: bool, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("ref")
    @click.option("--json", "as_json", is_flag=True)
    @db_option
    @click.pass_context
    def command(ctx: click.Context, ref: str, as_json: bool, db: Target | None) -> None:
        store = open_store(ctx, db)
        target = store.resolve(ref)
        missing_file_hint(target)
        verb = {"pause": "paused", "resume": "resumed"}.get(name, name + "d")
        s, changed = store.set_active(target.id, active, verb=verb)
        if as_json:
            echo_json(_show_json(s))
        elif changed:
            nxt = f", next run {s.next_run_at.isoformat()}" if s.next_run_at else ""
            click.echo(f"{verb} {s.name!r} ({s.id}){nxt}")
        else:
            state = "active" if active else "paused"
            click.echo(f"{s.name!r} ({s.id}) is already {state}: nothing changed")

    return command


pause = _state_command("pause", False, "Pause a schedule (the runner ignores it). Idempotent.")
resume = _state_command("resume", True, "Resume a paused schedule from now (no backlog).")
deactivate = _state_command("deactivate", False, "Same as pause (IMPERATIVE schedules only).")
activate = _state_command("activate", True, "Same as resume (IMPERATIVE schedules only).")


def missing_file_hint(s: Schedule) -> None:
    """A DECLARATIVE schedule whose file no longer exists: say how to remove it."""
    if s.type != "DECLARATIVE" or not s.declared_in or Path(s.declared_in).exists():
        return
    raise CliError(
        f"{s.name!r} is DECLARATIVE, declared in {s.declared_in}, which no longer exists: "
        f"delete it with tickwork delete --force {s.id} (or the schedules of every missing "
        "file with tickwork sync --prune-missing)"
    )


@click.command()
@click.argument("ref")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@click.option(
    "--force",
    is_flag=True,
    help="Also delete a DECLARATIVE schedule (its file declares it again at its next sync).",
)
@db_option
@click.pass_context
def delete(ctx: click.Context, ref: str, yes: bool, force: bool, db: Target | None) -> None:
    """Delete a schedule (asks first unless --yes)."""
    store = open_store(ctx, db)
    s = store.resolve(ref)
    if s.type == "DECLARATIVE" and not force:
        missing_file_hint(s)
    if s.type == "DECLARATIVE" and force:
        gone = not s.declared_in or not Path(s.declared_in).exists()
        click.echo(
            f"warning: {s.name!r} is DECLARATIVE, declared in {s.declared_in}"
            + (
                " (that file no longer exists)"
                if gone
                else ": that file still declares it, so its next tickwork sync creates it "
                "again; remove it from the file instead"
            ),
            err=True,
        )
    if not yes:
        if not sys.stdin.isatty():
            raise CliError(f"not deleting {s.name!r} ({s.id}) without --yes (no terminal to ask)")
        if not click.confirm(f"Delete {s.name!r} ({s.id})?", default=False):
            raise CliError("not deleted")
    store.delete(s.id, force=force)
    click.echo(f"deleted {s.name!r} ({s.id})")


SCHEDULE_COMMANDS: list[click.Command] = [  # `list` is in cli.listing (it loads less)
    add,
    show,
    edit,
    pause,
    resume,
    deactivate,
    activate,
    delete,
    describe_cmd,
    next_cmd,
]
