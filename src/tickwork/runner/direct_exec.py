"""Starting a command without the shell when the shell would do nothing but start it.

``/bin/sh -c CMD`` costs a whole extra program start per fire (the shell is loaded, parses CMD,
then execs the program), which is most of what a herd of commands waits for. Like GNU make's
fast path (``sh_chars`` in its job.c), a command with no shell syntax at all is run directly:
its words become the argv of one ``execve`` of the program sh would have found. Anything sh
would treat differently goes through sh, so what a command sees and does is the same either way:

- only printable ASCII; none of ``# ; & | < > ( ) { } $ ` \\ * ? [ ] ~ ! ^``, no newline or
  control character; quotes ``'...'`` and ``"..."`` only group words (nothing inside them can be
  special: ``$``, backquote and backslash are refused everywhere) and must be balanced;
- the first word is no assignment (``=``), not empty, no reserved word and no builtin of any
  common sh (``exit``, ``cd``, ``export``, ``.``, ``eval``, ``exec``, and also ``true``, ``echo``,
  ``printf``, ``test``, ``kill``: a builtin may differ from the program of the same name);
- ``/bin/sh`` is dash (the environment a child of dash sees is modelled below; any other shell
  keeps every command on sh);
- the environment holds only names dash passes on unchanged (valid names, none of ``IFS``,
  ``OPTIND``, ``PPID`` and the other variables the shell itself sets or reads, no exported bash
  function), and a ``PATH`` of absolute directories when the program is looked up.

What dash adds, this adds: ``PWD`` (the given one when it names the working directory, else the
physical path). The program is looked up in the command's own ``PATH`` as sh does (the first
regular, executable file); when none is found, or the start fails in any way (not executable, no
``#!`` line, a race), the command is started through sh after all, which then reports exactly
what it always did (``not found``, exit 127; ``Permission denied``, 126; a script without
``#!`` run by sh).
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Mapping

# Characters that make a command shell syntax (make's sh_chars, plus ^ and the quotes' escapes).
_SYNTAX = re.compile(r"[^\t\x20-\x7e]|[#;&|<>(){}$`\\*?\[\]~!^]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Variables sh sets, resets or reads at its start (dash: IFS, OPTIND, PPID, PWD), or another
# shell would; PWD is the one modelled here.
_SHELL_VARIABLES = frozenset(
    """
    IFS OPTIND PPID PS1 PS2 PS4 LINENO ENV BASH_ENV CDPATH MAIL MAILPATH MAILCHECK HISTSIZE
    FCEDIT OLDPWD SHELLOPTS BASHOPTS POSIXLY_CORRECT SHLVL
    """.split()  # noqa: SIM905 (a list of words reads best as words)
)
# Reserved words and builtins of dash, bash and busybox sh: a command starting with one is
# always given to sh.
SHELL_WORDS = frozenset(
    """
    ! { } [[ ]] case do done elif else esac fi for function if in select then until while time
    coproc . : [ alias bg bind break builtin caller cd chdir command compgen complete compopt
    continue declare dirs disown echo enable eval exec exit export false fc fg getopts hash help
    history jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly
    return set shift shopt source suspend test times trap true type typeset ulimit umask unalias
    unset wait newgrp login
    """.split()  # noqa: SIM905
)


@functools.lru_cache(maxsize=1024)
def plain_words(command: str) -> tuple[str, ...] | None:
    """The words of a command that has no shell syntax (quotes removed), or None: sh it is."""
    if _SYNTAX.search(command):
        return None
    words: list[str] = []
    word: list[str] = []
    in_word = False
    quote = ""
    for ch in command:
        if quote:
            if ch == quote:
                quote = ""
            else:
                word.append(ch)
        elif ch == " " or ch == "\t":
            if in_word:
                words.append("".join(word))
                word.clear()
                in_word = False
        else:
            in_word = True
            if ch == "'" or ch == '"':
                quote = ch
            else:
                word.append(ch)
    if quote:
        return None  # unbalanced: sh reports the syntax error
    if in_word:
        words.append("".join(word))
    if not words or not words[0] or "=" in words[0] or words[0] in SHELL_WORDS:
        return None
    return tuple(words)


@functools.lru_cache(maxsize=8)
def shell_is_dash(shell: str) -> bool:
    """Whether ``shell`` is dash (the shell whose start the direct path reproduces)."""
    return os.path.basename(os.path.realpath(shell)).startswith("dash")


def environment_ok(env: Mapping[str, str]) -> bool:
    """Whether dash would pass this environment on as it is (PWD aside)."""
    for name in env:
        if name in _SHELL_VARIABLES or not _NAME.fullmatch(name) or name.startswith("BASH_FUNC_"):
            return False
    return True


def find_program(name: str, path: str | None) -> str | None:
    """The file sh would run for a name without a slash: the first regular, executable file
    ``DIR/name`` along ``path``; None when there is none or ``path`` is not all absolute
    directories (sh then runs the command and says what it says)."""
    if not path:
        return None
    dirs = path.split(":")
    if not all(d.startswith("/") for d in dirs):
        return None
    for directory in dirs:
        candidate = f"{directory.rstrip('/')}/{name}"
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and os.access(candidate, os.X_OK):
            return candidate
    return None


def working_directory(env: Mapping[str, str], cwd: str | None) -> str | None:
    """The PWD dash exports: the given one when it is absolute and names the working directory,
    else the physical path of the working directory; None when that cannot be known."""
    here = "." if cwd is None else cwd
    given = env.get("PWD")
    try:
        if given and given.startswith("/"):
            a, b = os.stat(given), os.stat(here)
            if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
                return given
        return os.getcwd() if cwd is None else os.path.realpath(cwd, strict=True)
    except (OSError, ValueError):
        return None


def direct_start(
    command: str, env: Mapping[str, str], cwd: str | None, shell: str
) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    """(program, argv, environment) to start ``command`` without the shell, or None: sh."""
    words = plain_words(command)
    if words is None or not shell_is_dash(shell) or not environment_ok(env):
        return None
    program: str | None = words[0]
    if "/" not in words[0]:
        program = find_program(words[0], env.get("PATH"))
    if program is None:
        return None
    pwd = working_directory(env, cwd)
    if pwd is None:
        return None
    return program, words, {**env, "PWD": pwd}
