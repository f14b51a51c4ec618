"""The codebook: the dimensions a review codes every included record on.

A codebook is a TOML file:

    [codebook]
    title = "ICT-facilitated child sexual abuse and exploitation: evidence map"

    [dimensions.theme]                 # the key is the dimension's id
    label = "Theme"
    type = "choice"                    # choice | text | number | year | country
    multiple = true                    # several codes per record (choice and country)
    explanation = "What the study is about."

    [dimensions.theme.codes.legal]     # codes: a hierarchy; children under `.codes.<key>`
    label = "Legal frameworks"
    description = "Laws, treaties, ..."

`parse_codebook(text)` validates it and returns a `Codebook`; every problem names the key and the
line. `load_codebook(db, path)` stores it as the new current codebook (history is kept).
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from litmap.coding.countries import BY_ALPHA2, complete, fold, lookup
from litmap.errors import LitmapError, ProtocolError
from litmap.store import now, write

TYPES = ("choice", "text", "number", "year", "country")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_DIM_KEYS = {"label", "type", "multiple", "explanation", "codes", "min", "max", "integer"}
_CODE_KEYS = {"label", "description", "codes"}


class CodingError(LitmapError):
    """A value does not fit a dimension of the codebook, or a coding action is not possible."""


@dataclass(frozen=True, slots=True)
class Code:
    key: str
    label: str
    description: str = ""
    parent: str | None = None
    depth: int = 0  # 0 for top-level codes


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str
    label: str
    type: str
    explanation: str = ""
    multiple: bool = False
    codes: tuple[Code, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    @property
    def name(self) -> str:
        """The dimension's key (the name used on the command line and in exports)."""
        return self.key

    @property
    def is_choice(self) -> bool:
        return self.type == "choice"

    @property
    def kind(self) -> str:
        """A human description of the type: "one choice", "several choices", "country (several)", ..."""
        if self.type == "choice":
            return "several choices" if self.multiple else "one choice"
        if self.type == "country":
            return "countries (several)" if self.multiple else "country"
        return self.type

    def code(self, key: str) -> Code | None:
        return next((c for c in self.codes if c.key == key), None)

    def ancestors(self, key: str) -> list[str]:
        """Keys of the code's parents, nearest first."""
        out: list[str] = []
        code = self.code(key)
        while code is not None and code.parent is not None:
            out.append(code.parent)
            code = self.code(code.parent)
        return out

    def order(self, value: str) -> tuple[int, str]:
        """Sort key putting codes in codebook order (other values alphabetically after)."""
        for i, c in enumerate(self.codes):
            if c.key == value:
                return (i, value)
        return (len(self.codes), value)

    def display(self, value: str) -> str:
        """How a stored value reads to a person: a code's label, a country's name."""
        if self.type == "choice":
            code = self.code(value)
            return code.label if code else value
        if self.type == "country":
            country = BY_ALPHA2.get(value)
            return country.label() if country else value
        return value

    def match_codes(self, typed: str) -> list[Code]:
        """Codes a typed value may mean: exact key or label first, else those whose key or label
        (or a word of the label) starts with it."""
        f = fold(typed)
        if not f:
            return []
        exact = [c for c in self.codes if fold(c.key) == f or fold(c.label) == f]
        if exact:
            return exact
        starts = [c for c in self.codes if fold(c.key).startswith(f) or fold(c.label).startswith(f)]
        if starts:
            return starts
        return [c for c in self.codes if any(w.startswith(f) for w in re.split(r"[\s/(),-]+", fold(c.label)))]

    def normalise(self, values: Sequence[str]) -> list[str]:
        """The stored form of typed values (code keys, alpha-2 codes, canonical numbers), in
        codebook order without repeats; CodingError naming the dimension when one does not fit."""
        values = [v.strip() for v in values if v is not None and v.strip()]
        if self.type == "text":
            return [" ".join(values)] if values else []
        out: list[str] = []
        for v in values:
            out.append(self._one(v))
        out = sorted(set(out), key=self.order) if self.type in ("choice", "country") else list(dict.fromkeys(out))
        if len(out) > 1 and not (self.multiple and self.type in ("choice", "country")):
            raise CodingError(f"dimension {self.key!r} takes one value ({self.kind}); got {len(out)}: {', '.join(out)}")
        return out

    def _one(self, v: str) -> str:
        if self.type == "choice":
            matches = self.match_codes(v)
            if len(matches) == 1:
                return matches[0].key
            if not matches:
                raise CodingError(f"dimension {self.key!r}: no code {v!r}; codes: {', '.join(c.key for c in self.codes)}")
            raise CodingError(f"dimension {self.key!r}: {v!r} matches several codes ({', '.join(c.key for c in matches[:8])}); type more of it")
        if self.type == "country":
            exact = lookup(v)
            if exact:
                return exact.alpha2
            found = complete(v)
            if len(found) == 1:
                return found[0].alpha2
            if not found:
                raise CodingError(f"dimension {self.key!r}: no country {v!r}; use an ISO 3166 code (KE, KEN) or an English name")
            raise CodingError(f"dimension {self.key!r}: {v!r} matches several countries ({', '.join(c.label() for c in found[:6])}); type more of it")
        if self.type in ("year", "number"):
            try:
                number = float(v.replace(",", "")) if self.type == "number" else float(v)
            except ValueError:
                raise CodingError(f"dimension {self.key!r} takes a {self.type}; got {v!r}") from None
            if not math.isfinite(number):
                raise CodingError(f"dimension {self.key!r} takes a finite {self.type}; got {v!r}")
            if (self.type == "year" or self.integer) and number != int(number):
                raise CodingError(f"dimension {self.key!r} takes a whole {'year' if self.type == 'year' else 'number'}; got {v!r}")
            lo = self.minimum if self.minimum is not None else (1800 if self.type == "year" else None)
            hi = self.maximum if self.maximum is not None else (2100 if self.type == "year" else None)
            if (lo is not None and number < lo) or (hi is not None and number > hi):
                raise CodingError(f"dimension {self.key!r}: {v} is outside {_fmt(lo)}..{_fmt(hi)}")
            return _fmt(number)
        raise CodingError(f"dimension {self.key!r}: unknown type {self.type!r}")  # pragma: no cover


