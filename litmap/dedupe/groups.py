"""Bring `records.duplicate_of` in line with the accepted pairs; log every change.

The groups are a function of the pairs table: pairs with status `merged` (a rule) or `same` (a
human) join records, pairs with status `different` or `rejected` and sources declared unique keep
them apart. `regroup()` recomputes the groups touching some records (or all), picks each group's
most complete record as root, and writes only what changed, each change as a `dedupe_events` row.
Callers hold the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from litmap.dedupe.clusters import Groups, roots_for
from litmap.store import now

ACCEPTED = ("same", "merged")
APART = ("different", "rejected")
_COMPLETENESS = (
    "(title is not null and title != '') + (abstract is not null and abstract != '') + (authors != '[]')"
    " + (year is not null) + (journal is not null and journal != '') + (volume is not null and volume != '')"
    " + (issue is not null and issue != '') + (pages is not null and pages != '') + (doi is not null and doi != '')"
)


def _chunks(items: list[int], size: int = 900) -> Iterable[list[int]]:
    for k in range(0, len(items), size):
        yield items[k : k + size]


def _closure(db: Database, seeds: set[int]) -> set[int]:
    """Every record connected to `seeds` through accepted pairs or current group membership."""
    seen: set[int] = set()
    frontier = set(seeds)
    while frontier:
        seen |= frontier
        found: set[int] = set()
        for chunk in _chunks(sorted(frontier)):
            marks = ",".join("?" * len(chunk))
            for a, b in db.execute(
                f"select record_a, record_b from dedupe_pairs where status in ('same', 'merged') "
                f"and (record_a in ({marks}) or record_b in ({marks}))", chunk + chunk,
            ):
                found.update((a, b))
            for rid, dup in db.execute(f"select id, duplicate_of from records where id in ({marks})", chunk):
                if dup is not None:
                    found.add(dup)
            for (rid,) in db.execute(f"select id from records where duplicate_of in ({marks})", chunk):
                found.add(rid)
        frontier = found - seen
    return seen


def regroup(db: Database, seeds: set[int] | None, *, by: str, run_id: int | None = None, note: str | None = None) -> dict[str, int]:
    """Recompute the groups of `seeds` (None: every record) and write the differences.

    Accepted pairs that a constraint now forbids go back to the queue. Returns counts of
    records merged and unmerged by this call.
    """
    conn = db.conn
    if seeds is None:
        members = None
        pairs = conn.execute(
            "select id, record_a, record_b, status from dedupe_pairs where status in ('same', 'merged', 'different', 'rejected') "
            "or (status = 'queued' and rule in ('queue:conflict', 'queue:kind', 'queue:venue')) order by status = 'merged', id"
        ).fetchall()
        current = dict(conn.execute("select id, duplicate_of from records where duplicate_of is not null").fetchall())
    else:
        members = _closure(db, seeds)
        pairs, current = [], {}
        ids = sorted(members)
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            pairs += conn.execute(
                f"select id, record_a, record_b, status from dedupe_pairs where record_a in ({marks}) "
                "and (status in ('same', 'merged', 'different', 'rejected') "
                "or (status = 'queued' and rule in ('queue:conflict', 'queue:kind', 'queue:venue')))", chunk,
            ).fetchall()
            current.update(conn.execute(f"select id, duplicate_of from records where id in ({marks})", chunk).fetchall())
        pairs = [p for p in pairs if p[2] in members]
        pairs.sort(key=lambda p: (p[3] == "merged", p[0]))
    apart: dict[int, set[int]] = {}
    for _, a, b, status in pairs:
        if status in APART:
            apart.setdefault(a, set()).add(b)
            apart.setdefault(b, set()).add(a)
    involved = {r for p in pairs for r in (p[1], p[2]) if p[3] in ACCEPTED}
    unique_source = {}
    completeness = {}
    for chunk in _chunks(sorted(involved), 900):
        marks = ",".join("?" * len(chunk))
        for rid, source, unique, score in conn.execute(
            f"select r.id, r.source_id, s.unique_within, {_COMPLETENESS} from records r join sources s on s.id = r.source_id "
            f"where r.id in ({marks})", chunk,
        ):
            completeness[rid] = score
            if unique:
                unique_source[rid] = source
    groups = Groups(unique_source, apart)
    requeued = []
    # Human "same" decisions first, under the hard constraints only. Then the rules' merges, which
    # must also respect the contradictions seen in queued pairs: a merge chain A-B-C never joins
    # A and C when A-C has different DOIs, years or kinds (transitive false merges).
    soft_added = False
    for pair_id, a, b, status in pairs:
        if status == "merged" and not soft_added:
            soft_added = True
            for _, x, y, st in pairs:
                if st == "queued":
                    apart.setdefault(x, set()).add(y)
                    apart.setdefault(y, set()).add(x)
        if status in ACCEPTED and groups.union(a, b):
            requeued.append((pair_id, status))
    stamp = now()
    for pair_id, status in requeued:
        conn.execute("update dedupe_pairs set status = 'queued', decided_by = null, decided_at = null where id = ?", [pair_id])
        conn.execute(
            "insert into dedupe_events (action, pair_id, status_before, status_after, by, run_id, note, created_at) "
            "values ('decide', ?, ?, 'queued', ?, ?, 'a constraint forbids this merge now', ?)",
            [pair_id, status, by, run_id, stamp],
        )
    target = roots_for(groups.groups(), completeness)
    changed = set(target) | {r for r, d in current.items() if d is not None}
    merged = unmerged = 0
    updates, events = [], []
    for rid in changed:
        root = target.get(rid)
        new = None if root is None or root == rid else root
        old = current.get(rid)
        if new == old:
            continue
        updates.append((new, rid))
        if new is None:
            unmerged += 1
            events.append(("unmerge", rid, old, None, by, run_id, note, stamp))
        else:
            merged += 1
            events.append(("merge", rid, old, new, by, run_id, note, stamp))
    conn.executemany("update records set duplicate_of = ? where id = ?", updates)
    conn.executemany(
        "insert into dedupe_events (action, record_id, root_before, root_after, by, run_id, note, created_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?)", sorted(events, key=lambda e: e[1]),
    )
    return {"merged": merged, "unmerged": unmerged, "requeued": len(requeued)}
