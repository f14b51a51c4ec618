"""Full texts: the reports sought (records included at title/abstract) and whether each was retrieved.

Retrieval is append-only like everything else: the latest row for a record counts, so a report first
not found and later obtained (interlibrary loan) is simply recorded again. Only retrieved reports are
offered for full-text screening (the full-text scope in `outcomes.py`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from litmap.errors import LitmapError, NotFoundError
from litmap.screening.outcomes import RETRIEVAL_SQL, TA, outcome_sql
from litmap.screening.protocol import protocol_or_default
from litmap.screening.tables import Problems, read_table, resolve_rows
from litmap.store import now, write

_YES = {"yes", "y", "1", "true", "retrieved", "found", "x"}
_NO = {"no", "n", "0", "false", "not retrieved", "not-retrieved", "not found", "missing"}


def sought(db: Database) -> dict[int, str]:
    """Reports sought (record ids included at title/abstract) -> 'retrieved' | 'not retrieved' | 'awaiting'."""
    sql = f"""
    select ta.record_id, case rt.retrieved when 1 then 'retrieved' when 0 then 'not retrieved' else 'awaiting' end
    from ({outcome_sql(TA)}) ta left join ({RETRIEVAL_SQL}) rt on rt.record_id = ta.record_id
    where ta.status = 'included' order by ta.record_id
    """
    return dict(db.execute(sql, {"required": protocol_or_default(db).votes_required}).fetchall())


@dataclass(frozen=True, slots=True)
class Retrieval:
    record_id: int
    title: str | None
    state: str  # retrieved | not retrieved | awaiting
    file: str | None
    reason: str | None
    at: str | None


def retrievals(db: Database) -> list[Retrieval]:
    """Every report sought with its latest retrieval state, by record id."""
    states = sought(db)
    if not states:
        return []
    latest = {r[0]: r[1:] for r in db.execute(f"select record_id, file, reason from ({RETRIEVAL_SQL})")}
    times = dict(db.execute("select record_id, max(created_at) from retrievals group by record_id").fetchall())
    titles = dict(db.execute(f"select id, title from records where id in ({', '.join(map(str, states))})").fetchall())
    out = []
    for rid, state in states.items():
        file, reason = latest.get(rid, (None, None))
        out.append(Retrieval(rid, titles.get(rid), state, file, reason, times.get(rid)))
    return out


def _check_sought(db: Database, record_ids: list[int], states: dict[int, str]) -> None:
    for rid in record_ids:
        if rid not in states:
            row = db.execute("select duplicate_of from records where id = ?", [rid]).fetchone()
            if row is None:
                raise NotFoundError(f"no record {rid} in this store")
            if row[0] is not None:
                raise LitmapError(f"record {rid} was merged into record {row[0]} as a duplicate; use {row[0]}")
            raise LitmapError(f"record {rid} is not a report sought: it is not included at title/abstract "
                              "(`litmap status`; resolve its conflict first if it has one)")


def set_retrieval(db: Database, record_ids: list[int], *, retrieved: bool, file: str | None = None,
                  reason: str | None = None, by: str | None = None) -> int:
    """Record that the full texts of `record_ids` were (not) retrieved, in one transaction."""
    if not record_ids:
        raise LitmapError("give at least one record id")
    if file and len(record_ids) > 1:
        raise LitmapError("--file names one full text; give one record id with it")
    if file and not retrieved:
        raise LitmapError("--file goes with --retrieved, not --not-retrieved")
    states = sought(db)
    _check_sought(db, record_ids, states)
    stamp = now()
    with write(db):
        db.conn.executemany(
            "insert into retrievals (uid, record_id, retrieved, file, reason, by, created_at) values (?, ?, ?, ?, ?, ?, ?)",
            [(uuid.uuid4().hex, rid, int(retrieved), file or None, (" ".join((reason or "").split()) or None), by, stamp)
             for rid in record_ids],
        )
    return len(record_ids)


@dataclass(frozen=True, slots=True)
class RetrievalImport:
    file: str
    retrieved: int
    not_retrieved: int
    unchanged: int


def import_retrievals(db: Database, path: str | Path, *, by: str | None = None) -> RetrievalImport:
    """Retrieval states from a CSV (record_id or source_key, retrieved yes/no, file, reason); all rows
    checked first, InputError naming the line otherwise, one transaction."""
    path = Path(path)
    header, raw = read_table(path, ["retrieved"])
    problems = Problems(path)
    rows = resolve_rows(db, path, header, raw, problems)
    states = sought(db)
    latest = {r[0]: (r[1], r[3]) for r in db.execute(f"select record_id, retrieved, reason, file from ({RETRIEVAL_SQL})")}
    planned: dict[int, tuple[int, str | None, str | None]] = {}
    for row in rows:
        value = row.values.get("retrieved", "").strip().lower()
        if value in _YES:
            got = 1
        elif value in _NO:
            got = 0
        else:
            problems.add(row.line, f"retrieved is {row.values.get('retrieved', '')!r}; use yes or no")
            continue
        if row.record_id not in states:
            problems.add(row.line, f"record {row.record_id} is not a report sought (not included at title/abstract)")
            continue
        file = row.values.get("file") or None
        if file and not got:
            problems.add(row.line, "a file is given but retrieved is no; fix one of them")
            continue
        planned[row.record_id] = (got, file, " ".join(row.values.get("reason", "").split()) or None)
    problems.raise_if_any("fix the file and import it again")
    stamp = now()
    inserts, unchanged = [], 0
    for rid, (got, file, reason) in planned.items():
        if latest.get(rid) == (got, file) and states[rid] != "awaiting":
            unchanged += 1
            continue
        inserts.append((uuid.uuid4().hex, rid, got, file, reason, by, stamp))
    with write(db):
        db.conn.executemany(
            "insert into retrievals (uid, record_id, retrieved, file, reason, by, created_at) values (?, ?, ?, ?, ?, ?, ?)", inserts)
    return RetrievalImport(str(path), sum(1 for i in inserts if i[2]), sum(1 for i in inserts if not i[2]), unchanged)
