"""Commands without shell syntax start without the shell (runner/direct_exec.py), and nothing a
command can observe changes: each command string below runs both ways (directly where it can,
and forced through ``/bin/sh -c``) and the outcomes (status, exit code, error, output: stdout and
stderr as captured) must be equal. Commands with shell syntax always go through sh: a logging
wrapper standing in for /bin/sh shows which start did. Real processes throughout."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path
from typing import Any

import pytest

from tickwork.domain.model import CommandAction
from tickwork.domain.status import RunStatus
from tickwork.runner import direct_exec, spawn
from tickwork.runner.command_action import run_command
from tickwork.runner.outcome import Outcome
from tickwork.runner.payload import base_env, command_env

from .actions_support import make_ctx
from .test_command_start import group_gone

pytestmark = pytest.mark.skipif(
    not direct_exec.shell_is_dash(spawn.SHELL), reason="the direct start needs /bin/sh = dash"
)

# Commands that start directly (the shell would only have started them).
DIRECT = [
    "/bin/echo hello world",
    "ls -d /",
    "ls /nonexistent-tickwork",  # exit 2, a message on stderr
    "cat /dev/null",
    "cat",  # stdin is /dev/null
    "env",
    "/usr/bin/env",
    "env -u HOME",
    "env FOO=1 env",
    "grep -c root /etc/passwd",
    "grep -q tickwork-nothing /dev/null",  # exit 1
    "sleep 0",
    "expr 2 + 3",
    "expr 0",  # prints 0, exit 1
    "uname -s",
    "id -u",
    "sh -c 'exit 3'",
    "sh -c 'echo \"a  b\"'",
    "date --date=@0 -u +%Y-%m-%d",
    "/usr/bin/printf %s-%s, x y",
    "  ls   -d   /  ",
    "ls\t-d\t/",
    "ls -d '/' \"/\" ''",
    'ls -d ""',
    "grep -e SigBlk -e SigIgn -e SigCgt /proc/self/status",
    "ls /proc/self/fd",  # no descriptor but 0-2 (and ls's own)
    "cut -d' ' -f3,5,6 /proc/self/stat",
    "head -c 200000 /dev/zero",  # over the output cap
    "seq 1 30000",
    "{args} 'a  b' \"c d\" '' e=f -x",
    "{script}",
    "{killself} TERM",
    "{killself} KILL",
    "{killself} PIPE",
    "{killself} INT",
    "{killself} SEGV",
    "{killself} USR1",
    "./args.sh rel",
]

# Commands that look plain but start through sh anyway: not found, not executable, a script
# without #! (sh runs those itself) or a builtin.
THROUGH_SH_ANYWAY = [
    "nosuch-tickwork-program",
    "nosuch-tickwork-program with args",
    "/nonexistent/tickwork-program",
    "{noexec}",
    "{noshebang}",
    "{tmp}",  # a directory
    "./nosuch",
]

BUILTINS = [
    "true",
    "false",
    "echo hi",
    "printf x",
    "pwd",
    "test -d /",
    "[ -d / ]",
    "exit 3",
    "cd /tmp",
    "export A=1",
    ". /dev/null",
    "eval ls -d /",
    "exec ls -d /",
    "umask",
    "type ls",
    "command -v ls",
    "kill -0 0",
    "'exit' 4",
    '"true"',
    "times",
]

SYNTAX = [
    "echo $HOME",
    "ls -d / | cat",
    "ls -d / > /dev/null",
    "ls -d /; ls -d /tmp",
    "ls -d / && exit 5",
    "ls -d / || exit 5",
    "sleep 0 &",
    "ls -d /e*",
    "ls -d /e?c",
    "ls -d /[e]tc",
    "ls -d ~",
    "ls -d 'unbalanced",
    'ls -d "unbalanced',
    "A=1 env",
    "ls \\/",
    "ls -d `echo /`",
    "(ls -d /)",
    "{ ls -d /; }",
    "ls -d / # a comment",
    "if true; then echo y; fi",
    "ls -d /\nls -d /tmp",
    "! ls /nonexistent-tickwork",
    "ls -d / ^ cat",
    "ls -d /tmp/é",
    "ls -d /\r",
    "",
    "   ",
    "'' ls",
    "ls -d '$HOME'",
    'echo "$HOME"',
]


@pytest.fixture
def place(tmp_path: Path) -> dict[str, str]:
    """Programs and files the command strings name, in a temp dir."""

    def script(name: str, text: str, mode: int = 0o755) -> str:
        path = tmp_path / name
        path.write_text(text)
        path.chmod(mode)
        return str(path)

    return {
        "tmp": str(tmp_path),
        "args": script("args.sh", '#!/bin/sh\nfor a; do echo "[$a]"; done\necho "PWD=$PWD"\n'),
        "script": script("script.sh", "#!/bin/sh\necho from a script; echo err >&2; exit 6\n"),
        "killself": script("killself.sh", "#!/bin/sh\necho dying\nkill -$1 $$\nsleep 10\n"),
        "noexec": script("noexec.sh", "#!/bin/sh\necho never\n", 0o644),
        "noshebang": script("noshebang", "echo run by sh; exit 4\n"),
    }


def fill(command: str, place: dict[str, str]) -> str:
    for name, value in place.items():
        command = command.replace("{" + name + "}", value)
    return command


def normal(command: str, out: Outcome) -> tuple[Any, ...]:
    text = out.output
    if command.lstrip().startswith(("env", "/usr/bin/env")):
        text = "\n".join(sorted(text.splitlines()))  # dash passes the environment in its order
    if command.startswith("cut -d"):  # state, process group, session: pids differ per run
        state, pgrp, session = text.split()
        text = f"{state} group={pgrp == session}"
    return (out.status, out.exit_code, out.error, text)


async def outcome(
    command: str, *, shell_only: bool, cwd: str | None = None, **kwargs: Any
) -> Outcome:
    env = kwargs.pop("env", {})
    ctx = make_ctx(inherit_env=kwargs.pop("inherit_env", False))
    return await run_command(
        CommandAction(command, cwd=cwd, env=env),
        ctx,
        kwargs.pop("timeout", 60),
        kwargs.pop("grace", 1.0),
        kwargs.pop("cap", 64 * 1024),
        kwargs.pop("on_start", None),
        shell_only=shell_only,
    )


async def both_ways(command: str, **kwargs: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    direct = await outcome(command, shell_only=False, **kwargs)
    shell = await outcome(command, shell_only=True, **kwargs)
    return normal(command, direct), normal(command, shell)


def planned(command: str, *, cwd: str | None = None, **env: str) -> bool:
    ctx = make_ctx()
    full = {**base_env(False), **env, **command_env(ctx)}
    return direct_exec.direct_start(command, full, cwd, spawn.SHELL) is not None


@pytest.mark.parametrize("command", DIRECT + THROUGH_SH_ANYWAY + BUILTINS + SYNTAX)
@pytest.mark.parametrize("where", ["runner's directory", "cwd"])
async def test_same_outcome_either_way(
    command: str, where: str, place: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = fill(command, place)
    cwd = place["tmp"] if where == "cwd" else None
    if cwd is None:
        monkeypatch.chdir(place["tmp"])  # ./args.sh, ./nosuch
    if command in [fill(c, place) for c in DIRECT]:
        assert planned(command, cwd=cwd), command
    elif command in SYNTAX + BUILTINS:
        assert not planned(command, cwd=cwd), command
    direct, shell = await both_ways(command, cwd=cwd)
    assert direct == shell


async def test_the_matrix_fails_when_the_ways_differ(place: dict[str, str]) -> None:
    """The comparison above can fail: the same program with and without the shell's PWD."""
    direct = await outcome("env", shell_only=False)
    shell = await outcome("/usr/bin/env -u PWD", shell_only=True)
    assert normal("env", direct) != normal("env", shell)


