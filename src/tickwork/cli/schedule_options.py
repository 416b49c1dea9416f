"""The options shared by `add` and `edit`, and their translation into input fields."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from tickwork.cli.errors import CliError

F = TypeVar("F", bound=Callable[..., Any])

# Numbers are taken as text so that the domain reports bad ones with the field name and exit 1.
_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--cron",), {"metavar": "EXPR", "help": "Cron expression, e.g. '0 9 * * 1-5' or @daily."}),
    (("--at", "time_of_day"), {"metavar": "HH:MM", "help": "Time of day (with --days)."}),
    (("--days",), {"metavar": "DAYS", "help": "Days for --at: mon-fri, sat,sun or 1,3,5 (0=Sun)."}),
    (("--every",), {"metavar": "DURATION", "help": "Interval: 30s, 5m, 1h30m (DST-immune)."}),
    (("--tz", "timezone"), {"metavar": "TZ", "help": "IANA time zone [default: UTC]."}),
    (("--command", "command"), {"metavar": "CMD", "help": "Shell command to run (/bin/sh -c)."}),
    (("--cwd",), {"metavar": "DIR", "help": "Working directory for --command."}),
    (
        ("--env",),
        {
            "metavar": "K=V",
            "multiple": True,
            "help": "Environment for --command (other users see options in ps: put secrets in "
            "--env-file).",
        },
    ),
    (
        ("--env-file",),
        {"metavar": "FILE", "help": "K=V lines (# comments) added to --command's environment."},
    ),
    (
        ("--inherit-env/--no-inherit-env",),
        {
            "help": "Commands and hooks get the runner's environment instead of cron's minimal "
            "one [no]."
        },
    ),
    (("--url",), {"metavar": "URL", "help": "URL to request."}),
    (("--method",), {"metavar": "M", "help": "HTTP method for --url [default: POST]."}),
    (
        ("--header",),
        {
            "metavar": "K:V",
            "multiple": True,
            "help": "HTTP header for --url (other users see options in ps: put secrets in "
            "--header-file or --header-env).",
        },
    ),
    (("--header-file",), {"metavar": "FILE", "help": "'Name: value' header lines (# comments)."}),
    (
        ("--header-env",),
        {
            "metavar": "NAME=VAR",
            "multiple": True,
            "help": "Header NAME with the value of environment variable VAR.",
        },
    ),
    (("--body",), {"metavar": "B", "help": "HTTP body (default: a JSON payload about the run)."}),
    (("--call",), {"metavar": "MOD:FUNC", "help": "Python function to call."}),
    (("--description",), {"metavar": "TEXT", "help": "Free text."}),
    (("--max-runs",), {"metavar": "N", "help": "Deactivate after N runs."}),
    (("--end-at",), {"metavar": "ISO", "help": "Nothing fires after this time."}),
    (("--dedup-key",), {"metavar": "K", "help": "Unique key: adding it again updates."}),
    (("--external-id",), {"metavar": "X", "help": "Your own id (free text)."}),
    (("--timeout",), {"metavar": "S", "help": "Seconds before a run is killed [3600]."}),
    (("--retries",), {"metavar": "N", "help": "Retries after a failure [0]."}),
    (("--backoff",), {"metavar": "S", "help": "First retry delay, doubling [10]."}),
    (("--overlap",), {"metavar": "P", "help": "skip | allow | queue | replace [skip]."}),
    (("--catchup",), {"metavar": "P", "help": "latest | skip | all [latest]."}),
    (("--jitter",), {"metavar": "S", "help": "Random delay up to S seconds [0]."}),
    (
        ("--pause-after-failures",),
        {"metavar": "N", "help": "Pause itself after N failed fires in a row [never]."},
    ),
    (
        ("--max-duration-warning",),
        {"metavar": "S", "help": "A 'slow' event when a run is still going after S seconds."},
    ),
    (
        ("--on-failure",),
        {"metavar": "CMD|URL", "help": "Command or http(s) URL called when a run fails."},
    ),
    (("--on-success",), {"metavar": "CMD|URL", "help": "Called when a run succeeds."}),
    (
        ("--on-recovery",),
        {"metavar": "CMD|URL", "help": "Called on the first success after failures."},
    ),
    (
        ("--signing-secret",),
        {
            "metavar": "generate|whsec_…",
            "help": "Sign webhooks (Standard Webhooks); 'generate' makes one, shown once "
            "(a given one is visible in ps: prefer --signing-secret-env).",
        },
    ),
    (
        ("--signing-secret-env",),
        {"metavar": "VAR", "help": "The signing secret from environment variable VAR."},
    ),
]

CLEARABLE = {
    "description": "description",
    "max-runs": "max_runs",
    "end-at": "end_at",
    "dedup-key": "deduplication_key",
    "external-id": "external_id",
    "signing-secret": "signing_secret",
    "on-failure": "on_failure",
    "on-success": "on_success",
    "on-recovery": "on_recovery",
    "pause-after-failures": "pause_after_failures",
    "max-duration-warning": "max_duration_warning",
}

_SIMPLE = {
    "description": "description",
    "max_runs": "max_runs",
    "end_at": "end_at",
    "dedup_key": "deduplication_key",
    "external_id": "external_id",
    "timeout": "timeout_seconds",
    "retries": "retries",
    "backoff": "retry_backoff_seconds",
    "overlap": "overlap",
    "catchup": "catchup",
    "jitter": "jitter_seconds",
    "pause_after_failures": "pause_after_failures",
    "max_duration_warning": "max_duration_warning",
    "cron": "cron",
    "every": "every",
    "time_of_day": "time_of_day",
    "days": "days_of_week",
    "timezone": "timezone",
    "on_failure": "on_failure",
    "on_success": "on_success",
    "on_recovery": "on_recovery",
    "signing_secret": "signing_secret",
}


def schedule_options(fn: F) -> F:
    for decls, kwargs in reversed(_OPTIONS):
        fn = click.option(*decls, default=None, **kwargs)(fn)
    return fn


def _flag(decls: tuple[str, ...]) -> tuple[str, str]:
    """(click's parameter name, the flag a user types) of an option."""
    if len(decls) > 1:
        return decls[1], decls[0]
    first = decls[0].split("/")[0]  # --inherit-env/--no-inherit-env
    return first.lstrip("-").replace("-", "_"), first


FLAGS = dict(_flag(decls) for decls, _ in _OPTIONS)
_EMPTY_HINTS = {
    "cron": "give an expression like '0 9 * * 1-5'",
    "every": "give an interval like 30s or 1h30m",
    "time_of_day": "give HH:MM like 09:30",
    "days": "give days like mon-fri or 1,3,5",
    "timezone": "give an IANA name like Europe/London (leave --tz out for UTC)",
    "command": "give a shell command",
    "url": "give an http(s) URL",
    "call": "give module:function",
}


def refuse_empty(opts: dict[str, Any]) -> None:
    """An option given as '' would be ignored or mean a default nobody typed: refuse it."""
    for param, flag in FLAGS.items():
        value = opts.get(param)
        values = value if isinstance(value, tuple) else (value,)
        if not any(isinstance(v, str) and not v.strip() for v in values):
            continue
        clear = next((c for c, f in CLEARABLE.items() if c == flag.lstrip("-")), None)
        hint = f"to remove it, use --clear {clear}" if clear else _EMPTY_HINTS.get(param)
        raise CliError(f"{flag}: is empty: {hint or 'give a value or leave the option out'}")


def _from_env(option: str, var: str) -> str:
    value = os.environ.get(var.strip())
    if not var.strip() or value is None:
        raise CliError(f"{option} {var}: environment variable {var.strip() or '?'} is not set")
    return value


def _file_lines(option: str, path: str) -> list[str]:
    """The non-blank, non-comment lines of a file given to an option."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{option} {path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CliError(f"{option} {path}: cannot read it ({reason})") from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _secret_inputs(opts: dict[str, Any], data: dict[str, Any]) -> None:
    """Secrets given without showing them in ps: files and environment variables."""
    if opts.get("signing_secret_env"):
        if opts.get("signing_secret") is not None:
            raise CliError("give --signing-secret or --signing-secret-env, not both")
        data["signing_secret"] = _from_env("--signing-secret-env", opts["signing_secret_env"])
    headers = list(opts.get("header") or ())
    if opts.get("header_file"):
        headers += _file_lines("--header-file", opts["header_file"])
    for pair in opts.get("header_env") or ():
        name, eq, var = str(pair).partition("=")
        if not eq or not name.strip():
            raise CliError(f"--header-env {pair}: write it NAME=VAR, e.g. Authorization=API_AUTH")
        headers.append(f"{name.strip()}: {_from_env('--header-env', var)}")
    opts["header"] = tuple(headers)
    env = list(opts.get("env") or ())
    if opts.get("env_file"):
        env += _file_lines("--env-file", opts["env_file"])
    opts["env"] = tuple(env)


def to_fields(opts: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Map given option values to schedule input fields (absent options are left out)."""
    refuse_empty(opts)
    data: dict[str, Any] = {}
    for opt, key in _SIMPLE.items():
        if opts.get(opt) is not None:
            data[key] = opts[opt]
    _secret_inputs(opts, data)
    if opts.get("inherit_env") is not None:
        data["inherit_env"] = bool(opts["inherit_env"])
    if data.get("signing_secret") == "generate":
        from tickwork.runner.signing import generate_secret

        data["signing_secret"] = generate_secret()
    action = _action(opts, creating)
    if action is not None:
        data["action"] = action
    return data


def _action(opts: dict[str, Any], creating: bool) -> dict[str, Any] | None:
    kinds = [k for k in ("command", "url", "call") if opts.get(k) is not None]
    if len(kinds) > 1:
        raise CliError(
            f"give one of --command, --url or --call, not {' and '.join(f'--{k}' for k in kinds)}"
        )
    action: dict[str, Any] = {}
    if kinds == ["command"]:
        action = {"kind": "command", "command": opts["command"]}
    elif kinds == ["url"]:
        action = {"kind": "http", "url": opts["url"]}
    elif kinds == ["call"]:
        action = {"kind": "python", "target": opts["call"]}
    elif creating:
        raise CliError(
            "--command/--url/--call: say what firing does, e.g. --command 'echo hi' "
            "or --url https://example.com/hook"
        )
    if opts.get("cwd") is not None:
        action["cwd"] = opts["cwd"]
    if opts.get("env"):
        action["env"] = list(opts["env"])
    if opts.get("method") is not None:
        action["method"] = opts["method"]
    if opts.get("header"):
        action["headers"] = list(opts["header"])
    if opts.get("body") is not None:
        action["body"] = opts["body"]
    return action or None
