"""Schedules in and out: import, export, sync."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tickwork.cli.common import FilePath, db_option, open_store
from tickwork.cli.errors import CliError
from tickwork.store.location import Target

if TYPE_CHECKING:
    from tickwork.exchange.importing import ImportReport, Problem
    from tickwork.store import Store

FORMATS = click.Choice(["crontab", "json", "toml"])
STATES = click.Choice(["active", "paused", "all"])


def _read(source: str) -> str:
    """The text of FILE, or of stdin for "-"; a clear error instead of a traceback."""
    if source == "-":
        if sys.stdin.isatty():
            raise CliError(
                "reading from a terminal: pipe a file in (crontab -l | ...) or give FILE"
            )
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        if isinstance(data, str):
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise CliError(f"stdin: not UTF-8 text (an undecodable byte on line {line})") from None
    path = Path(source).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{source}: file not found") from None
    except IsADirectoryError:
        raise CliError(f"{source}: is a directory, give a file") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CliError(f"{source}: cannot read it ({exc.strerror})") from None


def _finish(
    report: ImportReport, problems: Sequence[Problem], *, dry_run: bool, strict: bool
) -> None:
    found = [*problems, *report.problems()]
    found.sort(key=lambda p: p.line)
    for line in report.lines():
        click.echo(line)
    for p in found:
        click.echo(str(p), err=True)
    if strict and found:
        raise CliError(f"{len(found)} problem(s) and --strict: nothing was written")
    # what the file held that was not imported counts as skipped too (notes do not)
    unread = sum(1 for p in problems if p.kind != "warning")
    click.echo(report.summary(unread) + (" (dry run: nothing written)" if dry_run else ""))


_common = [
    click.option("--dry-run", is_flag=True, help="Show what would change; write nothing."),
    click.option(
        "--strict", is_flag=True, help="Any problem (even a note): exit 1 and write nothing."
    ),
]


def _options(fn: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_common):
        fn = option(fn)
    return fn


@click.group("import")
def import_group() -> None:
    """Import schedules from a crontab, a JSON export or a TOML file.

    Imported schedules get new ids. One with a deduplication_key already in the database
    updates that schedule instead of adding a copy (crontab entries get one from their
    content, so importing the same crontab twice changes nothing).
    """


@import_group.command("crontab")
@click.argument("source", metavar="[FILE | -]", default="-")
@_options
@click.option(
    "--tz",
    "tz",
    metavar="TZ",
    help="Zone of the entries before any CRON_TZ line [default: this machine's zone].",
)
@click.option("--paused", is_flag=True, help="Create the new schedules paused.")
@click.option(
    "--system/--no-system",
    default=None,
    help="A system crontab: a user column before the command (found by itself if not given).",
)
@db_option
@click.pass_context
def import_crontab(
    ctx: click.Context,
    source: str,
    dry_run: bool,
    strict: bool,
    tz: str | None,
    paused: bool,
    system: bool | None,
    db: Target | None,
) -> None:
    """Import a crontab as `crontab -l` prints it (FILE, or stdin).

    A comment right above an entry names it; NAME=value lines become env (CRON_TZ/TZ set
    the zone); @reboot, '%' in commands and malformed lines are reported and skipped.
    """
    from tickwork.domain import fields
    from tickwork.exchange.crontab import local_timezone, parse_crontab
    from tickwork.exchange.importing import run_import

    default_tz = fields.timezone(tz) if tz is not None else local_timezone()
    text = _read(source)
    path = None if source == "-" else os.path.abspath(os.path.expanduser(source))
    parsed = parse_crontab(text, default_tz, system=system, path=path)
    store = open_store(ctx, db)
    click.echo(
        f"entries without CRON_TZ use {default_tz}"
        + ("" if tz else " (this machine's zone; change with --tz)")
    )
    if parsed.system:
        click.echo(
            f"a system crontab ({parsed.system}): the user column is read, and only your own "
            "user's entries are imported (--no-system if it is not one)"
        )
    problems = list(parsed.problems)
    report = run_import(
        store,
        parsed.items(),
        dry_run=dry_run or (strict and bool(problems)),
        strict=strict,
        paused=paused,
    )
    _finish(report, problems, dry_run=dry_run, strict=strict)


def _import_file(
    ctx: click.Context, fmt: str, source: str, dry_run: bool, strict: bool, db: Target | None
) -> None:
    from tickwork.exchange.formats import FileProblem, json_items, toml_items
    from tickwork.exchange.importing import run_import

    text = _read(source)
    shown = "stdin" if source == "-" else source
    try:
        items, problems = (json_items if fmt == "json" else toml_items)(text, shown)
    except FileProblem as exc:
        raise CliError(str(exc)) from None
    store = open_store(ctx, db)
    report = run_import(store, items, dry_run=dry_run or (strict and bool(problems)), strict=strict)
    _finish(report, problems, dry_run=dry_run, strict=strict)


@import_group.command("json")
@click.argument("source", metavar="FILE | -")
@_options
@db_option
@click.pass_context
def import_json(
    ctx: click.Context, source: str, dry_run: bool, strict: bool, db: Target | None
) -> None:
    """Import a list of schedule objects as `tickwork list --json` / `export --format json`
    print them. DECLARATIVE ones keep their file and key (that file's sync manages them)."""
    _import_file(ctx, "json", source, dry_run, strict, db)


@import_group.command("toml")
@click.argument("source", metavar="FILE | -")
@_options
@db_option
@click.pass_context
def import_toml(
    ctx: click.Context, source: str, dry_run: bool, strict: bool, db: Target | None
) -> None:
    """Copy the [schedules.KEY] tables of a TOML file in as ordinary (IMPERATIVE) schedules.
    To keep them managed by the file instead, use `tickwork sync FILE`."""
    _import_file(ctx, "toml", source, dry_run, strict, db)


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with a new file readable by its owner only (mkstemp: 0600)."""
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


@click.command("export")
@click.option("--format", "fmt", type=FORMATS, default="toml", show_default=True)
@click.option("--state", type=STATES, default="all", show_default=True)
@click.option(
    "-o",
    "--output",
    type=FilePath(),
    help="Write to FILE (replaced atomically) instead of stdout.",
)
@click.option(
    "--show-secrets",
    is_flag=True,
    help="Write secrets (headers, env, URL credentials, signing secrets) in full, for a file "
    "you mean to keep (-o FILE is always readable by you only).",
)
@db_option
@click.pass_context
def export_cmd(
    ctx: click.Context,
    fmt: str,
    state: str,
    output: Path | None,
    show_secrets: bool,
    db: Target | None,
) -> None:
    """Export schedules as a crontab, JSON (as list --json) or TOML (as tickwork sync reads).

    JSON and TOML keep every setting; secrets are masked (********) unless --show-secrets.
    Imported back, a masked secret keeps the one stored in the schedule it updates (same
    deduplication_key or declared key); one that matches nothing stored is refused, never
    stored as a mask. A crontab cannot hold @every intervals or http/python actions: those
    are written as comments (and reported).
    """
    from tickwork.exchange.crontab import local_timezone
    from tickwork.exchange.crontab_export import export_crontab
    from tickwork.exchange.formats import dump_json, dump_toml

    store = open_store(ctx, db)
    if output is not None and store.owns(output):
        raise CliError(f"{output} is the database itself: give another --output file")
    schedules = store.list(state, order="name")  # type: ignore[arg-type]
    what = f"{len(schedules)} schedule(s)"
    if fmt == "crontab":
        if not show_secrets:
            schedules = [s.masked() for s in schedules]
        result = export_crontab(schedules, local_timezone())
        text = result.text
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
        what = text.splitlines()[0].removeprefix("# tickwork export: ").split(". Import")[0]
    else:
        dump = dump_json if fmt == "json" else dump_toml
        text = dump(schedules, show_secrets=show_secrets)
    if output is None:
        click.echo(text, nl=False)
        return
    _write_atomic(output, text)
    click.echo(f"wrote {what} to {output} ({fmt})", err=True)


@click.command("sync")
@click.argument("file", required=False, type=FilePath())
@click.option("--dry-run", is_flag=True, help="Print the plan only.")
@click.option(
    "--prune-missing",
    is_flag=True,
    help="Also delete the schedules declared in files that no longer exist.",
)
@db_option
@click.pass_context
def sync_cmd(
    ctx: click.Context, file: Path | None, dry_run: bool, prune_missing: bool, db: Target | None
) -> None:
    """Make the database match a TOML schedules file (schedules as code).

    Prints the plan (+ create, ~ update with the changed fields, - delete), then applies it
    in one transaction. Only the DECLARATIVE schedules of FILE change; an error anywhere in
    the file (named with its line and field) changes nothing. A moved or renamed file keeps
    its schedules (see `project` in the README); --prune-missing deletes the schedules of
    files that no longer exist (FILE may then be left out).
    """
    if file is None and not prune_missing:
        raise click.UsageError("give the schedules FILE to sync (or --prune-missing)")
    store = open_store(ctx, db)
    if file is not None:
        _sync_file(store, file, dry_run)
    if prune_missing:
        _prune(store, dry_run)


def _sync_file(store: Store, file: Path, dry_run: bool) -> None:
    from tickwork.exchange.declarative import SyncError, sync

    try:
        done = sync(store, file, dry_run=dry_run)  # the plan it applied, in one transaction
    except SyncError as exc:
        for line in exc.lines()[:-1]:
            click.echo(f"error: {line}", err=True)
        raise CliError(exc.lines()[-1] + " (nothing was changed)") from None
    for line in done.lines():
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing written")
    elif done.changes:
        click.echo(
            f"synced: {done.count('create')} created, {done.count('update')} updated, "
            f"{done.count('delete')} deleted"
        )


def _prune(store: Store, dry_run: bool) -> None:
    from tickwork.exchange.declarative import prune_missing

    planned = prune_missing(store, dry_run=True)
    for line in planned.lines():
        click.echo(line)
    if dry_run or not planned.removed:
        if dry_run and planned.removed:
            click.echo("dry run: nothing written")
        return
    done = prune_missing(store)
    click.echo(f"pruned: {len(done.removed)} deleted")


IO_COMMANDS: list[click.Command] = [import_group, export_cmd, sync_cmd]
