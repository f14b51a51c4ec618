"""PRISMA 2020 flow diagram counts: one pure function of the store, and the diagram's arithmetic.

Every number comes from the store (sources, records, removals, decisions, resolutions, retrievals,
study links) through `litmap.screening.outcomes`, the one definition of a record's outcome.

Rules (documented in the README's PRISMA section):
- Arms. Sources of kind database/register form the left arm ("databases and registers");
  website/organisation/citation/other form the right arm ("other methods"). A record belongs to the
  arm of its own source.
- Duplicates. A record merged into another (`duplicate_of` set) counts as a duplicate in the arm
  of the duplicate record itself, wherever its canonical record sits: the duplicates box counts the
  left arm's duplicate records; duplicates found by other methods (`other_duplicates`) are not a
  PRISMA box and are shown as a note of the right arm (their study is already counted elsewhere).
- Removed before screening: canonical records with an active removal (`litmap exclude-automatic`);
  a record removed both by automation and for another reason counts once, as automation.
- Records screened: canonical, not removed, left-arm records (the title/abstract scope of
  outcomes.py). Excluded: title/abstract outcome `excluded`; split into automation and human
  exclusions when automation tools voted: an exclusion is by automation when it was not resolved by a
  person and every current title/abstract vote on it comes from a reviewer named `auto:<tool>`.
- The right arm has no "records screened" box (PRISMA 2020): its records go to "reports sought"
  once included at title/abstract (in litmap that step is the decision to seek the report). Those
  excluded there are `other_not_sought` (a note, not a PRISMA box).
- Reports sought = title/abstract included; not retrieved = latest retrieval says not retrieved;
  assessed = retrieved (the full-text scope of outcomes.py); reports excluded = full-text outcome
  excluded, by reason; reports of included studies = full-text included records (both arms); studies
  = those reports grouped by `litmap study link`.
- Pending records (unscreened, awaiting votes, conflicts, awaiting retrieval) are shown as pending,
  never counted as excluded.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from sqlite_utils import Database

from litmap.errors import LitmapError
from litmap.reports.studies import CURRENT_LINKS_SQL
from litmap.screening.outcomes import FT, TA, canonical_sql, included_sql, outcome_sql
from litmap.store import now, write

DBR_KINDS = ("database", "register")
OTHER_KINDS = ("website", "organisation", "citation", "other")
AUTOMATION_PREFIX = "auto:"
NO_REASON = "No reason recorded"
DEFAULT_REQUIRED = 2

# The PRISMA2020 R package's `data` keys, in its template's order.
PRISMA2020_KEYS = (
    "previous_studies", "previous_reports", "database_results", "database_specific_results",
    "register_results", "register_specific_results", "website_results", "organisation_results",
    "citations_results", "duplicates", "excluded_automatic", "excluded_other", "records_screened",
    "records_excluded", "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
    "other_notretrieved_reports", "dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded",
    "new_studies", "new_reports", "total_studies", "total_reports",
)
LIST_KEYS = ("database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded")
# Numbers litmap knows beyond the PRISMA2020 template (json, text, svg, history; not the csv).
EXTRA_KEYS = (
    "other_results", "other_duplicates", "other_removed", "other_not_sought",
    "records_excluded_human", "records_excluded_automation",
)
PENDING_STAGES = {
    "records_screened": "title/abstract screening (databases and registers)",
    "other_sought_reports": "title/abstract decision to seek the report (other methods)",
    "dbr_retrieval": "full-text retrieval (databases and registers)",
    "other_retrieval": "full-text retrieval (other methods)",
    "dbr_assessed": "full-text assessment (databases and registers)",
    "other_assessed": "full-text assessment (other methods)",
}

Reasons = tuple[tuple[str, int], ...]
_LIST_SEP = re.compile(r"\s*[,;]\s*")


class PrismaArithmeticError(LitmapError):
    """The PRISMA boxes computed from the store do not add up (names the boxes)."""


@dataclass(frozen=True, slots=True)
class PrismaCounts:
    """Every box of the PRISMA 2020 flow diagram (keys as in the PRISMA2020 R package)."""

    previous_studies: int | None
    previous_reports: int | None
    database_results: int
    database_specific_results: Reasons
    register_results: int
    register_specific_results: Reasons
    website_results: int
    organisation_results: int
    citations_results: int
    duplicates: int
    excluded_automatic: int
    excluded_other: int
    records_screened: int
    records_excluded: int
    dbr_sought_reports: int
    dbr_notretrieved_reports: int
    other_sought_reports: int
    other_notretrieved_reports: int
    dbr_assessed: int
    dbr_excluded: Reasons
    other_assessed: int
    other_excluded: Reasons
    new_studies: int
    new_reports: int
    total_studies: int
    total_reports: int
    other_results: int = 0
    other_duplicates: int = 0
    other_removed: int = 0
    other_not_sought: int = 0
    records_excluded_human: int = 0
    records_excluded_automation: int = 0
    # stage (PENDING_STAGES) -> status -> n; only stages with something pending.
    pending: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def updated_review(self) -> bool:
        return self.previous_studies is not None or self.previous_reports is not None

    @property
    def other_arm_used(self) -> bool:
        return bool(self.website_results or self.organisation_results or self.citations_results or self.other_results)

    @property
    def dbr_identified(self) -> int:
        return self.database_results + self.register_results

    @property
    def other_identified(self) -> int:
        return self.website_results + self.organisation_results + self.citations_results + self.other_results

    def pending_total(self, stage: str) -> int:
        return sum(self.pending.get(stage, {}).values())

    def value(self, key: str) -> Any:
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: PRISMA2020 keys (lists as [{reason|name, n}]), extras, then `pending`."""
        out: dict[str, Any] = {}
        for key in (*PRISMA2020_KEYS, *EXTRA_KEYS):
            value = getattr(self, key)
            if key in LIST_KEYS:
                label = "reason" if key.endswith("excluded") else "name"
                value = [{label: name, "n": n} for name, n in value]
            out[key] = value
        out["pending"] = {stage: dict(statuses) for stage, statuses in self.pending.items()}
        return out


