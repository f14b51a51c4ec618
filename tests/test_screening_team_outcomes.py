"""Guards the latest-row rules of outcomes.py (rewritten for speed): latest retrieval, latest resolution."""

from __future__ import annotations

import uuid

from litmap.screening.outcomes import outcomes, status_counts
from litmap.store import now, open_store, write


def test_latest_retrieval_and_latest_resolution_win(tmp_path):
    db = open_store(tmp_path / "s.db")
    with write(db):
        db.execute("insert into sources (id, name, format, sha256, imported_at, records) values (1, 'refs.ris', 'ris', 'x', ?, 6)", [now()])
        db.conn.executemany("insert into records (id, source_id, position, raw) values (?, 1, ?, '{}')", [(i, i) for i in range(1, 7)])

        def vote(rid, who, decision, stage="title-abstract", reason=None):
            db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                       [uuid.uuid4().hex, rid, stage, who, decision, reason, now()])

        def resolve(rid, decision, stage="title-abstract"):
            db.execute("insert into resolutions (uid, record_id, stage, decision, resolved_by, created_at) values (?, ?, ?, ?, 'lead', ?)",
                       [uuid.uuid4().hex, rid, stage, decision, now()])

        def retrieval(rid, ok):
            db.execute("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, ?, ?)", [uuid.uuid4().hex, rid, ok, now()])

        for rid in (1, 2, 3, 4):
            vote(rid, "ann", "include")
            vote(rid, "bob", "include")
        vote(5, "ann", "include")
        vote(5, "bob", "exclude")
        resolve(5, "exclude")
        resolve(5, "include")  # the later resolution wins: included at TA
        vote(6, "ann", "include")
        vote(6, "bob", "exclude")
        resolve(6, "include")
        resolve(6, "exclude", "full-text")  # a full-text resolution does not touch TA
        retrieval(1, 1)
        retrieval(2, 0)
        retrieval(2, 1)  # retried: now retrieved
        retrieval(3, 1)
        retrieval(3, 0)  # the file turned out unusable: not retrieved
        retrieval(5, 1)
        vote(1, "ann", "exclude", "full-text", "wrong population")
        vote(1, "bob", "exclude", "full-text", "wrong design")  # differing reasons: conflict
        resolve(2, "exclude", "full-text")
        resolve(2, "include", "full-text")
    ta = {o.record_id: (o.status, o.resolved) for o in outcomes(db, "ta")}
    assert ta == {1: ("included", False), 2: ("included", False), 3: ("included", False), 4: ("included", False),
                  5: ("included", True), 6: ("included", True)}
    ft = {o.record_id: o.status for o in outcomes(db, "ft")}
    assert ft == {1: "conflict", 2: "included", 5: "unscreened"}
    assert status_counts(db, "ft") == {"unscreened": 1, "awaiting": 0, "conflict": 1, "included": 1, "excluded": 0}