def _fmt(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if number == int(number) else repr(number)


@dataclass(frozen=True, slots=True)
class Codebook:
    title: str
    dimensions: tuple[Dimension, ...]
    description: str = ""
    version: str = ""
    id: int | None = None
    sha256: str = ""
    file: str | None = None
    loaded_at: str | None = None
    content: str = field(default="", repr=False)

    def dimension(self, key: str) -> Dimension:
        """The dimension `key` (case-insensitive, or by label); CodingError listing the keys otherwise."""
        for d in self.dimensions:
            if d.key == key:
                return d
        f = fold(key)
        for d in self.dimensions:
            if fold(d.key) == f or fold(d.label) == f:
                return d
        raise CodingError(f"no dimension {key!r} in the codebook; dimensions: {', '.join(d.key for d in self.dimensions)}")

    def keys(self) -> list[str]:
        return [d.key for d in self.dimensions]

    def country_dimension(self) -> Dimension | None:
        return next((d for d in self.dimensions if d.type == "country"), None)


# ---------------------------------------------------------------- locating keys in the TOML text

def _split_key(text: str) -> list[str]:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', text)
    return [a or b or c for a, b, c in parts]


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map every table header and `key =` line to its full key path -> 1-based line number.

    Good enough for messages: multi-line strings are skipped, arrays of tables are not used by
    codebooks.
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if in_multiline:
            if in_multiline in stripped:
                in_multiline = None
            continue
        if not stripped or stripped.startswith("#"):
            continue
        header = re.match(r"^\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$", stripped)
        if header:
            table = tuple(_split_key(header.group(1)))
            lines.setdefault(table, number)
            continue
        assign = re.match(r'^((?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'))*)\s*=\s*(.*)$', stripped)
        if assign:
            path = table + tuple(_split_key(assign.group(1)))
            for i in range(len(table) + 1, len(path) + 1):
                lines.setdefault(path[:i], number)
            rest = assign.group(2)
            for quote in ('"""', "'''"):
                if rest.startswith(quote) and rest.count(quote) == 1:
                    in_multiline = quote
    return lines


