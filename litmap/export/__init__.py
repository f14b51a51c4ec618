"""Exports: records of the store -> BibTeX, RIS, CSV, CSL-JSON, streamed one record at a time.

`export(db, fh, fmt, selection)` writes the selected records to an open text stream;
`export_file(db, path, ...)` writes a file atomically (a temporary file in the same folder, renamed
over `path` only when everything is written, so a failed export never leaves half a file).

What is selected (`Selection`): by default the canonical records (`duplicate_of is null`); with
`all_records` every record. `stage`/`status` keep records by their screening outcome as defined in
`litmap.screening.outcomes` (`pending` = unscreened, awaiting or conflict); `codes` keeps records
coded with given values (OR within one dimension, AND across dimensions).

Every exported record carries its fields, its codes, its screening outcome (with the exclusion
reason), its litmap id and its provenance (source database, key in the source file, and the sources
of the duplicates merged into it). Records are read through one cursor in id order, so memory does
not grow with the store; BibTeX keys (also the CSL-JSON ids) are unique and stable: they depend only
on the records of the store in id order, not on the selection (see `keys.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlite_utils import Database

from litmap.errors import LitmapError
from litmap.export.keys import CitationKeys
from litmap.screening.outcomes import FT, TA, outcome_sql, stage_name

FORMATS = ("bibtex", "ris", "csv", "csljson")
SUFFIXES = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".csv": "csv", ".json": "csljson"}
# `pending` groups every outcome that still needs work at the stage.
STATUS_GROUPS = {
    "included": ("included",),
    "excluded": ("excluded",),
    "pending": ("unscreened", "awaiting", "conflict"),
    "unscreened": ("unscreened",),
    "awaiting": ("awaiting",),
    "conflict": ("conflict",),
}
DEFAULT_VOTES_REQUIRED = 2
PROGRESS_EVERY = 1000
# records.isbn also holds ISSNs (RIS `SN` is either); writers name the field by its shape.
ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which records an export writes (see the module docstring)."""

    all_records: bool = False
    stage: str | None = None
    status: str | None = None
    codes: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class ExportRecord:
    """One record as exported: store fields, outcome, codes and provenance."""

    id: int
    key: str
    type: str
    title: str | None
    abstract: str | None
    authors: list[str]
    year: int | None
    journal: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    doi: str | None
    pmid: str | None
    isbn: str | None
    url: str | None
    keywords: list[str]
    language: str | None
    source: str
    source_file: str | None
    source_key: str | None
    duplicate_of: int | None
    also_in: list[str] = field(default_factory=list)  # "Source: key" of duplicates merged into it
    ta_status: str | None = None
    ta_reason: str | None = None
    ft_status: str | None = None
    ft_reason: str | None = None
    codes: dict[str, list[str]] = field(default_factory=dict)

    def code_tags(self) -> list[str]:
        """Codes as `dimension=value` tags (for keyword fields)."""
        return [f"{dim}={value}" for dim, values in self.codes.items() for value in values]

    def codes_text(self) -> str:
        """Codes as one `dim=value; dim=value` string (empty when uncoded)."""
        return "; ".join(self.code_tags())

    def status_text(self) -> str:
        """Screening outcome as `title-abstract=included; full-text=excluded (reason)`."""
        parts = []
        for stage, status, reason in (("title-abstract", self.ta_status, self.ta_reason), ("full-text", self.ft_status, self.ft_reason)):
            if status:
                parts.append(f"{stage}={status}" + (f" ({reason})" if reason and status == "excluded" else ""))
        return "; ".join(parts)

    def provenance_text(self) -> str:
        """`litmap 12; Scopus key 2-s2.0-...; also in: Web of Science: WOS:...`"""
        text = f"litmap {self.id}; {self.source}" + (f" key {self.source_key}" if self.source_key else "")
        if self.duplicate_of is not None:
            text += f"; duplicate of litmap {self.duplicate_of}"
        if self.also_in:
            text += "; also in: " + ", ".join(self.also_in)
        return text

    def note(self) -> str:
        """One human-readable note: provenance, outcome, codes."""
        parts = [self.provenance_text()]
        if status := self.status_text():
            parts.append(status)
        if codes := self.codes_text():
            parts.append("codes: " + codes)
        return "; ".join(parts)


@dataclass(slots=True)
class ExportResult:
    format: str
    records: int
    path: str | None = None


@dataclass(slots=True)
class Coding:
    """The codebook dimensions and every record's current codes (empty when nothing is coded)."""

    loaded: bool
    dimensions: list[str]
    codes: dict[int, dict[str, list[str]]]
    book: Any = None  # litmap.coding.codebook.Codebook when one is loaded


