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

from collections.abc import Iterator, Sequence
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


def canonical_sql(columns: str = "") -> str:
    """SQL selecting `record_id` of the canonical records still in play before screening (the
    title/abstract scope), and `columns` (SQL over `records r`, e.g. `r.source_id`) if given.

    Duplicates are listed once from their partial index rather than read from each record's row:
    a count over the scope then reads an index, not the records (whose rows hold abstracts and
    the raw fields; 200,000 records of ~4 KB: 0.32 s -> 0.11 s; with the tiny rows of
    benchmarks/bench_prisma.py, 1,000,000 records: 1.0 s -> 1.2 s)."""
    return f"""
select r.id as record_id{', ' + columns if columns else ''} from records r
where r.id not in (select d.id from records d where d.duplicate_of is not null)
  and not exists (select 1 from removals m where m.record_id = r.id and m.undone = 0)
"""


CANONICAL_SQL = canonical_sql()

# Latest retrieval per record. (A correlated max(id) rather than a join on a grouped subquery: the
# index answers it per row, where SQLite scanned the materialised subquery once per row inside the
# full-text scope: 4 s -> 0.5 s on 100,000 records, see benchmarks/bench_screening.py.)
RETRIEVAL_SQL = """
select t.record_id, t.retrieved, t.reason, t.file from retrievals t
where t.id = (select max(l.id) from retrievals l where l.record_id = t.record_id)
"""


def status_sql(stage: str, t: str = "t") -> str:
    """SQL of the status of a record at `stage` from its row `t` of `screening_tallies` (NULL columns
    when the record has none; parameter :required). The one place the status rule is written."""
    reason_rule = f"or {t}.reasons_differ = 1" if stage_name(stage) == FT else ""
    return f"""case
        when {t}.resolution is not null then {t}.resolution || 'd'
        when coalesce({t}.votes, 0) = 0 then 'unscreened'
        when {t}.decisions_differ = 1 {reason_rule} then 'conflict'
        when {t}.decision = 'maybe' and {t}.votes >= :required then 'conflict'
        when {t}.votes >= :required then {t}.decision || 'd'
        else 'awaiting'
      end"""


def _included(stage: str, t: str = "t") -> str:
    """SQL condition equal to `status_sql(stage, t) = 'included'` for a row `t` of
    `screening_tallies`, cheaper to evaluate (no CASE, no concatenation)."""
    reasons = f" and {t}.reasons_differ = 0" if stage_name(stage) == FT else ""
    return (f"({t}.resolution = 'include' or ({t}.resolution is null and {t}.decision = 'include'"
            f" and {t}.decisions_differ = 0{reasons} and {t}.votes >= :required))")


def _canonical(record_id: str) -> str:
    """SQL condition: the record `record_id` (of a vote or a retrieval, so it exists: foreign keys)
    is canonical and not removed (the title/abstract scope). Two lists built once and probed, rather
    than each record's row read: 100,000 included records 0.21 s -> 0.15 s (bench_map.py)."""
    return f"""{record_id} not in (select d.id from records d where d.duplicate_of is not null)
      and {record_id} not in (select m.record_id from removals m where m.undone = 0)"""


def _ft_scope() -> str:
    # Only a record with a retrieval can be in the full-text scope, so the scope starts from the
    # latest retrievals (about a tenth of the records) rather than from every record's outcome.
    return f"""
    select rt.record_id from ({RETRIEVAL_SQL}) rt
    join screening_tallies ta on ta.stage = '{TA}' and ta.record_id = rt.record_id
    where rt.retrieved = 1 and {_included(TA, "ta")} and {_canonical("rt.record_id")}
    """


def outcome_sql(stage: str, scope: str | None = None, carry: Sequence[str] = ()) -> str:
    """SQL selecting (record_id, status, decision, reason, resolved, votes) for every record in
    scope of `stage`; takes the named parameter `:required` (votes a record needs).

    `scope` (SQL selecting `record_id`) replaces the stage's scope; a caller passing it must select
    records of that scope only, and all of them unless it wants the outcome of some (PRISMA counts
    pass the full-text scope from the reports sought they materialised, so that the title/abstract
    outcome is computed once). `carry` names further columns of `scope` to select after those.

    The votes come from `screening_tallies` (one row per record and stage, kept by triggers from the
    append-only decisions and resolutions; see migrations.py): 1,000,000 records, title/abstract
    outcome: see benchmarks/bench_prisma.py.
    """
    stage = stage_name(stage)
    if scope is None:
        scope = CANONICAL_SQL if stage == TA else _ft_scope()
    return f"""
    select s.record_id,
      {status_sql(stage)} as status,
      coalesce(t.resolution, case when t.decisions_differ = 0 and t.decision != 'maybe' then t.decision end) as decision,
      coalesce(t.resolution_reason, case when t.decisions_differ = 0 and t.reasons_differ = 0 then t.reason end) as reason,
      t.resolution is not null as resolved,
      coalesce(t.votes, 0) as votes{''.join(f", s.{c}" for c in carry)}
    from ({scope}) s
    left join screening_tallies t on t.stage = '{stage}' and t.record_id = s.record_id
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

    Only a record with votes or a resolution at a stage (a row of `screening_tallies`) can be
    included there, so the scan is over those rows, not over every record (the full-text scope
    still requires title/abstract inclusion and retrieval): 100,000 records, map of the included
    studies: see benchmarks/bench_map.py.
    """
    stage = stage_name(stage)
    if stage == TA:
        return f"""
        select t.record_id as record_id from screening_tallies t
        where t.stage = '{TA}' and {_included(TA)} and {_canonical("t.record_id")}
        """
    return f"""
    select record_id from (
      select t.record_id as record_id from screening_tallies t
      join screening_tallies ta on ta.stage = '{TA}' and ta.record_id = t.record_id
      where t.stage = '{FT}' and {_included(FT)} and {_included(TA, "ta")}
        and (select l.retrieved from retrievals l where l.record_id = t.record_id order by l.id desc limit 1) = 1
        and {_canonical("t.record_id")}
    )
    """
