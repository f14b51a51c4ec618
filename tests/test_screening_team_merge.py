"""litmap merge: copies of one review exchange votes and the rest by uid; other corpora are refused."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from litmap.errors import StoreError
from litmap.screening.merge import merge
from litmap.store import now, open_store, write

from tests.conftest import Litmap


def ris(path: Path, titles: list[str]) -> Path:
    path.write_text("".join(f"TY  - JOUR\nTI  - {t}\nPY  - 2020\nER  - \n\n" for t in titles), encoding="utf-8")
    return path


def copy_store(src: Path, dst: Path) -> Path:
    """Copy a store file the way a reviewer would after closing litmap (consistent, WAL included)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def vote(db, record_id: int, reviewer: str, decision: str, stage: str = "title-abstract", reason: str | None = None) -> None:
    with write(db):
        db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                   [uuid.uuid4().hex, record_id, stage, reviewer, decision, reason, now()])


def snapshot(db) -> dict:
    """Everything merge brings in, keyed by content (ids may differ between copies)."""
    def rows(sql):
        return sorted(tuple(r) for r in db.execute(sql))
    return {
        "votes": rows("select r.position, v.stage, v.reviewer, v.decision, coalesce(v.reason, '') from current_votes v join records r on r.id = v.record_id"),
        "decisions": rows("select uid from decisions"),
        "resolutions": rows("select x.uid, r.position, x.decision from resolutions x join records r on r.id = x.record_id"),
        "notes": rows("select n.uid, r.position, n.text from notes n join records r on r.id = n.record_id"),
        "retrievals": rows("select uid, retrieved from retrievals"),
        "removals": rows("select uid, kind from removals"),
        "unblindings": rows("select stage, by, created_at from unblindings"),
    }


@pytest.fixture
def two_copies(tmp_path):
    """A review store with two imported files, and a copy of it (the co-reviewer's laptop)."""
    main = tmp_path / "main.db"
    lm = Litmap(main)
    lm.ok("import", ris(tmp_path / "a.ris", [f"Alpha study {i}" for i in range(1, 7)]))
    lm.ok("import", ris(tmp_path / "b.ris", [f"Beta study {i}" for i in range(1, 5)]))
    return main, copy_store(main, tmp_path / "copy.db")


def test_merge_both_ways_gives_equal_votes_and_is_idempotent(two_copies):
    main_path, copy_path = two_copies
    main, copy = open_store(main_path), open_store(copy_path)
    # Make the record ids differ between the copies: the copy's records are renumbered (as after a
    # rebuild); merge must match them by (source file, position), not by id.
    copy.conn.execute("pragma foreign_keys = off")
    with write(copy):
        copy.execute("update records set id = id + 1000")
    copy.conn.execute("pragma foreign_keys = on")
    ids_main = [r[0] for r in main.execute("select id from records order by source_id, position")]
    ids_copy = [r[0] for r in copy.execute("select id from records order by source_id, position")]
    assert ids_main != ids_copy
    for i, rid in enumerate(ids_main[:5]):
        vote(main, rid, "ann", "include" if i % 2 else "exclude")
    for i, rid in enumerate(ids_copy[:7]):
        vote(copy, rid, "bob", "include" if i % 3 else "exclude")
    vote(copy, ids_copy[9], "bob", "exclude", "full-text", "wrong population")
    with write(main):
        main.execute("insert into resolutions (uid, record_id, stage, decision, resolved_by, created_at) values ('res1', ?, 'title-abstract', 'include', 'lead', ?)", [ids_main[1], now()])
        main.execute("insert into unblindings (stage, by, created_at) values ('title-abstract', 'lead', ?)", [now()])
        main.execute("insert into removals (uid, record_id, kind, reason, created_at) values ('rm1', ?, 'other', 'retracted', ?)", [ids_main[8], now()])
    with write(copy):
        copy.execute("insert into notes (uid, record_id, stage, reviewer, text, created_at) values ('n1', ?, 'title-abstract', 'bob', 'check the methods', ?)", [ids_copy[2], now()])
        copy.execute("insert into retrievals (uid, record_id, retrieved, file, created_at) values ('rt1', ?, 1, 'x.pdf', ?)", [ids_copy[3], now()])

    first = merge(main, copy_path)
    assert first.added == {"decisions": 8, "resolutions": 0, "retrievals": 1, "removals": 0, "notes": 1,
                           "codings": 0, "coding_resolutions": 0, "unblindings": 0}
    back = merge(copy, main_path)
    assert back.added["decisions"] == 5 and back.added["resolutions"] == 1 and back.added["removals"] == 1
    assert back.added["unblindings"] == 1
    assert back.present["decisions"] == 8  # bob's own votes came back and were recognised
    assert snapshot(main) == snapshot(copy)
    # The note landed on the right record although the ids differ.
    assert main.execute("select r.title from notes n join records r on r.id = n.record_id").fetchone()[0] == "Alpha study 3"

    before = snapshot(main)
    again = merge(main, copy_path)
    assert again.total == 0 and snapshot(main) == before
    assert merge(copy, main_path).total == 0


