"""Nagtegaal 2019 (real title/abstract and full-text labels, CC0): imported through the CLI, screened by
two scripted reviewers who disagree on some records, conflicts resolved to the real labels. The boxes
equal the counts computed independently from the labels."""

from __future__ import annotations

import csv
import json
import uuid

import pytest

from conftest import SHARED_DATA, needs_shared
from litmap.store import now, open_store, write

CSV = SHARED_DATA / "screening" / "Nagtegaal_2019.csv"


def _screen(db, labels: dict[int, tuple[int, int]]) -> None:
    """Reviewer ann votes the label; bob flips every 7th record (TA) / 5th (FT); the lead resolves to the label."""
    votes, resolutions, retrievals = [], [], []

    def vote(rid, stage, who, include, reason=None):
        votes.append((uuid.uuid4().hex, rid, stage, who, "include" if include else "exclude", None if include else reason, now()))

    for rid, (ta, ft) in labels.items():
        bob_ta = ta if rid % 7 else 1 - ta
        vote(rid, "title-abstract", "ann", ta)
        vote(rid, "title-abstract", "bob", bob_ta)
        if bob_ta != ta:
            resolutions.append((uuid.uuid4().hex, rid, "title-abstract", "include" if ta else "exclude", None, "lead", now()))
        if not ta:
            continue
        retrievals.append((uuid.uuid4().hex, rid, 1, now()))
        reason = "not a nudge in healthcare (label)"
        bob_ft = ft if rid % 5 else 1 - ft
        vote(rid, "full-text", "ann", ft, reason)
        vote(rid, "full-text", "bob", bob_ft, reason)
        if bob_ft != ft:
            resolutions.append((uuid.uuid4().hex, rid, "full-text", "include" if ft else "exclude", None if ft else reason, "lead", now()))
    with write(db):
        db.conn.executemany("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)", votes)
        db.conn.executemany("insert into resolutions (uid, record_id, stage, decision, reason, resolved_by, created_at) values (?, ?, ?, ?, ?, ?, ?)", resolutions)
        db.conn.executemany("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, ?, ?)", retrievals)


@needs_shared
@pytest.mark.parametrize("mark_duplicates", [False, True])
def test_nagtegaal_boxes_equal_the_labels(litmap, mark_duplicates):
    litmap.ok("import", CSV, "--source", "PubMed (Nagtegaal 2019)")
    db = open_store(litmap.db)
    ids = {key: rid for rid, key in db.execute("select id, source_key from records")}
    rows = list(csv.DictReader(CSV.open(encoding="utf-8")))
    assert len(ids) == len(rows) == 2019
    duplicates = {r["record_id"]: r["duplicate_record_id"] for r in rows if r["duplicate_record_id"]} if mark_duplicates else {}
    if duplicates:
        with write(db):
            db.conn.executemany("update records set duplicate_of = ? where id = ?",
                                [(ids[canon], ids[dup]) for dup, canon in duplicates.items()])
    canonical = [r for r in rows if r["record_id"] not in duplicates]
    labels = {ids[r["record_id"]]: (int(r["label_abstract_screening"]), int(r["label_included"])) for r in canonical}
    _screen(db, labels)

    result = litmap.ok("prisma", "--format", "json")
    got = json.loads(result.stdout)
    ta_included = sum(int(r["label_abstract_screening"]) for r in canonical)
    final = sum(int(r["label_included"]) for r in canonical)
    assert (ta_included, final) == ((389, 101) if mark_duplicates else (392, 101))
    assert got["database_results"] == 2019 and got["duplicates"] == len(duplicates)
    assert got["records_screened"] == len(canonical)
    assert got["records_excluded"] == len(canonical) - ta_included
    assert got["dbr_sought_reports"] == got["dbr_assessed"] == ta_included
    assert got["dbr_notretrieved_reports"] == 0
    assert got["dbr_excluded"] == [{"reason": "not a nudge in healthcare (label)", "n": ta_included - final}]
    assert got["new_reports"] == got["new_studies"] == got["total_studies"] == final
    assert got["pending"] == {} and result.stderr == ""
