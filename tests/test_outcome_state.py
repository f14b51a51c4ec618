"""The derived tables `screening_tallies` and `coding_tallies` (kept by triggers, migrations.py m003)
equal a recomputation from the append-only history after random votes, re-votes, withdrawals,
resolutions, codings, merges of copies, a backfill of an older store, and edits made outside litmap;
and the outcomes, included sets and agreed codes read from them equal the definitions they replaced
(kept here verbatim as the reference)."""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from litmap.coding.codings import CodingConfig, agreed_codes, agreed_values
from litmap.screening.merge import merge
from litmap.screening.outcomes import FT, STAGES, TA, included_sql, outcome_sql, outcomes, status_counts
from litmap.store import now, open_store, write

N_RECORDS = 8
REVIEWERS = ("ann", "bob", "cat")
DIMENSIONS = ("form", "theme")
VALUES = ('["a"]', '["b"]', "[]", '["a", "b"]')


# ---------------------------------------------------------------- the definitions the tallies replaced

CANONICAL_SQL = """
select r.id as record_id from records r
where r.duplicate_of is null
  and not exists (select 1 from removals m where m.record_id = r.id and m.undone = 0)
"""
RETRIEVAL_SQL = """
select t.record_id, t.retrieved, t.reason, t.file from retrievals t
where t.id = (select max(l.id) from retrievals l where l.record_id = t.record_id)
"""


def old_outcome_sql(stage: str, scope: str | None = None) -> str:
    """outcomes.outcome_sql before the tallies (commit f1b1185, with its CANONICAL_SQL and
    RETRIEVAL_SQL above), verbatim but for this docstring."""
    if scope is not None:
        pass
    elif stage == TA:
        scope = CANONICAL_SQL
    else:
        scope = f"""
        select ta.record_id from ({old_outcome_sql(TA)}) ta
        join ({RETRIEVAL_SQL}) rt on rt.record_id = ta.record_id
        where ta.status = 'included' and rt.retrieved = 1
        """
    reason_rule = "or a.reasons > 1" if stage == FT else ""
    return f"""
    select s.record_id,
      case
        when res.decision is not null then res.decision || 'd'
        when a.n is null then 'unscreened'
        when a.decisions > 1 {reason_rule} then 'conflict'
        when a.decision = 'maybe' and a.n >= :required then 'conflict'
        when a.n >= :required then a.decision || 'd'
        else 'awaiting'
      end as status,
      coalesce(res.decision, case when a.decisions = 1 and a.decision != 'maybe' then a.decision end) as decision,
      coalesce(res.reason, case when a.decisions = 1 and a.reasons = 1 then a.reason end) as reason,
      res.decision is not null as resolved,
      coalesce(a.n, 0) as votes
    from ({scope}) s
    left join (
      select d.record_id, count(*) as n, (min(d.decision) != max(d.decision)) + 1 as decisions, min(d.decision) as decision,
             (min(coalesce(d.reason, '')) != max(coalesce(d.reason, ''))) + 1 as reasons, min(d.reason) as reason
      from decisions d
      where d.stage = '{stage}' and d.decision != 'undo'
        and d.id = (select max(x.id) from decisions x where x.stage = d.stage and x.record_id = d.record_id and x.reviewer = d.reviewer)
      group by d.record_id
    ) a on a.record_id = s.record_id
    left join (
      select x.record_id, x.decision, x.reason from resolutions x
      where x.stage = '{stage}'
        and x.id = (select max(l.id) from resolutions l where l.stage = x.stage and l.record_id = x.record_id)
    ) res on res.record_id = s.record_id
    """


