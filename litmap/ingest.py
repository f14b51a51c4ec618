"""File -> records -> store: provenance, idempotency (sha256), one transaction for a whole import."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from litmap import formats
from litmap.errors import InputError, LitmapError
from litmap.formats import detect, io
from litmap.records import STORED, BadRecord, Record, normalise, stored
from litmap.store import now, write

KINDS = ("database", "register", "website", "organisation", "citation", "other")
BATCH = 2000
_SHOW_BAD = 3

# Default source names when neither --source nor the reader names the producer.
_FORMAT_SOURCES = {
    "medline": "PubMed", "wos": "Web of Science", "openalex": "OpenAlex", "crossref": "Crossref",
    "ovid": "Ovid",
}

RECORD_COLUMNS = ("source_id", "position", *STORED)
_INSERT = f"insert into records ({', '.join(RECORD_COLUMNS)}) values ({', '.join('?' * len(RECORD_COLUMNS))})"

# The full-text index of the rows of a source inserted after a given id; in id order, so that the
# statement's lastrowid is the highest id indexed.
_INDEX = ("insert into records_fts (rowid, title, abstract, keywords) "
          "select id, title, abstract, keywords from records where source_id = ? and id > ? order by id")


@dataclass
class ImportResult:
    source_id: int
    file: str
    name: str
    format: str
    records: int
    skipped: list[BadRecord] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with io.open_binary(path) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _row(source_id: int, position: int, rec: Record) -> tuple:
    return (source_id, position, *stored(rec))


def _batches(items: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_records(path: Path, fmt: str, encoding: str) -> Iterator[Record | BadRecord]:
    """Records of one file, normalised; BadRecords pass through for the caller to count."""
    latex = fmt in formats.LATEX_FORMATS
    if getattr(formats.reader(fmt), "NORMALISED", False):  # the reader normalises (in its workers)
        yield from formats.read(path, fmt, encoding)
        return
    for item in formats.read(path, fmt, encoding):
        if isinstance(item, Record):
            yield normalise(item, latex=latex)
        else:
            yield item


def read_stored(path: Path, fmt: str, encoding: str) -> Iterator[tuple | BadRecord]:
    """`read_records`, each record as the store keeps it (`records.stored`). A reader with a
    `rows()` function makes these itself (in its worker processes)."""
    module = formats.reader(fmt)
    if hasattr(module, "rows"):
        yield from module.rows(path, encoding)
        return
    for item in read_records(path, fmt, encoding):
        yield item if isinstance(item, BadRecord) else stored(item)


def _source_name(path: Path, fmt: str, encoding: str) -> str:
    module = formats.reader(fmt)
    name = None
    if hasattr(module, "source_name"):
        name = module.source_name(io.head(path, encoding))
    return name or _FORMAT_SOURCES.get(fmt) or path.stem


def import_files(
    db: Database,
    paths: list[Path],
    *,
    fmt: str | None = None,
    source: str | None = None,
    kind: str = "database",
    query: str | None = None,
    searched_on: str | None = None,
    force: bool = False,
    skip_bad: bool = False,
    unique_within: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> list[ImportResult]:
    """Import every file in one transaction: all of them come in, or none (the store is unchanged).

    A file already imported (same sha256) is refused unless `force`. A file with unreadable records
    is refused unless `skip_bad`, which imports the readable ones and reports the others.
    """
    if kind not in KINDS:
        raise LitmapError(f"unknown source kind {kind!r}; use one of: {', '.join(KINDS)}")
    if fmt is not None and fmt not in formats.READERS:
        raise LitmapError(f"unknown format {fmt!r}; use one of: {', '.join(formats.FORMAT_NAMES)}")
    results: list[ImportResult] = []
    plans = []
    for path in paths:
        path = Path(path)
        encoding = io.detect_encoding(path)
        found = detect.detect(path, encoding) if fmt is None else fmt
        digest = sha256_of(path)
        if not force:
            row = db.execute("select id, file, imported_at from sources where sha256 = ?", [digest]).fetchone()
            if row:
                raise LitmapError(
                    f"{path}: already imported as source {row[0]} ({row[1]}, {row[2][:19]}); "
                    "use --force to import it again as a new source"
                )
        plans.append((path, encoding, found, digest))
    if len({p[3] for p in plans}) < len(plans) and not force:
        raise LitmapError("the same file is named twice; name each export once")
    with write(db):
        for path, encoding, found, digest in plans:
            name = source or _source_name(path, found, encoding)
            source_id = db["sources"].insert(
                {
                    "name": name, "kind": kind, "file": str(path), "format": found, "sha256": digest,
                    "query": query, "searched_on": searched_on, "imported_at": now(), "records": 0,
                    "unique_within": int(unique_within),
                }
            ).last_pk
            results.append(_import_one(db, path, encoding, found, source_id, name, skip_bad, progress))
    return results


def _import_one(
    db: Database, path: Path, encoding: str, fmt: str, source_id: int, name: str, skip_bad: bool,
    progress: Callable[[str, int], None] | None,
) -> ImportResult:
    bad: list[BadRecord] = []
    count = 0

    def rows() -> Iterator[tuple]:
        nonlocal count
        position = 0
        for item in read_stored(path, fmt, encoding):
            position += 1
            if isinstance(item, BadRecord):
                bad.append(item)
                if not skip_bad and len(bad) >= _SHOW_BAD:
                    break
                continue
            count += 1
            yield (source_id, position, *item)

    conn = db.conn
    indexed = conn.execute("select coalesce(max(id), 0) from records").fetchone()[0]
    try:
        for batch in _batches(rows(), BATCH):
            if bad and not skip_bad:
                break
            conn.executemany(_INSERT, batch)
            # Indexed batch by batch, on a core the reader's workers leave free, rather than all
            # at the end with the workers done. Rows up to `indexed` are in the index.
            indexed = conn.execute(_INDEX, [source_id, indexed]).lastrowid
            if progress:
                progress(str(path), count)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot be decoded as {encoding} ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    if bad and not skip_bad:
        shown = "; ".join(b.describe() for b in bad[:_SHOW_BAD])
        raise InputError(f"{path}: {shown}; nothing imported (fix the file, or use --skip-bad to import the readable records)")
    if count == 0:
        raise InputError(f"{path}: no records found in this {fmt} file; is it the right export (or --format)?")
    conn.execute("update sources set records = ? where id = ?", [count, source_id])
    return ImportResult(source_id, str(path), name, fmt, count, bad)
