"""`tickwork doctor`: what a person looks at when something seems wrong, one line each.

Every check says ok, warning or error, and the fix. The database's own facts come from
tickwork.store.inspect; a PostgreSQL store supplies the same (its server clock included).
"""

from __future__ import annotations

import importlib.metadata
import zoneinfo
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from tickwork.domain.timeutil import iso_ms
from tickwork.store import Store
from tickwork.store.inspect import (
    DatabaseFacts,
    database_facts,
    disabled_invalid,
    overdue,
    server_time,
)

Level = Literal["ok", "warning", "error"]
LATE = timedelta(seconds=60)  # a next run this far in the past is overdue (the on-time grace)
BIG_WAL = 64 * 1024 * 1024
CLOCK_SKEW = 1.0  # seconds


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    message: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def size_words(n: int | None) -> str:
    if n is None:
        return "none"
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n}"


def check_database(f: DatabaseFacts) -> list[Check]:
    text = (
        f"{f.location}: schema {f.schema_version} of {f.latest_version}, integrity "
        f"{f.integrity}, {size_words(f.size_bytes)}, WAL {size_words(f.wal_bytes)}"
    )
    out = [Check("database", "ok", text)]
    if f.integrity != "ok":
        out[0] = Check(
            "database",
            "error",
            text,
            f"the file is damaged: stop every tickwork process, keep a copy, then "
            f"`sqlite3 {f.location} .recover | sqlite3 recovered.db` and use --db recovered.db",
        )
    elif f.wal_bytes is not None and f.wal_bytes > BIG_WAL:
        out.append(
            Check(
                "wal",
                "warning",
                f"the write-ahead log is {size_words(f.wal_bytes)}: a long-open reader keeps it "
                "from being checkpointed",
                "close UIs left open for days, or restart the runner; SQLite then trims it",
            )
        )
    return out


def check_runners(store: Store, now: datetime) -> list[Check]:
    alive = store.leases.alive(now)
    active = store.counts()["active"]
    if not alive:
        level: Level = "warning" if active else "ok"
        return [
            Check(
                "runners",
                level,
                f"no runner is alive{': nothing fires' if active else ''}",
                "start `tickwork run` (systemd: see the README) or open the UI" if active else None,
            )
        ]
    out = []
    for lease in alive:
        age = (now - lease.heartbeat_at).total_seconds()
        ttl = (lease.expires_at - lease.heartbeat_at).total_seconds()
        who = f"{lease.mode} runner on {lease.host} pid {lease.pid} ({lease.state})"
        if age < -CLOCK_SKEW:
            out.append(
                Check(
                    "runners",
                    "warning",
                    f"{who}: last heartbeat {-age:.1f}s in the future: its clock is ahead of "
                    "this machine's",
                    "sync both clocks (chrony or systemd-timesyncd)",
                )
            )
        elif age > ttl / 2:
            out.append(
                Check(
                    "runners",
                    "warning",
                    f"{who}: last heartbeat {age:.1f}s ago (lease {ttl:g}s): it lags",
                    "a locked database or an overloaded machine: see its log",
                )
            )
        else:
            out.append(Check("runners", "ok", f"{who}: last heartbeat {max(age, 0):.1f}s ago"))
    return out


def check_overdue(store: Store, now: datetime, runners_alive: bool) -> Check:
    count, examples = overdue(store, now - LATE)
    if not count:
        return Check("overdue", "ok", "no active schedule's next run is in the past")
    shown = ", ".join(f"{name} ({at})" for name, at in examples)
    if runners_alive:
        return Check(
            "overdue",
            "warning",
            f"{count} active schedules' next run is more than a minute past: {shown}",
            "the runner is behind or stuck: see its log; raise --max-concurrency if slots run out",
        )
    return Check(
        "overdue",
        "warning",
        f"{count} active schedules' next run is in the past (no runner): {shown}",
        "start a runner: they are caught up per their catchup policy",
    )


