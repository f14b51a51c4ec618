"""The one definition of a record's outcome at a screening stage.

Scope: title/abstract screens canonical records (not merged into another, not removed before
screening); full text screens the records whose title/abstract outcome is `included` and whose
latest retrieval says retrieved.

Outcome, in order: the latest resolution if any (`included`/`excluded`, resolved); else from the
current votes of the reviewers: none -> `unscreened`; votes that differ (at full text, also two
excludes with different reasons) -> `conflict`; a `maybe` once the required number of votes is in ->
`conflict`; agreement with at least the required number of votes -> `included`/`excluded`; fewer
-> `awaiting` (more votes needed).

Everything here is SQL so that status, conflicts and PRISMA counts aggregate in the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlite_utils import Database

from litmap.errors import LitmapError

TA = "title-abstract"
FT = "full-text"
STAGES = (TA, FT)
_ALIASES = {"ta": TA, "title-abstract": TA, "title_abstract": TA, "tiab": TA, "ft": FT, "full-text": FT, "full_text": FT, "fulltext": FT}

STATUSES = ("unscreened", "awaiting", "conflict", "included", "excluded")


def stage_name(value: str) -> str:
    """`ta`/`ft` or a full stage name -> the stored stage name; LitmapError otherwise."""
    try:
        return _ALIASES[value.strip().lower()]
    except KeyError:
        raise LitmapError(f"unknown stage {value!r}; use title-abstract (ta) or full-text (ft)") from None


# Canonical records still in play before screening.
CANONICAL_SQL = """
select r.id as record_id from records r
where r.duplicate_of is null
  and not exists (select 1 from removals m where m.record_id = r.id and m.undone = 0)
"""

# Latest retrieval per record. (A correlated max(id) rather than a join on a grouped subquery: the
# index answers it per row, where SQLite scanned the materialised subquery once per row inside the
# full-text scope: 4 s -> 0.5 s on 100,000 records, see benchmarks/bench_screening.py.)
RETRIEVAL_SQL = """
select t.record_id, t.retrieved, t.reason, t.file from retrievals t
where t.id = (select max(l.id) from retrievals l where l.record_id = t.record_id)
"""


def outcome_sql(stage: str, scope: str | None = None) -> str:
    """SQL selecting (record_id, status, decision, reason, resolved, votes) for every record in
    scope of `stage`; takes the named parameter `:required` (votes a record needs).

    `scope` (SQL selecting `record_id`) replaces the stage's scope; a caller passing it must select
    exactly the records of that scope (PRISMA counts reuse a materialised title/abstract outcome for
    the full-text scope instead of computing it twice)."""
    stage = stage_name(stage)
    if scope is not None:
        pass
    elif stage == TA:
        scope = CANONICAL_SQL
    else:
        scope = f"""
        select ta.record_id from ({outcome_sql(TA)}) ta
        join ({RETRIEVAL_SQL}) rt on rt.record_id = ta.record_id
        where ta.status = 'included' and rt.retrieved = 1
        """
    reason_rule = "or a.reasons > 1" if stage == FT else ""
    return f"""
    select s.record_id,
      case
        when res.decision is not null then res.decision || 'd'
        when a.n is null then 'unscreened'
        when a.decisions > 1 {reason_rule} then 'conflict'
        when a.decision = 'maybe' and a.n >= :required then 'conflict'
        when a.n >= :required then a.decision || 'd'
        else 'awaiting'
      end as status,
      coalesce(res.decision, case when a.decisions = 1 and a.decision != 'maybe' then a.decision end) as decision,
      coalesce(res.reason, case when a.decisions = 1 and a.reasons = 1 then a.reason end) as reason,
      res.decision is not null as resolved,
      coalesce(a.n, 0) as votes
    from ({scope}) s
    left join (
      -- The current votes (as the view current_votes) of this stage only, read in index order so
      -- that grouping needs no sort; decisions/reasons are 1 when all agree, 2 when they differ
      -- (min != max instead of count(distinct): no temporary B-trees; 1,000,000 records: see
      -- benchmarks/bench_prisma.py).
      select d.record_id, count(*) as n, (min(d.decision) != max(d.decision)) + 1 as decisions, min(d.decision) as decision,
             (min(coalesce(d.reason, '')) != max(coalesce(d.reason, ''))) + 1 as reasons, min(d.reason) as reason
      from decisions d
      where d.stage = '{stage}' and d.decision != 'undo'
        and d.id = (select max(x.id) from decisions x where x.stage = d.stage and x.record_id = d.record_id and x.reviewer = d.reviewer)
      group by d.record_id
    ) a on a.record_id = s.record_id
    left join (
      select x.record_id, x.decision, x.reason from resolutions x
      where x.stage = '{stage}'
        and x.id = (select max(l.id) from resolutions l where l.stage = x.stage and l.record_id = x.record_id)
    ) res on res.record_id = s.record_id
    """


@dataclass(frozen=True, slots=True)
class Outcome:
    record_id: int
    status: str  # one of STATUSES
    decision: str | None
    reason: str | None
    resolved: bool
    votes: int


def outcomes(db: Database, stage: str, required: int = 2) -> Iterator[Outcome]:
    """Every record in scope of `stage` with its outcome (see the module docstring)."""
    for row in db.execute(outcome_sql(stage) + " order by s.record_id", {"required": required}):
        yield Outcome(row[0], row[1], row[2], row[3], bool(row[4]), row[5])


def status_counts(db: Database, stage: str, required: int = 2) -> dict[str, int]:
    """How many records in scope of `stage` have each status (all STATUSES present)."""
    counts = dict.fromkeys(STATUSES, 0)
    sql = f"select status, count(*) from ({outcome_sql(stage)}) group by status"
    for status, n in db.execute(sql, {"required": required}):
        counts[status] = n
    return counts


def included_sql(stage: str) -> str:
    """SQL selecting `record_id` of the records whose outcome at `stage` is `included` (parameter
    :required); the same set as `outcome_sql(stage)` filtered on status, computed faster.

    Only a record with votes or a resolution at a stage can be included there, so the title/abstract
    outcome is computed just for the records with full-text votes or resolutions (the full-text
    scope still requires their title/abstract inclusion and retrieval): 100,000 records, map of the
    included studies: see benchmarks/bench_map.py.
    """
    stage = stage_name(stage)
    voted = f"""
    select r.id as record_id from records r
    where r.duplicate_of is null
      and not exists (select 1 from removals m where m.record_id = r.id and m.undone = 0)
      and (exists (select 1 from decisions d where d.stage = '{stage}' and d.record_id = r.id)
           or exists (select 1 from resolutions x where x.stage = '{stage}' and x.record_id = r.id))
    """
    if stage == TA:
        return f"select record_id from ({outcome_sql(TA, voted)}) where status = 'included'"
    scope = f"""
    select ta.record_id from ({outcome_sql(TA, voted)}) ta
    join ({RETRIEVAL_SQL}) rt on rt.record_id = ta.record_id
    where ta.status = 'included' and rt.retrieved = 1
    """
    return f"select record_id from ({outcome_sql(FT, scope)}) where status = 'included'"
