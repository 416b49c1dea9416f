"""Crontabs in (as `crontab -l` prints them) and out.

Reading, line by line:

* blank lines and comments are skipped; a comment directly above an entry names it (else the
  name is the command's first word + a short hash of the entry);
* ``NAME=value`` lines are environment for the entries below them (quotes keep blanks; an
  empty value unsets the variable). ``CRON_TZ`` and ``TZ`` set the time zone of the entries
  below (``TZ`` also stays in their environment, as cron passes it on; an empty one goes back
  to the default zone: this machine's, or --tz). ``SHELL`` may only be
  ``/bin/sh`` (tickwork runs commands with ``/bin/sh -c``): another shell is reported and the
  entries still run with /bin/sh. ``MAILTO`` is reported as not supported (use on_failure);
  an empty ``MAILTO=`` is fine;
* ``@macros`` work; ``@reboot``, ``%`` in a command (cron's stdin for the job; ``\\%`` is a
  literal %) are reported with their line and skipped, as are malformed lines;
* each entry gets ``deduplication_key = "crontab:" + sha256(expression, zone, command, env)[:16]``
  so importing the same crontab again creates no duplicates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tickwork import cron
from tickwork.domain import fields
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.model import CommandAction, Policies, Schedule
from tickwork.domain.timezones import UnknownTimezone, canonical_timezone
from tickwork.exchange.importing import ImportItem, Kind, Problem

_ENV_RE = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([A-Za-z_][A-Za-z0-9_]*))\s*=\s*(.*)$""")
_ENTRY_RE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$")
_HEADER_RE = re.compile(r"^m\s+h\s+dom\s+mon\s+dow\s+command$", re.IGNORECASE)
_NAME_TOKEN = r"[A-Za-z]{3}(?:[Ll]|#[0-9])?"
_TIME_TOKEN = re.compile(rf"^[0-9*/,\-#?LlWw]+$|^{_NAME_TOKEN}(?:[-,]{_NAME_TOKEN})*$")
_SAFE_VALUE = re.compile(r"^\S(.*\S)?$")
_SHELLS = ("/bin/sh", "sh", "/usr/bin/sh")


@dataclass(frozen=True)
class CrontabEntry:
    line: int
    name: str
    expression: str
    timezone: str
    command: str
    env: dict[str, str] = field(default_factory=dict)

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
        return ImportItem(f"line {self.line}", data, line=self.line)


