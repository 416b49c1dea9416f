"""Crontabs out: what cron reads back as the same schedules (import: tickwork.exchange.crontab).

* Entries in a zone other than this machine's get a ``CRON_TZ=`` line; each has a ``# name``
  comment above it; paused schedules are written commented out; what a crontab cannot hold
  (``@every``, http and python actions, several-line commands) is written as a comment.
* Environment lines apply to every entry below them, and a crontab cannot unset a variable
  (``NAME=`` is an empty value to cron, and an empty PATH finds no command). So the entries
  are ordered by their environment, a later one never needing less than an earlier one where
  that can be; where it cannot, PATH goes back to cron's default (``/usr/bin:/bin``) and any
  other variable is unset in front of the command (``unset NAME; ...``), with a note.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from tickwork.domain.model import CommandAction, Policies, Schedule

CRON_DEFAULT_PATH = "/usr/bin:/bin"  # cronie's and Vixie cron's _PATH_DEFPATH
_SAFE_FIRST_LAST = frozenset(" \t\"'")


@dataclass
class CrontabExport:
    text: str
    notes: list[str] = field(default_factory=list)  # for stderr: what a crontab cannot hold
    exported: int = 0  # active entries written
    paused: int = 0  # written commented out
    skipped: int = 0  # written as a comment only (no crontab form)


def _quote_env(value: str) -> str | None:
    if "\n" in value or "\r" in value:
        return None
    if value == "" or (value[0] not in _SAFE_FIRST_LAST and value[-1] not in _SAFE_FIRST_LAST):
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
        for k in ("timeout_seconds", "retries", "overlap", "catchup", "jitter_seconds")
        if getattr(s.policies, k) != getattr(defaults, k)
    ]
    return lost


def _env(s: Schedule) -> dict[str, str]:
    return dict(s.action.env) if isinstance(s.action, CommandAction) else {}


def _cost(current: dict[str, str], items: tuple[tuple[str, str], ...]) -> tuple[object, ...]:
    """How many variables set so far a group would need unset; then the smaller group."""
    keys = dict(items)
    return (sum(1 for k in current if k not in keys), len(items), items)


def _ordered(schedules: Sequence[Schedule], default_tz: str) -> list[Schedule]:
    """Grouped by environment, each group chosen to need no variable unset if one can (the
    smallest that keeps every variable set so far), else the fewest; by zone and name within."""
    groups: dict[tuple[tuple[str, str], ...], list[Schedule]] = {}
    for s in schedules:
        groups.setdefault(tuple(sorted(_env(s).items())), []).append(s)
    ordered: list[Schedule] = []
    current: dict[str, str] = {}
    while groups:
        pick = min(groups, key=lambda items: _cost(current, items))
        members = groups.pop(pick)
        members.sort(key=lambda s: (s.timezone != default_tz, s.timezone, s.name, s.id))
        ordered += members
        if any(
            s.generator.type != "INTERVAL" and isinstance(s.action, CommandAction) for s in members
        ):
            current = dict(pick)
    return ordered


def export_crontab(schedules: Sequence[Schedule], default_tz: str) -> CrontabExport:
    """A crontab of ``schedules`` (see the module doc); its header counts what it holds."""
    out = CrontabExport("")
    body: list[str] = []
    zone, env = default_tz, dict[str, str]()
    lost: dict[str, set[str]] = {}
    unset_for: list[str] = []
    for s in _ordered(schedules, default_tz):
        name = " ".join(s.name.split())
        why = _inexpressible(s)
        if why is not None:
            body += [f"# {name}: not exported: {why}", ""]
            out.notes.append(f"{s.name!r} ({s.id}) not exported: {why}")
            out.skipped += 1
            continue
        assert isinstance(s.action, CommandAction)
        want = _env(s)
        for var in sorted(want):
            if env.get(var) != want[var]:
                body.append(f"{var}={_quote_env(want[var])}")
                env[var] = want[var]
                if var == "TZ":
                    zone = want[var]  # tickwork reads TZ= as the zone of the entries below
        if "PATH" in env and "PATH" not in want and env["PATH"] != CRON_DEFAULT_PATH:
            body.append(f"PATH={CRON_DEFAULT_PATH}")
            env["PATH"] = CRON_DEFAULT_PATH
        lingering = sorted(v for v in env if v not in want and v != "PATH")
        if s.timezone != zone:
            body.append(f"CRON_TZ={s.timezone}")
            zone = s.timezone
        command = s.action.command.replace("%", "\\%")
        if s.action.cwd:
            command = f"cd {shlex.quote(s.action.cwd)} && {command}"
        if lingering:
            command = f"unset {' '.join(lingering)}; {command}"
            unset_for.append(s.name)
        if s.active:
            body += [f"# {name}", f"{s.expression} {command}", ""]
            out.exported += 1
        else:
            body += [f"# {name} (paused, commented out)", f"#{s.expression} {command}", ""]
            out.paused += 1
        for k in _lost(s):
            lost.setdefault(k, set()).add(s.name)
    if unset_for:
        out.notes.append(
            f"{len(unset_for)} schedule(s) run with 'unset NAME;' before the command: a crontab "
            "cannot unset a variable set for the entries above them"
        )
    if lost:
        names = sorted({n for ns in lost.values() for n in ns})
        out.notes.append(
            f"{len(names)} schedule(s) have settings a crontab cannot hold "
            f"({', '.join(sorted(lost))}): use --format toml to keep them"
        )
    header = (
        f"# tickwork export: {out.exported} entr{'y' if out.exported == 1 else 'ies'}"
        + (f", {out.paused} paused (commented out)" if out.paused else "")
        + (f", {out.skipped} not exported (see the comments)" if out.skipped else "")
        + ". Import with: tickwork import crontab"
    )
    out.text = "\n".join([header, "", *body]).rstrip("\n") + "\n"
    return out
