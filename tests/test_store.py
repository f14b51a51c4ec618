"""Opening the store: schema, pragmas, and refusing files that are not litmap stores."""

from __future__ import annotations

import sqlite3

import pytest

from litmap.errors import StoreError
from litmap.store import open_store, write


def test_new_store_has_schema_and_pragmas(db_path):
    db = open_store(db_path)
    assert {"sources", "records", "decisions", "resolutions", "retrievals", "removals"} <= set(db.table_names())
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert "current_votes" in db.view_names()
    db.close()
    # opening again applies nothing new and keeps the data
    again = open_store(db_path)
    assert again.execute("select count(*) from _sqlite_migrations where migration_set='litmap'").fetchone()[0] >= 2


def test_missing_store_refused_without_create(tmp_path):
    with pytest.raises(StoreError, match="no litmap store here"):
        open_store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_non_sqlite_file_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello")
    with pytest.raises(StoreError, match="not an SQLite database"):
        open_store(path)
    assert path.read_text() == "hello"


def test_other_programs_database_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="another program"):
        open_store(path)


def test_write_rolls_back_everything_on_error(empty_store):
    db = empty_store
    with pytest.raises(RuntimeError):
        with write(db):
            db["sources"].insert({"name": "x", "format": "ris", "imported_at": "now"})
            raise RuntimeError("boom")
    assert db["sources"].count == 0
