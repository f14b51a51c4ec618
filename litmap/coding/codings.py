"""Codings: what each coder answered for each included record and dimension, append-only.

A coder's current answer is their latest row for (record, dimension); a NULL row withdraws it.
The agreed value of a record's dimension (`current_codes`) is, in order: the latest resolution if
any; else, when every coder who answered gave the same value and enough coders answered (two when
the protocol asks for dual coding, else one), that value; else none (a conflict, or awaiting the
second coder). Agreement statistics use the raw codings, never the resolutions.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from litmap.coding.codebook import Codebook, CodingError, Dimension, require_codebook
from litmap.errors import InputError, NotFoundError
from litmap.screening.outcomes import FT, stage_name
from litmap.screening.outcomes import included_sql as outcomes_included_sql
from litmap.store import now, write

DEFAULT_VOTES_REQUIRED = 2


@dataclass(frozen=True, slots=True)
class CodingConfig:
    dual: bool
    coders: tuple[str, ...]
    votes_required: int  # screening votes a record needs (for "included")

    @property
    def coders_required(self) -> int:
        return 2 if self.dual else 1


def coding_config(db: Database) -> CodingConfig:
    """Dual coding and coders from the current protocol (`[coding] dual = true`), defaults otherwise."""
    try:
        from litmap.screening.protocol import current_protocol
    except ImportError:
        return CodingConfig(False, (), DEFAULT_VOTES_REQUIRED)
    protocol = current_protocol(db)
    if protocol is None:
        return CodingConfig(False, (), DEFAULT_VOTES_REQUIRED)
    required = getattr(protocol, "votes_required", None)
    dual = bool(getattr(protocol, "dual_coding", False))
    coders = tuple(getattr(protocol, "coders", ()) or ())
    return CodingConfig(dual, coders, int(required) if isinstance(required, int) and required > 0 else DEFAULT_VOTES_REQUIRED)


def included_sql(stage: str = FT) -> str:
    """SQL selecting `record_id` of the records included at `stage` (parameter :required)."""
    return outcomes_included_sql(stage_name(stage))


def included_records(db: Database, stage: str = FT, config: CodingConfig | None = None) -> list[int]:
    """Ids of the records whose outcome at `stage` is included, in id order."""
    config = config or coding_config(db)
    return [r[0] for r in db.execute(included_sql(stage) + " order by record_id", {"required": config.votes_required})]


def encode(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _uid() -> str:
    return uuid.uuid4().hex


def _record_exists(db: Database, record_id: int) -> None:
    if db.execute("select 1 from records where id = ?", [record_id]).fetchone() is None:
        raise NotFoundError(f"no record {record_id}; see `litmap records` or `litmap screening status` for ids")


def _coder(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CodingError("a coder name is needed; pass --reviewer NAME")
    return name


def coder_value(db: Database, record_id: int, dimension: str, coder: str) -> list[str] | None:
    """The coder's current answer (None when they have not answered or withdrew it)."""
    row = db.execute(
        "select value from codings where dimension = ? and record_id = ? and coder = ? order by id desc limit 1",
        [dimension, record_id, coder],
    ).fetchone()
    return None if row is None or row[0] is None else json.loads(row[0])


def set_code(
    db: Database,
    record_id: int,
    dimension: str,
    values: Sequence[str],
    coder: str,
    *,
    book: Codebook | None = None,
    stage: str | None = None,
) -> list[str]:
    """Record `coder`'s answer for one record and dimension; returns the stored (normalised) values.

    Values are codes, labels or unambiguous prefixes, countries by code or name, numbers or text,
    as the dimension's type asks; `[]` answers "nothing applies / not reported". Idempotent: the
    same answer twice adds no row. With `stage`, the record must be included at that stage.
    """
    book = book or require_codebook(db)
    coder = _coder(coder)
    dim = book.dimension(dimension)
    stored = dim.normalise(values)
    _record_exists(db, record_id)
    if stage is not None and record_id not in set(included_records(db, stage)):
        raise CodingError(f"record {record_id} is not included at {stage_name(stage)}; only included records are coded (try --stage title-abstract)")
    with write(db):
        if coder_value(db, record_id, dim.key, coder) != stored:
            db["codings"].insert({"uid": _uid(), "record_id": record_id, "dimension": dim.key, "value": encode(stored),
                                  "coder": coder, "created_at": now()})
    return stored


