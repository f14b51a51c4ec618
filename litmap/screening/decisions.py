"""Votes: append-only rows of (record, stage, reviewer, decision, reason, note, time).

A reviewer's current vote on a record at a stage is their latest row; an `undo` row withdraws it.
Nothing is ever updated or deleted, so the whole history of a review stays in the store.

`record_vote`/`undo_vote` are the low-level writers the interactive screen uses on every key press
(one short transaction each); `decide` and `import_decisions` check everything first: the record is
in scope of the stage (canonical at title/abstract; included and retrieved at full text), the
reviewer is one of the protocol's, an exclusion at full text has a reason from the protocol's list.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from litmap.errors import InputError, LitmapError, NotFoundError, ProtocolError
from litmap.screening.outcomes import FT, TA, outcome_sql, stage_name
from litmap.screening.protocol import Protocol, protocol_or_default
from litmap.screening.tables import Problems, read_table, resolve_rows
from litmap.store import now, write

DECISIONS = ("include", "exclude", "maybe")
_SYNONYMS = {
    "include": "include", "included": "include", "i": "include", "yes": "include", "y": "include", "1": "include",
    "true": "include", "relevant": "include",
    "exclude": "exclude", "excluded": "exclude", "e": "exclude", "no": "exclude", "n": "exclude", "0": "exclude",
    "false": "exclude", "irrelevant": "exclude",
    "maybe": "maybe", "m": "maybe", "unsure": "maybe", "?": "maybe", "undecided": "maybe",
}


def decision_name(value: str) -> str | None:
    """include/exclude/maybe from the spellings spreadsheets and tools use (ASReview's 1/0 too)."""
    return _SYNONYMS.get(value.strip().lower())


def record_vote(db: Database, record_id: int, stage: str, reviewer: str, decision: str, *,
                reason: str | None = None, note: str | None = None) -> str:
    """Append one vote (its own transaction); returns the row's uid."""
    if decision not in DECISIONS:
        raise LitmapError(f"unknown decision {decision!r}; use include, exclude or maybe")
    uid = uuid.uuid4().hex
    with write(db):
        db.execute(
            "insert into decisions (uid, record_id, stage, reviewer, decision, reason, note, created_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [uid, record_id, stage_name(stage), reviewer, decision, reason or None, note or None, now()],
        )
    return uid


def undo_vote(db: Database, record_id: int, stage: str, reviewer: str) -> None:
    """Withdraw the reviewer's current vote (an `undo` row; the vote stays in the history)."""
    with write(db):
        db.execute(
            "insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, ?, ?, 'undo', ?)",
            [uuid.uuid4().hex, record_id, stage_name(stage), reviewer, now()],
        )


# ---------------------------------------------------------------- checks shared by decide and import

def check_reviewer(protocol: Protocol, reviewer: str) -> str:
    name = " ".join(reviewer.split())
    if not name:
        raise LitmapError("--reviewer is empty; give the reviewer's name")
    if protocol.reviewers and name not in protocol.reviewers:
        raise ProtocolError(f"{name!r} is not a reviewer in the protocol (reviewers: {', '.join(protocol.reviewers)}); "
                            "use one of those names, or add it to the protocol and `litmap protocol load` it")
    return name


def check_reason(protocol: Protocol, stage: str, decision: str, reason: str | None) -> str | None:
    """The reason to store (the protocol's own wording), or a message saying what is wrong."""
    from litmap.screening.session import match_reason

    reason = " ".join((reason or "").split()) or None
    allowed = protocol.reasons(stage)
    if decision != "exclude":
        return reason
    if reason is None:
        if stage == FT:
            listed = "; ".join(f"{i}. {r}" for i, r in enumerate(allowed, 1)) if allowed else "free text"
            raise _Reason(f"an exclusion at full text needs a reason (--reason; the protocol's: {listed})")
        return None
    if not allowed:
        return reason
    matched = match_reason(reason, allowed)
    if matched is None:
        listed = "; ".join(f"{i}. {r}" for i, r in enumerate(allowed, 1))
        raise _Reason(f"reason {reason!r} is not one of the protocol's {stage} reasons ({listed}); use its number or text")
    return matched


class _Reason(LitmapError):
    pass


def scope_status(db: Database, stage: str, required: int, record_ids: list[int] | None = None) -> dict[int, str]:
    """record id -> outcome status for records in scope of `stage` (all, or just `record_ids`)."""
    sql = f"select record_id, status from ({outcome_sql(stage)})"
    params: dict = {"required": required}
    if record_ids is not None and len(record_ids) <= 500:
        sql += f" where record_id in ({', '.join(str(int(r)) for r in record_ids)})"
    return dict(db.execute(sql, params).fetchall())


def out_of_scope(db: Database, record_id: int, stage: str) -> str:
    """Why a record is not screenable at `stage` (for messages)."""
    row = db.execute("select duplicate_of from records where id = ?", [record_id]).fetchone()
    if row is None:
        return f"no record {record_id} in this store"
    if row[0] is not None:
        return f"record {record_id} was merged into record {row[0]} as a duplicate; vote on {row[0]}"
    if db.execute("select 1 from removals where record_id = ? and undone = 0", [record_id]).fetchone():
        return f"record {record_id} was removed before screening (`litmap exclude-automatic`)"
    if stage == FT:
        return (f"record {record_id} is not up for full-text screening: only records included at title/abstract "
                "whose full text was retrieved are (`litmap status`, `litmap fulltext ID --retrieved`)")
    return f"record {record_id} is not up for screening at {stage}"


# ---------------------------------------------------------------- decide

@dataclass(frozen=True, slots=True)
class Decided:
    record_id: int
    stage: str
    reviewer: str
    decision: str
    reason: str | None
    previous: str | None  # the reviewer's vote before this one, if any
    votes: int  # current votes on the record at this stage, this one included
    required: int


def decide(db: Database, record_id: int, decision: str, *, reviewer: str, stage: str = TA,
           reason: str | None = None, note: str | None = None) -> Decided:
    """One vote, checked against the protocol and the record's place in the review."""
    stage = stage_name(stage)
    protocol = protocol_or_default(db)
    name = check_reviewer(protocol, reviewer)
    canonical = decision_name(decision)
    if canonical is None:
        raise LitmapError(f"unknown decision {decision!r}; use include, exclude or maybe")
    if canonical == "maybe" and stage == FT:
        pass  # a maybe at full text is allowed: it becomes a conflict for the adjudicator
    reason = check_reason(protocol, stage, canonical, reason)
    status = scope_status(db, stage, protocol.votes_required, [record_id])
    if record_id not in status:
        raise NotFoundError(out_of_scope(db, record_id, stage))
    previous = db.execute(
        "select decision from decisions where record_id = ? and stage = ? and reviewer = ? order by id desc limit 1",
        [record_id, stage, name],
    ).fetchone()
    record_vote(db, record_id, stage, name, canonical, reason=reason, note=" ".join((note or "").split()) or None)
    n = db.execute("select count(*) from current_votes where record_id = ? and stage = ?", [record_id, stage]).fetchone()[0]
    prev = previous[0] if previous and previous[0] != "undo" else None
    return Decided(record_id, stage, name, canonical, reason, prev, n, protocol.votes_required)


# ---------------------------------------------------------------- import / export

@dataclass
class ImportResult:
    file: str
    stage: str
    reviewer: str
    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DECISIONS, 0))
    unchanged: int = 0  # rows equal to the reviewer's current vote (importing twice adds nothing)
    changed: int = 0  # rows replacing a different earlier vote of the reviewer
    blank: int = 0  # rows without a decision (skipped)
    via_duplicate: int = 0  # rows naming a merged duplicate: the vote went to the record it was merged into

    @property
    def total(self) -> int:
        return sum(self.added.values())