def _names(items: Counter[str] | dict[str, int], order: list[str] | None = None) -> Reasons:
    """(name, n) pairs with n > 0: in `order` when given (first seen), else by n desc, then name."""
    if order is not None:
        return tuple((name, items[name]) for name in order if items.get(name))
    return tuple(sorted(((k, v) for k, v in items.items() if v), key=lambda kv: (-kv[1], kv[0])))


def _protocol_settings(db: Database) -> tuple[int, int | None, int | None]:
    """(votes required, previous studies, previous reports) from the current protocol, if any."""
    try:
        from litmap.screening.protocol import current_protocol  # written by the screening area
    except ImportError:
        return DEFAULT_REQUIRED, None, None
    protocol = current_protocol(db)
    if protocol is None:
        return DEFAULT_REQUIRED, None, None

    def get(name: str) -> Any:
        return protocol.get(name) if isinstance(protocol, dict) else getattr(protocol, name, None)

    required = get("votes_required") or DEFAULT_REQUIRED
    return int(required), get("previous_studies"), get("previous_reports")


def _arm_sql(alias: str = "s") -> str:
    return f"({alias}.kind not in ({', '.join(repr(k) for k in DBR_KINDS)}))"


def _other_arm(db: Database) -> str:
    """SQL over `records r`: 1 when the record's source is of the other-methods arm, else 0 (the
    sources' ids listed, so that a million records need no join to sources)."""
    ids = [str(int(i)) for (i,) in db.execute(
        f"select id from sources where kind not in ({', '.join(repr(k) for k in DBR_KINDS)}) order by id")]
    return f"(r.source_id in ({', '.join(ids)}))" if ids else "0"


# The full-text scope (outcomes.py) from the reports sought, materialised in prisma_sought (the
# title/abstract outcome is computed once, not twice: 1,000,000 records, benchmarks/bench_prisma.py).
FT_SCOPE = "select p.record_id, p.other_arm from temp.prisma_sought p where p.retrieved = 1"


