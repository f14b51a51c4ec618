"""Read-only queries over records and sources used by several commands."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sqlite_utils import Database

from litmap.errors import LitmapError, NotFoundError

_JSON_COLUMNS = ("authors", "keywords", "raw")


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_COLUMNS:
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


def sources(db: Database) -> list[dict[str, Any]]:
    """Every source with its record count and how many of its records are canonical."""
    sql = """
    select s.*, (select count(*) from records r where r.source_id = s.id and r.duplicate_of is null) as canonical
    from sources s order by s.id
    """
    return [dict(r) for r in db.query(sql)]


def record(db: Database, record_id: int) -> dict[str, Any]:
    """One record with its source and the ids of records merged into it; NotFoundError if absent."""
    rows = list(db.query("select * from records where id = ?", [record_id]))
    if not rows:
        raise NotFoundError(f"record {record_id} not found; `litmap search` or `litmap sources` lists what is there")
    rec = decode_row(dict(rows[0]))
    rec["source"] = dict(next(db.query("select * from sources where id = ?", [rec["source_id"]])))
    rec["duplicates"] = [r["id"] for r in db.query("select id from records where duplicate_of = ? order by id", [record_id])]
    return rec


def search(db: Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Records matching a full-text query, best first."""
    sql = """
    select r.id, r.title, r.authors, r.year, r.journal, r.doi, r.duplicate_of
    from records_fts f join records r on r.id = f.rowid
    where records_fts match ? order by f.rank limit ?
    """
    try:
        rows = [decode_row(dict(r)) for r in db.query(sql, [query, limit])]
    except sqlite3.OperationalError as exc:
        raise LitmapError(f"cannot search for {query!r} ({exc}); quote phrases, e.g. '\"online grooming\"'") from None
    return rows
