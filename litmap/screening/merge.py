"""Bring another copy of this store's team work in: votes, resolutions, retrievals, removals, notes,
unblindings (and codings with their resolutions when both stores have them).

Contract:
- The other file is only read (opened read-only); this store changes in one transaction or not at all.
- Rows are matched by `uid` (unblindings, which have none, by stage, lead and time): a row already
  here is skipped, so merging twice adds nothing and nothing here is overwritten.
- Records are matched by (source file sha256, occurrence of that file, position in the file),
  because record ids may differ between copies. A copy whose imports are not all present here is
  refused (a copy of a different corpus); a row whose record cannot be found here is an error
  naming it.
- Rows come in the other copy's id order, so its own history keeps its order; they are appended
  after the rows here (the latest-row rule then sees them as newer).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from litmap.errors import StoreError
from litmap.store import write

# Tables merged by uid, in an order where nothing refers to a later one.
UID_TABLES = ("decisions", "resolutions", "retrievals", "removals", "notes", "codings", "coding_resolutions")
OPTIONAL = {"codings", "coding_resolutions"}  # only when both stores have them


@dataclass(frozen=True, slots=True)
class MergeResult:
    other: str
    added: dict[str, int]  # table -> rows brought in
    present: dict[str, int]  # table -> rows of the other copy already here
    dry_run: bool
    older: tuple[int, ...] = ()  # records whose incoming vote is older than a vote here by the same reviewer
    skipped_tables: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(self.added.values())


def _open_other(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"{path}: no such store; pass the path of another copy of this review")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise StoreError(f"{path}: not a litmap store (not an SQLite database); pass another copy of this review")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot read it ({exc}); is it a litmap store?") from exc
    if "_sqlite_migrations" not in tables or not {"sources", "records", "decisions"} <= tables:
        conn.close()
        raise StoreError(f"{path}: not a litmap store; pass another copy of this review")
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma table_info([{table}])")]


def _source_keys(rows: list[tuple[int, str | None, str]]) -> dict[int, tuple[str, int]]:
    """source id -> (sha256 or name, k-th occurrence): a file imported twice (--force) stays two sources."""
    seen: Counter[str] = Counter()
    out = {}
    for sid, sha, name in sorted(rows):
        key = sha or f"name:{name}"
        out[sid] = (key, seen[key])
        seen[key] += 1
    return out


def _labels(conn: sqlite3.Connection) -> dict[int, str]:
    """source id -> the imported file's name (else the source name), for messages."""
    return {sid: Path(file).name if file else name for sid, name, file in conn.execute("select id, name, file from sources")}


