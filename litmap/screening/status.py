"""Where the review stands: per stage, records by outcome; per reviewer, votes cast; the queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from litmap.screening.outcomes import FT, STAGES, TA, included_sql, outcome_sql, stage_name
from litmap.screening.protocol import protocol_or_default

# The order of the status table's columns.
COLUMNS = ("in_scope", "unscreened", "awaiting", "conflicts", "included", "excluded", "resolved_included",
           "resolved_excluded")


@dataclass(frozen=True, slots=True)
class StageStatus:
    stage: str
    counts: dict[str, int]  # COLUMNS
    reviewers: dict[str, int]  # reviewer -> records with a current vote at this stage
    retrieval: dict[str, int] | None  # full text only: sought, retrieved, not retrieved, awaiting

    @property
    def complete(self) -> bool:
        c = self.counts
        return c["in_scope"] > 0 and c["unscreened"] == c["awaiting"] == c["conflicts"] == 0


@dataclass(frozen=True, slots=True)
class Status:
    required: int
    stages: tuple[StageStatus, ...]

    def as_dict(self) -> dict:
        return {"votes_required": self.required,
                "stages": {s.stage: {**s.counts, "reviewers": s.reviewers, **({"retrieval": s.retrieval} if s.retrieval is not None else {})}
                           for s in self.stages}}


def _counts(rows) -> dict[str, int]:
    counts = dict.fromkeys(COLUMNS, 0)
    for status, resolved, n in rows:
        counts["in_scope"] += n
        if status in ("included", "excluded") and resolved:
            counts[f"resolved_{status}"] += n
            counts[status] += n
        elif status == "conflict":
            counts["conflicts"] += n
        else:
            counts[status] += n
    return counts


def status(db: Database, stage: str | None = None) -> Status:
    """Counts per stage (both unless `stage` is given): in scope, unscreened, awaiting more votes,
    in conflict, included and excluded (of which resolved); votes per reviewer; full-text retrieval.

    Outcomes are read from the tallies (outcomes.py), so each stage is one counting query and the
    reports sought come from the included set (100,000 records x 2 votes: see
    benchmarks/bench_screening.py).
    """
    required = protocol_or_default(db).votes_required
    stages = (stage_name(stage),) if stage else STAGES
    params = {"required": required}
    reviewers: dict[str, dict[str, int]] = {s: {} for s in STAGES}
    for st, reviewer, n in db.execute(
        "select stage, reviewer, count(*) from current_votes group by stage, reviewer order by stage, reviewer"
    ):
        reviewers.setdefault(st, {})[reviewer] = n
    out = []
    for st in stages:
        rows = db.execute(f"select status, resolved, count(*) from ({outcome_sql(st)}) group by 1, 2", params).fetchall()
        if st == TA:
            out.append(StageStatus(TA, _counts(rows), reviewers[TA], None))
            continue
        sought = dict(db.execute(f"""
            select case (select l.retrieved from retrievals l where l.record_id = i.record_id order by l.id desc limit 1)
                     when 1 then 'retrieved' when 0 then 'not_retrieved' else 'awaiting' end, count(*)
            from ({included_sql(TA)}) i group by 1""", params).fetchall())
        retrieval = {"sought": sum(sought.values()), "retrieved": sought.get("retrieved", 0),
                     "not_retrieved": sought.get("not_retrieved", 0), "awaiting": sought.get("awaiting", 0)}
        out.append(StageStatus(FT, _counts(rows), reviewers[FT], retrieval))
    return Status(required, tuple(out))
