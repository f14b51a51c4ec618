"""Conflicts between reviewers, their resolution by an adjudicator, and unblinding.

A conflict (see `outcomes.py`): current votes that differ, at full text also two excludes with
different reasons, and a `maybe` once the required votes are in. A resolution is an append-only row;
the latest one for a record and stage is its outcome. Only a protocol adjudicator may resolve (any
reviewer when the protocol names none; anyone without a protocol).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlite_utils import Database

from litmap.errors import LitmapError, NotFoundError, ProtocolError
from litmap.screening.decisions import check_reason, out_of_scope, scope_status
from litmap.screening.outcomes import outcome_sql, stage_name
from litmap.screening.protocol import Protocol, protocol_or_default
from litmap.store import now, write


@dataclass(frozen=True, slots=True)
class Vote:
    reviewer: str
    decision: str
    reason: str | None
    note: str | None
    at: str


@dataclass(frozen=True, slots=True)
class Conflict:
    record_id: int
    stage: str
    title: str | None
    year: int | None
    votes: tuple[Vote, ...]

    @property
    def kind(self) -> str:
        decisions = {v.decision for v in self.votes}
        if "maybe" in decisions:
            return "maybe"
        if len(decisions) > 1:
            return "include vs exclude"
        return "different reasons"

    def as_dict(self) -> dict:
        return {"record_id": self.record_id, "stage": self.stage, "title": self.title, "year": self.year,
                "kind": self.kind,
                "votes": [{"reviewer": v.reviewer, "decision": v.decision, "reason": v.reason, "note": v.note, "at": v.at}
                          for v in self.votes]}


def conflicts(db: Database, stage: str) -> list[Conflict]:
    """Every unresolved conflict at `stage`, by record id, with each reviewer's current vote."""
    stage = stage_name(stage)
    required = protocol_or_default(db).votes_required
    # Each conflict's current votes (as the view current_votes) read through the index for that
    # record, rather than the view's grouping of every vote (100,000 records: bench_screening.py).
    sql = f"""
    with c as (select record_id from ({outcome_sql(stage)}) where status = 'conflict')
    select c.record_id, r.title, r.year, v.reviewer, v.decision, v.reason, v.note, v.created_at
    from c join records r on r.id = c.record_id
    join decisions v on v.stage = :stage and v.record_id = c.record_id and v.decision != 'undo'
      and v.id = (select max(x.id) from decisions x where x.stage = v.stage and x.record_id = v.record_id and x.reviewer = v.reviewer)
    order by c.record_id, v.reviewer
    """
    out: list[Conflict] = []
    current: list = []
    for row in db.execute(sql, {"required": required, "stage": stage}):
        if current and current[0][0] != row[0]:
            out.append(_conflict(stage, current))
            current = []
        current.append(row)
    if current:
        out.append(_conflict(stage, current))
    return out


def _conflict(stage: str, rows: list) -> Conflict:
    first = rows[0]
    return Conflict(first[0], stage, first[1], first[2], tuple(Vote(r[3], r[4], r[5], r[6], r[7]) for r in rows))


def check_adjudicator(protocol: Protocol, by: str) -> str:
    name = " ".join(by.split())
    if not name:
        raise LitmapError("--by is empty; give the adjudicator's name")
    if not protocol.may_resolve(name):
        who = "adjudicators" if protocol.adjudicators else "reviewers"
        allowed = protocol.adjudicators or protocol.reviewers
        raise ProtocolError(f"{name!r} may not resolve conflicts: the protocol's {who} are {', '.join(allowed)}; "
                            "use --by with one of them")
    return name


@dataclass(frozen=True, slots=True)
class Resolved:
    record_id: int
    stage: str
    decision: str
    reason: str | None
    by: str
    before: str  # the record's status before this resolution (conflict, awaiting, included, ...)


def resolve(db: Database, record_id: int, stage: str, decision: str, *, by: str, reason: str | None = None,
            note: str | None = None) -> Resolved:
    """Settle a record's outcome at `stage` (usually a conflict; the lead may also settle a record
    still awaiting votes). Appends a resolution row; the latest one counts."""
    stage = stage_name(stage)
    protocol = protocol_or_default(db)
    name = check_adjudicator(protocol, by)
    decision = decision.strip().lower()
    if decision not in ("include", "exclude"):
        raise LitmapError(f"a resolution is include or exclude, not {decision!r}")
    reason = check_reason(protocol, stage, decision, reason)
    status = scope_status(db, stage, protocol.votes_required, [record_id])
    if record_id not in status:
        raise NotFoundError(out_of_scope(db, record_id, stage))
    with write(db):
        db.execute(
            "insert into resolutions (uid, record_id, stage, decision, reason, resolved_by, note, created_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [uuid.uuid4().hex, record_id, stage, decision, reason, name, " ".join((note or "").split()) or None, now()],
        )
    return Resolved(record_id, stage, decision, reason, name, status[record_id])


def unblind(db: Database, stage: str, *, by: str) -> bool:
    """Let reviewers see each other's votes at `stage` (recorded with who and when). False if it
    already was unblinded."""
    stage = stage_name(stage)
    protocol = protocol_or_default(db)
    name = check_adjudicator(protocol, by)
    if db.execute("select 1 from unblindings where stage = ?", [stage]).fetchone():
        return False
    with write(db):
        db.execute("insert into unblindings (stage, by, created_at) values (?, ?, ?)", [stage, name, now()])
    return True