def restore_code(db: Database, record_id: int, dimension: str, coder: str, values: list[str] | None) -> None:
    """Put back an earlier answer (None withdraws the answer): the undo of the interactive screen.
    Appends a row; history is never rewritten."""
    with write(db):
        if coder_value(db, record_id, dimension, coder) != values:
            db["codings"].insert({"uid": _uid(), "record_id": record_id, "dimension": dimension,
                                  "value": None if values is None else encode(values), "coder": coder, "created_at": now()})


def _latest_sql(dimensions: Sequence[str] | None) -> tuple[str, list[str]]:
    where = f"where dimension in ({', '.join('?' * len(dimensions))})" if dimensions else ""
    sql = f"""
    select c.record_id, c.dimension, c.coder, c.value from codings c
    join (select max(id) as id from codings {where} group by dimension, record_id, coder) l on l.id = c.id
    where c.value is not null
    """
    return sql, list(dimensions or [])


def agreed_values(db: Database, dimensions: Sequence[str] | None = None,
                  config: CodingConfig | None = None) -> dict[str, dict[int, str]]:
    """dimension -> record -> the agreed or resolved value as stored (JSON text); the rule of the
    module docstring, read from `coding_tallies` (per record and dimension: how many coders have a
    current answer, the answer they share, the latest resolution; kept by triggers, see
    migrations.py). Values compare as their stored JSON, which `set_code` and the importer always
    write in one canonical form. Agreed values come first, then resolutions (replacing in place).
    """
    config = config or coding_config(db)
    if dimensions:
        dims = sorted(set(dimensions))
    else:
        dims = [d for (d,) in db.execute("select distinct dimension from coding_tallies order by dimension")]
    out: dict[str, dict[int, str]] = {}
    for dim in dims:
        agreed = dict(db.execute("select record_id, value from coding_tallies where dimension = ? and answers >= ? "
                                 "and value is not null order by record_id", [dim, config.coders_required]))
        if agreed:
            out[dim] = agreed
    for dim in dims:
        resolved = db.execute("select record_id, resolution from coding_tallies where dimension = ? "
                              "and resolution is not null order by record_id", [dim]).fetchall()
        if resolved:
            out.setdefault(dim, {}).update(resolved)
    return out


def agreed_codes(db: Database, dimensions: Sequence[str] | None = None,
                 config: CodingConfig | None = None) -> dict[str, dict[int, list[str]]]:
    """dimension -> record -> agreed or resolved values (see the module docstring for the rule).

    The one definition behind `current_codes` and the maps (`agreed_values`, parsed)."""
    out: dict[str, dict[int, list[str]]] = {}
    parsed: dict[str, list[str]] = {}  # few distinct answers recur across many records: parse each once
    for dimension, per_record in agreed_values(db, dimensions, config).items():
        codes = out[dimension] = {}
        for record_id, value in per_record.items():
            values = parsed.get(value)
            if values is None:
                values = parsed[value] = json.loads(value)
            codes[record_id] = list(values)
    return out


def current_codes(db: Database, record_ids: Iterable[int] | None = None,
                  config: CodingConfig | None = None) -> dict[int, dict[str, list[str]]]:
    """The agreed or resolved values per record and dimension (conflicts and answers still awaiting
    the second coder of a dual-coded review are left out). All records, or only `record_ids`."""
    wanted = set(record_ids) if record_ids is not None else None
    out: dict[int, dict[str, list[str]]] = {}
    for dimension, per_record in agreed_codes(db, None, config).items():
        for record_id, values in per_record.items():
            if wanted is None or record_id in wanted:
                out.setdefault(record_id, {})[dimension] = values
    return dict(sorted(out.items()))


def coder_codes(db: Database, coder: str, record_ids: Iterable[int] | None = None) -> dict[int, dict[str, list[str]]]:
    """One coder's own current answers (what a blind coder may see)."""
    wanted = set(record_ids) if record_ids is not None else None
    out: dict[int, dict[str, list[str]]] = {}
    sql = """
    select c.record_id, c.dimension, c.value from codings c
    join (select max(id) as id from codings where coder = ? group by dimension, record_id) l on l.id = c.id
    where c.value is not null order by c.record_id
    """
    for record_id, dimension, value in db.execute(sql, [coder]):
        if wanted is None or record_id in wanted:
            out.setdefault(record_id, {})[dimension] = json.loads(value)
    return out


