"""Evidence maps: cross-tabulations of the agreed codes of included studies.

`crosstab(db, rows, cols)` counts the included studies in every (row, column) cell: the included
set and the agreed codes come from SQL, the counting is one pass over them.
A study coded with several codes of a several-choice dimension counts once in each of its codes,
so rows and columns do not add up to the number of studies; totals count distinct studies.
Axes are dimensions of the codebook or derived ones: `year` (publication year), `region` /
`subregion` (UN M49, from the codebook's country dimension). With `rollup`, a study coded with a
sub-code also counts under its parent codes.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field

from sqlite_utils import Database

from litmap.coding.codebook import Codebook, CodingError, Dimension, require_codebook
from litmap.coding.codings import CodingConfig, agreed_values, coding_config, included_sql
from litmap.coding.countries import BY_ALPHA2, COUNTRIES, REGIONS
from litmap.screening.outcomes import FT, stage_name

MULTI_NOTE = "studies coded with several {what} count once in each of them, so cells do not add up to the total"


@dataclass(frozen=True, slots=True)
class Axis:
    key: str  # what the user named
    label: str
    source: str  # "dimension" | "year" | "region" | "subregion" | "studies"
    dimension: Dimension | None = None
    multiple: bool = False
    values: tuple[tuple[str, str, int], ...] = ()  # fixed categories: (value, label, depth); else from data
    mapping: dict[str, tuple[str, ...]] | None = None  # stored value -> the categories it counts in


@dataclass
class CrossTab:
    title: str
    rows: list[tuple[str, str, int]]  # (value, label, depth)
    cols: list[tuple[str, str, int]]
    counts: list[list[int]]
    row_totals: list[int]  # distinct studies per row
    col_totals: list[int]  # distinct studies per column
    studies: int  # distinct studies with a value on both axes
    included: int  # records included at the stage
    uncoded: int  # included records without an agreed value on one of the axes
    row_axis: str
    col_axis: str
    stage: str
    notes: list[str] = field(default_factory=list)

    @property
    def maximum(self) -> int:
        return max((c for row in self.counts for c in row), default=0)

    def as_dict(self) -> dict:
        return {
            "title": self.title, "stage": self.stage, "rows_dimension": self.row_axis, "columns_dimension": self.col_axis,
            "rows": [{"value": v, "label": lab, "depth": d} for v, lab, d in self.rows],
            "columns": [{"value": v, "label": lab, "depth": d} for v, lab, d in self.cols],
            "counts": self.counts, "row_totals": self.row_totals, "column_totals": self.col_totals,
            "studies": self.studies, "included": self.included, "uncoded": self.uncoded, "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def to_csv(self) -> str:
        """Wide CSV: one row per row category, one column per column category, then the row total."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([self.row_axis + " \\ " + self.col_axis] + [lab for _, lab, _ in self.cols] + ["studies"])
        for (_, label, _), counts, total in zip(self.rows, self.counts, self.row_totals):
            writer.writerow([label, *counts, total])
        writer.writerow(["studies", *self.col_totals, self.studies])
        return out.getvalue()


def _dimension_axis(book: Codebook, dim: Dimension, rollup: bool) -> Axis:
    if dim.type == "text":
        raise CodingError(f"dimension {dim.key!r} is free text and cannot be mapped; map a choice, country, year or number dimension")
    if dim.type == "choice":
        values = tuple((c.key, c.label, c.depth) for c in dim.codes)
        mapping = {c.key: (c.key, *dim.ancestors(c.key)) for c in dim.codes} if rollup else None
        return Axis(dim.key, dim.label, "dimension", dim, dim.multiple, values, mapping)
    return Axis(dim.key, dim.label, "dimension", dim, dim.multiple)


def resolve_axis(book: Codebook, name: str, *, rollup: bool = False) -> Axis:
    """The axis a user named: a dimension, or `year`, `region`, `subregion`, `studies`."""
    try:
        dim = book.dimension(name)
    except CodingError:
        dim = None
    if dim is not None:
        return _dimension_axis(book, dim, rollup)
    lowered = name.strip().lower()
    if lowered in ("year", "publication-year", "pubyear"):
        return Axis("year", "Publication year", "year")
    if lowered in ("region", "subregion", "sub-region"):
        country = book.country_dimension()
        if country is None:
            raise CodingError(f"{name!r} is derived from a country dimension, and the codebook has none")
        if lowered == "region":
            mapping = {c.alpha2: (c.region,) for c in COUNTRIES if c.region}
            return Axis("region", f"Region ({country.label})", "region", country, country.multiple,
                        tuple((r, r, 0) for r in REGIONS), mapping)
        mapping = {c.alpha2: (c.area,) for c in COUNTRIES if c.area}
        areas = sorted({a for a in (c.area for c in COUNTRIES) if a},
                       key=lambda a: (REGIONS.index(next(c.region for c in COUNTRIES if c.area == a)), a))
        return Axis("subregion", f"Sub-region ({country.label})", "subregion", country, country.multiple,
                    tuple((a, a, 0) for a in areas), mapping)
    if lowered == "studies":
        return Axis("studies", "Studies", "studies")
    raise CodingError(f"no dimension {name!r} in the codebook; map one of: {', '.join(book.keys())}, or year, region, subregion")