def old_agreed_codes(db: Database, dimensions: list[str] | None, need: int) -> dict[str, dict[int, list[str]]]:
    """codings.agreed_codes before the tallies (commit f1b1185)."""
    where = f"where dimension in ({', '.join('?' * len(dimensions))})" if dimensions else ""
    params = list(dimensions or [])
    answers: dict[tuple[str, int], list[str]] = {}
    for record_id, dimension, value in db.execute(f"""
        select c.record_id, c.dimension, c.value from codings c
        join (select max(id) as id from codings {where} group by dimension, record_id, coder) l on l.id = c.id
        where c.value is not null""", params):
        answers.setdefault((dimension, record_id), []).append(value)
    out: dict[str, dict[int, list[str]]] = {}
    for (dimension, record_id), values in answers.items():
        if len(values) >= need and (len(values) == 1 or values.count(values[0]) == len(values)):
            out.setdefault(dimension, {})[record_id] = json.loads(values[0])
    for record_id, dimension, value in db.execute(f"""
        select r.record_id, r.dimension, r.value from coding_resolutions r
        join (select max(id) as id from coding_resolutions {where} group by dimension, record_id) l on l.id = r.id""", params):
        out.setdefault(dimension, {})[record_id] = json.loads(value)
    return out


# ---------------------------------------------------------------- the tallies recomputed in Python

def expected_screening_tallies(db: Database) -> dict[tuple[str, int], tuple]:
    latest: dict[tuple[str, int, str], tuple[str, str | None]] = {}
    keys: set[tuple[str, int]] = set()
    for stage, record_id, reviewer, decision, reason in db.execute(
            "select stage, record_id, reviewer, decision, reason from decisions order by id"):
        latest[stage, record_id, reviewer] = (decision, reason)
        keys.add((stage, record_id))
    resolution: dict[tuple[str, int], tuple[str, str | None]] = {}
    for stage, record_id, decision, reason in db.execute("select stage, record_id, decision, reason from resolutions order by id"):
        resolution[stage, record_id] = (decision, reason)
        keys.add((stage, record_id))
    out = {}
    for key in keys:
        votes = [v for (s, r, _), v in latest.items() if (s, r) == key and v[0] != "undo"]
        decisions = {d for d, _ in votes}
        reasons = {reason or "" for _, reason in votes}
        given_reasons = [reason for _, reason in votes if reason is not None]
        res = resolution.get(key, (None, None))
        out[key] = (len(votes), next(iter(decisions)) if len(decisions) == 1 else None, int(len(decisions) > 1),
                    (min(given_reasons) if given_reasons else None) if len(reasons) <= 1 else None, int(len(reasons) > 1),
                    res[0], res[1])
    return out


def expected_coding_tallies(db: Database) -> dict[tuple[str, int], tuple]:
    latest: dict[tuple[str, int, str], str | None] = {}
    keys: set[tuple[str, int]] = set()
    for dimension, record_id, coder, value in db.execute("select dimension, record_id, coder, value from codings order by id"):
        latest[dimension, record_id, coder] = value
        keys.add((dimension, record_id))
    resolution: dict[tuple[str, int], str] = {}
    for dimension, record_id, value in db.execute("select dimension, record_id, value from coding_resolutions order by id"):
        resolution[dimension, record_id] = value
        keys.add((dimension, record_id))
    out = {}
    for key in keys:
        answers = [v for (d, r, _), v in latest.items() if (d, r) == key and v is not None]
        out[key] = (len(answers), answers[0] if len(set(answers)) == 1 else None, resolution.get(key))
    return out


def assert_tallies_right(db: Database) -> None:
    screening = {(s, r): tuple(rest) for s, r, *rest in db.execute(
        "select stage, record_id, votes, decision, decisions_differ, reason, reasons_differ, resolution, resolution_reason "
        "from screening_tallies")}
    assert screening == expected_screening_tallies(db)
    coding = {(d, r): tuple(rest) for d, r, *rest in db.execute(
        "select dimension, record_id, answers, value, resolution from coding_tallies")}
    assert coding == expected_coding_tallies(db)


