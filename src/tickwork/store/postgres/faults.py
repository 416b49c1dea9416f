"""PostgreSQL's errors as the store's: one line saying what happened and what to do, with the
same kinds as SQLite's (store.faults). Nothing here ever shows a password."""

from __future__ import annotations

import psycopg
from psycopg import errors

from tickwork.store.faults import Conflict, FaultKind, StoreError
from tickwork.store.location import redact, scrub

# Another transaction's lock held past lock_timeout, a serialization or deadlock victim, a
# statement cancelled by statement_timeout: the same call succeeds later.
_BUSY = (
    errors.LockNotAvailable,
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.QueryCanceled,
)
_READONLY = (errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)


def classify(exc: BaseException) -> FaultKind:
    if isinstance(exc, StoreError):
        return exc.kind
    if isinstance(exc, _BUSY):
        return "busy"
    if isinstance(exc, errors.DiskFull):
        return "full"
    if isinstance(exc, _READONLY):
        return "readonly"
    if isinstance(exc, errors.DataCorrupted | errors.IndexCorrupted):
        return "damaged"
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return "io"  # the connection: lost, refused, terminated by an administrator
    return "other"


def detail(exc: BaseException, url: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return scrub(text, url)


def store_error(url: str, exc: BaseException, *, opening: bool = False) -> StoreError | Conflict:
    """The StoreError (or Conflict, for a constraint) for a psycopg error on database `url`."""
    where = redact(url)
    what = detail(exc, url)
    if isinstance(exc, psycopg.IntegrityError):
        diag = getattr(exc, "diag", None)
        extra = getattr(diag, "message_detail", None) or ""
        return Conflict(scrub(f"{what} {extra}".strip(), url))
    kind = classify(exc)
    if opening and kind in ("io", "other"):
        return StoreError(
            f"cannot connect to {where} ({what}); nothing was changed: check the URL, that the "
            "server runs and the database exists (createdb), and the password (~/.pgpass or "
            "PGPASSWORD)",
            "cantopen",
        )
    if kind == "busy":
        msg = f"{where}: a row lock or the statement waited too long ({what}); try again"
    elif kind == "io":
        msg = f"lost the connection to {where} ({what}); nothing was changed: try again"
    elif kind == "readonly":
        msg = f"{where} refused the write ({what}): grant this user write access; nothing changed"
    elif kind == "full":
        msg = f"the server of {where} is out of disk space ({what}); this change was not written"
    elif kind == "damaged":
        msg = f"{where} reports damaged data ({what}); nothing was changed: see its server log"
    else:
        msg = f"database error on {where} ({what})"
    return StoreError(msg, kind)