def compute(db: Database, *, required: int | None = None, previous: tuple[int | None, int | None] | None = None) -> PrismaCounts:
    """Every PRISMA 2020 box from the store. Reads only (temporary tables aside); no check.

    `required` (votes a record needs) and `previous` (studies, reports of the previous version of an
    updated review) default to the current protocol's values.
    """
    p_required, p_studies, p_reports = _protocol_settings(db)
    required = required or p_required
    prev_studies, prev_reports = previous if previous is not None else (p_studies, p_reports)
    params = {"required": required}

    # Identification: every record, per source kind and name (names in first-import order).
    kinds: dict[str, Counter[str]] = {}
    order: dict[str, list[str]] = {}
    dups = {int(s): int(n) for s, n in db.execute(
        "select source_id, count(*) from records where duplicate_of is not null group by source_id")}
    other_duplicates = duplicates = 0
    for sid, kind, name, n in db.execute(
        "select s.id, s.kind, s.name, c.n from sources s "
        "join (select source_id, count(*) as n from records group by source_id) c on c.source_id = s.id order by s.id"
    ):
        kinds.setdefault(kind, Counter())[name] += n
        order.setdefault(kind, [])
        if name not in order[kind]:
            order[kind].append(name)
        if kind in DBR_KINDS:
            duplicates += dups.get(int(sid), 0)
        else:
            other_duplicates += dups.get(int(sid), 0)

    def total(kind: str) -> int:
        return sum(kinds.get(kind, Counter()).values())

    # Removed before screening (canonical records only; automation wins over other).
    removed = {(0, 1): 0, (0, 0): 0, (1, 1): 0, (1, 0): 0}
    for other_arm, auto, n in db.execute(
        f"""
        select {_arm_sql()}, m.auto, count(*) from (
            select record_id, max(kind = 'automation') as auto from removals where undone = 0 group by record_id
        ) m join records r on r.id = m.record_id join sources s on s.id = r.source_id
        where r.duplicate_of is null group by 1, 2
        """
    ):
        removed[(int(other_arm), int(auto))] = int(n)

    # Title/abstract: counts per arm and status in one pass over the scope (no table of a million
    # outcomes); the reports sought (included) materialised with their arm and latest retrieval.
    arm = _other_arm(db)
    ta: dict[int, Counter[str]] = {0: Counter(), 1: Counter()}
    for other_arm, status, n in db.execute(
        f"select other_arm, status, count(*) from ({outcome_sql(TA, canonical_sql(f'{arm} as other_arm'), ['other_arm'])}) group by 1, 2",
        params,
    ):
        ta[int(other_arm)][status] = int(n)

    automation_excluded = 0
    automation = {"lo": AUTOMATION_PREFIX, "hi": AUTOMATION_PREFIX[:-1] + chr(ord(AUTOMATION_PREFIX[-1]) + 1)}
    voted_by_automation = f"select d.record_id from decisions d where d.stage = '{TA}' and d.reviewer >= :lo and d.reviewer < :hi"
    if db.execute(voted_by_automation + " limit 1", automation).fetchone():
        # Only records an automation tool voted on can be excluded by automation alone.
        scope = f"select c.record_id from ({canonical_sql(f'{arm} as other_arm')}) c where c.other_arm = 0 and c.record_id in ({voted_by_automation})"
        automation_excluded = db.execute(
            f"""
            select count(*) from ({outcome_sql(TA, scope)}) t
            where t.status = 'excluded' and t.resolved = 0
              and not exists (
                select 1 from current_votes v where v.record_id = t.record_id and v.stage = '{TA}'
                  and substr(v.reviewer, 1, {len(AUTOMATION_PREFIX)}) != '{AUTOMATION_PREFIX}')
            """,
            {**params, **automation},
        ).fetchone()[0]

    db.execute("drop table if exists temp.prisma_sought")
    db.execute("drop table if exists temp.prisma_ft")
    try:
        db.execute(
            f"""create temp table prisma_sought as
            select i.record_id, {arm} as other_arm,
              (select l.retrieved from retrievals l where l.record_id = i.record_id order by l.id desc limit 1) as retrieved
            from ({included_sql(TA)}) i join records r on r.id = i.record_id""",
            params,
        )
        retrieval: dict[int, Counter[str]] = {0: Counter(), 1: Counter()}
        for other_arm, state, n in db.execute(
            """
            select other_arm, case retrieved when 1 then 'retrieved' when 0 then 'not retrieved' else 'awaiting' end, count(*)
            from temp.prisma_sought group by 1, 2
            """
        ):
            retrieval[int(other_arm)][state] = int(n)

        db.execute(
            f"create temp table prisma_ft as select record_id, status, reason, other_arm from ({outcome_sql(FT, FT_SCOPE, ['other_arm'])})",
            params,
        )
        ft: dict[int, Counter[str]] = {0: Counter(), 1: Counter()}
        reasons: dict[int, Counter[str]] = {0: Counter(), 1: Counter()}
        for other_arm, status, reason, n in db.execute(
            "select other_arm, status, case when status = 'excluded' then reason end, count(*) from prisma_ft group by 1, 2, 3"
        ):
            ft[int(other_arm)][status] += int(n)
            if status == "excluded":
                reasons[int(other_arm)][reason if reason and reason.strip() else NO_REASON] += int(n)

        new_reports, new_studies = db.execute(
            f"""
            select count(*), count(distinct coalesce(l.study_id, f.record_id))
            from prisma_ft f left join ({CURRENT_LINKS_SQL}) l on l.record_id = f.record_id
            where f.status = 'included'
            """
        ).fetchone()
    finally:
        db.execute("drop table if exists temp.prisma_sought")
        db.execute("drop table if exists temp.prisma_ft")

    waiting = ("unscreened", "awaiting", "conflict")
    pending: dict[str, dict[str, int]] = {}
    for stage, counter in (
        ("records_screened", ta[0]), ("other_sought_reports", ta[1]), ("dbr_assessed", ft[0]), ("other_assessed", ft[1]),
    ):
        stuck = {s: counter[s] for s in waiting if counter[s]}
        if stuck:
            pending[stage] = stuck
    for stage, arm in (("dbr_retrieval", 0), ("other_retrieval", 1)):
        if retrieval[arm]["awaiting"]:
            pending[stage] = {"awaiting": retrieval[arm]["awaiting"]}

    records_excluded = ta[0]["excluded"]
    new_studies, new_reports = int(new_studies), int(new_reports)
    return PrismaCounts(
        previous_studies=prev_studies,
        previous_reports=prev_reports,
        database_results=total("database"),
        database_specific_results=_names(kinds.get("database", Counter()), order.get("database")),
        register_results=total("register"),
        register_specific_results=_names(kinds.get("register", Counter()), order.get("register")),
        website_results=total("website"),
        organisation_results=total("organisation"),
        citations_results=total("citation"),
        duplicates=duplicates,
        excluded_automatic=removed[(0, 1)],
        excluded_other=removed[(0, 0)],
        records_screened=sum(ta[0].values()),
        records_excluded=records_excluded,
        dbr_sought_reports=ta[0]["included"],
        dbr_notretrieved_reports=retrieval[0]["not retrieved"],
        other_sought_reports=ta[1]["included"],
        other_notretrieved_reports=retrieval[1]["not retrieved"],
        dbr_assessed=sum(ft[0].values()),
        dbr_excluded=_names(reasons[0]),
        other_assessed=sum(ft[1].values()),
        other_excluded=_names(reasons[1]),
        new_studies=new_studies,
        new_reports=new_reports,
        total_studies=new_studies + (prev_studies or 0),
        total_reports=new_reports + (prev_reports or 0),
        other_results=total("other"),
        other_duplicates=other_duplicates,
        other_removed=removed[(1, 1)] + removed[(1, 0)],
        other_not_sought=ta[1]["excluded"],
        records_excluded_human=records_excluded - automation_excluded,
        records_excluded_automation=automation_excluded,
        pending=pending,
    )