def raw_codings(db: Database, dimensions: Sequence[str] | None = None) -> dict[tuple[int, str], dict[str, list[str]]]:
    """Every coder's current answer: (record, dimension) -> {coder: values}."""
    sql, params = _latest_sql(dimensions)
    out: dict[tuple[int, str], dict[str, list[str]]] = {}
    for record_id, dimension, coder, value in db.execute(sql + " order by c.record_id, c.id", params):
        out.setdefault((record_id, dimension), {})[coder] = json.loads(value)
    return out


@dataclass(frozen=True, slots=True)
class Conflict:
    record_id: int
    dimension: str
    values: dict[str, list[str]]  # coder -> their answer
    title: str | None = None


def conflicts(db: Database, dimension: str | None = None) -> list[Conflict]:
    """Records and dimensions where coders' current answers differ and no resolution was recorded."""
    book = require_codebook(db)
    dims = [book.dimension(dimension).key] if dimension else None
    resolved = {(r[0], r[1]) for r in db.execute("select distinct record_id, dimension from coding_resolutions")}
    titles: dict[int, str | None] = {}
    out = []
    for (record_id, dim), by_coder in raw_codings(db, dims).items():
        if len({json.dumps(v) for v in by_coder.values()}) > 1 and (record_id, dim) not in resolved:
            if record_id not in titles:
                row = db.execute("select title from records where id = ?", [record_id]).fetchone()
                titles[record_id] = row[0] if row else None
            out.append(Conflict(record_id, dim, by_coder, titles[record_id]))
    order = {k: i for i, k in enumerate(book.keys())}
    return sorted(out, key=lambda c: (c.record_id, order.get(c.dimension, 999)))


def resolve(db: Database, record_id: int, dimension: str, values: Sequence[str], by: str) -> list[str]:
    """Record the adjudicated value of a record's dimension (the latest resolution wins)."""
    book = require_codebook(db)
    dim = book.dimension(dimension)
    stored = dim.normalise(values)
    _record_exists(db, record_id)
    with write(db):
        db["coding_resolutions"].insert({"uid": _uid(), "record_id": record_id, "dimension": dim.key,
                                         "value": encode(stored), "resolved_by": _coder(by), "created_at": now()})
    return stored


@dataclass(frozen=True, slots=True)
class Progress:
    included: int
    coded: dict[str, int]  # coder -> records with every dimension answered
    agreed: int  # records with an agreed or resolved value for every dimension
    conflicts: int
    dual: bool


def progress(db: Database, stage: str = FT) -> Progress:
    """How far coding has come over the records included at `stage`."""
    book = require_codebook(db)
    config = coding_config(db)
    ids = set(included_records(db, stage, config))
    keys = set(book.keys())
    per_coder: dict[str, dict[int, set[str]]] = {}
    for (record_id, dim), by_coder in raw_codings(db).items():
        if record_id in ids and dim in keys:
            for coder in by_coder:
                per_coder.setdefault(coder, {}).setdefault(record_id, set()).add(dim)
    coded = {c: sum(1 for dims in recs.values() if dims >= keys) for c, recs in sorted(per_coder.items())}
    agreed = sum(1 for r, dims in current_codes(db, ids, config).items() if set(dims) >= keys)
    n_conflicts = len({c.record_id for c in conflicts(db) if c.record_id in ids})
    return Progress(len(ids), coded, agreed, n_conflicts, config.dual)


# ---------------------------------------------------------------- spreadsheets

SEPARATOR = ";"
NONE_MARK = "-"


@dataclass
class ImportResult:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    coders: set[str] = field(default_factory=set)


def _canonical_ids_by_key(db: Database) -> dict[str, int]:
    """source_key -> record id, preferring the canonical record when a key occurs more than once."""
    ids: dict[str, int] = {}
    rows = db.execute("select source_key, id from records where source_key is not null order by duplicate_of is null, id desc")
    for key, record_id in rows:
        ids[key] = record_id  # canonical rows come last and win
    return ids


