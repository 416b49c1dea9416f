"""JSON and TOML files of schedules: writing them, reading them, and where a TOML key is.

JSON is the list of `tickwork list --json` objects. TOML is the schedules-as-code format:
one ``[schedules.KEY]`` table per schedule with the schedule's own field names (see
:mod:`tickwork.exchange.entries`); the same file works with `tickwork sync` (DECLARATIVE)
and `tickwork import toml` (IMPERATIVE copies).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

import tomli_w

from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import utcnow
from tickwork.exchange.entries import (
    ENTRY_NAME_FOR,
    entry_to_input,
    json_to_input,
    schedule_to_entry,
)
from tickwork.exchange.importing import ImportItem, Problem
from tickwork.exchange.reconcile import desired

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
TOP_LEVEL = ("schedules", "project")  # project: see tickwork.exchange.declarative
_TOML_LINE = re.compile(r"at line (\d+), column (\d+)")
TOML_HEADER = (
    "# tickwork schedules, one [schedules.KEY] table each.\n"
    "# `tickwork sync FILE` makes the database match this file (DECLARATIVE schedules);\n"
    "# `tickwork import toml FILE` copies them in as ordinary (IMPERATIVE) schedules.\n"
)


class FileProblem(ValueError):
    """A file that cannot be read as a whole: names the file, the line and the field."""

    def __init__(
        self, path: str, message: str, line: int | None = None, field: str | None = None
    ) -> None:
        self.path, self.message, self.line, self.field = path, message, line, field
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


# --------------------------------------------------------------------------- writing


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _value(key)


def _value(value: Any) -> str:
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].rstrip("\n")


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return text[:60].strip("-") or "schedule"


def toml_keys(schedules: Sequence[Schedule]) -> list[str]:
    """A unique key per schedule: its declared key, else a slug of its name (-2, -3 if taken)."""
    keys: list[str] = []
    taken = {s.declared_key for s in schedules if s.declared_key}
    for s in schedules:
        if s.declared_key:
            keys.append(s.declared_key)
            continue
        base = key = slug(s.name)
        n = 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        taken.add(key)
        keys.append(key)
    return keys


def dump_toml(schedules: Sequence[Schedule], *, show_secrets: bool = False) -> str:
    """Secrets masked (``********``) unless ``show_secrets``."""
    parts = [TOML_HEADER]
    pairs = sorted(zip(toml_keys(schedules), schedules, strict=True), key=lambda p: p[0])
    for key, s in pairs:
        entry = schedule_to_entry(s, show_secrets=show_secrets)
        if entry["name"] == key:
            del entry["name"]
        lines = [f"[schedules.{_key(key)}]"]
        lines += [f"{k} = {_value(v)}" for k, v in entry.items()]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def dump_json(schedules: Sequence[Schedule], *, show_secrets: bool = False) -> str:
    """The `list --json` form: one compact object per line, ordered by name; secrets masked
    unless ``show_secrets``."""
    ordered = sorted(schedules, key=lambda s: (s.name, s.id))
    if not ordered:
        return "[]\n"
    body = ",\n".join(
        "  " + json.dumps(s.to_json(show_secrets=show_secrets), ensure_ascii=False) for s in ordered
    )
    return "[\n" + body + "\n]\n"


# --------------------------------------------------------------------------- reading TOML


def _split_key(text: str) -> list[str]:
    """A dotted TOML key -> its parts (bare, "basic" or 'literal')."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in "\"'":
            quote, j = text[i], i + 1
            while j < n and text[j] != quote:
                j += 2 if quote == '"' and text[j] == "\\" else 1
            raw = text[i : j + 1]
            try:
                parts.append(json.loads(raw) if quote == '"' else raw[1:-1])
            except json.JSONDecodeError:
                parts.append(raw[1:-1])
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in ". \t":
                j += 1
            parts.append(text[i:j])
            i = j
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
    return parts


_TABLE = re.compile(r"^\s*\[(?!\[)(.+?)\]\s*(#.*)?$")
_ASSIGN = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
    r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)


class Locator:
    """Where each key of a TOML text is first defined (tomllib gives no positions): one pass
    over the text, then each question is a lookup, so locating every field of every table
    stays linear in the file."""

    def __init__(self, text: str) -> None:
        self.first: dict[tuple[str, ...], int] = {}
        self.inline: dict[tuple[str, ...], int] = {}  # `KEY = { ... }` two levels down
        table: list[str] = []
        for n, line in enumerate(text.splitlines(), start=1):
            m = _TABLE.match(line)
            if m:
                table = _split_key(m.group(1))
                self._mark(tuple(table), n)
                continue
            m = _ASSIGN.match(line)
            if m:
                full = tuple(table + _split_key(m.group(1)))
                self._mark(full, n)
                if len(full) == 2:
                    self.inline.setdefault(full, n)

    def _mark(self, full: tuple[str, ...], n: int) -> None:
        for size in range(1, len(full) + 1):
            self.first.setdefault(full[:size], n)

    def line(self, *path: str) -> int | None:
        """The first line (1-based) that defines ``path`` (e.g. "schedules", KEY, "cron"): a
        table header, a dotted key or a key inside its table."""
        found = [self.first.get(path)]
        if len(path) == 3:
            found.append(self.inline.get(path[:2]))
        lines = [n for n in found if n is not None]
        return min(lines) if lines else None


