"""Jobs get the environment they were given (cron's minimal one), not the runner's.

Real `tickwork run --once` processes with secrets in their own environment, real /bin/sh jobs
that write out what they see.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tickwork.domain.timeutil import utcnow
from tickwork.store import Store

RUNNER_SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "runner-only-aws-secret",
    "TICKWORK_SERVE_TOKEN": "runner-only-serve-token-123456",
    "SOME_RUNNER_SETTING": "runner-only-setting",
}


def _env_file(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, eq, value = line.partition("=")
        if eq:
            out[key] = value
    return out


def _due(db: Path, name: str, out: Path, **fields: Any) -> str:
    """A schedule due now whose command writes its environment to `out`."""
    past = utcnow() - timedelta(seconds=30)
    with Store.open(db, clock=lambda: past) as store:
        s = store.create(
            {
                "name": name,
                "every": "10s",
                "action": {"kind": "command", "command": f"env > {out}", **fields.pop("a", {})},
                **fields,
            }
        ).schedule
    return s.id


def _run_once(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **RUNNER_SECRETS, "TICKWORK_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "tickwork", "run", "--once", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_a_job_sees_none_of_the_runners_environment(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    _due(db_path, "job", out, a={"env": {"TEAM": "core"}})
    _run_once(db_path)
    seen = _env_file(out)
    for key in RUNNER_SECRETS:
        assert key not in seen
    assert "TICKWORK_DB" not in seen
    assert all(v not in out.read_text() for v in RUNNER_SECRETS.values())
    assert seen["PATH"] == "/usr/bin:/bin"
    assert seen["SHELL"] == "/bin/sh"
    import pwd

    me = pwd.getpwuid(os.geteuid())
    assert (seen["HOME"], seen["LOGNAME"], seen["USER"]) == (me.pw_dir, me.pw_name, me.pw_name)
    assert seen["TEAM"] == "core"  # the schedule's own env
    assert seen["TICKWORK_SCHEDULE_NAME"] == "job" and seen["TICKWORK_RUN_ID"]
    # nothing else: the shell adds PWD (and SHLVL, _) itself
    extra = set(seen) - {"HOME", "LOGNAME", "USER", "PATH", "SHELL", "TEAM", "PWD", "SHLVL", "_"}
    assert {k for k in extra if not k.startswith("TICKWORK_")} == set()


def test_inherit_env_per_schedule_passes_the_runner_environment_but_not_tickworks(
    db_path: Path, tmp_path: Path
) -> None:
    inherit, plain = tmp_path / "inherit.txt", tmp_path / "plain.txt"
    _due(db_path, "inherits", inherit, inherit_env=True)
    _due(db_path, "plain", plain)
    _run_once(db_path)
    seen = _env_file(inherit)
    assert seen["AWS_SECRET_ACCESS_KEY"] == "runner-only-aws-secret"
    assert seen["SOME_RUNNER_SETTING"] == "runner-only-setting"
    assert "TICKWORK_DB" not in seen and "TICKWORK_SERVE_TOKEN" not in seen
    assert "AWS_SECRET_ACCESS_KEY" not in _env_file(plain)


def test_run_inherit_env_passes_it_to_every_job(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    _due(db_path, "job", out)
    _run_once(db_path, "--inherit-env")
    seen = _env_file(out)
    assert seen["AWS_SECRET_ACCESS_KEY"] == "runner-only-aws-secret"
    assert "TICKWORK_DB" not in seen and "TICKWORK_SERVE_TOKEN" not in seen


def test_a_command_hook_gets_the_same_minimal_environment(db_path: Path, tmp_path: Path) -> None:
    hook_out = tmp_path / "hook.txt"
    past = utcnow() - timedelta(seconds=30)
    with Store.open(db_path, clock=lambda: past) as store:
        store.create(
            {
                "name": "fails",
                "every": "10s",
                "action": {"kind": "command", "command": "exit 3", "env": {"TEAM": "core"}},
                "on_failure": f"env > {hook_out}",
            }
        )
    _run_once(db_path)
    seen = _env_file(hook_out)
    assert "AWS_SECRET_ACCESS_KEY" not in seen and "TICKWORK_DB" not in seen
    assert seen["PATH"] == "/usr/bin:/bin"
    assert seen["TEAM"] == "core" and seen["TICKWORK_EVENT"] == "failure"


def test_a_crontab_keeps_working_its_variables_become_the_jobs_env(
    db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "env.txt"
    crontab = tmp_path / "crontab"
    crontab.write_text(
        f"PATH=/opt/tools:/usr/bin:/bin\nMAILTO=\nGREETING=hi\n* * * * * env > {out}\n"
    )
    code, _, err = run_cli(db_path, "import", "crontab", str(crontab), "--tz", "UTC")
    assert code == 0, err
    with Store.open(db_path) as store:
        (s,) = store.list()
        assert s.action.env["GREETING"] == "hi"  # type: ignore[union-attr]
        store.save(s.with_changes(next_run_at=utcnow() - timedelta(seconds=5)))
    _run_once(db_path)
    seen = _env_file(out)
    assert seen["PATH"] == "/opt/tools:/usr/bin:/bin" and seen["GREETING"] == "hi"
    assert "AWS_SECRET_ACCESS_KEY" not in seen


def test_inherit_env_in_the_cli_json_and_toml(db_path: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(
        db_path, "add", "a", "--every", "1h", "--command", "true", "--inherit-env"
    )
    assert code == 0, err
    code, out, _ = run_cli(db_path, "show", "a", "--json")
    assert '"inherit_env": true' in out
    code, out, _ = run_cli(db_path, "show", "a")
    assert "inherited from the runner" in out
    code, toml_text, _ = run_cli(db_path, "export", "--format", "toml")
    assert "inherit_env = true" in toml_text
    code, _, err = run_cli(db_path, "edit", "a", "--no-inherit-env")
    assert code == 0, err
    code, out, _ = run_cli(db_path, "show", "a", "--json")
    assert '"inherit_env": false' in out
    other = tmp_path / "other.db"
    (tmp_path / "s.toml").write_text(toml_text)
    code, _, err = run_cli(other, "import", "toml", str(tmp_path / "s.toml"))
    assert code == 0, err
    with Store.open(other) as store:
        assert [s.inherit_env for s in store.list()] == [True]
    code, _, err = run_cli(db_path, "add", "b", "--every", "1h", "--command", "x")
    assert code == 0, err
    code, out, _ = run_cli(db_path, "show", "b", "--json")
    assert '"inherit_env": false' in out  # the default: cron's environment


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_inherit_env_must_be_a_boolean(db_path: Path, tmp_path: Path, value: object) -> None:
    with Store.open(db_path) as store:
        from tickwork.domain.errors import InvalidSchedule

        with pytest.raises(InvalidSchedule, match="inherit_env"):
            store.create(
                {
                    "name": "x",
                    "every": "1h",
                    "action": {"kind": "command", "command": "true"},
                    "inherit_env": value,
                }
            )
        assert store.count() == 0


async def test_the_edit_form_sets_inherit_env(db_path: Path) -> None:
    from textual.widgets import Checkbox
    from textual.worker import WorkerCancelled

    from tickwork.ui.app import create_app

    with Store.open(db_path) as store:
        store.create(
            {"name": "job", "every": "1h", "action": {"kind": "command", "command": "true"}}
        )
    app = create_app(db_path, runner=False)
    async with app.run_test(size=(160, 60)) as pilot:
        for _ in range(3):
            await pilot.pause()
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer one
                await app.workers.wait_for_complete()
        await pilot.press("e")
        for _ in range(3):
            await pilot.pause()
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer one
                await app.workers.wait_for_complete()
        box = app.screen.query_one("#f-inherit_env", Checkbox)
        assert box.value is False
        box.value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        for _ in range(3):
            await pilot.pause()
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer one
                await app.workers.wait_for_complete()
    with Store.open(db_path) as store:
        assert store.resolve("job").inherit_env is True