def test_dry_run_changes_nothing(two_copies):
    main_path, copy_path = two_copies
    copy = open_store(copy_path)
    vote(copy, 1, "bob", "include")
    copy.close()
    main = open_store(main_path)
    result = merge(main, copy_path, dry_run=True)
    assert result.dry_run and result.added["decisions"] == 1
    assert main.execute("select count(*) from decisions").fetchone()[0] == 0


def test_different_corpus_refused_store_unchanged(tmp_path, two_copies):
    main_path, _ = two_copies
    other = tmp_path / "other.db"
    Litmap(other).ok("import", ris(tmp_path / "c.ris", ["Gamma study"]))
    odb = open_store(other)
    vote(odb, 1, "bob", "include")
    odb.close()
    result = Litmap(main_path)("merge", other)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {other}: not a copy of this review (its sources differ: 'c.ris' not imported here); "
                             "merge only copies made from the same imports\n")
    main = open_store(main_path)
    assert main.execute("select count(*) from decisions").fetchone()[0] == 0


def test_row_whose_record_is_missing_is_an_error_naming_it(two_copies):
    main_path, copy_path = two_copies
    copy = open_store(copy_path)
    vote(copy, 1, "bob", "include")
    copy.close()
    main = open_store(main_path)
    # Simulate a record of that copy without a match here (a.ris position 1 moved away).
    main.conn.execute("pragma foreign_keys = off")
    with write(main):
        main.execute("update records set position = 99 where id = 1")
    with pytest.raises(StoreError, match=r"decisions row [0-9a-f]+: record 1 \('a\.ris' record 1 in that copy\) is not in this store"):
        merge(main, copy_path)
    assert main.execute("select count(*) from decisions").fetchone()[0] == 0


def test_refuses_itself_and_non_stores(tmp_path, two_copies):
    main_path, _ = two_copies
    lm = Litmap(main_path)
    result = lm("merge", main_path)
    assert result.exit_code == 1 and "is this store itself" in result.stderr
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    result = lm("merge", junk)
    assert result.exit_code == 1 and result.stderr == f"Error: {junk}: not a litmap store (not an SQLite database); pass another copy of this review\n"
    result = lm("merge", tmp_path / "nope.db")
    assert result.exit_code == 1 and "no such store" in result.stderr


def test_cli_reports_counts_and_warns_on_older_votes(two_copies):
    main_path, copy_path = two_copies
    copy = open_store(copy_path)
    vote(copy, 1, "ann", "exclude")  # ann voted on her laptop first ...
    copy.close()
    main = open_store(main_path)
    vote(main, 1, "ann", "include")  # ... then on the server
    main.close()
    lm = Litmap(main_path)
    dry = lm.ok("merge", copy_path, "--dry-run")
    assert dry.stdout.startswith(f"Would bring in 1 rows from {copy_path}: 1 decisions")
    result = lm.ok("merge", copy_path)
    assert result.stdout.startswith(f"Brought in 1 rows from {copy_path}: 1 decisions")
    assert result.stderr.startswith("Warning: 1 record got a vote older than the same reviewer's later vote here (record 1)")
    out = json.loads(lm.ok("merge", copy_path, "--json").stdout)
    assert out["added"]["decisions"] == 0 and out["already_here"]["decisions"] == 1
    assert "nothing new" in lm.ok("merge", copy_path).stdout


def test_codings_merge_when_both_have_them(two_copies):
    main_path, copy_path = two_copies
    copy = open_store(copy_path)
    with write(copy):
        copy.execute("insert into codings (uid, record_id, dimension, value, coder, created_at) values ('c1', 2, 'design', '[\"rct\"]', 'bob', ?)", [now()])
        copy.execute("insert into coding_resolutions (uid, record_id, dimension, value, resolved_by, created_at) values ('cr1', 2, 'design', '[\"rct\"]', 'lead', ?)", [now()])
    copy.close()
    main = open_store(main_path)
    result = merge(main, copy_path)
    assert result.added["codings"] == 1 and result.added["coding_resolutions"] == 1
    assert main.execute("select coder, value from codings").fetchall() == [("bob", '["rct"]')]
