"""A seeded generator of bad (and some good) input for every CLI command and import format.

Each case is (args, stdin, files): the CLI arguments, the text on stdin, and files to write
first (name -> bytes; an argument "{dir}/name" is the file's path). Values mix the kinds
that broke tickwork before: wrong types, empty values, NUL bytes, undecodable bytes (as
Python hands them over: lone surrogates), huge numbers, very long text, deep nesting.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

UNDECODABLE = "\udcff\udcfe"  # what Python makes of the bytes b"\xff\xfe" in argv


@dataclass
class Case:
    args: list[str]
    stdin: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    label: str = ""


def _words(rng: random.Random) -> str:
    return rng.choice(
        [
            "",
            " ",
            "\t",
            "x",
            "\x00",
            "a\x00b",
            UNDECODABLE,
            "é" * 3,
            "\n",
            "a\nb",
            "-1",
            "0",
            "1",
            "7",
            "9" * rng.choice([19, 40, 400, 5000]),
            "-" + "9" * 30,
            "1e400",
            "nan",
            "inf",
            "1.5",
            "true",
            "null",
            "[]",
            "{}",
            "%",
            "\\%",
            "'",
            '"',
            "$(rm -rf /)",
            "*",
            "?",
            "../../etc/passwd",
            "x" * rng.choice([201, 5000, 200_000]),
            "２",
            "٣",
            "²",
        ]
    )


def _cron_field(rng: random.Random) -> str:
    parts = [
        "*",
        "*/",
        "/",
        "-",
        ",",
        "L",
        "W",
        "#",
        "?",
        "H",
        "mon",
        "jan",
        "fri",
        "7",
        "0",
        "5",
        "31",
        "59",
        "60",
        "99999999999999",
        "l",
        "x",
    ]
    return "".join(rng.choice(parts) for _ in range(rng.randint(1, 5)))


def cron_expression(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return rng.choice(["@daily", "@hourly", "@reboot", "@every", "@fortnightly", "@"])
    if kind == 1:
        return "@every " + rng.choice(["30s", "0s", "1h30m", "99999999999999h", "5x", "9" * 5000])
    if kind == 2:
        return _words(rng)
    count = rng.choice([3, 4, 5, 5, 5, 5, 6, 7])
    return " ".join(_cron_field(rng) for _ in range(count))


def _value(rng: random.Random, option: str) -> str:
    pools: dict[str, list[str]] = {
        "--tz": ["UTC", "Europe/Londn", "Mars/Base", "", "utc", "America/New_York", "../x"],
        "--at": ["09:30", "25:00", "9:5", "", "12:60", "٠٩:٣٠", "24:00"],
        "--days": ["mon-fri", "fri-mon", "8", "1,3,5", "", "sat,sun", "9" * 5000, "weekdays"],
        "--every": ["30s", "0s", "", "30000000h", "99999999999999h", "1h 30m", "5"],
        "--timeout": ["10", "0", "-1", "", "1e400", "nan", "604801", "9" * 5000],
        "--retries": ["1", "101", "", "1.5", "9" * 50],
        "--backoff": ["1", "", "-5", "inf"],
        "--jitter": ["0", "", "86401", "nan"],
        "--max-runs": ["1", "0", "", "9" * 30],
        "--end-at": [
            "2030-01-01T00:00Z",
            "9999-12-31T23:59:59+14:00",
            "",
            "0001-01-01T00:00+01:00",
        ],
        "--overlap": ["skip", "queue", "", "SKIP", "nope"],
        "--catchup": ["latest", "", "nope"],
        "--url": ["http://[::1", "https://example.com/x", "ftp://x", "http://", "http://a b", ""],
        "--method": ["GET", "", "FETCH", "post"],
        "--header": ["A: b", "bad header: x", "A", "X: a\nb", ""],
        "--env": ["A=1", "1A=x", "A", "=x", "A=\x00", ""],
        "--cwd": ["/tmp", "", "\x00", "x" * 5000],
        "--call": ["mod:func", "nope", "", "a.b:c.d"],
        "--on-failure": ["echo x", "https://hooks.example.com", "ftp://x y", "http://[::1", ""],
        "--signing-secret": ["generate", "whsec_abc", "nope", ""],
        "--dedup-key": ["k", "", "a\nb", "x" * 300],
        "--external-id": ["e", "", "\x00"],
        "--description": ["d", "", "x" * 3000],
        "--pause-after-failures": ["3", "0", "", "1001"],
        "--max-duration-warning": ["10", "0", "", "999999999"],
    }
    pool = pools.get(option, [])
    return rng.choice(pool) if pool and rng.random() < 0.7 else _words(rng)


SCHEDULE_OPTIONS = [
    "--tz",
    "--at",
    "--days",
    "--every",
    "--timeout",
    "--retries",
    "--backoff",
    "--jitter",
    "--max-runs",
    "--end-at",
    "--overlap",
    "--catchup",
    "--url",
    "--method",
    "--header",
    "--env",
    "--cwd",
    "--call",
    "--on-failure",
    "--signing-secret",
    "--dedup-key",
    "--external-id",
    "--description",
    "--pause-after-failures",
    "--max-duration-warning",
]


VALID = {
    "--tz": ["UTC", "Europe/Paris", "Pacific/Apia", "America/New_York", "Asia/Kolkata"],
    "--timeout": ["10", "0.5", "604800"],
    "--retries": ["0", "3", "100"],
    "--jitter": ["0", "86400"],
    "--max-runs": ["1", "1000000000"],
    "--end-at": ["2030-01-01T00:00Z", "9999-12-31T23:59:59+14:00"],
    "--overlap": ["skip", "queue", "REPLACE"],
    "--catchup": ["all", "skip"],
    "--env": ["A=1", "PATH=/usr/bin", "E="],
    "--description": ["d", "é" * 100],
    "--dedup-key": ["k1", "k2"],
    "--external-id": ["x"],
}
VALID_CRON = [
    "0 9 * * 1-5",
    "* * * * *,0",
    "0 0 L * *",
    "0 12 * * 5#3",
    "0 22-2 * * *",
    "@daily",
    "0 0 1-31 * 1",
    "0-59/100 * * * *",
    "0 2 * * *",
    "@every 36500d",
    "@every 1s",
]


def _options(rng: random.Random, count: int, valid: bool = False) -> list[str]:
    out: list[str] = []
    for option in rng.sample(sorted(VALID) if valid else SCHEDULE_OPTIONS, count):
        out += [option, rng.choice(VALID[option]) if valid else _value(rng, option)]
    return out


def add_case(rng: random.Random) -> Case:
    if rng.random() < 0.4:  # valid input too: the paths that write and read back
        valid = ["--cron", rng.choice(VALID_CRON), "--command", "echo hi"]
        name = "v" + str(rng.randrange(10**6))
        return Case(
            ["add", name, *valid, *_options(rng, rng.randint(0, 4), valid=True)], label="add valid"
        )
    name = rng.choice(["job", "j" + str(rng.randrange(10**6)), _words(rng)])
    timing = rng.choice([["--cron", cron_expression(rng)], ["--every", _value(rng, "--every")], []])
    action = rng.choice([["--command", rng.choice(["echo hi", _words(rng)])], []])
    return Case(["add", name, *timing, *action, *_options(rng, rng.randint(0, 3))], label="add")


def edit_case(rng: random.Random) -> Case:
    extra = rng.choice([[], ["--clear", rng.choice(["description", "end-at", "nope", ""])]])
    timing = rng.choice([["--cron", cron_expression(rng)], []])
    name = rng.choice([[], ["--name", _words(rng)]])
    return Case(
        ["edit", "base", *timing, *name, *extra, *_options(rng, rng.randint(1, 3))], label="edit"
    )


def describe_case(rng: random.Random) -> Case:
    args = ["describe", cron_expression(rng)]
    if rng.random() < 0.5:
        args += ["--tz", _value(rng, "--tz")]
    if rng.random() < 0.5:
        args += [
            "--after",
            rng.choice(
                [
                    "9999-12-31T23:59Z",
                    "0001-01-01T00:00Z",
                    "0001-01-01T00:00+01:00",
                    "2026-03-08T00:00-05:00",
                    _words(rng),
                ]
            ),
        ]
    if rng.random() < 0.3:
        args += ["-n", rng.choice(["0", "1", "1000", "1001", "-1", _words(rng)])]
    return Case(args, label="describe")


def ref_case(rng: random.Random) -> Case:
    ref = rng.choice(["sched_", "s", "nope", "", "%", "_", "\\", _words(rng)])
    command = rng.choice(
        [
            ["show", ref, "-n", rng.choice(["5", "0", "99999999999", "x"])],
            ["pause", ref],
            ["resume", ref],
            ["delete", ref, "--yes"],
            ["runs", ref, "--limit", rng.choice(["1", "0", "100001", "x"])],
            ["run-show", ref],
            ["backfill", ref, "--from", _words(rng), "--to", _words(rng), "--dry-run"],
            [
                "backfill",
                "base",
                "--from",
                rng.choice(["2026-01-01T00:00Z", "0001-01-01T00:00Z", _words(rng)]),
                "--to",
                rng.choice(["2026-01-02T00:00Z", "9999-12-31T23:59Z", _words(rng)]),
                "--dry-run",
            ],
            ["next", "--hours", rng.choice(["0", "1", "8784", "8785", "-1", "nan", "x"])],
            ["next", "--json", "--limit", rng.choice(["1", "10000"])],
            ["show", rng.choice(["base", "v"]), "--json", "-n", rng.choice(["0", "1000"])],
            ["list", "--json", "--state", rng.choice(["all", "paused", "nope"])],
            [
                "export",
                "--format",
                rng.choice(["toml", "json", "crontab"]),
                "-o",
                rng.choice(["{dir}/out", "{dir}", "/nonexistent/dir/x", "{dir}/\x00"]),
            ],
            ["list", "--search", _words(rng)],
            ["export", "--format", rng.choice(["toml", "json", "crontab", "yaml"])],
        ]
    )
    return Case(command, label=command[0])


_CRONTAB_LINES = [
    "0 5 * * * echo ok",
    "*/6 * * * * * echo six",
    "17 * * * * root cd / && run-parts /etc/cron.hourly",
    "# m h dom mon dow user command",
    "@reboot x",
    "@every 5m x",
    "@daily",
    "MAILTO=a@b",
    "SHELL=/bin/bash",
    "PATH=",
    "CRON_TZ=Mars/Base",
    "TZ=",
    "0 0 31 2 * never",
    "0 22-2 * * * wraps",
    "0 1 * * * a%b",
    "not cron",
    "* * * * *",
    "0 0 L,15 * * x",
]


def crontab_text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 8)):
        kind = rng.randrange(4)
        if kind == 0:
            lines.append(rng.choice(_CRONTAB_LINES))
        elif kind == 1:
            lines.append(f"{cron_expression(rng)} {rng.choice(['echo x', _words(rng)])}")
        elif kind == 2:
            lines.append(f"{rng.choice(['A', 'CRON_TZ', 'TZ', '1X'])}={_words(rng)}")
        else:
            lines.append("# " + _words(rng))
    return "\n".join(lines) + rng.choice(["\n", ""])


def _json_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1.5, 10**30, 2**63])
    if kind == 3:
        return _words(rng)
    if kind == 4:
        return rng.choice(["0 9 * * *", "UTC", "echo hi", "09:30", "mon-fri"])
    if kind == 5:
        return float(rng.choice(["nan", "inf"]))
    if kind == 6:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {_words(rng)[:20]: _json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


FIELDS = [
    "name",
    "cron",
    "every",
    "time_of_day",
    "days_of_week",
    "timezone",
    "max_runs",
    "end_at",
    "timeout_seconds",
    "retries",
    "overlap",
    "catchup",
    "jitter_seconds",
    "deduplication_key",
    "external_id",
    "description",
    "on_failure",
    "active",
]
ACTION_KEYS = ["command", "cwd", "env", "url", "method", "headers", "body", "call"]


def _entry(rng: random.Random, *, flat: bool) -> dict[str, object]:
    entry: dict[str, object] = {"name": "n", "cron": "0 9 * * *"}
    if flat:
        entry["command"] = "echo hi"
    else:
        entry["action"] = {"kind": "command", "command": "echo hi"}
    for key in rng.sample(FIELDS + (ACTION_KEYS if flat else ["action", "generator"]), 3):
        entry[key] = _json_value(rng)
    return entry


def json_file(rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        return ("[" * 100_000 + "]" * 100_000).encode()
    if kind == 1:
        return ("[" + "9" * 5000 + "]").encode()
    if kind == 2:
        return b'[{"name": "\xff\xfe"}]'
    if kind == 3:
        return json.dumps(_json_value(rng)).encode()
    body: list[object] = [_entry(rng, flat=False) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.2:
        body.append(rng.choice([5, "x", [], None]))
    return json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")


def _toml_value(rng: random.Random) -> str:
    return rng.choice(
        [
            '""',
            '"x"',
            '"\\u0000"',
            "1",
            "-1",
            "9" * 5000,
            "1.5",
            "inf",
            "nan",
            "true",
            "[]",
            "[1, 2]",
            '["a", 1]',
            "{}",
            "{A = {B = 1}, D = true}",
            "{a = " * 2000 + "1" + "}" * 2000,
            "[" * 2000 + "]" * 2000,
            "2026-01-01T00:00:00Z",
            "09:30:00",
            "1979-05-27",
            '"0 9 * * *"',
            '"@every 30000000h"',
        ]
    )


def toml_file(rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        return b'[schedules.a]\ncron = "0 9 * * *"\ncommand = "\xff"\n'
    if kind == 1:
        return b"[schedules.a\n"
    parts = []
    if rng.random() < 0.2:
        parts.append(f"project = {_toml_value(rng)}")
    if rng.random() < 0.1:
        parts.append(f"other = {_toml_value(rng)}")
    for i in range(rng.randint(1, 3)):
        parts.append(f"[schedules.k{i}]")
        parts.append('cron = "0 9 * * *"')
        parts.append('command = "echo hi"')
        for key in rng.sample(FIELDS + ACTION_KEYS, 2):
            parts.append(f"{key} = {_toml_value(rng)}")
    return ("\n".join(parts) + "\n").encode()


def import_case(rng: random.Random) -> Case:
    kind = rng.randrange(5)
    flags = rng.sample(["--dry-run", "--strict"], rng.randint(0, 2))
    if kind == 0:
        extra = rng.choice([[], ["--system"], ["--no-system"], ["--tz", _value(rng, "--tz")]])
        return Case(
            ["import", "crontab", "-", *flags, *extra],
            stdin=crontab_text(rng),
            label="import crontab",
        )
    if kind == 1:
        data = crontab_text(rng).encode("utf-8", "surrogatepass")
        if rng.random() < 0.3:
            data += b"\n0 1 * * * echo \xff\xfe\n"
        return Case(
            ["import", "crontab", "{dir}/c.crontab", *flags],
            files={"c.crontab": data},
            label="import crontab file",
        )
    if kind == 2:
        return Case(
            ["import", "json", "{dir}/x.json", *flags],
            files={"x.json": json_file(rng)},
            label="import json",
        )
    if kind == 3:
        return Case(
            ["import", "toml", "{dir}/x.toml", *flags],
            files={"x.toml": toml_file(rng)},
            label="import toml",
        )
    sync_flags = rng.sample(["--dry-run", "--prune-missing"], rng.randint(0, 2))
    return Case(
        ["sync", "{dir}/x.toml", *sync_flags], files={"x.toml": toml_file(rng)}, label="sync"
    )


GENERATORS: list[tuple[int, Callable[[random.Random], Case]]] = [
    (30, add_case),
    (15, edit_case),
    (15, describe_case),
    (10, ref_case),
    (30, import_case),
]


def cases(seed: int, count: int) -> Iterator[Case]:
    rng = random.Random(seed)
    weights = [w for w, _ in GENERATORS]
    makers = [m for _, m in GENERATORS]
    for _ in range(count):
        yield rng.choices(makers, weights)[0](rng)
