"""Crontabs in, as `crontab -l` prints them (export: :mod:`tickwork.exchange.crontab_export`).

Reading, line by line:

* blank lines and comments are skipped; a comment directly above an entry names it (else the
  name is the command's first word + a short hash of the entry). Column headers
  (``# m h dom mon dow command``), drawings (``# |  |  |``) and commented-out jobs are not
  names;
* ``NAME=value`` lines are environment for the entries below them (quotes keep blanks; an
  empty value unsets the variable). ``CRON_TZ`` and ``TZ`` set the time zone of the entries
  below (``TZ`` also stays in their environment, as cron passes it on; an empty one goes back
  to the default zone: this machine's, or --tz). ``SHELL`` may only be
  ``/bin/sh`` (tickwork runs commands with ``/bin/sh -c``): another shell is reported and the
  entries still run with /bin/sh. ``MAILTO`` is reported as not supported (use on_failure);
  an empty ``MAILTO=`` is fine;
* ``@macros`` work; ``@reboot``, ``%`` in a command (cron's stdin for the job; ``\\%`` is a
  literal %) are reported with their line and skipped, as are malformed lines, lines with 6
  or 7 time fields (seconds, years) and expressions that never match. A reversed range
  (``22-2``, which cron refuses) is read as wrapping, with a note;
* a system crontab (``/etc/crontab``, ``/etc/cron.d/*``) has a user column before the
  command: it is recognised (its path, a ``user`` column header, or every entry's sixth field
  naming a user of this machine; ``--system``/``--no-system`` to say so), and only the entries
  of the user running tickwork are imported (the others are reported). Outside a system
  crontab, an entry whose command starts with a user name is refused, never imported as
  ``root cd / && ...``;
* each entry gets ``deduplication_key = "crontab:" + sha256(expression, zone, command, env)[:16]``
  so importing the same crontab again creates no duplicates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tickwork import cron
from tickwork.domain import fields
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.timezones import UnknownTimezone, canonical_timezone
from tickwork.exchange.crontab_lines import (
    TIME_TOKEN,
    is_drawing,
    is_header,
    looks_like_entry,
    names_a_user_column,
    reversed_ranges,
    time_fields,
)
from tickwork.exchange.importing import ImportItem, Kind, Problem

_ENV_RE = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([A-Za-z_][A-Za-z0-9_]*))\s*=\s*(.*)$""")
_USER_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}\$?$")
_PERCENT = re.compile(r"(?<!\\)%")
_UNSET = re.compile(r"^unset((?:\s+[A-Za-z_][A-Za-z0-9_]*)+)\s*;\s*(?=\S)")
_SHELLS = ("/bin/sh", "sh", "/usr/bin/sh")
SYSTEM_PATHS = ("/etc/crontab", "/etc/cron.d/")


@dataclass(frozen=True)
class CrontabEntry:
    line: int
    name: str
    expression: str
    timezone: str
    command: str
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None  # the user column of a system crontab

    @property
    def key(self) -> str:
        content = json.dumps(
            [self.expression, self.timezone, self.command, sorted(self.env.items())],
            ensure_ascii=False,
        )
        return "crontab:" + hashlib.sha256(content.encode()).hexdigest()[:16]

    def item(self) -> ImportItem:
        action: dict[str, object] = {"kind": "command", "command": self.command}
        if self.env:
            action["env"] = dict(self.env)
        data = {
            "name": self.name,
            "cron": self.expression,
            "timezone": self.timezone,
            "action": action,
            "deduplication_key": self.key,
        }
        label = f"line {self.line}" + (f" (user {self.user})" if self.user else "")
        return ImportItem(label, data, line=self.line)


