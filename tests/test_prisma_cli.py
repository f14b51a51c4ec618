"""The CLI around PRISMA: exclude-automatic (ids, file, undo, errors), study link/unlink/list, prisma options."""

from __future__ import annotations

import json

import pytest

from litmap.store import open_store
from prisma_support import ris


@pytest.fixture
def store10(litmap, tmp_path):
    litmap.ok("import", ris(tmp_path / "s.ris", "Scopus", 10), "--source", "Scopus")
    db = open_store(litmap.db)
    db.execute("update records set duplicate_of = 1 where id = 2")
    db.conn.commit()
    yield db
    db.close()


def boxes(litmap) -> dict:
    return json.loads(litmap.ok("prisma", "--format", "json").stdout)


def test_exclude_automatic_from_a_file_with_reasons_and_undo(litmap, store10, tmp_path):
    f = tmp_path / "robot.csv"
    f.write_text("title,record_id,reason\nx,3,not an RCT\ny,4,\nz,2,dup\n", encoding="utf-8")
    result = litmap.ok("exclude-automatic", "--file", f, "--by", "RobotSearch", "--reason", "ineligible")
    assert result.stdout.strip() == "Removed before screening (automation tools): 2 records; 0 already removed"
    assert "Skipped 1 duplicate records (already counted as duplicates): 2" in result.stderr
    rows = store10.execute("select record_id, kind, reason, by from removals order by record_id").fetchall()
    assert rows == [(3, "automation", "not an RCT", "RobotSearch"), (4, "automation", "ineligible", "RobotSearch")]
    assert litmap.ok("exclude-automatic", "3", "--json").stdout.count('"unchanged": [\n    3') == 1
    litmap.ok("exclude-automatic", "5", "--other", "--reason", "retracted")
    b = boxes(litmap)
    assert (b["duplicates"], b["excluded_automatic"], b["excluded_other"], b["records_screened"]) == (1, 2, 1, 6)
    out = litmap.ok("exclude-automatic", "3", "5", "--undo").stdout
    assert "Put back into screening: 1 record " in out and "1 had no such removal" in out
    assert boxes(litmap)["excluded_automatic"] == 1 and boxes(litmap)["records_screened"] == 7


def test_exclude_automatic_errors_change_nothing(litmap, store10, tmp_path):
    r = litmap("exclude-automatic", "3", "99")
    assert r.exit_code == 1 and r.stderr == "Error: record 99: no such record; nothing was changed\n"
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id\n3\nabc\n", encoding="utf-8")
    r = litmap("exclude-automatic", "--file", bad)
    assert r.exit_code == 1 and r.stderr == f"Error: {bad}: line 3: 'abc' is not a record id; ids are the numbers `litmap show` uses\n"
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("title\nfoo\n", encoding="utf-8")
    r = litmap("exclude-automatic", "--file", nocol)
    assert r.exit_code == 1 and "no record_id or id column (columns: title)" in r.stderr
    assert store10.execute("select count(*) from removals").fetchone()[0] == 0
    assert litmap("exclude-automatic").exit_code == 2
    assert litmap("exclude-automatic", "3", "--file", bad).exit_code == 2
    assert litmap("prisma", "--format", "pdf").exit_code == 2


def test_headerless_id_file(litmap, store10, tmp_path):
    f = tmp_path / "ids.csv"
    f.write_text("6\n7\n\n8\n", encoding="utf-8")
    litmap.ok("exclude-automatic", "--file", f)
    assert boxes(litmap)["excluded_automatic"] == 3


def test_study_link_unlink_list(litmap, store10):
    assert litmap.ok("study", "link", "5", "3").stdout.strip() == "Study 3: reports 3, 5"
    assert litmap.ok("study", "link", "3", "5").stdout.strip() == "Study 3: reports 3, 5 (already linked; nothing changed)"
    assert litmap.ok("study", "link", "7", "5").stdout.strip() == "Study 3: reports 3, 5, 7"
    listed = json.loads(litmap.ok("study", "list", "--json").stdout)
    assert [r["record_id"] for r in listed[0]["reports"]] == [3, 5, 7] and listed[0]["study_id"] == 3
    r = litmap("study", "link", "3", "2")
    assert r.exit_code == 1 and r.stderr == "Error: record 2: is a duplicate of record 1; link the canonical record 1 instead\n"
    r = litmap("study", "link", "3", "42")
    assert r.exit_code == 1 and "record 42: no such record" in r.stderr
    assert litmap("study", "link", "4").exit_code == 1
    assert litmap.ok("study", "unlink", "3").stdout.strip() == "Unlinked records 3"
    assert json.loads(litmap.ok("study", "list", "--json").stdout)[0]["study_id"] == 3  # 5 and 7 stay together
    assert litmap.ok("study", "unlink", "5").stdout.strip() == "Unlinked records 5, 7"  # a study of one is dissolved
    assert litmap.ok("study", "list").stdout.startswith("No studies")
    r = litmap("study", "unlink", "4")
    assert r.exit_code == 1 and "record 4: is not linked to a study" in r.stderr
    history = store10.execute("select count(*) from study_links").fetchone()[0]
    assert history == 6  # 2 + 1 link rows, 1 + 2 unlink rows: appended, never overwritten