def _check_corpus(db: Database, other: sqlite3.Connection, path: Path) -> tuple[dict[int, tuple[str, int]], dict[tuple[str, int], int]]:
    here_rows = list(db.execute("select id, sha256, name from sources"))
    there_rows = list(other.execute("select id, sha256, name from sources"))
    here, there = _source_keys(here_rows), _source_keys(there_rows)
    names = _labels(other)
    here_keys = set(here.values())
    foreign = [sid for sid, key in there.items() if key not in here_keys]
    if foreign:
        listed = ", ".join(f"{names[s]!r}" for s in foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise StoreError(f"{path}: not a copy of this review (its sources differ: {listed} not imported here); "
                         "merge only copies made from the same imports")
    by_key = {key: sid for sid, key in here.items()}
    return there, by_key


class _RecordMap:
    """The other copy's record ids -> this store's, by (source, position)."""

    def __init__(self, db: Database, other: sqlite3.Connection, there: dict[int, tuple[str, int]], by_key: dict[tuple[str, int], int]) -> None:
        here = {(sid, pos): rid for rid, sid, pos in db.execute("select id, source_id, position from records")}
        names = _labels(other)
        self.map: dict[int, int] = {}
        self.missing: dict[int, tuple[str, int]] = {}
        for rid, sid, pos in other.execute("select id, source_id, position from records"):
            mine = here.get((by_key.get(there.get(sid)), pos))
            if mine is None:
                self.missing[rid] = (repr(names.get(sid)), pos)
            else:
                self.map[rid] = mine


def merge(db: Database, path: str | Path, *, dry_run: bool = False) -> MergeResult:
    """Bring the rows of the store at `path` that are not here into this store (see module docstring).

    Idempotent; transactional; with `dry_run` nothing is written and the counts say what would come in.
    """
    path = Path(path)
    here_file = db.execute("pragma database_list").fetchone()[2]
    if here_file and Path(here_file).resolve() == path.resolve():
        raise StoreError(f"{path}: is this store itself; pass another copy of this review")
    other = _open_other(path)
    try:
        with write(db):
            there, by_key = _check_corpus(db, other, path)
            records = _RecordMap(db, other, there, by_key)
            added: dict[str, int] = {}
            present: dict[str, int] = {}
            skipped: list[str] = []
            other_tables = {r[0] for r in other.execute("select name from sqlite_master where type = 'table'")}
            here_tables = set(db.table_names())
            older: tuple[int, ...] = ()
            for table in UID_TABLES:
                if table not in other_tables or table not in here_tables:
                    if table not in OPTIONAL:
                        raise StoreError(f"{path}: has no {table} table; is it a litmap store of this version? Open it once with litmap to update it")
                    if table in other_tables:
                        skipped.append(table)
                    continue
                mine = set(_columns(db.conn, table))
                cols = [c for c in _columns(other, table) if c != "id" and c in mine]
                known = {u for (u,) in db.execute(f"select uid from [{table}]")}
                rows = [r for r in other.execute(f"select {', '.join(f'[{c}]' for c in cols)} from [{table}] order by id")
                        if r[cols.index("uid")] not in known]
                present[table] = other.execute(f"select count(*) from [{table}]").fetchone()[0] - len(rows)
                ri = cols.index("record_id")
                out = []
                for row in rows:
                    row = list(row)
                    theirs = row[ri]
                    if theirs not in records.map:
                        where = records.missing.get(theirs)
                        detail = f" ({where[0]} record {where[1]} in that copy)" if where else ""
                        raise StoreError(f"{path}: {table} row {row[cols.index('uid')]}: record {theirs}{detail} is not in this store; "
                                         "import the same files here first")
                    row[ri] = records.map[theirs]
                    out.append(row)
                if table == "decisions" and out:
                    older = _older_votes(db, cols, out)
                added[table] = len(out)
                if out and not dry_run:
                    db.conn.executemany(
                        f"insert into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})", out)
            added["unblindings"], present["unblindings"] = _unblindings(db, other, dry_run)
    finally:
        other.close()
    return MergeResult(str(path), added, present, dry_run, older, tuple(skipped))


def _older_votes(db: Database, cols: list[str], rows: list[list]) -> tuple[int, ...]:
    """Records whose incoming vote is older than the latest vote here by the same reviewer at the same stage."""
    i_rec, i_stage, i_rev, i_at = (cols.index(c) for c in ("record_id", "stage", "reviewer", "created_at"))
    latest = {(r, s, v): at for r, s, v, at in db.execute(
        "select record_id, stage, reviewer, max(created_at) from decisions group by record_id, stage, reviewer")}
    return tuple(sorted({row[i_rec] for row in rows
                         if (at := latest.get((row[i_rec], row[i_stage], row[i_rev]))) is not None and row[i_at] < at}))


def _unblindings(db: Database, other: sqlite3.Connection, dry_run: bool) -> tuple[int, int]:
    known = set(db.execute("select stage, by, created_at from unblindings"))
    rows = [r for r in other.execute("select stage, by, created_at from unblindings order by id")]
    new = [r for r in rows if r not in known]
    if new and not dry_run:
        db.conn.executemany("insert into unblindings (stage, by, created_at) values (?, ?, ?)", new)
    return len(new), len(rows) - len(new)