@dataclass
class ParsedCrontab:
    entries: list[CrontabEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    system: str | None = None  # why it was read as a system crontab

    def items(self) -> list[ImportItem]:
        return [e.item() for e in self.entries]


def local_timezone() -> str:
    """This machine's IANA zone (what cron uses without CRON_TZ): $TZ, /etc/localtime, UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    for name in candidates:
        if name:
            try:
                return canonical_timezone(name)
            except UnknownTimezone:
                continue
    return "UTC"


def current_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return os.environ.get("USER") or str(os.geteuid())


def is_system_user(name: str) -> bool:
    """Whether a word where a command would start is a user column instead: a user of this
    machine (cron checks the same, getpwnam) that is not also a command here (``sync``,
    ``mail`` and ``backup`` are both on Debian)."""
    if not _USER_RE.match(name):
        return False
    if name == "root":
        return True
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return shutil.which(name) is None


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _command(raw: str) -> tuple[str | None, str | None]:
    """(command with \\% as %, None) or (None, why it cannot be imported)."""
    if _PERCENT.search(raw):
        return None, (
            "'%' in a command is cron's input for the job, which tickwork does not support: "
            "write \\% for a literal %, or move the input into a script"
        )
    return raw.replace("\\%", "%"), None


def _derived_name(command: str, key: str) -> str:
    head = command[:1000]  # a name needs the first word only (shlex is slow on long text)
    try:
        words = shlex.split(head)
    except ValueError:
        words = head.split()
    words = [w for w in words if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w)] or ["job"]
    word = os.path.basename(words[0].rstrip("/")) or words[0]
    return f"{word[:60]}-{key.removeprefix('crontab:')[:6]}"


class _Reader:
    def __init__(self, default_tz: str, system: str | None, user: str) -> None:
        self.default_tz = default_tz
        self.tz: str | None = default_tz
        self.tz_line = 0  # the line that set a bad zone (0: none)
        self.env: dict[str, str] = {}
        self.result = ParsedCrontab(system=system)
        self.names: dict[str, int] = {}
        self.user = user

    def problem(self, line: int, message: str, kind: Kind = "error") -> None:
        self.result.problems.append(Problem(f"line {line}", message, kind, line))

    def variable(self, n: int, name: str, value: str) -> None:
        if name in ("CRON_TZ", "TZ"):
            try:
                self.tz, self.tz_line = canonical_timezone(value or self.default_tz), 0
            except UnknownTimezone as exc:
                self.tz, self.tz_line = None, n
                self.problem(n, f"{name}={value}: {exc}; the entries below it are skipped")
            if name == "CRON_TZ":
                return
        elif name == "SHELL":
            if value not in _SHELLS:
                self.problem(
                    n,
                    f"SHELL={value} is not supported: tickwork runs commands with /bin/sh "
                    "(wrap them, e.g. bash -c '...')",
                    "warning",
                )
            return
        elif name == "MAILTO":
            if value:
                self.problem(
                    n,
                    f"MAILTO={value} is not supported: tickwork sends no mail; use "
                    "--on-failure 'CMD' or a URL to hear about failures",
                    "warning",
                )
            return
        if value == "":
            self.env.pop(name, None)
        else:
            self.env[name] = value

    def entry(self, n: int, expression: str, rest: str, comment: str | None) -> None:
        user = None
        if self.result.system is not None:
            user, _, rest = rest.partition(" ")
            user, rest = user.strip(), rest.strip()
            if not rest:
                self.problem(n, f"no command after the user column ({user})")
                return
            if user != self.user:
                self.problem(
                    n,
                    f"runs as user {user!r}, not as you ({self.user!r}): tickwork runs every job "
                    f"as the user running it; import it as {user}",
                    "unsupported",
                )
                return
        if self.tz is None:
            self.problem(n, f"its time zone (line {self.tz_line}) is not valid")
            return
        try:
            expr = fields.expression("cron", expression)
            fields.command(rest)  # a command the kernel cannot pass is refused before work
        except InvalidSchedule as exc:
            e = exc.errors[0]
            if e.field == "cron":
                self.problem(n, f"{e.message} (in '{expression}')")
            else:
                self.problem(n, f"the command {e.message}")
            return
        command, why = _command(rest)
        if command is None:
            self.problem(n, why or "bad command", "unsupported")
            return
        for span in reversed_ranges(expr):
            self.problem(
                n,
                f"{span} is a reversed range, which classic cron refuses; tickwork reads it as "
                "wrapping around (22-2 is 22, 23, 0, 1, 2)",
                "warning",
            )
        env = dict(self.env)
        unset = _UNSET.match(command.strip())
        if unset and all(v in env for v in unset.group(1).split()):
            # what tickwork's export writes for a variable the entries above set: the same
            # as this entry's environment without it
            command = command.strip()[unset.end() :]
            env = {k: v for k, v in env.items() if k not in unset.group(1).split()}
        entry = CrontabEntry(n, "", expr, self.tz, command.strip(), env, user)
        name = comment or _derived_name(entry.command, entry.key)
        if name in self.names:
            count = 2
            while f"{name} ({count})" in self.names:
                count += 1
            name = f"{name} ({count})"
        self.names[name] = n
        self.result.entries.append(
            CrontabEntry(n, name, expr, self.tz, entry.command, entry.env, user)
        )


def _entry_lines(text: str) -> list[tuple[int, str, str]]:
    """(line, time part, rest) of the lines that are entries (for the system-crontab test)."""
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or _is_variable(line):
            continue
        split = time_fields(line)
        if split is not None and split[1]:
            out.append((n, split[0], split[1]))
    return out


def _is_variable(line: str) -> bool:
    return bool(_ENV_RE.match(line)) and not line.startswith(("@", "*")) and not line[0].isdigit()


def detect_system(
    text: str, path: str | None, is_user: Callable[[str], bool] = is_system_user
) -> str | None:
    """Why this is a system crontab (a user column before the command), or None."""
    if path and (path == SYSTEM_PATHS[0] or path.startswith(SYSTEM_PATHS[1])):
        return f"{path} is a system crontab"
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") and names_a_user_column(line.lstrip("#")):
            return "its column header names a user column"
    entries = _entry_lines(text)
    firsts = [rest.split(None, 1) for _, _, rest in entries]
    if firsts and all(len(w) == 2 and is_user(w[0]) for w in firsts):
        return "the sixth field of every entry is a user of this machine, not a command"
    return None


def parse_crontab(
    text: str,
    default_tz: str = "UTC",
    *,
    system: bool | None = None,
    path: str | None = None,
    user: str | None = None,
    is_user: Callable[[str], bool] = is_system_user,
) -> ParsedCrontab:
    """Read a crontab. ``system``: True/False says whether it has a user column; None looks
    (see :func:`detect_system`). ``user``: who runs tickwork (default: this process's user)."""
    why = detect_system(text, path, is_user) if system is None else ("--system" if system else None)
    reader = _Reader(default_tz, why, user or current_user())
    comment: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            comment = None
            continue
        if line.startswith("#"):
            body = " ".join(line.lstrip("#").split())
            usable = body and not is_header(body) and not is_drawing(body)
            comment = body[:200] if usable and not looks_like_entry(body) else None
            continue
        above, comment = comment, None
        env = _ENV_RE.match(line)
        if env and _is_variable(line):
            name = env.group(1) or env.group(2) or env.group(3) or ""
            reader.variable(n, name, _unquote(env.group(4)))
            continue
        _line(reader, n, line, above)
    return reader.result


def _line(
    reader: _Reader,
    n: int,
    line: str,
    above: str | None,
) -> None:
    if line.startswith("@"):
        macro, *more = line.split(None, 1)
        macro, rest = macro.lower(), (more[0].strip() if more else "")
        if macro == "@reboot":
            reader.problem(
                n, "@reboot is not supported (tickwork has no boot event)", "unsupported"
            )
        elif macro == "@every":
            reader.problem(
                n, "@every is not crontab syntax: use tickwork add --every", "unsupported"
            )
        elif macro not in cron.MACROS:
            reader.problem(n, f"unknown macro {macro[:40]} (use {', '.join(sorted(cron.MACROS))})")
        elif not rest:
            reader.problem(n, f"no command after {macro}")
        else:
            _entry(reader, n, macro, rest, above)
        return
    if not (line[0].isdigit() or line[0] == "*"):
        reader.problem(n, "not a crontab line: expected 5 time fields and a command, or NAME=value")
        return
    split = time_fields(line)
    if split is None:
        tokens = line.split(None, 5)
        count = next((i for i, tok in enumerate(tokens[:5]) if not TIME_TOKEN.match(tok)), 5)
        count = min(count, len(tokens))
        after = f" before the command '{tokens[count][:40]}'" if count < len(tokens) else ""
        reader.problem(
            n,
            f"has {count} time field(s){after}: an entry needs 5 "
            "(minute hour day-of-month month day-of-week) and then the command",
        )
        return
    times, rest, extra = split
    if extra:
        reader.problem(
            n,
            f"{5 + extra} time fields: tickwork reads 5-field crontabs (minute hour day-of-month "
            "month day-of-week); a seconds or years field is not supported",
        )
        return
    if not rest:
        reader.problem(n, "no command after the 5 time fields")
        return
    _entry(reader, n, times, rest, above)


def _entry(reader: _Reader, n: int, times: str, rest: str, above: str | None) -> None:
    first, _, command = rest.replace("\t", " ").partition(" ")
    if reader.result.system is None and command.strip() and first.strip() == "root":
        reader.problem(  # root is never a command: the user column of a system crontab
            n,
            "'root' before the command is the user column of a system crontab "
            "(/etc/crontab, /etc/cron.d): give --system to import it as one (only your own "
            "user's entries are imported)",
        )
        return
    reader.entry(n, times, " ".join(rest.split(None, 1)) if reader.result.system else rest, above)