@dataclass
class ParsedCrontab:
    entries: list[CrontabEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

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


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _command(raw: str) -> tuple[str | None, str | None]:
    """(command with \\% as %, None) or (None, why it cannot be imported)."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and raw[i + 1 : i + 2] == "%":
            out.append("%")
            i += 2
            continue
        if ch == "%":
            return None, (
                "'%' in a command is cron's input for the job, which tickwork does not support: "
                "write \\% for a literal %, or move the input into a script"
            )
        out.append(ch)
        i += 1
    return "".join(out), None


def _looks_like_entry(text: str) -> bool:
    """A commented-out job (`# 0 5 * * * old.sh`) is not a name."""
    if text.startswith("@"):
        return True
    m = _ENTRY_RE.match(text)
    if not m or not m.group(6):
        return False
    try:
        cron.validate(" ".join(m.groups()[:5]))
    except cron.CronError:
        return False
    return True


def _derived_name(command: str, key: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    words = [w for w in words if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w)] or ["job"]
    word = os.path.basename(words[0].rstrip("/")) or words[0]
    return f"{word[:60]}-{key.removeprefix('crontab:')[:6]}"


class _Reader:
    def __init__(self, default_tz: str) -> None:
        self.default_tz = default_tz
        self.tz: str | None = default_tz
        self.tz_line = 0  # the line that set a bad zone (0: none)
        self.env: dict[str, str] = {}
        self.result = ParsedCrontab()
        self.names: dict[str, int] = {}

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

    def entry(self, n: int, expression: str, raw_command: str, comment: str | None) -> None:
        if self.tz is None:
            self.problem(n, f"its time zone (line {self.tz_line}) is not valid")
            return
        try:
            expr = fields.expression("cron", expression)
        except InvalidSchedule as exc:
            self.problem(n, f"{exc.errors[0].message} (in '{expression}')")
            return
        command, why = _command(raw_command)
        if command is None:
            self.problem(n, why or "bad command", "unsupported")
            return
        entry = CrontabEntry(n, "", expr, self.tz, command.strip(), dict(self.env))
        name = comment or _derived_name(entry.command, entry.key)
        if name in self.names:
            count = 2
            while f"{name} ({count})" in self.names:
                count += 1
            name = f"{name} ({count})"
        self.names[name] = n
        self.result.entries.append(CrontabEntry(n, name, expr, self.tz, entry.command, entry.env))


def parse_crontab(text: str, default_tz: str = "UTC") -> ParsedCrontab:
    reader = _Reader(default_tz)
    comment: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            comment = None
            continue
        if line.startswith("#"):
            body = " ".join(line.lstrip("#").split())
            usable = body and not _HEADER_RE.match(body) and not _looks_like_entry(body)
            comment = body[:200] if usable else None
            continue
        above, comment = comment, None
        env = _ENV_RE.match(line)
        if env and not line.startswith(("@", "*")) and not line[0].isdigit():
            name = env.group(1) or env.group(2) or env.group(3) or ""
            reader.variable(n, name, _unquote(env.group(4)))
            continue
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
                reader.problem(n, f"unknown macro {macro} (use {', '.join(sorted(cron.MACROS))})")
            elif not rest:
                reader.problem(n, f"no command after {macro}")
            else:
                reader.entry(n, macro, rest, above)
            continue
        if not (line[0].isdigit() or line[0] == "*"):
            reader.problem(
                n, "not a crontab line: expected 5 time fields and a command, or NAME=value"
            )
            continue
        tokens = line.split(None, 5)
        count = next((i for i, tok in enumerate(tokens[:5]) if not _TIME_TOKEN.match(tok)), 5)
        count = min(count, len(tokens))
        if count < 5:
            after = f" before the command '{tokens[count]}'" if count < len(tokens) else ""
            reader.problem(
                n,
                f"has {count} time field(s){after}: an entry needs 5 "
                "(minute hour day-of-month month day-of-week) and then the command",
            )
            continue
        if len(tokens) < 6:
            reader.problem(n, "no command after the 5 time fields")
            continue
        times = tokens[:5]
        reader.entry(n, " ".join(times), tokens[5], above)
    return reader.result


# --------------------------------------------------------------------------- export


@dataclass
class CrontabExport:
    text: str
    notes: list[str] = field(default_factory=list)  # for stderr: what a crontab cannot hold
    exported: int = 0


def _quote_env(value: str) -> str | None:
    if "\n" in value or "\r" in value:
        return None
    if value == "" or _SAFE_VALUE.match(value):
        return value
    return '"' + value + '"' if '"' not in value else "'" + value + "'"


def _inexpressible(s: Schedule) -> str | None:
    if s.generator.type == "INTERVAL":
        return f"'{s.expression}' (an interval) has no crontab form"
    if not isinstance(s.action, CommandAction):
        return f"a {s.action.kind} action ({s.action.summary()}) has no crontab form"
    if "\n" in s.action.command or "\r" in s.action.command:
        return "its command has several lines"
    if any(_quote_env(v) is None for v in s.action.env.values()):
        return "an env value has several lines"
    return None


def _lost(s: Schedule) -> list[str]:
    """Settings of this schedule a crontab line cannot keep."""
    lost = [
        k
        for k in ("description", "max_runs", "end_at", "on_failure", "on_success", "on_recovery")
        if getattr(s, k) is not None
    ]
    defaults = Policies()
    lost += [
        k
        for k in (
            "timeout_seconds",
            "retries",
            "overlap",
            "catchup",
            "jitter_seconds",
            "pause_after_failures",
            "max_duration_warning",
        )
        if getattr(s.policies, k) != getattr(defaults, k)
    ]
    return lost


def export_crontab(schedules: Sequence[Schedule], default_tz: str) -> CrontabExport:
    """A crontab: CRON_TZ lines where the zone is not this machine's, `# name` above each
    entry, paused schedules commented out, and what cannot be a crontab line as a comment."""
    out = CrontabExport("")
    lines = [
        f"# tickwork export: {len(schedules)} schedule(s). Import with: tickwork import crontab",
        "",
    ]

    def order(s: Schedule) -> tuple[object, ...]:
        env = s.action.env if isinstance(s.action, CommandAction) else {}
        return (s.timezone != default_tz, s.timezone, len(env), sorted(env.items()), s.name)

    zone, env = default_tz, dict[str, str]()
    lost: dict[str, set[str]] = {}
    for s in sorted(schedules, key=order):
        name = " ".join(s.name.split())
        why = _inexpressible(s)
        if why is not None:
            lines += [f"# {name}: not exported: {why}", ""]
            out.notes.append(f"{s.name!r} ({s.id}) not exported: {why}")
            continue
        assert isinstance(s.action, CommandAction)
        want_env = dict(s.action.env)
        for var in sorted(set(env) | set(want_env)):
            if var in want_env and env.get(var) != want_env[var]:
                lines.append(f"{var}={_quote_env(want_env[var])}")
                if var == "TZ":
                    zone = want_env[var]
            elif var not in want_env:
                lines.append(f"{var}=")
                if var == "TZ":
                    zone = default_tz
        env = want_env
        if s.timezone != zone:
            lines.append(f"CRON_TZ={s.timezone}")
            zone = s.timezone
        command = s.action.command.replace("%", "\\%")
        if s.action.cwd:
            command = f"cd {shlex.quote(s.action.cwd)} && {command}"
        if s.active:
            lines += [f"# {name}", f"{s.expression} {command}", ""]
            out.exported += 1
        else:
            lines += [f"# {name} (paused, commented out)", f"#{s.expression} {command}", ""]
        for k in _lost(s):
            lost.setdefault(k, set()).add(s.name)
    if lost:
        names = sorted({n for ns in lost.values() for n in ns})
        out.notes.append(
            f"{len(names)} schedule(s) have settings a crontab cannot hold "
            f"({', '.join(sorted(lost))}): use --format toml to keep them"
        )
    out.text = "\n".join(lines).rstrip("\n") + "\n"
    return out
