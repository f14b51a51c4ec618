"""Several reviewers voting into one store at the same time: no vote lost, none duplicated."""

from __future__ import annotations

import multiprocessing
import uuid
from pathlib import Path

from litmap.store import now, open_store, write

PROCESSES = 4
VOTES = 500
RECORDS = 250


def _record_vote():
    """The library's vote writer when the decisions module exists; else the same one-transaction insert."""
    try:
        from litmap.screening.decisions import record_vote
    except ImportError:
        def record_vote(db, record_id, stage, reviewer, decision, *, reason=None, note=None):
            with write(db):
                db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, reason, note, created_at) "
                           "values (?, ?, ?, ?, ?, ?, ?, ?)",
                           [uuid.uuid4().hex, record_id, stage, reviewer, decision, reason, note, now()])
    return record_vote


def _reviewer(path: str, reviewer: str, start, errors) -> None:
    try:
        db = open_store(path, create=False)
        record_vote = _record_vote()
        start.wait(timeout=60)  # a barrier: every writer is ready (interpreter up, store open) before any votes
        # Every reviewer votes twice on every record (a change of mind), one transaction per key press.
        for i in range(VOTES):
            record_vote(db, i % RECORDS + 1, "title-abstract", reviewer, "include" if (i // RECORDS + i) % 2 else "exclude")
        db.close()
    except BaseException as exc:  # reported to the parent: a lost vote must fail the test, not hang it
        errors.put(f"{reviewer}: {exc!r}")


def test_concurrent_reviewers_lose_and_duplicate_nothing(tmp_path: Path):
    path = tmp_path / "shared.db"
    db = open_store(path)
    with write(db):
        db.execute("insert into sources (id, name, format, sha256, imported_at, records) values (1, 'refs.ris', 'ris', 'abc', ?, ?)", [now(), RECORDS])
        db.conn.executemany("insert into records (id, source_id, position, title, raw) values (?, 1, ?, ?, '{}')",
                            [(i, i, f"Record {i}") for i in range(1, RECORDS + 1)])
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no inherited SQLite connection
    start, errors = ctx.Barrier(PROCESSES), ctx.Queue()
    names = [f"reviewer{k}" for k in range(PROCESSES)]
    procs = [ctx.Process(target=_reviewer, args=(str(path), name, start, errors)) for name in names]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    assert errors.empty(), errors.get()

    total, uids = db.execute("select count(*), count(distinct uid) from decisions").fetchone()
    assert total == uids == PROCESSES * VOTES
    per = dict(db.execute("select reviewer, count(*) from decisions group by reviewer").fetchall())
    assert per == dict.fromkeys(names, VOTES)
    # Each reviewer's rows are in the order they were written (ids increase with their own sequence),
    # so the current vote is each reviewer's second vote on a record.
    current = db.execute("select count(*) from current_votes").fetchone()[0]
    assert current == PROCESSES * RECORDS
    expected = {(i % RECORDS + 1, "include" if (i // RECORDS + i) % 2 else "exclude") for i in range(RECORDS, VOTES)}
    for name in names:
        got = set(db.execute("select record_id, decision from current_votes where reviewer = ?", [name]).fetchall())
        assert got == expected
    # The writers really ran at once: their rows interleave in the table.
    order = [r for (r,) in db.execute("select reviewer from decisions order by id")]
    assert sum(1 for x, y in zip(order, order[1:]) if x != y) > PROCESSES
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
