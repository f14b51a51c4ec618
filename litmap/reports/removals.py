"""Records removed before screening (PRISMA: "marked as ineligible by automation tools" / "removed
for other reasons"): the `removals` table, written by `litmap exclude-automatic`.

A removal takes a canonical record out of title/abstract screening (outcomes.CANONICAL_SQL). Undo
sets `undone` on the active rows, keeping them as history. Duplicates are never removed this way:
they are already counted as duplicates.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from litmap.errors import InputError, LitmapError, NotFoundError
from litmap.store import now, write

KINDS = ("automation", "other")
_ID_COLUMNS = ("record_id", "id", "record")


@dataclass(frozen=True, slots=True)
class Item:
    record_id: int
    reason: str | None = None
    where: str = ""  # "FILE: line N" for messages


@dataclass(frozen=True, slots=True)
class RemovalResult:
    kind: str
    removed: tuple[int, ...]  # newly removed (or, with undo, restored) records
    unchanged: tuple[int, ...]  # already removed (undo: had no active removal of this kind)
    duplicates: tuple[int, ...]  # skipped: duplicate records are counted as duplicates already

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "changed": list(self.removed), "unchanged": list(self.unchanged),
                "skipped_duplicates": list(self.duplicates)}


def read_ids(path: str | Path) -> list[Item]:
    """Record ids (and optional per-row reasons) from a CSV file.

    The file has a header with a column `record_id` or `id` (and optionally `reason`), or no header and
    the ids in its first column. Raises InputError naming the file and line of a bad value.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give a CSV file with a record_id column") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; give a CSV file with a record_id column") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError(f"{path}: empty file; give a CSV file with a record_id column")
    header = [h.strip().lower() for h in rows[0]]
    id_col, reason_col, start = 0, None, 0
    if not (header and header[0].isdigit()):
        found = [c for c in _ID_COLUMNS if c in header]
        if not found:
            raise InputError(f"{path}: line 1: no record_id or id column (columns: {', '.join(rows[0])}); "
                             "name the column of litmap record ids record_id")
        id_col, start = header.index(found[0]), 1
        reason_col = header.index("reason") if "reason" in header else None
    items = []
    for line, row in enumerate(rows[start:], start + 1):
        if not row or not any(cell.strip() for cell in row):
            continue
        value = row[id_col].strip() if id_col < len(row) else ""
        if not value.isdigit():
            raise InputError(f"{path}: line {line}: {value!r} is not a record id; ids are the numbers `litmap show` uses")
        reason = row[reason_col].strip() if reason_col is not None and reason_col < len(row) else ""
        items.append(Item(int(value), reason or None, f"{path}: line {line}"))
    return items


def _check(db: Database, items: list[Item]) -> dict[int, int | None]:
    ids = sorted({i.record_id for i in items})
    dup_of: dict[int, int | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for rid, dup in db.execute(f"select id, duplicate_of from records where id in ({','.join('?' * len(chunk))})", chunk):
            dup_of[int(rid)] = dup
    for item in items:
        if item.record_id not in dup_of:
            where = f"{item.where}: " if item.where else ""
            raise NotFoundError(f"{where}record {item.record_id}: no such record; nothing was changed")
    return dup_of


def _active(db: Database, ids: list[int], kind: str) -> set[int]:
    active: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        active |= {int(r) for (r,) in db.execute(
            f"select record_id from removals where undone = 0 and kind = ? and record_id in ({','.join('?' * len(chunk))})",
            [kind, *chunk])}
    return active


def remove(db: Database, items: Iterable[Item], *, kind: str = "automation", reason: str | None = None,
           by: str | None = None) -> RemovalResult:
    """Remove records before screening. Transactional; idempotent (an active removal of the same kind
    is kept). `reason` applies where an item has none. Unknown ids: NotFoundError, nothing changed."""
    if kind not in KINDS:
        raise LitmapError(f"unknown removal kind {kind!r}; use automation or other")
    items = list(items)
    if not items:
        raise LitmapError("no record ids given; name records or pass --file FILE.csv")
    dup_of = _check(db, items)
    active = _active(db, sorted(dup_of), kind)
    seen: set[int] = set()
    rows, unchanged, dups = [], [], []
    at = now()
    for item in items:
        rid = item.record_id
        if rid in seen:
            continue
        seen.add(rid)
        if dup_of[rid] is not None:
            dups.append(rid)
        elif rid in active:
            unchanged.append(rid)
        else:
            rows.append((uuid.uuid4().hex, rid, kind, item.reason or reason, by, at))
    if rows:
        with write(db):
            db.conn.executemany(
                "insert into removals (uid, record_id, kind, reason, by, created_at) values (?, ?, ?, ?, ?, ?)", rows)
    return RemovalResult(kind, tuple(r[1] for r in rows), tuple(unchanged), tuple(dups))


def undo(db: Database, items: Iterable[Item], *, kind: str = "automation") -> RemovalResult:
    """Put removed records back into screening: marks their active removals of `kind` undone.
    Transactional; records without such a removal are reported as unchanged."""
    if kind not in KINDS:
        raise LitmapError(f"unknown removal kind {kind!r}; use automation or other")
    items = list(items)
    if not items:
        raise LitmapError("no record ids given; name records or pass --file FILE.csv")
    dup_of = _check(db, items)
    active = _active(db, sorted(dup_of), kind)
    restored = sorted(active)
    if restored:
        with write(db):
            db.conn.executemany("update removals set undone = 1 where undone = 0 and kind = ? and record_id = ?",
                                [(kind, rid) for rid in restored])
    return RemovalResult(kind, tuple(restored), tuple(sorted(set(dup_of) - active)), ())
