"""Moving to PostgreSQL as the README says: export the SQLite file (secrets included), import
into the PostgreSQL database; every schedule arrives the same, and a re-import changes nothing
that has a key."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FakeClock
from tests.exchange.helpers import FIXTURES
from tests.exchange.test_formats import _comparable, populate
from tickwork.exchange.declarative import sync
from tickwork.exchange.formats import dump_json, json_items
from tickwork.exchange.importing import run_import
from tickwork.store import Store


def test_an_sqlite_file_moves_to_postgresql(tmp_path: Path, pg_url: str, clock: FakeClock) -> None:
    decl = tmp_path / "tickwork.toml"
    decl.write_text((FIXTURES / "tickwork.toml").read_text())
    with Store.open(tmp_path / "old.db", clock=clock) as old:
        populate(old)
        sync(old, decl)
        exported = dump_json(old.list(), show_secrets=True)
    with Store.open(pg_url, clock=clock) as new:
        report = run_import(new, json_items(exported, "export.json")[0])
        assert report.count("create") == 10 and report.problems() == []
        moved = dump_json(new.list(), show_secrets=True)
        again = run_import(new, json_items(exported, "export.json")[0])
        assert again.count("unchanged") == 4  # the dedup key and the declared keys find them
    assert _comparable(json.loads(moved)) == _comparable(json.loads(exported))
