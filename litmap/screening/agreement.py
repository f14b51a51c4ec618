"""Agreement between screeners at one stage, on the raw independent votes (never on resolutions).

Every current vote (the `current_votes` view) is reduced to include/exclude, a `maybe` counting as
include (the Covidence convention). For every pair of reviewers the records both voted on form a
2x2 table (a: both include, b: first includes only, c: second includes only, d: both exclude), from
which percent agreement, Cohen's kappa (with its Landis-Koch band), PABAK and Gwet's AC1 follow
(formulas in DOMAIN.md). Overall: with two reviewers, their pair; with more, the pairs' tables are
pooled (summed) for kappa, PABAK and AC1, and Krippendorff's alpha (nominal) is computed across all
reviewers and records, which handles more than two reviewers and missing votes. A statistic that is
undefined (no records in common, all votes in one category) is None with a note saying why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from sqlite_utils import Database

from litmap.coding.agreement import band, cohen_kappa, krippendorff_alpha
from litmap.screening.outcomes import TA, stage_name

INCLUDE, EXCLUDE = "include", "exclude"


def binary(decision: str) -> str:
    """A vote as include/exclude for agreement: `maybe` counts as include."""
    return EXCLUDE if decision == EXCLUDE else INCLUDE


def gwet_ac1(a: int, b: int, c: int, d: int) -> float | None:
    """Gwet's AC1 of a 2x2 table: (Po - Pe')/(1 - Pe'), Pe' = 2 pi (1 - pi), pi the mean of the two
    raters' include proportions. None when the table is empty (Pe' is at most 0.5, never 1)."""
    n = a + b + c + d
    if n == 0:
        return None
    po = (a + d) / n
    pi = ((a + b) / n + (a + c) / n) / 2
    pe = 2 * pi * (1 - pi)
    return (po - pe) / (1 - pe)


@dataclass(frozen=True, slots=True)
class Table2x2:
    """Statistics of one 2x2 agreement table (a both include, b first only, c second only, d both exclude)."""

    a: int
    b: int
    c: int
    d: int

    @property
    def n(self) -> int:
        return self.a + self.b + self.c + self.d

    @property
    def percent_agreement(self) -> float | None:
        return (self.a + self.d) / self.n if self.n else None

    @property
    def cohen_kappa(self) -> float | None:
        return cohen_kappa(self.a, self.b, self.c, self.d)

    @property
    def pabak(self) -> float | None:
        po = self.percent_agreement
        return None if po is None else 2 * po - 1

    @property
    def gwet_ac1(self) -> float | None:
        return gwet_ac1(self.a, self.b, self.c, self.d)

    @property
    def band(self) -> str:
        """Landis-Koch band of kappa ('n/a' when kappa is undefined)."""
        return band(self.cohen_kappa)

    def notes(self, what: str) -> list[str]:
        """Why a statistic of this table is undefined, if one is."""
        if self.n == 0:
            return [f"{what}: no records voted on by both reviewers; every statistic is undefined"]
        if self.cohen_kappa is None:
            only = INCLUDE if self.a else EXCLUDE
            return [f"{what}: every vote is {only}, so expected agreement is 1 and Cohen's kappa is undefined (see PABAK/AC1)"]
        return []


@dataclass(frozen=True, slots=True)
class PairAgreement:
    reviewers: tuple[str, str]
    table: Table2x2

    def as_dict(self) -> dict:
        t = self.table
        return {
            "reviewers": list(self.reviewers), "n": t.n, "a": t.a, "b": t.b, "c": t.c, "d": t.d,
            "percent_agreement": t.percent_agreement, "cohen_kappa": t.cohen_kappa, "band": t.band,
            "pabak": t.pabak, "gwet_ac1": t.gwet_ac1,
        }


@dataclass(frozen=True, slots=True)
class Agreement:
    stage: str
    reviewers: tuple[str, ...]
    records: int  # records with at least two votes (pairable in alpha)
    pairs: tuple[PairAgreement, ...]
    overall: Table2x2  # the one pair, or all pairs' tables pooled
    pooled: bool  # overall kappa/PABAK/AC1 come from pooled pairwise tables (more than two reviewers)
    krippendorff_alpha: float | None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        t = self.overall
        return {
            "stage": self.stage,
            "reviewers": list(self.reviewers),
            "overall": {
                "n": self.records, "pooled_pairs": t.n, "pooled": self.pooled,
                "a": t.a, "b": t.b, "c": t.c, "d": t.d,
                "percent_agreement": t.percent_agreement, "cohen_kappa": t.cohen_kappa, "band": t.band,
                "pabak": t.pabak, "gwet_ac1": t.gwet_ac1, "krippendorff_alpha": self.krippendorff_alpha,
                "krippendorff_alpha_band": band(self.krippendorff_alpha),
            },
            "pairs": [p.as_dict() for p in self.pairs],
            "notes": list(self.notes),
        }


def votes_by_record(db: Database, stage: str) -> dict[int, dict[str, str]]:
    """{record_id: {reviewer: decision}} from the current raw votes at `stage`."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    sql = "select record_id, reviewer, decision from current_votes where stage = ?"
    for record_id, reviewer, decision in db.execute(sql, [stage_name(stage)]):
        out[record_id][reviewer] = decision
    return out


