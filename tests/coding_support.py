"""Helpers of the coding and map tests: stores with included records, built without other areas' CLIs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from litmap.store import now, open_store, write

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "screening" / "codebook.toml"


def add_records(db: Database, titles: Iterable[str], years: Iterable[int | None] | None = None) -> list[int]:
    """Insert records (one source) the way the importer stores them; returns their ids."""
    titles = list(titles)
    years = list(years) if years is not None else [2000 + i % 20 for i in range(len(titles))]
    with write(db):
        source = db["sources"].insert({"name": "test", "format": "ris", "imported_at": now()}).last_pk
        first = (db.execute("select coalesce(max(id), 0) from records").fetchone()[0]) + 1
        db["records"].insert_all(
            {"id": first + i, "source_id": source, "position": i + 1, "title": t, "abstract": f"Abstract of {t}.",
             "year": y, "authors": json.dumps(["Doe, Jane"]), "raw": "{}"}
            for i, (t, y) in enumerate(zip(titles, years))
        )
    return list(range(first, first + len(titles)))


def include(db: Database, ids: Iterable[int], stages: tuple[str, ...] = ("title-abstract", "full-text"),
            reviewers: tuple[str, ...] = ("r1", "r2")) -> None:
    """Make records included at the stages: two agreeing include votes (and a retrieval for full text)."""
    rows, retrievals = [], []
    for rid in ids:
        for stage in stages:
            for rev in reviewers:
                rows.append({"uid": uuid.uuid4().hex, "record_id": rid, "stage": stage, "reviewer": rev,
                             "decision": "include", "created_at": now()})
        if "full-text" in stages:
            retrievals.append({"uid": uuid.uuid4().hex, "record_id": rid, "retrieved": 1, "created_at": now()})
    with write(db):
        db["decisions"].insert_all(rows)
        if retrievals:
            db["retrievals"].insert_all(retrievals)


def included_store(path: Path, n: int = 5, *, codebook: Path | str | None = CODEBOOK) -> tuple[Database, list[int]]:
    """A store with `n` records included at full text and (by default) the example codebook loaded."""
    from litmap.coding.codebook import load_codebook

    db = open_store(path)
    ids = add_records(db, [f"Study {i}" for i in range(1, n + 1)])
    include(db, ids)
    if codebook is not None:
        load_codebook(db, codebook)
    return db, ids