def assert_reads_match_the_old_definitions(db: Database) -> None:
    for stage in STAGES:
        for required in (1, 2, 3):
            params = {"required": required}
            new = db.execute(outcome_sql(stage) + " order by s.record_id", params).fetchall()
            old = db.execute(old_outcome_sql(stage) + " order by s.record_id", params).fetchall()
            assert new == old, (stage, required)
            included = sorted(r[0] for r in db.execute(included_sql(stage), params))
            assert included == [r[0] for r in old if r[1] == "included"], (stage, required)
            assert [(o.record_id, o.status, o.decision, o.reason, int(o.resolved), o.votes) for o in outcomes(db, stage, required)] == old
            counts = dict.fromkeys(status_counts(db, stage, required), 0)
            for row in old:
                counts[row[1]] += 1
            assert status_counts(db, stage, required) == counts
    assert_status_and_conflicts_match(db)
    for need in (1, 2):
        config = CodingConfig(need == 2, (), 2)
        for dims in (None, ["theme"], ["theme", "form"]):
            new = agreed_codes(db, dims, config)
            old = old_agreed_codes(db, dims, need)
            assert new == old
            assert list(new) == list(old) and all(list(new[d]) == list(old[d]) for d in new)  # same order too
            assert {d: {r: json.loads(v) for r, v in per.items()} for d, per in agreed_values(db, dims, config).items()} == new


def assert_status_and_conflicts_match(db: Database) -> None:
    from collections import Counter

    from litmap.screening.conflicts import conflicts
    from litmap.screening.protocol import protocol_or_default
    from litmap.screening.status import status

    required = protocol_or_default(db).votes_required
    latest_retrieval = dict(db.execute("select record_id, retrieved from retrievals order by id"))
    got = {s.stage: s for s in status(db).stages}
    for stage in STAGES:
        old = db.execute(old_outcome_sql(stage), {"required": required}).fetchall()
        counts = Counter({"in_scope": len(old)})
        for _, st, _, _, resolved, _ in old:
            counts["conflicts" if st == "conflict" else st] += 1
            if resolved and st in ("included", "excluded"):
                counts[f"resolved_{st}"] += 1
        assert {k: v for k, v in got[stage].counts.items() if v} == +counts
        if stage == FT:
            sought = Counter({1: "retrieved", 0: "not_retrieved", None: "awaiting"}[latest_retrieval.get(r[0])]
                             for r in db.execute(old_outcome_sql(TA), {"required": required}) if r[1] == "included")
            assert got[FT].retrieval == {"sought": sum(sought.values()), "retrieved": sought["retrieved"],
                                         "not_retrieved": sought["not_retrieved"], "awaiting": sought["awaiting"]}
        expected = db.execute(f"""
            with c as (select record_id from ({old_outcome_sql(stage)}) where status = 'conflict')
            select c.record_id, v.reviewer, v.decision, v.reason, v.note, v.created_at
            from c join current_votes v on v.record_id = c.record_id and v.stage = :stage order by c.record_id, v.reviewer""",
            {"required": required, "stage": stage}).fetchall()
        assert [(c.record_id, v.reviewer, v.decision, v.reason, v.note, v.at) for c in conflicts(db, stage) for v in c.votes] == expected


# ---------------------------------------------------------------- random histories

def random_history(rng) -> list[tuple]:
    """20-120 operations drawn uniformly from a seed (hypothesis' own lists and randoms lean to short
    and simple, and rarely stack three reviewers' votes, a withdrawal and a resolution on one
    record). Votes gather on a few records."""
    voted = [1, 1, 2, 2, 3, 4, 5, N_RECORDS]
    ops: list[tuple] = []
    for _ in range(rng.randint(20, 120)):
        kind = rng.choices(["vote", "resolve", "code", "code_resolve", "retrieval", "duplicate", "remove"], [12, 2, 4, 1, 2, 1, 1])[0]
        rid = rng.choice(voted)
        if kind == "vote":
            ops.append((kind, rid, rng.choice(STAGES), rng.choice(REVIEWERS),
                        rng.choice(["include", "include", "exclude", "exclude", "maybe", "undo"]), rng.choice([None, None, "", "x", "y"])))
        elif kind == "resolve":
            ops.append((kind, rid, rng.choice(STAGES), rng.choice(["include", "exclude"]), rng.choice([None, "x", "z"])))
        elif kind == "code":
            ops.append((kind, rid, rng.choice(DIMENSIONS), rng.choice(REVIEWERS[:2]), rng.choice([*VALUES, None])))
        elif kind == "code_resolve":
            ops.append((kind, rid, rng.choice(DIMENSIONS), rng.choice(VALUES)))
        elif kind == "retrieval":
            ops.append((kind, rid, rng.choice([0, 1, 1])))
        elif kind == "duplicate":
            ops.append((kind, rng.randint(1, N_RECORDS), rng.choice([None, rng.randint(1, N_RECORDS)])))
        else:
            ops.append((kind, rng.randint(1, N_RECORDS)))
    return ops