def _sum(reasons: Reasons) -> int:
    return sum(n for _, n in reasons)


def check(c: PrismaCounts) -> None:
    """Raise PrismaArithmeticError naming the boxes when the diagram's arithmetic does not hold."""
    problems: list[str] = []

    def expect(lhs_name: str, lhs: int, terms: list[tuple[str, int, int]]) -> None:
        rhs = sum(sign * n for _, n, sign in terms)
        if lhs != rhs:
            expr = " ".join(f"{'+' if sign > 0 else '-'} '{name}' ({n})" for name, n, sign in terms).lstrip("+ ")
            problems.append(f"'{lhs_name}' ({lhs}) != {expr} (= {rhs})")

    pend = c.pending_total
    if _sum(c.database_specific_results) != c.database_results:
        problems.append(f"'Databases' ({c.database_results}) != sum of the per-database counts ({_sum(c.database_specific_results)})")
    if _sum(c.register_specific_results) != c.register_results:
        problems.append(f"'Registers' ({c.register_results}) != sum of the per-register counts ({_sum(c.register_specific_results)})")
    expect("Records screened", c.records_screened, [
        ("Records identified from databases and registers", c.dbr_identified, 1), ("Duplicate records removed", c.duplicates, -1),
        ("Records marked as ineligible by automation tools", c.excluded_automatic, -1),
        ("Records removed for other reasons", c.excluded_other, -1)])
    expect("Reports sought for retrieval", c.dbr_sought_reports, [
        ("Records screened", c.records_screened, 1), ("Records excluded", c.records_excluded, -1),
        ("Pending screening", pend("records_screened"), -1)])
    expect("Records excluded", c.records_excluded, [
        ("excluded by a human", c.records_excluded_human, 1), ("excluded by automation tools", c.records_excluded_automation, 1)])
    expect("Reports assessed for eligibility", c.dbr_assessed, [
        ("Reports sought for retrieval", c.dbr_sought_reports, 1), ("Reports not retrieved", c.dbr_notretrieved_reports, -1),
        ("Awaiting retrieval", pend("dbr_retrieval"), -1)])
    expect("Reports sought for retrieval (other methods)", c.other_sought_reports, [
        ("Records identified from other methods", c.other_identified, 1), ("duplicates (other methods)", c.other_duplicates, -1),
        ("removed before screening (other methods)", c.other_removed, -1), ("not sought (other methods)", c.other_not_sought, -1),
        ("Pending decision to seek (other methods)", pend("other_sought_reports"), -1)])
    expect("Reports assessed for eligibility (other methods)", c.other_assessed, [
        ("Reports sought for retrieval (other methods)", c.other_sought_reports, 1),
        ("Reports not retrieved (other methods)", c.other_notretrieved_reports, -1),
        ("Awaiting retrieval (other methods)", pend("other_retrieval"), -1)])
    included_dbr = c.dbr_assessed - _sum(c.dbr_excluded) - pend("dbr_assessed")
    included_other = c.other_assessed - _sum(c.other_excluded) - pend("other_assessed")
    if included_dbr < 0 or included_other < 0:
        problems.append(f"'Reports excluded' exceed 'Reports assessed for eligibility' ({included_dbr}, {included_other} left)")
    expect("Reports of included studies", c.new_reports, [
        ("Reports assessed (databases and registers)", c.dbr_assessed, 1), ("Reports excluded (databases and registers)", _sum(c.dbr_excluded), -1),
        ("Pending assessment (databases and registers)", pend("dbr_assessed"), -1),
        ("Reports assessed (other methods)", c.other_assessed, 1), ("Reports excluded (other methods)", _sum(c.other_excluded), -1),
        ("Pending assessment (other methods)", pend("other_assessed"), -1)])
    if c.new_studies > c.new_reports:
        problems.append(f"'Studies included in review' ({c.new_studies}) > 'Reports of included studies' ({c.new_reports})")
    if c.new_reports and not c.new_studies:
        problems.append(f"'Studies included in review' (0) with {c.new_reports} 'Reports of included studies'")
    expect("Total studies included in review", c.total_studies, [
        ("Studies included in previous version", c.previous_studies or 0, 1), ("New studies included in review", c.new_studies, 1)])
    expect("Total reports of included studies", c.total_reports, [
        ("Reports of studies in previous version", c.previous_reports or 0, 1), ("Reports of new included studies", c.new_reports, 1)])
    for f in fields(c):
        value = getattr(c, f.name)
        if isinstance(value, int) and value < 0:
            problems.append(f"'{f.name}' is negative ({value})")
    if problems:
        raise PrismaArithmeticError("PRISMA arithmetic does not add up: " + "; ".join(problems)
                                    + "; the store is inconsistent, please report this with the store")


