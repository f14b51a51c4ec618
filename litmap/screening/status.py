"""Where the review stands: per stage, records by outcome; per reviewer, votes cast; the queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from litmap.screening.outcomes import FT, STAGES, TA, outcome_sql, stage_name
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


def stage_status(db: Database, stage: str, required: int) -> StageStatus:
    stage = stage_name(stage)
    counts = dict.fromkeys(COLUMNS, 0)
    sql = f"select status, resolved, count(*) from ({outcome_sql(stage)}) group by status, resolved"
    for status, resolved, n in db.execute(sql, {"required": required}):
        counts["in_scope"] += n
        if status in ("included", "excluded") and resolved:
            counts[f"resolved_{status}"] += n
            counts[status] += n
        elif status == "conflict":
            counts["conflicts"] += n
        else:
            counts[status] += n
    reviewers = dict(db.execute(
        "select reviewer, count(*) from current_votes where stage = ? group by reviewer order by reviewer", [stage]).fetchall())
    retrieval = None
    if stage == FT:
        from litmap.screening.fulltext import sought

        states = list(sought(db).values())
        retrieval = {"sought": len(states), "retrieved": states.count("retrieved"),
                     "not_retrieved": states.count("not retrieved"), "awaiting": states.count("awaiting")}
    return StageStatus(stage, counts, reviewers, retrieval)


def status(db: Database, stage: str | None = None) -> Status:
    """Counts per stage (both unless `stage` is given): in scope, unscreened, awaiting more votes,
    in conflict, included and excluded (of which resolved); votes per reviewer; full-text retrieval."""
    required = protocol_or_default(db).votes_required
    stages = (stage_name(stage),) if stage else STAGES
    return Status(required, tuple(stage_status(db, s, required) for s in stages))
