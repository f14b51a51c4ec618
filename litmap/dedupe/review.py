"""Human side of deduplication: the review queue, decisions, undo, unmerge, explanations, listings.

Every change is one write transaction that updates `dedupe_pairs`, logs a `dedupe_events` row and
regroups the records concerned, so the store is consistent after every key press.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from litmap.dedupe.groups import regroup
from litmap.dedupe.rules import RULES, conflicts_of
from litmap.errors import LitmapError, NotFoundError
from litmap.library import decode_row
from litmap.store import now, write

STATUSES = ("queued", "merged", "rejected", "same", "different")
DECISIONS = ("same", "different")
COMPARED = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "type", "abstract")


@dataclass
class Pair:
    id: int
    record_a: dict[str, Any]
    record_b: dict[str, Any]
    scores: dict[str, Any]
    rule: str
    status: str
    decided_by: str | None
    decided_at: str | None

    def differing(self) -> set[str]:
        """Fields whose values differ between the two records (both present or one missing)."""
        return {f for f in COMPARED if (self.record_a.get(f) or None) != (self.record_b.get(f) or None)}

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "rule": self.rule, "why": RULES.get(self.rule, ""), "status": self.status,
            "decided_by": self.decided_by, "decided_at": self.decided_at, "scores": self.scores,
            "conflicts": conflicts_of(self.scores),
            "record_a": _brief(self.record_a), "record_b": _brief(self.record_b),
        }


def _brief(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: rec.get(k) for k in ("id", "source_id", "duplicate_of", *COMPARED)}


def _records(db: Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.query(
        f"select id, source_id, duplicate_of, title, authors, year, journal, volume, issue, pages, doi, type, abstract "
        f"from records where id in ({marks})", ids,
    )
    return {r["id"]: decode_row(dict(r)) for r in rows}


def _pairs(db: Database, where: str, params: list[Any], limit: int | None = None) -> list[Pair]:
    sql = f"select * from dedupe_pairs where {where} order by id" + (f" limit {int(limit)}" if limit else "")
    rows = [dict(r) for r in db.query(sql, params)]
    recs = _records(db, sorted({r["record_a"] for r in rows} | {r["record_b"] for r in rows}))
    return [
        Pair(r["id"], recs[r["record_a"]], recs[r["record_b"]], json.loads(r["scores"]), r["rule"], r["status"],
             r["decided_by"], r["decided_at"])
        for r in rows
    ]


def pairs(db: Database, status: str | None = None) -> list[Pair]:
    """Stored pairs, optionally of one status, in id order."""
    if status is not None and status not in STATUSES:
        raise LitmapError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    return _pairs(db, "status = ?" if status else "1", [status] if status else [])


def pair(db: Database, pair_id: int) -> Pair:
    found = _pairs(db, "id = ?", [pair_id])
    if not found:
        raise NotFoundError(f"pair {pair_id} not found; `litmap dedupe pairs` lists them")
    return found[0]


# The questions a reviewer answers: one per pair of groups (canonical roots) with a queued pair between
# them and no pair decided apart. Four copies of an abstract against four copies of another are 16
# queued pairs but one question; a pair whose records a merge already put into one group is moot.
# The representative is the group pair's first queued pair (pairs are stored strongest evidence first).
_QUESTIONS = """
with q as (
  select p.id, p.status,
         min(coalesce(a.duplicate_of, a.id), coalesce(b.duplicate_of, b.id)) as ga,
         max(coalesce(a.duplicate_of, a.id), coalesce(b.duplicate_of, b.id)) as gb
  from dedupe_pairs p join records a on a.id = p.record_a join records b on b.id = p.record_b
  where p.status in ('queued', 'different', 'rejected')
)
select min(case when status = 'queued' then id end) as id, count(*) as pairs from q
where ga != gb group by ga, gb having sum(status != 'queued') = 0
"""


def open_questions(db: Database) -> list[tuple[int, int]]:
    """(representative pair id, queued pairs it stands for) for every open question, in pair order."""
    return sorted(tuple(row) for row in db.execute(_QUESTIONS))


def next_queued(db: Database, skip: set[int] | None = None) -> tuple[Pair | None, int]:
    """The first open question's pair not in `skip`, and how many questions remain in all."""
    questions = [pid for pid, _ in open_questions(db)]
    skip = skip or set()
    for pid in questions:
        if pid not in skip:
            return pair(db, pid), len(questions)
    return None, len(questions)