RID = st.integers(min_value=1, max_value=N_RECORDS)
HISTORY = st.integers(min_value=0, max_value=2**32).map(lambda seed: random_history(random.Random(seed)))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def new_store(path: Path | str) -> Database:
    """A store with one imported file of N_RECORDS records (as an import would leave it)."""
    db = open_store(path)
    with write(db):
        db.execute("insert into sources (id, name, format, sha256, imported_at, records) values (1, 'refs.ris', 'ris', 'abc', ?, ?)",
                   [now(), N_RECORDS])
        db.conn.executemany("insert into records (id, source_id, position, raw) values (?, 1, ?, '{}')",
                            [(i, i) for i in range(1, N_RECORDS + 1)])
    return db


def apply(db: Database, history: list[tuple]) -> None:
    """Write a history the way litmap's writers do: plain INSERTs (duplicate_of and removals as dedupe
    and exclude-automatic write them)."""
    with write(db):
        for op, rid, *rest in history:
            uid = uuid.uuid4().hex
            if op == "vote":
                stage, reviewer, decision, reason = rest
                db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                           [uid, rid, stage, reviewer, decision, reason, now()])
            elif op == "resolve":
                stage, decision, reason = rest
                db.execute("insert into resolutions (uid, record_id, stage, decision, reason, resolved_by, created_at) "
                           "values (?, ?, ?, ?, ?, 'lead', ?)", [uid, rid, stage, decision, reason, now()])
            elif op == "code":
                dimension, coder, value = rest
                db.execute("insert into codings (uid, record_id, dimension, value, coder, created_at) values (?, ?, ?, ?, ?, ?)",
                           [uid, rid, dimension, value, coder, now()])
            elif op == "code_resolve":
                dimension, value = rest
                db.execute("insert into coding_resolutions (uid, record_id, dimension, value, resolved_by, created_at) "
                           "values (?, ?, ?, ?, 'lead', ?)", [uid, rid, dimension, value, now()])
            elif op == "retrieval":
                db.execute("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, ?, ?)", [uid, rid, rest[0], now()])
            elif op == "duplicate":
                root = rest[0]
                db.execute("update records set duplicate_of = ? where id = ?", [root if root not in (None, rid) else None, rid])
            elif op == "remove":
                db.execute("insert into removals (uid, record_id, kind, created_at) values (?, ?, 'automation', ?)", [uid, rid, now()])


def test_a_withdrawn_vote_is_no_vote_of_a_conflict():
    db = new_store(":memory:")
    apply(db, [("vote", 1, TA, "ann", "include", None), ("vote", 1, TA, "bob", "exclude", None),
               ("vote", 1, TA, "cat", "include", None), ("vote", 1, TA, "cat", "undo", None)])
    assert db.execute("select votes, decision, decisions_differ from screening_tallies").fetchall() == [(2, None, 1)]
    assert_tallies_right(db)
    assert_reads_match_the_old_definitions(db)


