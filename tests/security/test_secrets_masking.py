"""No secret appears in any view after it is given: show, list --json, export, the UI, the log.

Real CLI commands on real database files; a masked export re-imported keeps the real secrets,
never storing a mask; --show-secrets exports round-trip exactly.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tickwork.domain.model import HttpAction
from tickwork.domain.timeutil import utcnow
from tickwork.store import Store

MASK = "********"  # tickwork.domain.secrets.MASK, the documented mask
SIGNING = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
SECRETS = [
    "pa55word",  # URL userinfo
    "tok123query",  # ?token=
    "sk-live-AAAA",  # Authorization
    "key-BBBB",  # X-Api-Key
    "hookpw",  # a hook URL's password
    "SIG999",  # a hook URL's ?sig=
    "awsCCCC",  # env by name
    "dbpwDDDD",  # a URL inside an env value
    SIGNING[10:],  # the signing secret (its first 10 characters are shown, as before)
]


def _rows_text(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return json.dumps(conn.execute("SELECT * FROM schedules").fetchall())
    finally:
        conn.close()


@pytest.fixture
def db(db_path: Path) -> Path:
    code, _, err = run_cli(
        db_path,
        "add",
        "api",
        "--every",
        "1h",
        "--url",
        "https://user:pa55word@api.example.com/hook?token=tok123query&page=2",
        "--header",
        "Authorization: Bearer sk-live-AAAA",
        "--header",
        "X-Api-Key: key-BBBB",
        "--header",
        "Accept: application/json",
        "--on-failure",
        "https://hookuser:hookpw@hooks.example.com/f?sig=SIG999&v=1",
        "--signing-secret",
        SIGNING,
        "--dedup-key",
        "api",
    )
    assert code == 0, err
    code, _, err = run_cli(
        db_path,
        "add",
        "job",
        "--every",
        "1h",
        "--command",
        "backup.sh",
        "--env",
        "AWS_SECRET_ACCESS_KEY=awsCCCC",
        "--env",
        "DATABASE_URL=postgres://app:dbpwDDDD@db.example/app",
        "--env",
        "TEAM=core",
        "--dedup-key",
        "job",
    )
    assert code == 0, err
    for secret in SECRETS:  # stored as given
        assert secret in _rows_text(db_path)
    return db_path


def _no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


@pytest.mark.parametrize(
    "args",
    [
        ["show", "api"],
        ["show", "job"],
        ["show", "api", "--json"],
        ["show", "job", "--json"],
        ["list"],
        ["list", "--json"],
        ["export", "--format", "json"],
        ["export", "--format", "toml"],
        ["export", "--format", "crontab"],
        ["edit", "api", "--description", "x", "--json"],
        ["pause", "job", "--json"],
    ],
)
def test_no_view_shows_a_secret(db: Path, args: list[str]) -> None:
    code, out, err = run_cli(db, *args)
    assert code == 0, err
    _no_secret(out + err)
    if args[0] in ("show", "export") and "crontab" not in args and args[1:2] != ["job"]:
        assert "application/json" in out  # plain headers stay readable
        assert "page=2" in out and "api.example.com" in out
        assert MASK in out


def test_show_says_what_is_there_without_the_value(db: Path) -> None:
    _, out, _ = run_cli(db, "show", "job")
    assert f"AWS_SECRET_ACCESS_KEY': '{MASK}'" in out
    assert f"postgres://app:{MASK}@db.example/app" in out and "'TEAM': 'core'" in out
    _, out, _ = run_cli(db, "show", "api", "--json")
    data = json.loads(out)
    assert data["action"]["headers"] == {
        "Authorization": MASK,
        "X-Api-Key": MASK,
        "Accept": "application/json",
    }
    assert data["action"]["url"] == f"https://user:{MASK}@api.example.com/hook?token={MASK}&page=2"
    assert data["on_failure"] == f"https://hookuser:{MASK}@hooks.example.com/f?sig={MASK}&v=1"
    assert data["signing_secret"] == SIGNING[:10] + "…"


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_show_secrets_export_round_trips_exactly(db: Path, tmp_path: Path, fmt: str) -> None:
    out_file = tmp_path / f"keep.{fmt}"
    code, _, err = run_cli(db, "export", "--format", fmt, "--show-secrets", "-o", str(out_file))
    assert code == 0, err
    text = out_file.read_text()
    for secret in SECRETS:
        assert secret in text
    assert out_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    if fmt == "toml":
        tomllib.loads(text)
    other = tmp_path / "other.db"
    code, _, err = run_cli(other, "import", fmt, str(out_file), "--strict")
    assert code == 0, err
    with Store.open(db) as a, Store.open(other) as b:
        for name in ("api", "job"):
            x, y = a.resolve(name), b.resolve(name)
            assert (x.action, x.on_failure, x.signing_secret) == (
                y.action,
                y.on_failure,
                y.signing_secret,
            )


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_a_masked_export_reimported_keeps_the_real_secrets(
    db: Path, tmp_path: Path, fmt: str
) -> None:
    before = _rows_text(db)
    out_file = tmp_path / f"masked.{fmt}"
    run_cli(db, "export", "--format", fmt, "-o", str(out_file))
    code, out, err = run_cli(db, "import", fmt, str(out_file))
    assert code == 0, err
    assert "updated 0" in out and "2 unchanged" in out  # found by dedup key: nothing changes
    assert _rows_text(db) == before
    # changing something else in the export keeps the secrets too
    text = out_file.read_text().replace("backup.sh", "backup.sh --full")
    out_file.write_text(text)
    code, out, err = run_cli(db, "import", fmt, str(out_file))
    assert code == 0, err
    with Store.open(db) as store:
        job = store.resolve("job")
        assert job.action.env["AWS_SECRET_ACCESS_KEY"] == "awsCCCC"  # type: ignore[union-attr]
        assert job.action.command == "backup.sh --full"  # type: ignore[union-attr]
        api = store.resolve("api")
        assert isinstance(api.action, HttpAction)
        assert api.action.headers["Authorization"] == "Bearer sk-live-AAAA"
        assert api.signing_secret == SIGNING
    assert MASK not in _rows_text(db)


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_a_masked_export_into_another_database_is_refused_not_stored_as_masks(
    db: Path, tmp_path: Path, fmt: str
) -> None:
    out_file = tmp_path / f"masked.{fmt}"
    run_cli(db, "export", "--format", fmt, "-o", str(out_file))
    other = tmp_path / "other.db"
    _, out, err = run_cli(other, "import", fmt, str(out_file))
    assert "skipped" in err and "is masked" in err and "--show-secrets" in err
    assert "imported 0" in out
    with Store.open(other) as store:
        assert store.count() == 0


def test_edit_with_a_mask_keeps_the_secret_and_a_new_mask_is_refused(db: Path) -> None:
    code, _, err = run_cli(
        db, "edit", "api", "--header", f"Authorization: {MASK}", "--header", "Accept: text/plain"
    )
    assert code == 0, err
    with Store.open(db) as store:
        api = store.resolve("api")
        assert isinstance(api.action, HttpAction)
        assert api.action.headers == {
            "Authorization": "Bearer sk-live-AAAA",
            "Accept": "text/plain",
        }
    code, _, err = run_cli(
        db,
        "add",
        "new",
        "--every",
        "1h",
        "--url",
        "https://x.example/",
        "--header",
        f"X-Api-Key: {MASK}",
    )
    assert code == 1
    assert err.startswith("error: --header: X-Api-Key is masked") and len(err.splitlines()) == 1


def test_secrets_from_files_and_environment_variables(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = tmp_path / "headers"
    headers.write_text("# for the API\nAuthorization: Bearer from-file\n\nX-Trace: 1\n")
    envs = tmp_path / "env"
    envs.write_text("API_TOKEN=from-env-file\n")
    monkeypatch.setenv("MY_KEY", "from-environment")
    monkeypatch.setenv("HOOK_SECRET", SIGNING)
    code, _, err = run_cli(
        db_path,
        "add",
        "a",
        "--every",
        "1h",
        "--url",
        "https://x.example/",
        "--header-file",
        str(headers),
        "--header-env",
        "X-Api-Key=MY_KEY",
        "--signing-secret-env",
        "HOOK_SECRET",
    )
    assert code == 0, err
    code, _, err = run_cli(
        db_path, "add", "b", "--every", "1h", "--command", "true", "--env-file", str(envs)
    )
    assert code == 0, err
    with Store.open(db_path) as store:
        a = store.resolve("a").action
        assert isinstance(a, HttpAction)
        assert a.headers == {
            "Authorization": "Bearer from-file",
            "X-Trace": "1",
            "X-Api-Key": "from-environment",
        }
        assert store.resolve("a").signing_secret == SIGNING
        assert store.resolve("b").action.env == {"API_TOKEN": "from-env-file"}  # type: ignore[union-attr]
    code, _, err = run_cli(
        db_path,
        "add",
        "c",
        "--every",
        "1h",
        "--url",
        "https://x.example/",
        "--header-env",
        "X-Api-Key=NOT_SET_ANYWHERE",
    )
    assert code == 1 and "NOT_SET_ANYWHERE is not set" in err
    code, _, err = run_cli(
        db_path,
        "add",
        "c",
        "--every",
        "1h",
        "--url",
        "https://x.example/",
        "--header-file",
        str(tmp_path / "missing"),
    )
    assert code == 1 and "file not found" in err
    _, help_text, _ = run_cli(db_path, "add", "--help")
    for option in ("--header-file", "--header-env", "--env-file", "--signing-secret-env"):
        assert option in help_text
    assert "ps" in help_text


def test_the_log_and_the_run_record_never_hold_a_credential(db_path: Path) -> None:
    past = utcnow() - timedelta(seconds=30)
    for fmt in ("text", "json"):
        with Store.open(db_path, clock=lambda: past) as store:  # due now, for each log format
            store.create(
                {
                    "name": f"unreachable-{fmt}",
                    "every": "10s",
                    "action": {
                        "kind": "http",
                        "url": "http://user:pa55word@127.0.0.1:9/x?token=tok123query",
                    },
                    "on_failure": "http://hookuser:hookpw@127.0.0.1:9/f?sig=SIG999",
                }
            )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tickwork",
                "--db",
                str(db_path),
                "run",
                "--once",
                "--log-format",
                fmt,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ},
        )
        assert done.returncode == 0, done.stderr
        _no_secret(done.stdout + done.stderr)
        assert "failed" in done.stdout
    for args in (["runs", "--json"], ["runs"]):
        _, out, _ = run_cli(db_path, *args)
        _no_secret(out)
    runs_text = json.dumps(sqlite3.connect(db_path).execute("SELECT * FROM runs").fetchall())
    _no_secret(runs_text)


async def _settle(pilot: Any) -> None:
    from textual.worker import WorkerCancelled

    for _ in range(5):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):  # replaced by a newer one (exclusive)
            await pilot.app.workers.wait_for_complete()


async def test_the_ui_detail_pane_and_form_show_masks(db: Path) -> None:
    from textual.widgets import Input, Static, TextArea

    from tickwork.ui.app import create_app

    app = create_app(db, runner=False)
    async with app.run_test(size=(160, 60)) as pilot:
        await _settle(pilot)
        panes = []
        for _ in range(2):  # both schedules, one after the other
            panes.append(str(app.screen.query_one("#detail-fields-text", Static).render()))
            await pilot.press("down")
            await _settle(pilot)
        shown = "\n".join(panes)
        assert "api.example.com" in shown and "TEAM=core" in shown
        assert f"Authorization: {MASK}" in shown and f"AWS_SECRET_ACCESS_KEY={MASK}" in shown
        _no_secret(shown)
        _no_secret(app.export_screenshot())
        await pilot.press("e")  # the edit form of the highlighted schedule
        await _settle(pilot)
        values: list[Any] = [w.value for w in app.screen.query(Input)]
        values += [w.text for w in app.screen.query(TextArea)]
        assert any(MASK in str(v) for v in values)
        _no_secret("\n".join(str(v) for v in values))
        _no_secret(app.export_screenshot())
        # saved with a change beside the masks, the stored secrets stay
        area = next(iter(app.screen.query("#f-headers, #f-env").results(TextArea)))
        area.text = area.text + ("\nX-Extra: 1" if area.id == "f-headers" else "\nEXTRA=1")
        await _settle(pilot)
        await pilot.press("ctrl+s")
        await _settle(pilot)
    with Store.open(db) as store:
        api, job = store.resolve("api").action, store.resolve("job").action
    assert isinstance(api, HttpAction)
    assert api.headers["Authorization"] == "Bearer sk-live-AAAA"
    assert api.headers["X-Api-Key"] == "key-BBBB"
    assert job.env["AWS_SECRET_ACCESS_KEY"] == "awsCCCC"  # type: ignore[union-attr]
    extra = api.headers.get("X-Extra") or job.env.get("EXTRA")  # type: ignore[union-attr]
    assert extra == "1"  # the form's change was saved
    assert MASK not in _rows_text(db)


def test_sync_refuses_a_mask_it_cannot_put_back_and_keeps_one_it_can(
    db_path: Path, tmp_path: Path
) -> None:
    decl = tmp_path / "tickwork.toml"
    decl.write_text(
        '[schedules.api]\nevery = "1h"\nurl = "https://x.example/"\n'
        'headers = { Authorization = "Bearer real-one" }\n'
    )
    code, _, err = run_cli(db_path, "sync", str(decl))
    assert code == 0, err
    decl.write_text(decl.read_text().replace("Bearer real-one", MASK) + 'description = "d"\n')
    code, _, err = run_cli(db_path, "sync", str(decl))  # the file's own schedule: kept
    assert code == 0, err
    with Store.open(db_path) as store:
        action = store.resolve("api").action
        assert isinstance(action, HttpAction)
        assert action.headers == {"Authorization": "Bearer real-one"}
    fresh = tmp_path / "fresh.toml"
    fresh.write_text(decl.read_text().replace("[schedules.api]", "[schedules.other]"))
    code, _, err = run_cli(db_path, "sync", str(fresh))
    assert code == 1
    assert "schedules.other.headers" in err and "is masked" in err
    assert MASK not in _rows_text(db_path)
