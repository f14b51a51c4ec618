"""Reading the small CSV files reviewers bring (votes, retrievals): one row per record.

Rows name a record by litmap's `record_id` or by its `source_key` (its id in the imported file:
BibTeX key, RIS ID, PMID ...). A source key of a record merged as a duplicate names the record it
was merged into (the file was written before deduplication). Every problem is reported with its
line number; nothing is written unless the whole file is good (callers write in one transaction).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from litmap.errors import InputError


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1-based line of the file where the row starts
    record_id: int  # the canonical record it names
    named: int  # the record the row named (differs from record_id for a merged duplicate)
    values: dict[str, str]


class Problems:
    """Line-numbered problems of one file; raise them all as one InputError (first + count)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._found: list[tuple[int, str]] = []

    @property
    def items(self) -> list[str]:
        """The problems in file order."""
        return [m for _, m in sorted(self._found, key=lambda x: x[0])]

    def add(self, line: int | None, message: str) -> None:
        where = f"line {line}: " if line else ""
        self._found.append((line or 0, f"{self.path}: {where}{message}"))

    def raise_if_any(self, what_to_do: str) -> None:
        if self._found:
            more = f" (and {len(self.items) - 1} more problem{'s' if len(self.items) > 2 else ''})" if len(self.items) > 1 else ""
            error = InputError(f"{self.items[0]}{more}; {what_to_do}; nothing was imported")
            error.problems = list(self.items)  # type: ignore[attr-defined]
            raise error


def read_table(path: str | Path, required: Iterable[str]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased, trimmed) and (line, row) pairs of a CSV/TSV file (UTF-8, BOM, cp1252)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give a CSV file") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise InputError(f"{path}: not UTF-8 or Windows-1252 text; save it as UTF-8 CSV")
    if "\x00" in text:
        raise InputError(f"{path}: binary file (NUL bytes), not a CSV; export the sheet as CSV")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path}: empty file; it needs a header line") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: line 1: no column {' / '.join(missing)} (columns: {', '.join(header) or 'none'}); "
                         "add it to the header line")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for fields in reader:
            line = reader.line_num - sum(f.count("\n") for f in fields)  # the row's first line
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                extra = fields[len(header):]
                if any(f.strip() for f in extra):
                    raise InputError(f"{path}: line {line}: {len(fields)} fields but the header has {len(header)}; "
                                     "quote values that contain the delimiter")
            rows.append((line, {h: (fields[i].strip() if i < len(fields) else "") for i, h in enumerate(header)}))
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: {exc}; fix the quoting") from None
    return header, rows


def resolve_rows(db: Database, path: Path, header: list[str], rows: list[tuple[int, dict[str, str]]],
                 problems: Problems) -> list[Row]:
    """The record each row names (`record_id` wins over `source_key`); problems for the rest."""
    if "record_id" not in header and "source_key" not in header:
        raise InputError(f"{path}: line 1: no column record_id or source_key (columns: {', '.join(header)}); "
                         "name each record by litmap's id (record_id) or its key in the imported file (source_key)")
    roots = dict(db.execute("select id, coalesce(duplicate_of, id) from records"))
    keys: dict[str, list[int]] = {}
    if "source_key" in header:
        wanted = {v["source_key"] for _, v in rows if v.get("source_key")}
        for rid, key in db.execute("select id, source_key from records where source_key is not null"):
            if key in wanted:
                keys.setdefault(key, []).append(rid)
    out: list[Row] = []
    for line, values in rows:
        ref = values.get("record_id", "")
        named: int | None = None
        if ref:
            try:
                named = int(ref)
            except ValueError:
                problems.add(line, f"record_id {ref!r} is not a number; use litmap's record id (see `litmap search`)")
                continue
            if named not in roots:
                problems.add(line, f"no record {named} in this store")
                continue
        else:
            key = values.get("source_key", "")
            if not key:
                problems.add(line, "no record_id or source_key; name the record")
                continue
            found = keys.get(key, [])
            targets = sorted({roots[r] for r in found})
            if not found:
                problems.add(line, f"no record with source_key {key!r} in this store")
                continue
            if len(targets) > 1:
                problems.add(line, f"source_key {key!r} names {len(targets)} different records "
                                   f"({', '.join(map(str, targets))}); use record_id instead")
                continue
            named = found[0] if len(found) == 1 else targets[0]
        out.append(Row(line, roots[named], named, values))
    return out
