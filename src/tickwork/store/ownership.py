"""Whether a database path can be trusted before it is opened, as ssh and sudo check theirs.

tickwork runs every command stored in its database as the user who opens it, so a database
that someone else can write (or swap for their own) is a way into that user's account. Before
opening, the file, its -wal and -shm companions and the directories holding them must belong
to the current user (or root, for directories) and not be writable by group or others.

Only ``os.stat``/``os.lstat`` are used: opening and closing the database file outside SQLite
would drop this process's POSIX locks on it.

``TICKWORK_ALLOW_SHARED_DB=1`` (or ``tickwork --allow-shared-db``) turns the checks off for
setups that share one database between users on purpose.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

ALLOW_SHARED_ENV = "TICKWORK_ALLOW_SHARED_DB"
COMPANIONS = ("-wal", "-shm", "-journal")
_OVERRIDE = f"(or set {ALLOW_SHARED_ENV}=1 to share it on purpose)"


def shared_allowed() -> bool:
    return os.environ.get(ALLOW_SHARED_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _owner(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def _dir_problem(folder: Path, uid: int) -> str | None:
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return None  # created 0700 by tickwork
    except OSError as exc:
        return f"cannot check directory {folder}: {exc.strerror}"
    if st.st_uid not in (uid, 0):
        return (
            f"directory {folder} belongs to {_owner(st.st_uid)}, not to you: "
            f"keep the database in a directory of your own {_OVERRIDE}"
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (
            f"directory {folder} is writable by others, who could replace the database: "
            f"chmod go-w {folder} {_OVERRIDE}"
        )
    return None


def _file_problem(path: Path, uid: int) -> str | None:
    st = _lstat(path)
    if st is None:
        return None
    if stat.S_ISLNK(st.st_mode):
        if st.st_uid not in (uid, 0):
            return f"{path} is a symbolic link made by {_owner(st.st_uid)}, not by you {_OVERRIDE}"
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None  # dangling: the database is created at its target, mode 0600
        except OSError as exc:
            return f"cannot check {path}: {exc.strerror}"
    if not stat.S_ISREG(st.st_mode):
        return None  # a directory or device: connect() says what is wrong with it
    if st.st_uid != uid:
        return (
            f"{path} belongs to {_owner(st.st_uid)}, not to you: tickwork would run the "
            f"commands they put in it; use a database of your own {_OVERRIDE}"
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by others, who could add commands: chmod 600 {path} {_OVERRIDE}"
    return None


def untrusted(path: Path) -> str | None:
    """Why the database at ``path`` must not be opened (one line naming the fix), or None."""
    if shared_allowed() or not hasattr(os, "geteuid"):
        return None
    uid = os.geteuid()
    given = Path(os.path.abspath(path))
    real = Path(os.path.realpath(given))
    folders = dict.fromkeys([given.parent, real.parent])
    for folder in folders:
        problem = _dir_problem(folder, uid)
        if problem:
            return problem
    for candidate in (given, *(Path(str(real) + suffix) for suffix in COMPANIONS)):
        problem = _file_problem(candidate, uid)
        if problem:
            return problem
    return None


def creation_target(path: Path) -> Path:
    """Where a new database file goes: through a dangling symbolic link, to its target."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else path