def incomplete(c: PrismaCounts) -> list[str]:
    """One line per stage with pending records, e.g. `title/abstract screening (...): 3 conflict`."""
    lines = []
    for stage, statuses in c.pending.items():
        detail = ", ".join(f"{n:,} {status}" for status, n in statuses.items())
        lines.append(f"{PENDING_STAGES[stage]}: {detail}")
    return lines


def list_text(items: Reasons) -> str:
    """The PRISMA2020 list form `Name, n; Name, n` (commas and semicolons in names become ' /')."""
    return "; ".join(f"{_LIST_SEP.sub(' / ', name).strip()}, {n}" for name, n in items)


def record_run(db: Database, c: PrismaCounts, run_at: str | None = None) -> str:
    """Append one row per box (and per pending stage) to `prisma_counts`, all with one run time."""
    run_at = run_at or now()
    rows: list[tuple[str, str, int | None, str | None]] = []
    for key in (*PRISMA2020_KEYS, *EXTRA_KEYS):
        value = getattr(c, key)
        if key in LIST_KEYS:
            rows.append((run_at, key, _sum(value), list_text(value)))
        else:
            rows.append((run_at, key, value, None))
    for stage in PENDING_STAGES:
        statuses = c.pending.get(stage, {})
        rows.append((run_at, f"pending_{stage}", sum(statuses.values()),
                     "; ".join(f"{s}, {n}" for s, n in statuses.items()) or None))
    with write(db):
        db.conn.executemany("insert into prisma_counts (run_at, key, n, text) values (?, ?, ?, ?)", rows)
    return run_at


def prisma(db: Database, *, required: int | None = None) -> PrismaCounts:
    """Compute every box, check the arithmetic (PrismaArithmeticError), record the run; the counts."""
    counts = compute(db, required=required)
    check(counts)
    record_run(db, counts)
    return counts