@SETTINGS
@given(HISTORY, st.integers(min_value=1, max_value=4))
def test_tallies_equal_the_history_and_reads_equal_the_old_definitions(history, batches):
    db = new_store(":memory:")
    step = max(1, len(history) // batches)
    for start in range(0, len(history) or 1, step):
        apply(db, history[start:start + step])
        assert_tallies_right(db)
    assert_reads_match_the_old_definitions(db)


@SETTINGS
@given(HISTORY, HISTORY, HISTORY)
def test_merging_copies_keeps_the_tallies_right(shared, here, there):
    with tempfile.TemporaryDirectory() as tmp:
        main = new_store(Path(tmp) / "main.db")
        apply(main, shared)
        main.close()
        with sqlite3.connect(Path(tmp) / "main.db") as a, sqlite3.connect(Path(tmp) / "copy.db") as b:
            a.backup(b)
        main, copy = open_store(Path(tmp) / "main.db"), open_store(Path(tmp) / "copy.db")
        apply(main, here)
        apply(copy, [op for op in there if op[0] not in ("duplicate", "remove")])  # merge brings votes, not dedupe
        copy.close()
        merge(main, Path(tmp) / "copy.db")
        assert_tallies_right(main)
        assert_reads_match_the_old_definitions(main)
        before = main.execute("select * from screening_tallies order by 1, 2").fetchall()
        assert merge(main, Path(tmp) / "copy.db").total == 0
        assert main.execute("select * from screening_tallies order by 1, 2").fetchall() == before
        main.close()


@SETTINGS
@given(HISTORY, HISTORY)
def test_an_older_store_is_backfilled_then_kept(before, after):
    from litmap.migrations import migrations

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old.db"
        old = Database(path)
        migrations.apply(old, stop_before="m003_screening_and_coding_tallies")
        assert "screening_tallies" not in old.table_names()
        with write(old):
            old.execute("insert into sources (id, name, format, sha256, imported_at, records) values (1, 'refs.ris', 'ris', 'abc', ?, ?)",
                        [now(), N_RECORDS])
            old.conn.executemany("insert into records (id, source_id, position, raw) values (?, 1, ?, '{}')",
                                 [(i, i) for i in range(1, N_RECORDS + 1)])
        apply(old, before)
        old.close()
        db = open_store(path)  # the migration backfills
        assert_tallies_right(db)
        assert_reads_match_the_old_definitions(db)
        apply(db, after)
        assert_tallies_right(db)
        db.close()


@SETTINGS
@given(HISTORY, st.lists(st.tuples(st.sampled_from(["decisions", "resolutions", "codings", "coding_resolutions"]),
                                   st.sampled_from(["delete", "update"]), st.integers(min_value=0, max_value=30),
                                   RID), max_size=8))
def test_edits_outside_litmap_keep_the_tallies_right(history, edits):
    # Nothing in litmap updates or deletes these rows, but the store is a public file (sqlite3, Datasette).
    db = new_store(":memory:")
    apply(db, history)
    for table, action, nth, rid in edits:
        ids = [r[0] for r in db.execute(f"select id from {table} order by id")]
        if not ids:
            continue
        row_id = ids[nth % len(ids)]
        if action == "delete":
            db.execute(f"delete from {table} where id = ?", [row_id])
        else:
            db.execute(f"update {table} set record_id = ? where id = ?", [rid, row_id])
        assert_tallies_right(db)
    assert_reads_match_the_old_definitions(db)


def test_decisions_import_and_library_writers_keep_the_tallies_right(tmp_path):
    from litmap.coding.codings import import_csv, resolve as resolve_code, restore_code
    from litmap.screening.conflicts import resolve
    from litmap.screening.decisions import import_decisions, record_vote

    db = new_store(tmp_path / "s.db")
    (tmp_path / "ann.csv").write_text("record_id,decision,reason\n1,include,\n2,exclude,\n3,include,\n", encoding="utf-8")
    (tmp_path / "bob.csv").write_text("record_id,decision\n1,include\n2,include\n3,maybe\n", encoding="utf-8")
    import_decisions(db, tmp_path / "ann.csv", reviewer="ann")
    import_decisions(db, tmp_path / "bob.csv", reviewer="bob")
    record_vote(db, 3, "title-abstract", "bob", "include")
    resolve(db, 2, "title-abstract", "include", by="lead")
    restore_code(db, 1, "theme", "ann", ["a"])
    restore_code(db, 1, "theme", "ann", None)
    (tmp_path / "codes.csv").write_text("record_id,coder,design\n1,ann,survey\n", encoding="utf-8")
    from tests.coding_support import CODEBOOK
    from litmap.coding.codebook import load_codebook

    load_codebook(db, CODEBOOK)
    import_csv(db, tmp_path / "codes.csv")
    resolve_code(db, 1, "design", ["qualitative"], "lead")
    assert_tallies_right(db)
    assert db.execute("select stage, record_id, votes, decision, resolution from screening_tallies order by 2").fetchall() == [
        ("title-abstract", 1, 2, "include", None), ("title-abstract", 2, 2, None, "include"), ("title-abstract", 3, 2, "include", None)]
    assert_reads_match_the_old_definitions(db)