def compute(votes: dict[int, dict[str, str]], stage: str = TA) -> Agreement:
    """Agreement from {record: {reviewer: decision}} (pure; see the module docstring; maybe = include)."""
    # Records with the same voters voting the same way count together: a review has a handful of
    # such patterns, so the statistics cost one pass over the records and a little per pattern.
    patterns: Counter[tuple[tuple[str, bool], ...]] = Counter()
    voters: set[str] = set()
    for by in votes.values():
        voters.update(by)
        if len(by) >= 2:
            patterns[tuple(sorted((who, d != EXCLUDE) for who, d in by.items()))] += 1
    reviewers = tuple(sorted(voters))
    cells: dict[tuple[str, str], list[int]] = {p: [0, 0, 0, 0] for p in combinations(reviewers, 2)}
    for pattern, count in patterns.items():
        for (first, x), (second, y) in combinations(pattern, 2):
            cells[(first, second)][0 if x and y else 1 if x else 2 if y else 3] += count
    units = [[INCLUDE if x else EXCLUDE for _, x in pattern] for pattern in patterns]
    pairs = tuple(PairAgreement(p, Table2x2(*cells[p])) for p in combinations(reviewers, 2) if sum(cells[p]))
    notes: list[str] = []
    if len(reviewers) < 2:
        notes.append(f"{len(reviewers)} reviewer(s) voted at {stage}; agreement needs two or more")
    elif not pairs:
        notes.append(f"no record at {stage} has votes from two reviewers yet")
    pooled = len(pairs) > 1
    overall = Table2x2(*(sum(p.table.__getattribute__(k) for p in pairs) for k in "abcd"))
    if pooled:
        notes.append(f"{len(reviewers)} reviewers: overall kappa, PABAK and AC1 pool the {len(pairs)} pairwise tables; "
                     "Krippendorff's alpha is computed across all reviewers")
    for p in pairs:
        notes += p.table.notes(" & ".join(p.reviewers))
    if pooled:
        notes += overall.notes("overall")
    alpha = krippendorff_alpha(units, counts=list(patterns.values()))
    if alpha is None and units:
        notes.append("every vote is in one category, so Krippendorff's alpha is undefined")
    return Agreement(stage, reviewers, sum(patterns.values()), pairs, overall, pooled, alpha, tuple(notes))


def agreement(db: Database, stage: str = TA) -> Agreement:
    """Agreement between the reviewers at `stage` on their current raw votes (read-only)."""
    stage = stage_name(stage)
    return compute(votes_by_record(db, stage), stage)