class _Problems:
    def __init__(self, text: str, source: str) -> None:
        self.lines = _key_lines(text)
        self.source = source
        self.items: list[str] = []

    def line(self, path: Sequence[str]) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def add(self, path: Sequence[str], message: str) -> None:
        line = self.line(path)
        where = f"line {line}: " if line else ""
        self.items.append(f"{self.source}: {where}{'.'.join(path)}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            more = f" (and {len(self.items) - 1} more problem{'s' if len(self.items) > 2 else ''})" if len(self.items) > 1 else ""
            error = ProtocolError(self.items[0] + more)
            error.problems = list(self.items)  # type: ignore[attr-defined]
            raise error


# ---------------------------------------------------------------- parsing and validation

def parse_codebook(text: str, source: str = "codebook") -> Codebook:
    """Validate a codebook's TOML text; ProtocolError naming the file, line and key otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{source}: not valid TOML ({exc}); fix the syntax and load it again") from None
    problems = _Problems(text, source)
    meta = data.get("codebook", {})
    if not isinstance(meta, dict):
        problems.add(["codebook"], "must be a table: [codebook] with title = \"...\"")
        meta = {}
    for key in data:
        if key not in ("codebook", "dimensions"):
            problems.add([key], "unknown top-level key; a codebook has [codebook] and [dimensions.<key>] tables")
    for key in meta:
        if key not in ("title", "description", "version"):
            problems.add(["codebook", key], "unknown key; [codebook] takes title, description, version")
    dims_data = data.get("dimensions")
    dimensions: list[Dimension] = []
    if not isinstance(dims_data, dict) or not dims_data:
        problems.add(["dimensions"], "no dimensions; add at least one [dimensions.<key>] table with label and type")
        dims_data = {}
    for key, spec in dims_data.items():
        path = ["dimensions", key]
        if not _KEY.match(key):
            problems.add(path, "dimension keys start with a letter and use letters, digits, '_' or '-'")
        if not isinstance(spec, dict):
            problems.add(path, "must be a table with label and type")
            continue
        dim = _dimension(key, spec, path, problems)
        if dim is not None:
            dimensions.append(dim)
    problems.raise_if_any()
    return Codebook(
        title=str(meta.get("title", "")).strip() or "Codebook",
        description=str(meta.get("description", "")).strip(),
        version=str(meta.get("version", "")).strip(),
        dimensions=tuple(dimensions),
        content=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def _text(spec: dict, key: str, path: list[str], problems: _Problems, required: bool = False) -> str:
    value = spec.get(key)
    if value is None:
        if required:
            problems.add(path, f"missing {key!r}; give it {key} = \"...\"")
        return ""
    if not isinstance(value, str):
        problems.add(path + [key], f"must be a string, not {type(value).__name__}")
        return ""
    if required and not value.strip():
        problems.add(path + [key], "must not be empty")
    return " ".join(value.split()) if key == "label" else value.strip()


def _dimension(key: str, spec: dict, path: list[str], problems: _Problems) -> Dimension | None:
    for k in spec:
        if k not in _DIM_KEYS:
            problems.add(path + [k], f"unknown key; a dimension takes {', '.join(sorted(_DIM_KEYS))}")
    label = _text(spec, "label", path, problems, required=True)
    explanation = _text(spec, "explanation", path, problems)
    kind = spec.get("type")
    if kind not in TYPES:
        problems.add(path + (["type"] if "type" in spec else []), f"type must be one of {', '.join(TYPES)}; got {kind!r}")
        return None
    multiple = spec.get("multiple", False)
    if not isinstance(multiple, bool):
        problems.add(path + ["multiple"], "must be true or false")
        multiple = False
    if multiple and kind not in ("choice", "country"):
        problems.add(path + ["multiple"], f"only choice and country dimensions take several values, not {kind}")
    bounds: dict[str, float | None] = {"min": None, "max": None}
    for b in bounds:
        if b in spec:
            if kind not in ("number", "year") or isinstance(spec[b], bool) or not isinstance(spec[b], (int, float)):
                problems.add(path + [b], "a number bound, for number and year dimensions only")
            else:
                bounds[b] = float(spec[b])
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        problems.add(path + ["max"], "must not be below min")
    integer = spec.get("integer", False)
    if "integer" in spec and (kind != "number" or not isinstance(integer, bool)):
        problems.add(path + ["integer"], "true or false, for number dimensions only")
        integer = False
    codes: list[Code] = []
    if kind == "choice":
        raw = spec.get("codes")
        if not isinstance(raw, dict) or not raw:
            problems.add(path + (["codes"] if "codes" in spec else []), "a choice dimension needs codes: [dimensions.%s.codes.<key>] with a label" % key)
        else:
            _codes(raw, path + ["codes"], None, 0, codes, problems)
    elif "codes" in spec:
        problems.add(path + ["codes"], f"only choice dimensions have codes, not {kind}")
    return Dimension(key, label, kind, explanation, bool(multiple), tuple(codes),
                     bounds["min"], bounds["max"], bool(integer))


def _codes(raw: dict, path: list[str], parent: str | None, depth: int, out: list[Code], problems: _Problems) -> None:
    for key, spec in raw.items():
        cpath = path + [key]
        if not _KEY.match(key):
            problems.add(cpath, "code keys start with a letter and use letters, digits, '_' or '-'")
        if any(c.key == key for c in out):
            problems.add(cpath, "code key used twice in this dimension; code keys must be unique within a dimension")
        if isinstance(spec, str):  # shorthand: key = "Label"
            out.append(Code(key, " ".join(spec.split()) or key, "", parent, depth))
            continue
        if not isinstance(spec, dict):
            problems.add(cpath, "a code is a table with label (and description) or a label string")
            continue
        for k in spec:
            if k not in _CODE_KEYS:
                problems.add(cpath + [k], "unknown key; a code takes label, description, codes")
        label = _text(spec, "label", cpath, problems, required=True)
        out.append(Code(key, label or key, _text(spec, "description", cpath, problems), parent, depth))
        children = spec.get("codes")
        if children is not None:
            if not isinstance(children, dict) or not children:
                problems.add(cpath + ["codes"], "sub-codes are tables: [...codes.%s.codes.<key>]" % key)
            else:
                _codes(children, cpath + ["codes"], key, depth + 1, out, problems)


# ---------------------------------------------------------------- storage

def read_toml_text(path: str | Path, kind: str, example: str) -> str:
    """The text of a codebook or protocol file; a missing or unreadable file is a one-line ProtocolError."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProtocolError(f"{path}: no such file; give the path of a {kind} TOML file (example: {example})") from None
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise ProtocolError(f"{path}: cannot read as UTF-8 text ({exc.__class__.__name__}); is it a {kind} TOML file?") from None


def read_codebook_file(path: str | Path) -> str:
    return read_toml_text(path, "codebook", "screening/codebook.toml")


@dataclass(frozen=True, slots=True)
class LoadResult:
    codebook: Codebook
    changed: bool  # False when the text equals the current codebook's
    orphans: dict[str, int]  # "dimension" or "dimension=value" no longer in the codebook -> codings


def load_codebook(db: Database, path: str | Path) -> LoadResult:
    """Validate the codebook file and store it as the current codebook (idempotent on identical text).

    Existing codings are kept; values the new codebook no longer has are reported in `orphans`.
    """
    text = read_codebook_file(path)
    book = parse_codebook(text, str(path))
    current = current_codebook(db)
    if current is not None and current.sha256 == book.sha256:
        return LoadResult(current, False, orphan_codings(db, current))
    with write(db):
        db["codebooks"].insert({"loaded_at": now(), "file": str(path), "sha256": book.sha256, "content": text})
    stored = current_codebook(db)
    assert stored is not None
    return LoadResult(stored, True, orphan_codings(db, stored))


def current_codebook(db: Database) -> Codebook | None:
    """The latest loaded codebook, or None when none was loaded."""
    row = db.execute("select id, loaded_at, file, sha256, content from codebooks order by id desc limit 1").fetchone()
    if row is None:
        return None
    book = parse_codebook(row[4], row[2] or "stored codebook")
    return Codebook(book.title, book.dimensions, book.description, book.version, row[0], row[3], row[2], row[1], row[4])


def require_codebook(db: Database) -> Codebook:
    book = current_codebook(db)
    if book is None:
        raise CodingError("no codebook loaded; run `litmap codebook load FILE` first (see screening/codebook.toml)")
    return book


def codebook_history(db: Database) -> list[dict]:
    """Every loaded codebook version, oldest first (id, loaded_at, file, sha256)."""
    return [dict(zip(("id", "loaded_at", "file", "sha256"), r))
            for r in db.execute("select id, loaded_at, file, sha256 from codebooks order by id")]


def orphan_codings(db: Database, book: Codebook) -> dict[str, int]:
    """Current codings whose dimension or code the codebook does not have (they are kept, not shown in maps)."""
    import json

    out: dict[str, int] = {}
    dims = {d.key: d for d in book.dimensions}
    for dimension, value, n in db.execute(
        "select dimension, value, count(*) from current_codings group by dimension, value"
    ):
        dim = dims.get(dimension)
        if dim is None:
            out[dimension] = out.get(dimension, 0) + n
            continue
        if dim.is_choice:
            for v in json.loads(value):
                if dim.code(v) is None:
                    out[f"{dimension}={v}"] = out.get(f"{dimension}={v}", 0) + n
    return out
