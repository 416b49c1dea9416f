"""``posix_spawn`` of the C library called through ctypes: the same start as ``os.posix_spawn``
(the same libc function, the same attributes), without holding the interpreter lock.

``os.posix_spawn`` holds the lock for the whole call, and the call lasts until the child has
exec'd (glibc clones with CLONE_VFORK): in a herd of a thousand commands the runner's loop and
every other thread wait out each child's exec in turn. A ctypes call releases the lock, so
starts made from a few worker threads overlap each other and the loop's own work.

What a child gets is what ``runner.spawn`` asks of ``os.posix_spawn``: a new session
(``POSIX_SPAWN_SETSID``), stdin ``/dev/null``, stdout and stderr the given pipe, the given
signals back to their default action; and the signal mask of the thread that asked for the start
(``os.posix_spawn`` leaves the child the calling thread's; a worker thread's may differ, so it is
set explicitly). Only on glibc >= 2.26 (POSIX_SPAWN_SETSID); elsewhere ``available()`` is False
and ``os.posix_spawn`` starts every command.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
from collections.abc import Iterable, Mapping

# glibc's values (bits/spawn.h, the same on every architecture)
SETSIGDEF = 0x04
SETSIGMASK = 0x08
SETSID = 0x80
_OPAQUE = 1024  # bytes for posix_spawnattr_t (336 on x86-64) and file actions (80)
_SIGSET = 128  # bytes of glibc's sigset_t (1024 bits)

_libc: ctypes.CDLL | None = None
_checked = False


def _glibc() -> ctypes.CDLL | None:
    """The C library, when it is glibc >= 2.26 with every function needed; else None."""
    global _libc, _checked
    if _checked:
        return _libc
    _checked = True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        version = libc.gnu_get_libc_version
        version.restype = ctypes.c_char_p
        major, minor = (int(x) for x in version().decode().split(".")[:2])
        if (major, minor) < (2, 26):
            return None
        for name in (
            "posix_spawn",
            "posix_spawnattr_init",
            "posix_spawnattr_setflags",
            "posix_spawnattr_setsigdefault",
            "posix_spawnattr_setsigmask",
            "posix_spawnattr_destroy",
            "posix_spawn_file_actions_init",
            "posix_spawn_file_actions_addopen",
            "posix_spawn_file_actions_adddup2",
            "posix_spawn_file_actions_destroy",
            "sigemptyset",
            "sigaddset",
        ):
            getattr(libc, name)
    except (OSError, AttributeError, ValueError):
        return None
    libc.posix_spawnattr_setflags.argtypes = [ctypes.c_void_p, ctypes.c_short]
    libc.posix_spawn_file_actions_addopen.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_uint,
    ]
    libc.posix_spawn.argtypes = [
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.POINTER(ctypes.c_char_p),
    ]
    _libc = libc
    return libc


def available() -> bool:
    return _glibc() is not None


def _strings(items: Iterable[bytes]) -> ctypes.Array[ctypes.c_char_p]:
    """A NULL-terminated array of C strings; ValueError for a NUL byte (C would cut the string
    there: os.posix_spawn refuses it, and says so)."""
    values = list(items)
    if any(b"\0" in v for v in values):
        raise ValueError("embedded null byte")
    return (ctypes.c_char_p * (len(values) + 1))(*values, None)


def _sigset(libc: ctypes.CDLL, signals: Iterable[int]) -> ctypes.Array[ctypes.c_char]:
    s = ctypes.create_string_buffer(_SIGSET)
    libc.sigemptyset(s)
    for sig in signals:
        libc.sigaddset(s, int(sig))
    return s


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(result, f"{what}: {os.strerror(result)}")


_lock = threading.Lock()
_attrs: dict[tuple[tuple[int, ...], tuple[int, ...]], ctypes.Array[ctypes.c_char]] = {}
_actions: dict[int, ctypes.Array[ctypes.c_char]] = {}


def _attr(
    libc: ctypes.CDLL, mask: tuple[int, ...], defaults: tuple[int, ...]
) -> ctypes.Array[ctypes.c_char]:
    """The spawn attributes for this signal mask and these default signals, made once (posix_spawn
    only reads them: one may serve concurrent starts)."""
    key = (mask, defaults)
    with _lock:
        attr = _attrs.get(key)
        if attr is None:
            attr = ctypes.create_string_buffer(_OPAQUE)
            _check(libc.posix_spawnattr_init(attr), "posix_spawnattr_init")
            flags = SETSID | SETSIGMASK | (SETSIGDEF if defaults else 0)
            _check(libc.posix_spawnattr_setflags(attr, flags), "posix_spawnattr_setflags")
            _check(libc.posix_spawnattr_setsigmask(attr, _sigset(libc, mask)), "setsigmask")
            if defaults:
                _check(
                    libc.posix_spawnattr_setsigdefault(attr, _sigset(libc, defaults)),
                    "setsigdefault",
                )
            _attrs[key] = attr
        return attr


def _file_actions(libc: ctypes.CDLL, out: int) -> ctypes.Array[ctypes.c_char]:
    """stdin /dev/null, stdout and stderr descriptor `out`: made once per descriptor number
    (read only by posix_spawn, like the attributes)."""
    with _lock:
        actions = _actions.get(out)
        if actions is None:
            actions = ctypes.create_string_buffer(_OPAQUE)
            _check(libc.posix_spawn_file_actions_init(actions), "file_actions_init")
            _check(
                libc.posix_spawn_file_actions_addopen(actions, 0, b"/dev/null", os.O_RDONLY, 0),
                "addopen",
            )
            _check(libc.posix_spawn_file_actions_adddup2(actions, out, 1), "adddup2")
            _check(libc.posix_spawn_file_actions_adddup2(actions, out, 2), "adddup2")
            _actions[out] = actions
        return actions


class Request:
    """One start, prepared on the caller's thread (argv, environment, the caller's signal mask
    turned into C data there); `spawn()` then makes one foreign call, on any thread."""

    def __init__(
        self,
        program: str,
        argv: Iterable[str],
        env: Mapping[str, str],
        out: int,
        default_signals: Iterable[int],
    ) -> None:
        libc = _glibc()
        if libc is None:
            raise OSError(0, "posix_spawn through ctypes is not available here")
        self._libc = libc
        self.program = os.fsencode(program)
        if b"\0" in self.program:
            raise ValueError("embedded null byte")
        self.argv = _strings(os.fsencode(a) for a in argv)
        self.envp = _strings(os.fsencode(k) + b"=" + os.fsencode(v) for k, v in env.items())
        mask = tuple(sorted(signal.pthread_sigmask(signal.SIG_BLOCK, ())))  # the caller's
        self.attr = _attr(libc, mask, tuple(sorted(int(s) for s in default_signals)))
        self.actions = _file_actions(libc, out)

    def spawn(self) -> int:
        """Start it (blocking, without the interpreter lock); the pid. Raises OSError with the
        errno posix_spawn returned (a program that cannot be exec'd, EAGAIN, ...)."""
        pid = ctypes.c_int(0)
        result = self._libc.posix_spawn(
            ctypes.byref(pid), self.program, self.actions, self.attr, self.argv, self.envp
        )
        if result != 0:
            raise OSError(result, os.strerror(result), os.fsdecode(self.program))
        return pid.value