def _set_status(db: Database, pair_id: int, status: str, by: str, note: str | None) -> tuple[int, int, str]:
    row = db.execute("select record_a, record_b, status from dedupe_pairs where id = ?", [pair_id]).fetchone()
    if row is None:
        raise NotFoundError(f"pair {pair_id} not found; `litmap dedupe pairs` lists them")
    a, b, before = row
    stamp = now()
    decided = status not in ("queued",)
    db.conn.execute(
        "update dedupe_pairs set status = ?, decided_by = ?, decided_at = ? where id = ?",
        [status, by if decided else None, stamp if decided else None, pair_id],
    )
    db.conn.execute(
        "insert into dedupe_events (action, pair_id, status_before, status_after, by, note, created_at) "
        "values ('decide', ?, ?, ?, ?, ?, ?)", [pair_id, before, status, by, note, stamp],
    )
    return a, b, before


def _queued_between_groups(db: Database, pair_id: int) -> list[int]:
    """The other queued pairs between the groups of pair `pair_id`'s two records."""
    row = db.execute(
        "select coalesce(a.duplicate_of, a.id), coalesce(b.duplicate_of, b.id) from dedupe_pairs p "
        "join records a on a.id = p.record_a join records b on b.id = p.record_b where p.id = ?", [pair_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"pair {pair_id} not found; `litmap dedupe pairs` lists them")
    ga, gb = row
    return [pid for (pid,) in db.execute(
        "select p.id from dedupe_pairs p join records a on a.id = p.record_a join records b on b.id = p.record_b "
        "where p.status = 'queued' and p.id != ? and ("
        "(coalesce(a.duplicate_of, a.id) = ? and coalesce(b.duplicate_of, b.id) = ?) or "
        "(coalesce(a.duplicate_of, a.id) = ? and coalesce(b.duplicate_of, b.id) = ?))",
        [pair_id, ga, gb, gb, ga],
    )] if ga != gb else []


def _answered_with(db: Database, pair_id: int) -> list[int]:
    """Pairs whose current status came with the answer to pair `pair_id`."""
    return [pid for (pid,) in db.execute(
        "select e.pair_id from dedupe_events e join (select pair_id, max(id) as last from dedupe_events "
        "where pair_id is not null group by pair_id) l on l.last = e.id where e.note = ?", [f"with pair {pair_id}"],
    )]


def decide(db: Database, pair_id: int, decision: str, *, by: str) -> dict[str, Any]:
    """Record a human decision on a pair (same: merge their groups; different: keep them apart).

    Raises LitmapError, with the store unchanged, when `same` is impossible (a source declared
    unique, or a pair in the two groups decided different).
    """
    if decision not in DECISIONS:
        raise LitmapError(f"unknown decision {decision!r}; use same or different")
    with write(db):
        # The answer is about the two groups: the other queued pairs between them get it too.
        others = _queued_between_groups(db, pair_id)
        a, b, before = _set_status(db, pair_id, decision, by, None)
        for other in others:
            _set_status(db, other, decision, by, f"with pair {pair_id}")
        changes = regroup(db, {a, b}, by=by, note=f"pair {pair_id} decided {decision}")
        if decision == "same":
            status = db.execute("select status from dedupe_pairs where id = ?", [pair_id]).fetchone()[0]
            if status != "same":
                raise LitmapError(
                    f"pair {pair_id}: cannot merge records {a} and {b}: their groups hold records of a source declared "
                    "unique, or a pair decided different; `litmap dedupe explain` shows the groups"
                )
    return {"pair": pair_id, "before": before, "after": decision, **changes}


def undo(db: Database, pair_id: int, *, by: str) -> dict[str, Any]:
    """Put a decided pair back in the queue (the review's `u` key); logged like any decision."""
    with write(db):
        a, b, before = _set_status(db, pair_id, "queued", by, "undo")
        for other in _answered_with(db, pair_id):
            _set_status(db, other, "queued", by, f"undo with pair {pair_id}")
        changes = regroup(db, {a, b}, by=by, note=f"pair {pair_id} undone")
    return {"pair": pair_id, "before": before, "after": "queued", **changes}


def unmerge(db: Database, record_id: int, *, by: str) -> dict[str, Any]:
    """Take a record out of its group; given a group's root, dissolve the whole group.

    The pairs that joined it become `rejected`, so no later run merges them again.
    """
    row = db.execute("select duplicate_of from records where id = ?", [record_id]).fetchone()
    if row is None:
        raise NotFoundError(f"record {record_id} not found; `litmap dedupe pairs` lists merged records")
    root = row[0]
    if root is None:
        members = [r[0] for r in db.execute("select id from records where duplicate_of = ?", [record_id])]
        if not members:
            raise LitmapError(f"record {record_id} is not merged with any record; nothing to unmerge")
        group = {record_id, *members}
        taken = group
    else:
        group = {root, *(r[0] for r in db.execute("select id from records where duplicate_of = ?", [root]))}
        taken = {record_id}
    marks = ",".join("?" * len(group))
    with write(db):
        rows = db.execute(
            f"select id, record_a, record_b from dedupe_pairs where status in ('merged', 'same') "
            f"and record_a in ({marks}) and record_b in ({marks})", [*group, *group],
        ).fetchall()
        rejected = 0
        for pair_id, a, b in rows:
            if a in taken or b in taken:
                _set_status(db, pair_id, "rejected", by, f"unmerge {record_id}")
                rejected += 1
        # Members joined to the taken records only through their old root (no stored pair): keep apart.
        changes = regroup(db, group, by=by, note=f"unmerge {record_id}")
    return {"record": record_id, "group": sorted(group), "rejected_pairs": rejected, **changes}


def explain(db: Database, record_id: int) -> dict[str, Any]:
    """Why a record is (or is not) merged: its root, group, every stored pair with evidence, history."""
    recs = _records(db, [record_id])
    if not recs:
        raise NotFoundError(f"record {record_id} not found; `litmap search` or `litmap sources` lists what is there")
    rec = recs[record_id]
    root = rec["duplicate_of"] or record_id
    group = [root] + [r[0] for r in db.execute("select id from records where duplicate_of = ? order by id", [root])]
    found = _pairs(db, "record_a = ? or record_b = ?", [record_id, record_id])
    events = [dict(r) for r in db.query(
        "select e.* from dedupe_events e where e.record_id = ? or e.pair_id in "
        "(select id from dedupe_pairs where record_a = ? or record_b = ?) order by e.id", [record_id, record_id, record_id],
    )]
    source = db.execute(
        "select s.id, s.name, s.unique_within from sources s join records r on r.source_id = s.id where r.id = ?", [record_id]
    ).fetchone()
    return {
        "record": _brief(rec), "root": root, "canonical": rec["duplicate_of"] is None,
        "group": group if len(group) > 1 else [], "source": {"id": source[0], "name": source[1], "unique_within": bool(source[2])},
        "pairs": [p.as_dict() for p in found], "events": events,
    }


def set_unique(db: Database, source_id: int, unique: bool = True) -> dict[str, Any]:
    """Declare a source internally unique (its records never merge with each other), or undo that.

    Turning it on takes apart existing merges between records of that source.
    """
    row = db.execute("select name from sources where id = ?", [source_id]).fetchone()
    if row is None:
        raise NotFoundError(f"source {source_id} not found; `litmap sources` lists them")
    with write(db):
        db.conn.execute("update sources set unique_within = ? where id = ?", [int(unique), source_id])
        seeds = {r[0] for r in db.execute("select id from records where source_id = ? and duplicate_of is not null", [source_id])}
        seeds |= {r[0] for r in db.execute(
            "select distinct r.duplicate_of from records r where r.source_id = ? and r.duplicate_of is not null", [source_id])}
        seeds |= {r[0] for r in db.execute(
            "select id from records where source_id = ? and id in (select duplicate_of from records where duplicate_of is not null)",
            [source_id])}
        changes = regroup(db, seeds, by="litmap", note=f"source {source_id} unique_within={int(unique)}") if seeds else {
            "merged": 0, "unmerged": 0, "requeued": 0}
    return {"source": source_id, "name": row[0], "unique_within": unique, **changes}