def _axis_values(db: Database, axis: Axis, included: list[int], agreed: dict[str, dict[int, str]]) -> dict[int, frozenset[str]]:
    """record -> the categories it counts in on this axis (included records with a value only).

    Records with the same stored value share one frozenset (each distinct value is parsed and mapped
    once), so that counting can group records by their categories."""
    if axis.source == "studies":
        studies = frozenset({"studies"})
        return {rid: studies for rid in included}
    if axis.source == "year":
        inc = set(included)
        years: dict[int, frozenset[str]] = {}
        return {rid: years.get(year) or years.setdefault(year, frozenset({str(year)}))
                for rid, year in db.execute("select id, year from records where year is not null") if rid in inc}
    assert axis.dimension is not None
    coded = agreed.get(axis.dimension.key, {})
    out: dict[int, frozenset[str]] = {}
    mapping = axis.mapping
    categories: dict[str, frozenset[str]] = {}
    for rid in included:
        raw = coded.get(rid)
        if raw is None:
            continue
        cats = categories.get(raw)
        if cats is None:
            values = json.loads(raw)
            cats = categories[raw] = frozenset(values if mapping is None else (t for v in values for t in mapping.get(v, ())))
        if cats:
            out[rid] = cats
    return out


def _categories(axis: Axis, seen: set[str]) -> list[tuple[str, str, int]]:
    if axis.values:
        known = [v for v in axis.values]
        extra = sorted(seen - {v for v, _, _ in known})
        return known + [(v, v, 0) for v in extra]
    if axis.source == "studies":
        return [("studies", "Studies", 0)]
    if axis.source == "year":
        years = sorted(int(v) for v in seen)
        return [(str(y), str(y), 0) for y in range(years[0], years[-1] + 1)] if years else []
    dim = axis.dimension
    assert dim is not None
    if dim.type == "country":
        return sorted(((v, dim.display(v), 0) for v in seen), key=lambda t: BY_ALPHA2[t[0]].name if t[0] in BY_ALPHA2 else t[0])
    if dim.type in ("year", "number"):
        ordered = sorted(seen, key=float)
        if dim.type == "year" and ordered:
            lo, hi = int(ordered[0]), int(ordered[-1])
            return [(str(y), str(y), 0) for y in range(lo, hi + 1)]
        return [(v, v, 0) for v in ordered]
    return [(v, v, 0) for v in sorted(seen)]


def crosstab(db: Database, rows: str, cols: str | None = None, *, stage: str = FT, rollup: bool = False,
             config: CodingConfig | None = None) -> CrossTab:
    """Count the included studies at `stage` per (row, column) category of the agreed codes."""
    book = require_codebook(db)
    stage = stage_name(stage)
    config = config or coding_config(db)
    row_axis = resolve_axis(book, rows, rollup=rollup)
    col_axis = resolve_axis(book, cols or "studies", rollup=rollup)
    dims = sorted({a.dimension.key for a in (row_axis, col_axis) if a.dimension is not None})
    included = [r[0] for r in db.execute(included_sql(stage), {"required": config.votes_required})]
    agreed = agreed_values(db, dims, config) if dims else {}
    row_values = _axis_values(db, row_axis, included, agreed)
    col_values = _axis_values(db, col_axis, included, agreed)
    # Studies grouped by their (row, column) categories first: far fewer groups than studies
    # (100,000 studies: see benchmarks/bench_map.py).
    groups: Counter[tuple[frozenset[str], frozenset[str]]] = Counter()
    for rid, rv in row_values.items():
        cv = col_values.get(rid)
        if cv:
            groups[rv, cv] += 1
    cells: Counter[tuple[str, str]] = Counter()
    row_totals: Counter[str] = Counter()
    col_totals: Counter[str] = Counter()
    studies = 0
    for (rv, cv), n in groups.items():
        studies += n
        for r in rv:
            row_totals[r] += n
            for c in cv:
                cells[r, c] += n
        for c in cv:
            col_totals[c] += n
    included_n = len(included)
    row_cats = _categories(row_axis, {r for r, _ in cells})
    col_cats = _categories(col_axis, {c for _, c in cells})
    counts = [[cells.get((r, c), 0) for c, _, _ in col_cats] for r, _, _ in row_cats]
    notes = []
    for axis in (row_axis, col_axis):
        if axis.multiple:
            what = "countries" if axis.dimension and axis.dimension.type == "country" and axis.source == "dimension" else (
                "regions" if axis.source in ("region", "subregion") else f"{axis.label.lower()} codes")
            notes.append(f"{axis.label}: " + MULTI_NOTE.format(what=what))
    if rollup and any(a.mapping and a.source == "dimension" for a in (row_axis, col_axis)):
        notes.append("sub-codes also count under their parent codes (--rollup)")
    if included_n - studies:
        notes.append(f"{included_n - studies} of {included_n} included studies have no agreed code on "
                     f"{row_axis.label if col_axis.source == 'studies' else row_axis.label + ' or ' + col_axis.label}"
                     " (not yet coded, in conflict, or nothing applies)")
    title = f"{row_axis.label} by {col_axis.label}" if col_axis.source != "studies" else f"{row_axis.label}"
    return CrossTab(title, row_cats, col_cats, counts,
                    [row_totals.get(r, 0) for r, _, _ in row_cats], [col_totals.get(c, 0) for c, _, _ in col_cats],
                    studies, included_n, included_n - studies, row_axis.key, col_axis.key, stage, notes)
