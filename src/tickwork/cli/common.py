"""Helpers shared by the commands: opening the store, --db, JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from tickwork.store.location import Target, parse_target

if TYPE_CHECKING:
    from tickwork.store import Store

F = TypeVar("F", bound=Callable[..., Any])


class FilePath(click.Path):
    """click.Path that refuses what no file name can hold (a NUL byte) with a usage error,
    not os.stat's ValueError; files only, given as pathlib.Path."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail("a file name cannot contain a NUL byte", param, ctx)
        return super().convert(value, param, ctx)


class DatabaseParam(click.ParamType):  # type: ignore[type-arg]
    """--db / TICKWORK_DB: a file path (SQLite), or a postgresql:// URL kept as text."""

    name = "path|url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Path):
            return value
        if "\x00" in str(value):
            self.fail("a file name cannot contain a NUL byte", param, ctx)
        return parse_target(str(value))


DATABASE = DatabaseParam()
MAX_CONCURRENCY = 100_000
DEFAULT_CONCURRENCY = 8


class ConcurrencyParam(click.ParamType):  # type: ignore[type-arg]
    """--max-concurrency (`tickwork run`, and the UI's embedded runner): runs started at once."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        digits = text.lstrip("0")
        if not (text.isascii() and text.isdigit() and len(digits) <= len(str(MAX_CONCURRENCY))):
            self._refuse(text, param, ctx)
        if not 1 <= int(text) <= MAX_CONCURRENCY:
            self._refuse(text, param, ctx)
        return int(text)

    def _refuse(
        self, text: str, param: click.Parameter | None, ctx: click.Context | None
    ) -> NoReturn:
        shown = text if len(text) <= 20 else text[:20] + "…"
        self.fail(
            f"give a whole number of runs started at once, from 1 to {MAX_CONCURRENCY:,} "
            f"(default {DEFAULT_CONCURRENCY}), not {shown!r}",
            param,
            ctx,
        )


CONCURRENCY = ConcurrencyParam()


def db_option(fn: F) -> F:
    """--db on a subcommand too (`tickwork list --db x.db`), overriding the group's."""
    return click.option(
        "--db",
        "db",
        type=DATABASE,
        default=None,
        help="Database file or postgresql:// URL (overrides the global --db and TICKWORK_DB).",
    )(fn)


def given_db(ctx: click.Context, db: Target | None = None) -> Target | None:
    """The subcommand's --db, else the group's (--db or TICKWORK_DB), else None (default)."""
    root = ctx.find_root()
    found: Target | None = db or (root.obj or {}).get("db")
    return found


def open_store(ctx: click.Context, db: Target | None = None) -> Store:
    from tickwork.store import Store  # imported when a command runs, not for --help

    store = Store.open(given_db(ctx, db))
    ctx.call_on_close(store.close)
    return store


def echo_json(data: Any) -> None:
    """One object: indented. A list: one compact object per line (fast for 100,000 items)."""
    if isinstance(data, list):
        if not data:
            click.echo("[]")
            return
        body = ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in data)
        click.echo("[\n" + body + "\n]")
        return
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def echo_json_stream(items: Iterable[Any], chunk: int = 1000) -> None:
    """echo_json(list(items)), byte for byte, written as the items come."""
    echo_json_lines(map(json.JSONEncoder(ensure_ascii=False).encode, items), chunk)


def echo_json_lines(encoded: Iterable[str], chunk: int = 1000) -> None:
    """echo_json_stream() of items already encoded (each as json.dumps(item,
    ensure_ascii=False) gives it)."""
    lines: list[str] = []
    first = True
    # color=True: click would otherwise search all the text for terminal escapes to strip,
    # and JSON text holds none (an escape character inside a string is written \u001b).
    for text in encoded:
        lines.append(("[\n  " if first else ",\n  ") + text)
        first = False
        if len(lines) >= chunk:
            click.echo("".join(lines), nl=False, color=True)
            lines.clear()
    lines.append("[]\n" if first else "\n]\n")
    click.echo("".join(lines), nl=False, color=True)


def echo_json_chunks(chunks: Iterable[str]) -> None:
    """echo_json_lines() of lines that come a chunk at a time, each line of a chunk after
    ",\n  " (the first chunk's first one too)."""
    first = True
    for text in chunks:
        if not text.startswith(",\n  "):
            raise ValueError("a chunk of JSON lines starts with its separator")
        # color=True: no search for terminal escapes (see echo_json_lines)
        click.echo("[\n  " + text[4:] if first else text, nl=False, color=True)
        first = False
    click.echo("[]" if first else "\n]", color=True)