def import_csv(db: Database, path: str | Path, coder: str | None = None, *, stage: str | None = None) -> ImportResult:
    """Codings from a spreadsheet: a `record_id` (or `id`) column, a `coder` column unless `coder` is
    given, and one column per dimension (key or label); several values joined by ';', '-' for
    "nothing applies", an empty cell leaves the dimension as it is. All rows or none are stored."""
    book = require_codebook(db)
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give the path of a CSV file of codings") from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            rows = list(reader)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read as CSV ({exc}); save it as UTF-8 CSV") from None
    lower = {h.strip().lower(): h for h in header if h}
    id_col = lower.get("record_id") or lower.get("id")
    key_col = lower.get("source_key") if id_col is None else None
    if id_col is None and key_col is None:
        raise InputError(f"{path}: line 1: no record_id (or source_key) column; the first row must name it and the dimensions")
    by_key = _canonical_ids_by_key(db) if key_col else {}
    coder_col = lower.get("coder") or lower.get("reviewer")
    if coder is None and coder_col is None:
        raise InputError(f"{path}: line 1: no coder column; add one or pass --reviewer NAME")
    columns: list[tuple[str, Dimension]] = []
    for h in header:
        if not h or h in (id_col, key_col, coder_col) or h.strip().lower() in ("title", "year", "authors", "journal", "doi", "status"):
            continue
        try:
            columns.append((h, book.dimension(h.strip())))
        except CodingError:
            raise InputError(f"{path}: line 1: column {h!r} is not a dimension of the codebook; dimensions: {', '.join(book.keys())}") from None
    pending: list[tuple[int, str, list[str], str]] = []
    for line, row in enumerate(rows, 2):
        raw_id = (row.get(id_col or key_col or "") or "").strip()
        if not raw_id:
            continue
        if key_col:
            if raw_id not in by_key:
                raise InputError(f"{path}: line {line}: no record with source_key {raw_id!r}; nothing imported")
            record_id = by_key[raw_id]
        else:
            try:
                record_id = int(raw_id)
            except ValueError:
                raise InputError(f"{path}: line {line}: record_id {raw_id!r} is not a number") from None
        who = coder or (row.get(coder_col or "") or "").strip()
        if not who:
            raise InputError(f"{path}: line {line}: empty coder; fill the coder column or pass --reviewer NAME")
        for h, dim in columns:
            cell = (row.get(h) or "").strip()
            if not cell:
                continue
            values = [] if cell == NONE_MARK else ([cell] if dim.type == "text" else cell.split(SEPARATOR))
            try:
                stored = dim.normalise(values)
            except CodingError as exc:
                raise InputError(f"{path}: line {line}: record {record_id}: {exc}") from None
            pending.append((record_id, dim.key, stored, who))
    known = {r[0] for r in db.execute("select id from records")}
    allowed = set(included_records(db, stage)) if stage else None
    result = ImportResult(rows=len(rows))
    with write(db):
        for record_id, key, stored, who in pending:
            if record_id not in known:
                raise InputError(f"{path}: record {record_id}: no such record; nothing imported")
            if allowed is not None and record_id not in allowed:
                raise InputError(f"{path}: record {record_id}: not included at {stage_name(stage or FT)}; nothing imported")
            if coder_value(db, record_id, key, who) == stored:
                result.unchanged += 1
                continue
            db["codings"].insert({"uid": _uid(), "record_id": record_id, "dimension": key, "value": encode(stored),
                                  "coder": who, "created_at": now()})
            result.written += 1
            result.coders.add(who)
    return result


def export_rows(db: Database, coder: str | None = None, stage: str = FT) -> tuple[list[str], list[list[str]]]:
    """Rows for a coding spreadsheet: every included record (even uncoded: a template to fill) with
    the agreed values, or with `coder`'s own answers. Values are stored keys joined by ';'."""
    book = require_codebook(db)
    ids = included_records(db, stage)
    codes = coder_codes(db, coder, ids) if coder else current_codes(db, ids)
    header = ["record_id", "title", "year"] + ([] if not coder else ["coder"]) + book.keys()
    rows: list[list[str]] = []
    meta = {r[0]: (r[1] or "", r[2]) for r in db.execute("select id, title, year from records")} if ids else {}
    for record_id in ids:
        title, year = meta.get(record_id, ("", None))
        values = codes.get(record_id, {})
        row = [str(record_id), title, "" if year is None else str(year)] + ([coder] if coder else [])
        for key in book.keys():
            v = values.get(key)
            row.append("" if v is None else (NONE_MARK if not v else SEPARATOR.join(v)))
        rows.append(row)
    return header, rows


def export_csv(db: Database, path: str | Path, coder: str | None = None, stage: str = FT) -> int:
    """Write `export_rows` to a CSV file; returns the number of records written."""
    header, rows = export_rows(db, coder, stage)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)