def infer_format(out: str, fmt: str | None) -> str:
    """The format named by `fmt`, or inferred from the suffix of `out`; LitmapError otherwise."""
    if fmt is not None:
        name = fmt.strip().lower()
        aliases = {"bib": "bibtex", "csl-json": "csljson", "csl": "csljson", "json": "csljson"}
        name = aliases.get(name, name)
        if name not in FORMATS:
            raise LitmapError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
        return name
    if out == "-":
        raise LitmapError(f"writing to stdout (-) needs --format; use one of: {', '.join(FORMATS)}")
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIXES:
        raise LitmapError(
            f"{out}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
            f"use .bib, .ris, .csv or .json, or --format {'|'.join(FORMATS)}"
        )
    return SUFFIXES[suffix]


def votes_required(db: Database) -> int:
    """Votes a record needs at a stage: from the current protocol when screening defines one."""
    try:
        from litmap.screening.protocol import current_protocol
    except ImportError:
        return DEFAULT_VOTES_REQUIRED
    protocol = current_protocol(db)
    required = getattr(protocol, "votes_required", None) if protocol is not None else None
    return int(required) if isinstance(required, int) and required > 0 else DEFAULT_VOTES_REQUIRED


def load_coding(db: Database) -> Coding:
    """Codebook dimensions and current (agreed or resolved) codes, from `litmap.coding` when present."""
    try:
        from litmap.coding.codebook import current_codebook
        from litmap.coding.codings import current_codes
    except ImportError:
        return Coding(False, [], {})
    book = current_codebook(db)
    if book is None:
        return Coding(False, [], {})
    dimensions = [dim.key for dim in book.dimensions]
    codes: dict[int, dict[str, list[str]]] = current_codes(db) or {}
    # Codings of dimensions a newer codebook dropped are still exported, after the current ones.
    for per_record in codes.values():
        for name in per_record:
            if name not in dimensions:
                dimensions.append(name)
    return Coding(True, dimensions, codes, book)


def wanted_codes(selection: Selection, coding: Coding) -> dict[str, set[str]]:
    """The `--code` filters as dimension -> accepted values (codebook keys); LitmapError when no
    codebook is loaded or a dimension or value is not in it."""
    if not selection.codes:
        return {}
    if not coding.loaded:
        raise LitmapError("no codebook loaded; run litmap codebook load FILE")
    wanted: dict[str, set[str]] = {}
    for dim, value in selection.codes:
        if dim not in coding.dimensions:
            raise LitmapError(f"--code {dim}={value}: no dimension {dim!r}; the codebook has: {', '.join(coding.dimensions)}")
        values = [value]
        book_dims = {d.key: d for d in coding.book.dimensions} if coding.book is not None else {}
        if dim in book_dims:
            # Labels and unambiguous prefixes name a code as they do when coding.
            values = _with_descendants(book_dims[dim], book_dims[dim].normalise([value]))
        wanted.setdefault(dim, set()).update(values)
    return wanted


def _with_descendants(dimension: Any, values: list[str]) -> list[str]:
    # A code of a hierarchy stands for its sub-codes too: --code theme=legal keeps legal.treaties.
    codes = list(getattr(dimension, "codes", ()) or ())
    parents = {c.key: c.parent for c in codes}
    out = list(values)
    for code in codes:
        parent = code.parent
        while parent is not None:
            if parent in values:
                out.append(code.key)
                break
            parent = parents.get(parent)
    return out


def _check_selection(selection: Selection) -> None:
    if selection.status is not None:
        if selection.stage is None:
            raise LitmapError("--status needs --stage (title-abstract or full-text)")
        if selection.status not in STATUS_GROUPS:
            raise LitmapError(f"unknown status {selection.status!r}; use one of: {', '.join(STATUS_GROUPS)}")
    if selection.stage is not None:
        stage_name(selection.stage)


def _select_sql(selection: Selection) -> tuple[str, dict[str, object]]:
    where = [] if selection.all_records else ["r.duplicate_of is null"]
    params: dict[str, object] = {}
    if selection.stage is not None:
        alias = "ta" if stage_name(selection.stage) == TA else "ft"
        if selection.status is None:
            where.append(f"{alias}.status is not null")
        else:
            statuses = STATUS_GROUPS[selection.status]
            names = [f":status{i}" for i in range(len(statuses))]
            where.append(f"{alias}.status in ({', '.join(names)})")
            params.update({n[1:]: s for n, s in zip(names, statuses)})
    # The duplicates merged into a record, as "Source: key", through the duplicate_of index.
    sql = f"""
    select r.id, r.type, r.title, r.abstract, r.authors, r.year, r.journal, r.volume, r.issue, r.pages,
           r.doi, r.pmid, r.isbn, r.url, r.keywords, r.language, s.name, s.file, r.source_key,
           r.duplicate_of,
           (select json_group_array(s2.name || coalesce(': ' || d.source_key, ''))
              from records d join sources s2 on s2.id = d.source_id where d.duplicate_of = r.id) as also_in,
           ta.status, ta.reason, ft.status, ft.reason
    from records r
    join sources s on s.id = r.source_id
    left join ({outcome_sql(TA)}) ta on ta.record_id = r.id
    left join ({outcome_sql(FT)}) ft on ft.record_id = r.id
    {('where ' + ' and '.join(where)) if where else ''}
    order by r.id
    """
    return sql, params