@pytest.mark.parametrize(
    "env",
    [
        {"PWD": "/"},  # not the working directory: dash exports the real one
        {"PWD": "relative"},
        {"PATH": "/usr/bin:/bin", "LANG": "C"},
        {"IFS": ":"},  # reset by dash: sh
        {"OPTIND": "3"},
        {"PPID": "1"},
    ],
    ids=["pwd-elsewhere", "pwd-relative", "path", "ifs", "optind", "ppid"],
)
async def test_the_environment_is_the_shells(env: dict[str, str], place: dict[str, str]) -> None:
    for cwd in (None, place["tmp"]):
        direct, shell = await both_ways("env", cwd=cwd, env=env)
        assert direct == shell


async def test_pwd_through_a_symbolic_link_is_kept(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    link = str(tmp_path / "link")
    for env in ({"PWD": link}, {}):
        direct, shell = await both_ways("env", cwd=link, env=env)
        assert direct == shell
    kept = await outcome("env", shell_only=False, cwd=link, env={"PWD": link})
    assert f"PWD={link}" in kept.output.splitlines()
    physical = await outcome("env", shell_only=False, cwd=link)
    assert f"PWD={tmp_path / 'real'}" in physical.output.splitlines()


async def test_the_runners_environment_inherited(place: dict[str, str]) -> None:
    for cwd in (None, place["tmp"]):
        direct, shell = await both_ways("env", cwd=cwd, inherit_env=True)
        assert direct == shell


async def test_path_lookup_is_the_shells(tmp_path: Path) -> None:
    """The first regular, executable file along the command's own PATH, as sh finds it."""
    first, second, third = (tmp_path / d for d in ("first", "second", "third"))
    for d in (first, second, third):
        d.mkdir()
    (first / "tool").write_text("#!/bin/sh\necho first\n")  # not executable
    (second / "tool").mkdir()  # a directory
    (third / "tool").write_text("#!/bin/sh\necho third; echo PATH=$PATH\n")
    (third / "tool").chmod(0o755)
    path = f"{first}:{second}:{third}:/usr/bin:/bin"
    assert planned("tool", PATH=path)
    direct, shell = await both_ways("tool", env={"PATH": path})
    assert direct == shell and direct[3] == f"third\nPATH={path}\n"
    for odd in (f"relative:{third}", f":{third}", f"{third}:", ""):
        assert not planned("tool", PATH=odd)  # relative or empty entries: sh
        direct, shell = await both_ways("tool", env={"PATH": odd})
        assert direct == shell


async def test_timeout_stops_the_whole_group(place: dict[str, str], tmp_path: Path) -> None:
    group = tmp_path / "group.sh"
    group.write_text("#!/bin/sh\nsleep 100 & sleep 100\n")
    trapped = tmp_path / "trapped.sh"  # ends well on SIGTERM: sh itself would not
    trapped.write_text("#!/bin/sh\ntrap 'exit 0' TERM\nsleep 100 & wait\n")
    stubborn = tmp_path / "stubborn.sh"  # ignores SIGTERM: SIGKILL after the grace
    stubborn.write_text("#!/bin/sh\ntrap '' TERM\nsleep 100 & wait; wait\n")
    for path in (group, trapped, stubborn):
        path.chmod(0o755)
    for command in (str(group), str(trapped), str(stubborn), "sleep 100"):
        assert planned(command)
        seen = []
        for shell_only in (False, True):
            pids: list[int] = []
            out = await outcome(
                command, shell_only=shell_only, timeout=0.5, grace=1.0, on_start=pids.append
            )
            assert (out.status, out.error) == (RunStatus.TIMED_OUT, "timed out after 0.5s")
            assert await group_gone(pids[0])
            seen.append(normal(command, out))
        assert seen[0] == seen[1], command
        assert seen[0][1] == -signal.SIGTERM


async def test_cancelled_direct_command_leaves_no_process() -> None:
    pids: list[int] = []

    async def command() -> Outcome:
        def started(pid: int) -> None:
            pids.append(pid)
            task.cancel()

        return await outcome("sleep 100", shell_only=False, grace=0.5, on_start=started)

    task = asyncio.create_task(command())
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 60)
    assert len(pids) == 1 and await group_gone(pids[0])