def import_decisions(db: Database, path: str | Path, *, reviewer: str, stage: str = TA) -> ImportResult:
    """Votes of one reviewer from a CSV (record_id or source_key, decision, reason, note): all rows
    are checked first; any problem -> InputError naming the line, nothing written."""
    path = Path(path)
    stage = stage_name(stage)
    protocol = protocol_or_default(db)
    name = check_reviewer(protocol, reviewer)
    header, raw_rows = read_table(path, ["decision"])
    problems = Problems(path)
    rows = resolve_rows(db, path, header, raw_rows, problems)
    status = scope_status(db, stage, protocol.votes_required)
    current = {r: (d, reason) for r, d, reason in db.execute(
        "select record_id, decision, reason from current_votes where stage = ? and reviewer = ?", [stage, name])}
    result = ImportResult(str(path), stage, name)
    planned: dict[int, tuple[int, str, str | None, str | None]] = {}
    for row in rows:
        text = row.values.get("decision", "")
        if not text:
            result.blank += 1
            continue
        decision = decision_name(text)
        if decision is None:
            problems.add(row.line, f"decision {text!r} is not include, exclude or maybe")
            continue
        try:
            reason = check_reason(protocol, stage, decision, row.values.get("reason"))
        except _Reason as exc:
            problems.add(row.line, f"record {row.record_id}: {exc}")
            continue
        if row.record_id not in status:
            problems.add(row.line, out_of_scope(db, row.record_id, stage))
            continue
        note = " ".join(row.values.get("note", "").split()) or None
        if row.named != row.record_id:
            result.via_duplicate += 1
        earlier = planned.get(row.record_id)
        if earlier is not None:
            if (earlier[1], earlier[2]) != (decision, reason):
                problems.add(row.line, f"record {row.record_id} already has a different vote on line {earlier[0]}"
                                       + (" (both rows name the same study: one was merged into the other as a duplicate)"
                                          if row.named != row.record_id else "") + "; keep one")
            continue
        planned[row.record_id] = (row.line, decision, reason, note)
    problems.raise_if_any("fix the file and import it again")
    inserts = []
    stamp = now()
    for record_id, (_, decision, reason, note) in planned.items():
        before = current.get(record_id)
        if before == (decision, reason):
            result.unchanged += 1
            continue
        if before is not None:
            result.changed += 1
        result.added[decision] += 1
        inserts.append((uuid.uuid4().hex, record_id, stage, name, decision, reason, note, stamp))
    with write(db):
        db.conn.executemany(
            "insert into decisions (uid, record_id, stage, reviewer, decision, reason, note, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )
    return result


EXPORT_COLUMNS = ("record_id", "source_key", "stage", "reviewer", "decision", "reason", "note", "created_at", "uid")


def export_decisions(db: Database, path: str | Path, *, stage: str | None = None, reviewer: str | None = None) -> int:
    """Every vote row (the full history, `undo` rows included) to a CSV; returns the row count."""
    where, params = [], []
    if stage:
        where.append("d.stage = ?")
        params.append(stage_name(stage))
    if reviewer:
        where.append("d.reviewer = ?")
        params.append(reviewer)
    sql = ("select d.record_id, r.source_key, d.stage, d.reviewer, d.decision, d.reason, d.note, d.created_at, d.uid "
           "from decisions d join records r on r.id = d.record_id"
           + (" where " + " and ".join(where) if where else "") + " order by d.id")
    path = Path(path)
    n = 0
    try:
        fh = open(path, "w", encoding="utf-8", newline="") if str(path) != "-" else None
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror}); choose another path") from None
    import sys

    out = fh or sys.stdout
    try:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for row in db.execute(sql, params):
            writer.writerow(["" if v is None else v for v in row])
            n += 1
    finally:
        if fh:
            fh.close()
    return n