def check_invalid(store: Store) -> Check:
    count, examples = disabled_invalid(store)
    if not count:
        return Check("invalid", "ok", "no schedule was disabled as invalid")
    shown = "; ".join(f"{name}: {reason}" for name, reason in examples)
    return Check(
        "invalid",
        "error",
        f"{count} schedules were disabled as invalid: {shown}",
        "fix them with `tickwork edit` (DECLARATIVE: in their file, then `tickwork sync`), "
        "then `tickwork resume`",
    )


def _system_tzdata() -> tuple[Path, str] | None:
    for base in zoneinfo.TZPATH:
        index = Path(base) / "tzdata.zi"
        try:
            first = index.read_text().splitlines()[0]
        except (OSError, IndexError):
            continue
        return Path(base), first.removeprefix("# version ").strip()
    return None


def check_tzdata() -> Check:
    try:
        package = importlib.metadata.version("tzdata")
    except importlib.metadata.PackageNotFoundError:
        package = None
    system = _system_tzdata()
    if system is not None:
        extra = f" (the tzdata package {package} is the fallback)" if package else ""
        return Check("tzdata", "ok", f"time zone data {system[1]} from {system[0]}{extra}")
    if package:
        return Check("tzdata", "ok", f"time zone data from the tzdata package {package}")
    return Check(
        "tzdata",
        "error",
        "no time zone data found: zones other than UTC cannot be used",
        "install the tzdata package (`uv sync`) or the system's tzdata",
    )


def check_clock(store: Store, now: datetime, local: bool) -> Check:
    offset = (server_time(store) - now).total_seconds()
    if local:
        return Check(
            "clock", "ok", f"the database is a local file: same clock (offset {offset:+.3f}s)"
        )
    if abs(offset) > CLOCK_SKEW:
        return Check(
            "clock",
            "warning",
            f"the database server's clock is {offset:+.1f}s from this machine's",
            "sync both clocks (chrony or systemd-timesyncd): leases and due times depend on it",
        )
    return Check("clock", "ok", f"the database server's clock is {offset:+.3f}s from this one")


def unit_paths(home: Path) -> list[Path]:
    return [
        home / ".config/systemd/user/tickwork.service",
        Path("/etc/systemd/user/tickwork.service"),
        Path("/etc/systemd/system/tickwork.service"),
    ]


def check_unit(paths: Sequence[Path]) -> Check:
    found = [p for p in paths if p.is_file()]
    if not found:
        return Check(
            "service", "ok", "no systemd unit installed (optional: see the README's systemd part)"
        )
    path = found[0]
    keys: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith(("#", ";")):
            keys[key.strip()] = value.strip()
    missing = []
    if keys.get("Type") != "notify":
        missing.append("Type=notify (systemd then knows when the runner is ready)")
    if "WatchdogSec" not in keys:
        missing.append("WatchdogSec=30 (a stuck runner is restarted)")
    if "tickwork" not in keys.get("ExecStart", "") or " run" not in keys.get("ExecStart", ""):
        missing.append("ExecStart=... tickwork run")
    if missing:
        return Check("service", "warning", f"{path}: lacks {'; '.join(missing)}", "add them")
    return Check("service", "ok", f"{path}: Type=notify, WatchdogSec={keys['WatchdogSec']}")


def run_checks(store: Store, now: datetime, *, units: Sequence[Path]) -> list[Check]:
    facts = database_facts(store)
    checks = check_database(facts)
    runners = check_runners(store, now)
    checks += runners
    alive = any("runner on" in c.message for c in runners)
    checks.append(check_overdue(store, now, alive))
    checks.append(check_invalid(store))
    checks.append(check_tzdata())
    checks.append(check_clock(store, now, local=facts.local_clock))
    checks.append(check_unit(units))
    return checks


def summary(checks: Sequence[Check], now: datetime) -> dict[str, Any]:
    worst = (
        "error"
        if any(c.level == "error" for c in checks)
        else ("warning" if any(c.level == "warning" for c in checks) else "ok")
    )
    return {"status": worst, "at": iso_ms(now), "checks": [c.to_json() for c in checks]}