async def test_killed_by_a_signal_either_way(place: dict[str, str]) -> None:
    """As sh reports a child killed by a signal: 128 + N, and the signal's name on stderr."""
    direct, shell = await both_ways(f"{place['killself']} TERM")
    assert direct == shell
    assert direct[1:] == (128 + signal.SIGTERM, "exit code 143", "dying\nTerminated\n")


async def test_output_cap_either_way() -> None:
    direct, shell = await both_ways("head -c 100000 /dev/zero", cap=1000)
    assert direct == shell and direct[1] == 0 and len(direct[3]) < 10000


def shell_log_wrapper(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in for /bin/sh named dash: logs each command it is given, then is dash."""
    log = tmp_path / "shell.log"
    wrapper = tmp_path / "bin" / "dash"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/dash\nprintf '%s\\n' \"$2\" >> '{log}'\nexec /bin/dash \"$@\"\n")
    wrapper.chmod(0o755)
    log.write_text("")
    return str(wrapper), log


async def test_shell_syntax_always_goes_through_sh(
    tmp_path: Path, place: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper, log = shell_log_wrapper(tmp_path)
    monkeypatch.setattr(spawn, "SHELL", wrapper)
    monkeypatch.chdir(place["tmp"])
    for command in SYNTAX + BUILTINS + [fill(c, place) for c in THROUGH_SH_ANYWAY]:
        if not command.strip():
            continue
        log.write_text("")
        await outcome(command, shell_only=False)
        assert log.read_bytes() == f"{command}\n".encode(), command
    for command in [fill(c, place) for c in DIRECT]:
        log.write_text("")
        out = await outcome(command, shell_only=False)
        assert out.exit_code is not None and log.read_text() == "", command


async def test_not_found_and_not_executable_messages(place: dict[str, str]) -> None:
    """What sh says, because sh says it: the direct start never reports these itself."""
    missing = await outcome("nosuch-tickwork-program arg", shell_only=False)
    assert (missing.exit_code, missing.output) == (
        127,
        "/bin/sh: 1: nosuch-tickwork-program: not found\n",
    )
    denied = await outcome(place["noexec"], shell_only=False)
    assert denied.exit_code == 126 and denied.output.endswith(": Permission denied\n")
    script = await outcome(place["noshebang"], shell_only=False)
    assert (script.exit_code, script.output) == (4, "run by sh\n")


def test_plain_words() -> None:
    words = direct_exec.plain_words
    assert words("ls -l /tmp") == ("ls", "-l", "/tmp")
    assert words("  a\t'b  c' \"d e\" '' x'y'\"z\" ") == ("a", "b  c", "d e", "", "xyz")
    assert words("dd if=/dev/zero of=/dev/null count=1") is not None
    assert words("/usr/bin/printf %s@%s+ a,b c.d:e") is not None
    for command in SYNTAX + BUILTINS:
        assert words(command) is None, command


def test_every_word_dash_knows_goes_to_sh() -> None:
    """Ask dash itself: every name it calls a keyword or builtin (among those in SHELL_WORDS and
    every program on this PATH) is in SHELL_WORDS."""
    import subprocess

    names = set(direct_exec.SHELL_WORDS)
    for d in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        if os.path.isdir(d):
            names.update(n for n in os.listdir(d) if re.fullmatch(r"[A-Za-z0-9_.\[-]+", n))
    script = 'for n do command -V "$n" 2>/dev/null; done; exit 0'
    done = subprocess.run(
        ["/bin/sh", "-c", script, "sh", *sorted(names)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    special = [
        line.split(" is ")[0]
        for line in done.stdout.splitlines()
        if re.search(r" is a (special )?shell (builtin|keyword)$", line)
    ]
    assert len(special) > 20
    assert set(special) <= direct_exec.SHELL_WORDS


def test_other_shells_keep_every_command_on_sh(tmp_path: Path) -> None:
    bash = tmp_path / "sh"
    bash.symlink_to("/bin/bash")
    env = {"PATH": "/usr/bin:/bin"}
    assert direct_exec.direct_start("ls -l", env, None, "/bin/sh") is not None
    assert direct_exec.direct_start("ls -l", env, None, str(bash)) is None
    assert (
        direct_exec.direct_start("ls -l", {**env, "BASH_FUNC_ls%%": "() { :; }"}, None, "/bin/sh")
        is None
    )
    assert direct_exec.direct_start("ls -l", {**env, "A-B": "1"}, None, "/bin/sh") is None
    assert direct_exec.direct_start("ls -l", {}, None, "/bin/sh") is None  # no PATH
    assert direct_exec.direct_start("/bin/ls -l", {}, None, "/bin/sh") is not None
