"""`dedupe()`: one deduplication run over the store.

Loads every record's comparison keys, finds candidate pairs by blocking (only pairs involving
records not compared by an earlier run, unless `full`), scores them, decides, stores merged and
queued pairs with their evidence, and regroups. Pairs already in the table keep their status: a
human decision, or a pair taken apart by `unmerge`, is never overridden by a later run.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
from sqlite_utils import Database

from litmap.dedupe import blocking, review, rules
from litmap.dedupe.groups import regroup
from litmap.dedupe.normalise import Keys, record_keys
from litmap.dedupe.scoring import Columns, score_pairs
from litmap.store import now, write

CHUNK = 200_000  # pairs scored at a time (bounds memory on very large stores)
BY = "litmap"


@dataclass
class RunResult:
    run_id: int | None
    mode: str
    dry_run: bool
    records: int
    new_records: int
    candidates: int
    merged_pairs: int
    queued_pairs: int
    questions: int            # open questions for a reviewer: pairs of groups with queued pairs between them
    duplicates: int           # records pointing at a root after the run
    groups: int               # groups with more than one member after the run
    changed: int              # records whose duplicate_of this run changed
    seconds: float
    by_rule: dict[str, int] = field(default_factory=dict)
    blocks: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def load_keys(db: Database) -> tuple[np.ndarray, np.ndarray, list[Keys]]:
    """(record ids, source ids, keys) of every record, in id order."""
    ids: list[int] = []
    sources: list[int] = []
    keys: list[Keys] = []
    cursor = db.conn.execute(
        "select id, source_id, type, title, authors, year, journal, volume, issue, pages, doi, substr(abstract, 1, 400) "
        "from records order by id"
    )
    for rid, source, type_, title, authors, year, journal, volume, issue, pages, doi, abstract in cursor:
        ids.append(rid)
        sources.append(source)
        keys.append(record_keys(title, authors, year, journal, volume, issue, pages, doi, abstract, type_))
    return np.array(ids, dtype=np.int64), np.array(sources, dtype=np.int64), keys


def _last_compared(db: Database) -> int:
    row = db.execute("select max(max_record_id) from dedupe_runs where finished_at is not null").fetchone()
    return row[0] or 0


def dedupe(
    db: Database, *, dry_run: bool = False, full: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Run deduplication; with `dry_run` nothing is written. Transactional: all or nothing."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    stamp = now()
    ids, sources, keys = load_keys(db)
    n = len(ids)
    last = 0 if full else _last_compared(db)
    is_new = None if last == 0 else ids > last
    new_count = n if is_new is None else int(is_new.sum())
    say(f"{n} records, {new_count} to compare")
    a = b = np.zeros(0, dtype=np.int64)
    blocks: dict[str, int] = {}
    if n > 1 and new_count:
        a, b, blocks = blocking.candidate_pairs(keys, is_new)
    # Sources declared internally unique: their records are never compared with each other.
    unique = {row[0] for row in db.execute("select id from sources where unique_within = 1")}
    if unique and len(a):
        same = (sources[a] == sources[b]) & np.isin(sources[a], list(unique))
        a, b = a[~same], b[~same]
    candidates = len(a)
    say(f"{candidates} candidate pairs")
    known = set()
    for ra, rb in db.execute("select record_a, record_b from dedupe_pairs"):
        known.add((ra, rb))
    cols = Columns(keys)
    found: list[tuple[int, int, int, str, dict[str, object]]] = []
    for start in range(0, candidates, CHUNK):
        ca, cb = a[start : start + CHUNK], b[start : start + CHUNK]
        features = score_pairs(cols, ca, cb)
        decision, rule = rules.decide(features)
        for k in np.nonzero(decision != rules.NONE)[0].tolist():
            ra, rb = int(ids[ca[k]]), int(ids[cb[k]])
            if (ra, rb) in known:
                continue
            name = rules.RULE_NAMES[rule[k]]
            status = "merged" if decision[k] == rules.MERGE else "queued"
            found.append((int(rule[k]), ra, rb, status, features.row(k)))
    found.sort(key=lambda p: (p[3] != "merged", p[0], -float(p[4]["title"] or 0), p[1], p[2]))
    by_rule = Counter(rules.RULE_NAMES[p[0]] for p in found)
    merged_pairs = sum(1 for p in found if p[3] == "merged")
    queued_pairs = len(found) - merged_pairs
    result = RunResult(
        run_id=None, mode="all" if full or last == 0 else "incremental", dry_run=dry_run, records=n,
        new_records=new_count, candidates=candidates, merged_pairs=merged_pairs, queued_pairs=queued_pairs,
        questions=0, duplicates=0, groups=0, changed=0, seconds=0.0, by_rule=dict(by_rule), blocks=blocks,
    )
    say(f"{merged_pairs} pairs to merge, {queued_pairs} to review")
    with write(db):
        run_id = db.conn.execute(
            "insert into dedupe_runs (started_at, mode, max_record_id, records, candidates, merged, queued, settings) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [stamp, result.mode, int(ids.max()) if n else 0, n, candidates, merged_pairs, queued_pairs,
             json.dumps({"window": blocking.WINDOW, "small_block": blocking.SMALL_BLOCK, "large_block": blocking.LARGE_BLOCK})],
        ).lastrowid
        db.conn.executemany(
            "insert into dedupe_pairs (record_a, record_b, scores, rule, status, decided_by, decided_at, run_id) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (ra, rb, json.dumps(scores), rules.RULE_NAMES[r], status,
                 BY if status == "merged" else None, stamp if status == "merged" else None, run_id)
                for r, ra, rb, status, scores in found
            ],
        )
        changes = regroup(db, None, by=BY, run_id=run_id, note="dedupe run")
        result.changed = changes["merged"] + changes["unmerged"]
        result.queued_pairs += changes["requeued"]
        result.merged_pairs -= changes["requeued"]
        result.questions = len(review.open_questions(db))
        result.duplicates, result.groups = db.execute(
            "select count(*), count(distinct duplicate_of) from records where duplicate_of is not null"
        ).fetchone()
        result.seconds = round(time.perf_counter() - started, 3)
        db.conn.execute(
            "update dedupe_runs set finished_at = ?, seconds = ?, merged = ?, queued = ? where id = ?",
            [now(), result.seconds, result.merged_pairs, result.queued_pairs, run_id],
        )
        result.run_id = run_id
        if dry_run:
            # Computed in full inside the transaction, then rolled back: the store is unchanged.
            result.run_id = None
            raise _DryRun(result)
    return result


class _DryRun(Exception):
    def __init__(self, result: RunResult) -> None:
        self.result = result


def run(db: Database, *, dry_run: bool = False, full: bool = False,
        progress: Callable[[str], None] | None = None) -> RunResult:
    """Public entry point: `dedupe()` that turns a dry run's rollback into its result."""
    try:
        return dedupe(db, dry_run=dry_run, full=full, progress=progress)
    except _DryRun as dry:
        return dry.result
