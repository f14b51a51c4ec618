"""The one place that opens a litmap store (an SQLite file) and the write transaction helper."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from litmap.errors import StoreError

DEFAULT_DB = "litmap.db"
BUSY_TIMEOUT_MS = 30_000


def now() -> str:
    """UTC timestamp with microseconds, as stored in every `*_at` column."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def open_store(path: str | Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and with `create`, create) the store at `path` and bring its schema up to date.

    Sets WAL, foreign keys and a busy timeout. Raises StoreError when the file is not a SQLite
    database, or is an SQLite database that some other program made (it has tables but no litmap
    migrations), or does not exist and `create` is false.
    """
    from litmap.migrations import migrations  # late: registers every area's schema

    path = Path(path)
    if str(path) != ":memory:":
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, not a litmap store; pass a file with --db")
        if not path.exists() and not create:
            raise StoreError(f"{path}: no litmap store here; run `litmap import FILE` or `litmap init` first, or pass --db")
        if path.exists() and path.stat().st_size > 0:
            with open(path, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise StoreError(f"{path}: not a litmap store (not an SQLite database); pass another --db")
    try:
        db = sqlite_utils.Database(path)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        tables = set(db.table_names())
        if tables and "_sqlite_migrations" not in tables:
            raise StoreError(f"{path}: not a litmap store (an SQLite database of another program); pass another --db")
        if tables and not db.execute(
            "select 1 from _sqlite_migrations where migration_set = 'litmap' limit 1"
        ).fetchone():
            raise StoreError(f"{path}: not a litmap store (no litmap schema); pass another --db")
        if str(path) != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        # Statement journals (which every trigger-kept table needs) in memory, not in temp files:
        # merging 100,000 votes 4.3 s -> 3.2 s.
        db.execute("PRAGMA temp_store = MEMORY")
        if migrations.pending(db):
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open the store ({exc}); is it a litmap store?") from exc
    return db


@contextlib.contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction: everything inside commits together or not at all.

    Starts with BEGIN IMMEDIATE so that concurrent writers (two reviewers on one store) queue on the
    busy timeout instead of failing on a read-to-write upgrade. Nested use becomes a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")
