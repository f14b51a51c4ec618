"""Agreement between coders, per dimension, on the raw (unresolved) codings.

- Cohen's kappa per code: for every code of a choice (or country) dimension, the two coders'
  present/absent judgements over the records both coded form a 2x2 table; kappa, percent agreement
  and PABAK are computed from it (formulas in DOMAIN.md).
- Krippendorff's alpha per dimension, over all coders and records (missing answers allowed):
  nominal on the answer for one-choice, year-less text-less dimensions; for several-choice
  dimensions on the pooled present/absent judgements (every record x code is a unit); interval for
  numbers and years. Free text is not compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from sqlite_utils import Database

from litmap.coding.codebook import Dimension, require_codebook
from litmap.coding.codings import raw_codings


def cohen_kappa(a: int, b: int, c: int, d: int) -> float | None:
    """Cohen's kappa of a 2x2 table (a: both yes, b: first yes only, c: second yes only, d: both no);
    None when undefined (no pairs, or expected agreement 1)."""
    n = a + b + c + d
    if n == 0:
        return None
    po = (a + d) / n
    pe = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n)
    if pe == 1:
        return None
    return (po - pe) / (1 - pe)


def nominal(x: Hashable, y: Hashable) -> float:
    return 0.0 if x == y else 1.0


def interval(x: float, y: float) -> float:
    return (float(x) - float(y)) ** 2


def krippendorff_alpha(units: Sequence[Sequence[Hashable]], distance: Callable[[object, object], float] = nominal,
                       counts: Sequence[int] | None = None) -> float | None:
    """Krippendorff's alpha from units, each the list of values the coders gave it (missing values
    simply left out); `counts[i]`, if given, says how many units are like `units[i]`. Units with
    fewer than two values are not pairable and ignored. None when undefined (no pairable values,
    or no variation at all)."""
    coincidence: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for k, values in enumerate(units):
        m = len(values)
        if m < 2:
            continue
        weight = (counts[k] if counts is not None else 1) / (m - 1)
        for i, x in enumerate(values):
            for j, y in enumerate(values):
                if i != j:
                    coincidence[(x, y)] += weight
    if not coincidence:
        return None
    totals: dict[Hashable, float] = defaultdict(float)
    for (x, _), w in coincidence.items():
        totals[x] += w
    n = sum(totals.values())
    observed = sum(w * distance(x, y) for (x, y), w in coincidence.items())
    expected = sum(totals[x] * totals[y] * distance(x, y) for x in totals for y in totals)
    if expected == 0:
        return None
    return 1.0 - (n - 1) * observed / expected


@dataclass(frozen=True, slots=True)
class CodeAgreement:
    code: str
    label: str
    a: int
    b: int
    c: int
    d: int

    @property
    def n(self) -> int:
        return self.a + self.b + self.c + self.d

    @property
    def percent(self) -> float | None:
        return (self.a + self.d) / self.n if self.n else None

    @property
    def kappa(self) -> float | None:
        return cohen_kappa(self.a, self.b, self.c, self.d)

    @property
    def pabak(self) -> float | None:
        return 2 * self.percent - 1 if self.percent is not None else None


@dataclass(frozen=True, slots=True)
class DimensionAgreement:
    dimension: str
    label: str
    kind: str
    coders: tuple[str, ...]
    records: int  # records answered by at least two coders
    agree: int  # of those, records where all coders gave the same answer
    alpha: float | None
    metric: str
    per_code: tuple[CodeAgreement, ...] = field(default=())
    pair: tuple[str, str] | None = None  # the two coders of the per-code kappas

    @property
    def percent(self) -> float | None:
        return self.agree / self.records if self.records else None


def band(kappa: float | None) -> str:
    """Landis-Koch band of a kappa (or alpha)."""
    if kappa is None:
        return "n/a"
    if kappa < 0:
        return "poor"
    for limit, name in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial")):
        if kappa <= limit:
            return name
    return "almost perfect"


def dimension_agreement(dim: Dimension, answers: Mapping[int, Mapping[str, list[str]]]) -> DimensionAgreement:
    """Agreement on one dimension from {record: {coder: values}} (current raw answers)."""
    shared = {r: by for r, by in answers.items() if len(by) >= 2}
    coders = tuple(sorted({c for by in answers.values() for c in by}))
    agree = sum(1 for by in shared.values() if len({tuple(v) for v in by.values()}) == 1)
    per_code: list[CodeAgreement] = []
    pair: tuple[str, str] | None = None
    if dim.type == "text":
        return DimensionAgreement(dim.key, dim.label, dim.kind, coders, len(shared), agree, None, "not compared")
    if dim.type in ("number", "year"):
        units = [[float(v[0]) for v in by.values() if v] for by in answers.values()]
        return DimensionAgreement(dim.key, dim.label, dim.kind, coders, len(shared), agree,
                                  krippendorff_alpha(units, interval), "interval")
    # Choice and country: codes in codebook order, then any other value seen (countries).
    seen = sorted({v for by in answers.values() for vals in by.values() for v in vals}, key=dim.order)
    codes = [c.key for c in dim.codes] + [v for v in seen if dim.code(v) is None] if dim.is_choice else seen
    if len(coders) >= 2:
        # The pair with the most records in common: with dual coding that is the two coders.
        counts = {p: sum(1 for by in answers.values() if p[0] in by and p[1] in by) for p in combinations(coders, 2)}
        pair = max(counts, key=lambda p: (counts[p], p[::-1]))
        both = [(set(by[pair[0]]), set(by[pair[1]])) for by in answers.values() if pair[0] in by and pair[1] in by]
        for code in codes:
            a = sum(1 for x, y in both if code in x and code in y)
            b = sum(1 for x, y in both if code in x and code not in y)
            c = sum(1 for x, y in both if code not in x and code in y)
            per_code.append(CodeAgreement(code, dim.display(code), a, b, c, len(both) - a - b - c))
    if dim.multiple:
        units = [[code in set(v) for v in by.values()] for by in answers.values() for code in seen]
        alpha, metric = krippendorff_alpha(units), "nominal, per record x code"
    else:
        units = [[v[0] if v else "" for v in by.values()] for by in answers.values()]
        alpha, metric = krippendorff_alpha(units), "nominal"
    return DimensionAgreement(dim.key, dim.label, dim.kind, coders, len(shared), agree, alpha, metric, tuple(per_code), pair)


def agreement(db: Database, dimension: str | None = None) -> list[DimensionAgreement]:
    """Agreement per dimension of the current codebook (or only `dimension`), on raw codings."""
    book = require_codebook(db)
    dims = [book.dimension(dimension)] if dimension else list(book.dimensions)
    raw = raw_codings(db, [d.key for d in dims])
    out = []
    for dim in dims:
        answers = {r: by for (r, k), by in raw.items() if k == dim.key}
        out.append(dimension_agreement(dim, answers))
    return out