def select_records(db: Database, selection: Selection = Selection(), *, coding: Coding | None = None,
                   keys: CitationKeys | None = None) -> Iterator[ExportRecord]:
    """The selected records in id order, streamed from one cursor.

    Raises LitmapError for a bad selection before yielding anything.
    """
    coding = coding if coding is not None else load_coding(db)
    _check_selection(selection)
    wanted = wanted_codes(selection, coding)
    keys = keys if keys is not None else CitationKeys.for_store(db)
    sql, params = _select_sql(selection)
    params["required"] = votes_required(db)
    return _rows(db, sql, params, coding, keys, wanted)


def _rows(db: Database, sql: str, params: dict[str, object], coding: Coding, keys: CitationKeys,
          wanted: dict[str, set[str]]) -> Iterator[ExportRecord]:
    for row in db.execute(sql, params):
        record_id = row[0]
        codes = coding.codes.get(record_id, {})
        if wanted and not all(set(codes.get(dim, ())) & values for dim, values in wanted.items()):
            continue
        # Codes in codebook order, so every export lists dimensions the same way.
        ordered = {dim: list(codes[dim]) for dim in coding.dimensions if codes.get(dim)}
        authors = json.loads(row[4] or "[]")
        yield ExportRecord(
            id=record_id, key=keys.key(record_id, authors, row[5], row[2]), type=row[1] or "misc", title=row[2],
            abstract=row[3], authors=authors, year=row[5], journal=row[6], volume=row[7], issue=row[8],
            pages=row[9], doi=row[10], pmid=row[11], isbn=row[12], url=row[13],
            keywords=json.loads(row[14] or "[]"), language=row[15], source=row[16] or "", source_file=row[17],
            source_key=row[18], duplicate_of=row[19], also_in=json.loads(row[20] or "[]"),
            ta_status=row[21], ta_reason=row[22], ft_status=row[23], ft_reason=row[24], codes=ordered,
        )


def _writer(fmt: str):
    from litmap.export import bibtex, csljson, csv, ris

    return {"bibtex": bibtex.write, "ris": ris.write, "csv": csv.write, "csljson": csljson.write}[fmt]


def _reporting(records: Iterator[ExportRecord], progress: Callable[[int], None] | None) -> Iterator[ExportRecord]:
    if progress is None:
        yield from records
        return
    n = 0
    for n, rec in enumerate(records, 1):
        yield rec
        if n % PROGRESS_EVERY == 0:
            progress(n)
    progress(n)


def export(db: Database, fh: TextIO, fmt: str, selection: Selection = Selection(), *,
           progress: Callable[[int], None] | None = None) -> ExportResult:
    """Write the selected records to the open text stream `fh` in format `fmt`; returns the count.

    `progress(n)` is called with the number of records written so far, every PROGRESS_EVERY records.
    """
    if fmt not in FORMATS:
        raise LitmapError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    coding = load_coding(db)
    records = select_records(db, selection, coding=coding)
    count = _writer(fmt)(_reporting(records, progress), fh, coding.dimensions)
    return ExportResult(fmt, count)


@contextlib.contextmanager
def atomic_output(path: Path, *, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text file that appears at `path` only if the block finishes: written to a temporary file
    in the same folder, flushed to disk, then renamed over `path`."""
    path = Path(path)
    if path.is_dir():
        raise LitmapError(f"{path}: is a directory; name a file to export to")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise LitmapError(f"{path}: cannot write ({exc.strerror or exc}); check the folder exists and is writable") from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def export_file(db: Database, path: str | Path, fmt: str | None = None, selection: Selection = Selection(), *,
                progress: Callable[[int], None] | None = None) -> ExportResult:
    """Write the selected records to `path` atomically; the format comes from `fmt` or the suffix.

    The selection is checked before the file is touched; on any error no file is left behind and an
    existing file at `path` is unchanged.
    """
    path = Path(path)
    fmt = infer_format(str(path), fmt)
    coding = load_coding(db)
    records = select_records(db, selection, coding=coding)  # checks the selection now
    # CSV files get a BOM so that spreadsheet programs read them as UTF-8.
    with atomic_output(path, encoding="utf-8-sig" if fmt == "csv" else "utf-8") as fh:
        count = _writer(fmt)(_reporting(records, progress), fh, coding.dimensions)
    return ExportResult(fmt, count, str(path))