def locate(text: str, *path: str) -> int | None:
    """The first line (1-based) that defines ``path`` (one question; see :class:`Locator`)."""
    return Locator(text).line(*path)


def load_toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        message = _TOML_LINE.sub("", str(exc)).strip(" ()") + " (not valid TOML)"
        raise FileProblem(path, message, int(m.group(1)) if m else None) from None
    except RecursionError:
        raise FileProblem(
            path, "tables or lists are nested too deeply (not a schedules file)"
        ) from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise FileProblem(path, f"cannot be read: {exc}"[:200]) from None


def toml_tables(
    text: str, path: str, where: Locator | None = None, data: dict[str, Any] | None = None
) -> list[tuple[str, dict[str, Any], int | None]]:
    """(key, entry, line) of each [schedules.KEY] table; FileProblem if the layout is wrong.
    ``data``: the text already parsed (by load_toml)."""
    data = load_toml(text, path) if data is None else data
    where = where or Locator(text)
    for top in data:
        if top not in TOP_LEVEL:
            raise FileProblem(
                path,
                f"unknown top-level key {top!r}: declare schedules as [schedules.NAME] tables"
                + (' (and optionally project = "NAME")' if top != "project" else ""),
                where.line(top),
                top,
            )
    schedules = data.get("schedules", {})
    if not isinstance(schedules, dict):
        raise FileProblem(
            path,
            "must be a table of [schedules.NAME] tables",
            where.line("schedules"),
            "schedules",
        )
    out: list[tuple[str, dict[str, Any], int | None]] = []
    for key, entry in schedules.items():
        line = where.line("schedules", key)
        if not isinstance(entry, dict):
            raise FileProblem(
                path,
                "must be a table: [schedules.NAME] then field = value lines",
                line,
                f"schedules.{key}",
            )
        out.append((key, entry, line))
    return out


def entry_problem(
    where: Locator, key: str, line: int | None, exc: InvalidSchedule
) -> tuple[int | None, str, str]:
    """(line, field, message) for the first error of one entry."""
    e = exc.errors[0]
    name = ENTRY_NAME_FOR.get(e.field, e.field)
    at = where.line("schedules", key, name) or line
    return at, f"schedules.{key}.{name}", e.message


def toml_items(text: str, path: str) -> tuple[list[ImportItem], list[Problem]]:
    """`import toml`: the entries as IMPERATIVE items; a bad entry is a problem, not fatal."""
    items: list[ImportItem] = []
    problems: list[Problem] = []
    now = utcnow()
    where = Locator(text)
    for key, entry, line in toml_tables(text, path, where):
        label = f"schedules.{key}" + (f" (line {line})" if line else "")
        try:
            data = entry_to_input(entry, default_name=key)
            desired(data, now)  # every field checked here, to report the field's line
        except InvalidSchedule as exc:
            at, field, message = entry_problem(where, key, line, exc)
            label = f"line {at}: {field}" if at else field
            problems.append(Problem(label, message, "error", at or 0))
            continue
        items.append(ImportItem(label, data, line=line or 0))
    return items, problems


# --------------------------------------------------------------------------- reading JSON


def json_items(text: str, path: str) -> tuple[list[ImportItem], list[Problem]]:
    """`import json`: a list of `list --json` objects. DECLARATIVE ones keep their file and key
    (a later sync of that file adopts them); everything else is IMPERATIVE."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise FileProblem(
            path, "lists or objects are nested too deeply (not a schedules file)"
        ) from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise FileProblem(path, f"cannot be read: {exc}"[:200]) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise FileProblem(path, "expected a list of schedule objects (as list --json prints)")
    items: list[ImportItem] = []
    problems: list[Problem] = []
    for n, obj in enumerate(data, start=1):
        name = obj.get("name") if isinstance(obj, dict) else None
        label = f"item {n}" + (f" ({name})" if isinstance(name, str) else "")
        if not isinstance(obj, dict):
            problems.append(Problem(label, "not a schedule object", "error", n))
            continue
        try:
            fields = json_to_input(obj)
        except InvalidSchedule as exc:
            e = exc.errors[0]
            problems.append(Problem(label, f"{e.field}: {e.message}", "error", n))
            continue
        project = obj.get("declared_project")
        declared = (
            obj.get("type") == "DECLARATIVE"
            and isinstance(obj.get("declared_in"), str)
            and isinstance(obj.get("declared_key"), str)
        )
        items.append(
            ImportItem(
                label,
                fields,
                line=n,
                type="DECLARATIVE" if declared else "IMPERATIVE",
                declared_in=obj["declared_in"] if declared else None,
                declared_key=obj["declared_key"] if declared else None,
                declared_project=project if declared and isinstance(project, str) else None,
            )
        )
    return items, problems
