"""Starting a command in a new session (its own process group) and watching it from the loop.

A command without shell syntax starts directly (``runner/direct_exec.py``), any other as
``/bin/sh -c command``; everything below applies to both.

The cheapest correct start here: ``posix_spawn`` (a vfork-style clone and exec, no Python in
the child), called through ctypes from a few worker threads (``runner/libc_spawn.py``: the
interpreter lock is not held while the child execs, so a herd's starts overlap; a start
cancelled in flight is killed and reaped once it is made), or ``os.posix_spawn`` on the loop
where that cannot be used (not glibc, ``TICKWORK_SPAWN_THREADS=0``). The session is made by the
spawn itself (``setsid``), so every process the command starts belongs to its group from its
first instruction: there is no window in which a cancellation could stop the shell alone. stdin
is /dev/null, stdout and stderr one pipe read by the loop, SIGPIPE and SIGXFSZ back to their
defaults (Python ignores SIGPIPE; ``subprocess`` restores them the same way). The exit is seen
through a pidfd the loop watches (Linux >= 5.3): no thread per child, no SIGCHLD handler, no
scan of /proc. Where a piece is missing (a working directory to change to, which
``posix_spawn`` cannot do in Python 3.11; no ``posix_spawn`` session support; no pidfd) the same
start goes through ``subprocess.Popen`` and the exit through a daemon thread waiting for it: the
same process, group, pipe and exit status either way.

Descriptors: ``posix_spawn`` cannot close the parent's descriptors as ``close_fds`` does, so a
command would inherit any the runner holds without close-on-exec. Python opens every descriptor
close-on-exec (PEP 446), and so do SQLite and libpq; what the runner itself was started with is
made close-on-exec once, before its first command (:func:`_seal_inherited_fds`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping

from tickwork.runner import libc_spawn
from tickwork.runner.direct_exec import direct_start
from tickwork.runner.threads import DaemonPool, in_daemon_thread

SHELL = "/bin/sh"
VIA_SH = "TICKWORK_COMMANDS_VIA_SH"  # =1 in the runner's environment: every command through sh
IN_THREADS = "TICKWORK_SPAWN_THREADS"  # =0: every start on the loop's thread (os.posix_spawn)
SPAWN_WORKERS = 4  # threads starting commands at once (a herd's starts overlap, 2 cores here)
READ_SIZE = 256 * 1024  # per wake-up, as asyncio's pipe transports read
_DEFAULT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, name)
)
_sealed = False
_seal_lock = threading.Lock()


class Child:
    """A started command: its pid (= its process group), its output fed to ``on_output`` as
    it arrives, ``exited`` and ``eof`` (its output pipe closed by every holder) apart.

    ``Process.wait()`` would also wait for the pipe, so a background grandchild holding stdout
    would hang it: the exit is watched on its own.

    ``like_shell``: the program was started without the shell that ``/bin/sh -c`` would have put
    between it and the runner; its end is reported as that shell would have reported it (killed
    by signal N: exit code 128+N and the signal's name on stderr, except for SIGINT and SIGPIPE;
    a group the runner signalled: killed by the runner's first signal, as the shell would be).
    """

    def __init__(
        self,
        pid: int,
        out_fd: int,
        on_output: Callable[[bytes], None],
        loop: asyncio.AbstractEventLoop,
        popen: subprocess.Popen[bytes] | None = None,
        like_shell: bool = False,
    ) -> None:
        self.pid = pid
        self.like_shell = like_shell
        self._stopped_by: int | None = None  # the runner's first signal to the group
        self.returncode: int | None = None  # as subprocess: -N when killed by signal N
        self.exited: asyncio.Future[None] = loop.create_future()
        self.eof: asyncio.Future[None] = loop.create_future()
        self._loop = loop
        self._popen = popen  # when Popen started it: it keeps the pid from being reaped twice
        self._on_output = on_output
        self._out_fd: int | None = out_fd
        self._pidfd: int | None = None
        os.set_blocking(out_fd, False)
        loop.add_reader(out_fd, self._read)
        self._watch_exit()

    # ------------------------------------------------------------------ output

    def _read(self) -> None:
        fd = self._out_fd
        if fd is None:
            return
        try:
            data = os.read(fd, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""  # the pipe broke: as good as closed
        if data:
            self._on_output(data)
            return
        self._close_output()

    def _close_output(self) -> None:
        fd, self._out_fd = self._out_fd, None
        if fd is not None:
            self._loop.remove_reader(fd)
            os.close(fd)
        if not self.eof.done():
            self.eof.set_result(None)

    # ------------------------------------------------------------------ exit

    def _watch_exit(self) -> None:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                self._pidfd = pidfd_open(self.pid)
            except OSError:  # ENOSYS (kernel < 5.3), EPERM (a sandbox): the thread below
                self._pidfd = None
        if self._pidfd is not None:
            self._loop.add_reader(self._pidfd, self._reap)
            return
        threading.Thread(target=self._wait_in_thread, name="tickwork-wait", daemon=True).start()

    def _reap(self) -> None:
        """The pidfd became readable: the child ended (a zombie now); reap it."""
        pidfd, self._pidfd = self._pidfd, None
        if pidfd is not None:
            self._loop.remove_reader(pidfd)
            os.close(pidfd)
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, -1  # reaped by someone else: the status is lost
        if pid == 0:  # not a zombie yet after all: wait for it elsewhere
            threading.Thread(target=self._wait_in_thread, name="tickwork-wait", daemon=True).start()
            return
        self._exited(self._code(status), status)

    def _wait_in_thread(self) -> None:
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            status = -1
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self._loop.call_soon_threadsafe(self._exited, self._code(status), status)

    def _code(self, status: int) -> int | None:
        """The exit code as subprocess reports it (-N: killed by signal N); None: unknown."""
        if status < 0:
            return None
        code = os.waitstatus_to_exitcode(status)
        if self._popen is not None:
            self._popen.returncode = code  # Popen must not wait for it again
        return code

    def _exited(self, code: int | None, status: int = -1) -> None:
        if self.like_shell and code is not None and not self.exited.done():
            code = self._as_shell(code, status)
        self.returncode = code
        if not self.exited.done():
            self.exited.set_result(None)

    def _as_shell(self, code: int, status: int) -> int:
        """The exit code (and message) ``/bin/sh -c`` gives when its child ends so (dash)."""
        if self._stopped_by is not None:
            return -self._stopped_by  # the shell would have died of the runner's signal
        if code >= 0:
            return code
        sig = -code
        if sig not in (signal.SIGINT, signal.SIGPIPE):
            self._drain()  # what the program wrote comes before what the shell writes
            text = signal.strsignal(sig) or f"Unknown signal {sig}"
            if os.WCOREDUMP(status):
                text += " (core dumped)"
            self._on_output(f"{text}\n".encode())
        return 128 + sig

    def _drain(self) -> None:
        """Read what the pipe holds now (the program has ended: all it wrote is there)."""
        while self._out_fd is not None:
            try:
                data = os.read(self._out_fd, READ_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._close_output()
                return
            self._on_output(data)

    def signalled(self, sig: int) -> None:
        """The runner is about to signal the child's group (timeout, cancellation)."""
        if not self.like_shell or self._stopped_by is not None or self.exited.done():
            return
        try:  # ended already (its exit not seen yet): the shell would have ended with it
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return
        except ChildProcessError:
            return
        self._stopped_by = sig

    # ------------------------------------------------------------------ end

    def close(self) -> None:
        """Stop reading the output. A child still running is killed (the group leader alone,
        as asyncio's transports do: stopping the group is the caller's job) and still reaped
        when it ends."""
        self._close_output()
        if not self.exited.done():
            self.signalled(signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


async def start_command(
    command: str,
    env: Mapping[str, str],
    cwd: str | None,
    on_output: Callable[[bytes], None],
    *,
    shell_only: bool = False,
) -> Child:
    """Start ``command`` in a new session, as ``/bin/sh -c command`` would: directly when it has
    no shell syntax (:mod:`tickwork.runner.direct_exec`; ``shell_only`` or
    ``TICKWORK_COMMANDS_VIA_SH=1`` turn that off), else through the shell. Raises OSError when
    it cannot start. Cancelled while a worker thread starts it: the process, once started, is
    killed with its group and reaped (nobody is left to watch it)."""
    loop = asyncio.get_running_loop()
    _seal_inherited_fds()
    pipe = _Pipe()
    try:
        pid, popen, direct = await _spawn_command(command, env, cwd, pipe, shell_only)
    except BaseException:
        pipe.close()  # (not while a worker still starts the process: see _Pipe)
        raise
    read_fd = pipe.take()
    try:
        return Child(pid, read_fd, on_output, loop, popen, like_shell=direct)
    except BaseException:  # it runs but cannot be watched: stop its group, reap it
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            loop.remove_reader(read_fd)
        with contextlib.suppress(OSError):
            os.close(read_fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        raise


class _Pipe:
    """The output pipe of a start. Its write end is the child's stdout and stderr: it stays open
    until the start has ended (a worker thread may still be starting the child when the caller
    is cancelled; its descriptor number must not be reused meanwhile)."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = _pipe()
        self.in_flight = False  # a worker thread starts the child: it closes the pipe

    def close(self) -> None:
        if self.in_flight:
            return
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.read_fd = self.write_fd = -1

    def take(self) -> int:
        """The child started: the write end goes (the child holds its copies), the read end is
        the caller's."""
        os.close(self.write_fd)
        fd, self.read_fd, self.write_fd = self.read_fd, -1, -1
        return fd


async def _spawn_command(
    command: str, env: Mapping[str, str], cwd: str | None, pipe: _Pipe, shell_only: bool
) -> tuple[int, subprocess.Popen[bytes] | None, bool]:
    """(pid, its Popen if Popen started it, whether it started without the shell)."""
    if shell_only or os.environ.get(VIA_SH) == "1":
        direct = None
    else:
        direct = direct_start(command, env, cwd, SHELL)
    if direct is not None:
        program, argv, direct_env = direct
        try:
            return (*await _spawn(program, argv, direct_env, cwd, pipe), True)
        except OSError:  # not executable, no #! line, gone meanwhile: sh runs it and says why
            pass
    return (*await _spawn(SHELL, (SHELL, "-c", command), env, cwd, pipe), False)


_posix_spawn_sessions = hasattr(os, "posix_spawn") and hasattr(os, "POSIX_SPAWN_DUP2")
SPAWNS = DaemonPool("tickwork-spawn", soft_cap=SPAWN_WORKERS, relief=False)


async def _spawn(
    program: str, argv: tuple[str, ...], env: Mapping[str, str], cwd: str | None, pipe: _Pipe
) -> tuple[int, subprocess.Popen[bytes] | None]:
    """Start it from a worker thread without the interpreter lock (libc_spawn) where it can,
    else here (os.posix_spawn, or Popen for a working directory): the same start either way."""
    if cwd is None and _posix_spawn_sessions and os.environ.get(IN_THREADS) != "0":
        try:
            request = libc_spawn.Request(program, argv, env, pipe.write_fd, _DEFAULT_SIGNALS)
        except (OSError, ValueError):  # not glibc, a NUL byte: os.posix_spawn says what it says
            pass
        else:
            return await _in_worker(request, pipe), None
    return _spawn_here(program, argv, env, cwd, pipe.write_fd)


async def _in_worker(request: libc_spawn.Request, pipe: _Pipe) -> int:
    flight = _InFlight(request, pipe)
    pipe.in_flight = True
    started = in_daemon_thread(flight.start, SPAWNS)
    try:
        pid, error = await asyncio.shield(started)
    except asyncio.CancelledError:
        flight.abandon()
        raise
    pipe.in_flight = False
    if error is not None:
        raise error
    assert pid is not None
    return pid


class _InFlight:
    """A start a worker thread makes. Its caller cancelled meanwhile: the process, once made,
    is killed with its group and reaped and the pipe closed, by whichever side comes second
    (the worker, or the caller if the start had ended): never by the loop, which may be closed
    by then (a runner stopping)."""

    def __init__(self, request: libc_spawn.Request, pipe: _Pipe) -> None:
        self.request = request
        self.pipe = pipe
        self.lock = threading.Lock()
        self.ended = False
        self.abandoned = False
        self.pid: int | None = None

    def start(self) -> int:  # on a worker thread
        try:
            self.pid = self.request.spawn()
        finally:
            with self.lock:
                self.ended = True
                left = self.abandoned
            if left:
                self._clean_up()
        return self.pid

    def abandon(self) -> None:  # on the loop
        with self.lock:
            self.abandoned = True
            ended = self.ended
        if ended:
            self._clean_up(reap=_reap_in_thread)

    def _clean_up(self, reap: Callable[[int], None] | None = None) -> None:
        self.pipe.in_flight = False
        self.pipe.close()
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            (reap or _reap)(self.pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)  # (killed: at once, unless stuck in the kernel)


def _reap_in_thread(pid: int) -> None:
    """Not on the loop: a process stuck in the kernel would hold it."""
    threading.Thread(target=_reap, args=(pid,), name="tickwork-reap", daemon=True).start()


def _spawn_here(
    program: str, argv: tuple[str, ...], env: Mapping[str, str], cwd: str | None, out: int
) -> tuple[int, subprocess.Popen[bytes] | None]:
    global _posix_spawn_sessions
    if cwd is None and _posix_spawn_sessions:
        try:
            pid = os.posix_spawn(
                program,
                argv,
                env,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, out, 1),
                    (os.POSIX_SPAWN_DUP2, out, 2),
                ],
                setsid=True,
                setsigdef=_DEFAULT_SIGNALS,
            )
        except NotImplementedError:  # no POSIX_SPAWN_SETSID in this libc: Popen from now on
            _posix_spawn_sessions = False
        else:
            return pid, None
    popen = subprocess.Popen(  # the same start, with a working directory (or no posix_spawn)
        argv,
        executable=program,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=out,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    return popen.pid, popen


def _pipe() -> tuple[int, int]:
    """A close-on-exec pipe whose ends are above 0-2 (dup2 onto 1 and 2 then makes the child's
    copies inheritable; an end that already was 1 or 2 would stay close-on-exec)."""
    read_fd, write_fd = os.pipe()
    ends = []
    for fd in (read_fd, write_fd):
        if fd < 3:
            high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
            os.close(fd)
            fd = high
        ends.append(fd)
    return ends[0], ends[1]


def _seal_inherited_fds() -> None:
    """Make the descriptors this process was started with (above 2) close-on-exec, once."""
    global _sealed
    if _sealed:
        return
    with _seal_lock:
        if _sealed:
            return
        try:
            fds = [int(name) for name in os.listdir("/proc/self/fd")]
        except OSError:
            fds = list(range(3, min(os.sysconf("SC_OPEN_MAX"), 65536)))
        for fd in fds:
            if fd > 2:
                with contextlib.suppress(OSError):
                    if os.get_inheritable(fd):
                        os.set_inheritable(fd, False)
        _sealed = True
