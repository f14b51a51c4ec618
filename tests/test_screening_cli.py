"""The screening commands through the real CLI: protocol, decide, decisions import/export, full text,
conflicts, resolve, unblind, status, and the reviewer queue. Records: the 19 real Scopus records of
`corpus/scopus-2000.bib` (the example review's corpus)."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from litmap.screening.queue import reviewer_queue
from litmap.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "scopus-2000.bib"

PROTOCOL = '''title = "Online risks"
reviewers = ["ana", "ben"]
adjudicators = ["lead"]
inclusion = ["Children or adolescents"]
ft_reasons = ["Population: no children or adolescents", "Not ICT-facilitated", "Not research"]
'''


def rows(db_path: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def count(db_path: Path, table: str) -> int:
    return rows(db_path, f"select count(*) from {table}")[0][0]


@pytest.fixture
def review(litmap, tmp_path):
    """A store with the protocol and 19 imported records."""
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL, encoding="utf-8")
    litmap.ok("init", "--protocol", protocol)
    litmap.ok("import", CORPUS, "--source", "Scopus")
    return litmap


def write_csv(path: Path, header: list[str], data: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(data)
    return path


def vote_all(litmap, ids, decisions_by_reviewer: dict[str, dict[int, str]], stage="ta"):
    for reviewer, decided in decisions_by_reviewer.items():
        for rid in ids:
            litmap.ok("decide", rid, decided.get(rid, "exclude"), "--reviewer", reviewer, "--stage", stage,
                      *(["--reason", "3"] if stage == "ft" and decided.get(rid, "exclude") == "exclude" else []))


def status(litmap) -> dict:
    return json.loads(litmap.ok("status", "--json").stdout)


# ---------------------------------------------------------------- protocol

def test_protocol_errors_name_file_line_and_key_and_create_nothing(litmap, tmp_path, db_path):
    bad = tmp_path / "p.toml"
    bad.write_text('title = "x"\nreviewers = ["ana"]\nvotes_required = 3\n\nft_reason = ["a"]\n', encoding="utf-8")
    result = litmap("init", "--protocol", bad)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {bad}: line 5: ft_reason: unknown key (did you mean ft_reasons?); a protocol takes "
                             "title, question, description, version, inclusion, exclusion, include_keywords, exclude_keywords, "
                             "ta_reasons, ft_reasons, reviewers, adjudicators, coders, votes_required, calibration_sample, "
                             "previous_studies, previous_reports, dual_coding (and 1 more problem)\n")
    assert not db_path.exists()
    bad.write_text('reviewers = "ana"\nvotes_required = 3\n', encoding="utf-8")
    result = litmap("init", "--protocol", bad)
    assert result.stderr.startswith(f"Error: {bad}: line 2: votes_required: is 3 but only 1 reviewer(s) are named")
    bad.write_text('inclusion = ["a", 3]\n', encoding="utf-8")
    assert "line 1: inclusion: must be a list of non-empty strings" in litmap("init", "--protocol", bad).stderr
    bad.write_text('title = \n', encoding="utf-8")
    assert "not valid TOML" in litmap("init", "--protocol", bad).stderr
    assert not db_path.exists()


def test_init_refuses_an_existing_store_and_protocol_load_keeps_history(review, tmp_path, db_path):
    again = review("init")
    assert again.exit_code == 1 and "a store exists here already" in again.stderr
    p = tmp_path / "protocol.toml"
    same = review.ok("protocol", "load", p)
    assert "same as the current protocol (version 1); nothing changed" in same.stdout
    p.write_text(PROTOCOL.replace('"Online risks"', '"Online risks, v2"'), encoding="utf-8")
    review.ok("protocol", "load", p)
    history = json.loads(review.ok("protocol", "history", "--json").stdout)
    assert [h["id"] for h in history] == [1, 2]
    shown = json.loads(review.ok("protocol", "show", "--json").stdout)
    assert shown["title"] == "Online risks, v2" and shown["ft_reasons"][1] == "Not ICT-facilitated"
    bad = tmp_path / "bad.toml"
    bad.write_text('votes_required = "two"\n', encoding="utf-8")
    assert review("protocol", "load", bad).exit_code == 1
    assert count(db_path, "protocols") == 2


# ---------------------------------------------------------------- decide

def test_decide_checks_reviewer_decision_and_record(review, db_path):
    out = review.ok("decide", "1", "yes", "--reviewer", "ana", "--json").stdout
    assert json.loads(out) == {"record_id": 1, "stage": "title-abstract", "reviewer": "ana", "decision": "include",
                               "reason": None, "previous": None, "votes": 1, "required": 2}
    changed = review.ok("decide", "1", "exclude", "--reviewer", "ana").stdout
    assert changed == "Record 1 at title-abstract: ana votes exclude (was include); 1 of 2 votes in\n"
    for args, message in [
        (["1", "include", "--reviewer", "zoe"], "Error: 'zoe' is not a reviewer in the protocol (reviewers: ana, ben)"),
        (["1", "perhaps", "--reviewer", "ana"], "Error: unknown decision 'perhaps'"),
        (["999", "include", "--reviewer", "ana"], "Error: no record 999 in this store"),
        (["1", "include", "--reviewer", "ana", "--stage", "ft"], "Error: record 1 is not up for full-text screening"),
        (["1", "include", "--reviewer", "ana", "--stage", "abstract"], "Error: unknown stage 'abstract'"),
    ]:
        result = review(*(["decide"] + args))
        assert result.exit_code == 1 and result.stderr.startswith(message), result.stderr
    assert rows(db_path, "select record_id, reviewer, decision from decisions order by id") == [(1, "ana", "include"), (1, "ana", "exclude")]


def test_a_merged_duplicate_is_not_screened_but_named(review, db_path):
    db = open_store(db_path)
    db.execute("update records set duplicate_of = 2 where id = 5")
    db.conn.commit()
    db.close()
    result = review("decide", "5", "include", "--reviewer", "ana")
    assert result.exit_code == 1
    assert result.stderr == "Error: record 5 was merged into record 2 as a duplicate; vote on 2\n"


# ---------------------------------------------------------------- decisions import / export

def test_decisions_import_all_or_nothing_with_line_numbers(review, tmp_path, db_path):
    keys = dict(rows(db_path, "select id, source_key from records"))
    bad = write_csv(tmp_path / "bad.csv", ["source_key", "decision", "reason", "note"], [
        [keys[1], "include", "", ""],
        [keys[2], "perhaps", "", ""],
        ["NoSuchKey", "exclude", "", ""],
        [keys[3], "exclude", "", "fine"],
    ])
    result = review("decisions", "import", bad, "--reviewer", "ana")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {bad}: line 3: decision 'perhaps' is not include, exclude or maybe "
                             "(and 1 more problem); fix the file and import it again; nothing was imported\n")
    assert count(db_path, "decisions") == 0
    good = write_csv(tmp_path / "good.csv", ["record_id", "decision", "note"], [
        [1, "1", "a child sample"], [2, "0", ""], [3, "", ""], [4, "maybe", ""], [5, "Excluded", ""],
    ])
    out = json.loads(review.ok("decisions", "import", good, "--reviewer", "ana", "--json").stdout)
    assert out["added"] == {"include": 1, "exclude": 2, "maybe": 1} and out["blank"] == 1 and out["unchanged"] == 0
    assert rows(db_path, "select note from decisions where record_id = 1") == [("a child sample",)]
    again = json.loads(review.ok("decisions", "import", good, "--reviewer", "ana", "--json").stdout)
    assert again["added"] == {"include": 0, "exclude": 0, "maybe": 0} and again["unchanged"] == 4
    assert count(db_path, "decisions") == 4


def test_decisions_import_sends_a_duplicates_vote_to_its_root_and_refuses_two_votes_for_one_study(review, tmp_path, db_path):
    keys = dict(rows(db_path, "select id, source_key from records"))
    db = open_store(db_path)
    db.execute("update records set duplicate_of = 2 where id = 5")
    db.conn.commit()
    db.close()
    f = write_csv(tmp_path / "v.csv", ["source_key", "decision"], [[keys[2], "include"], [keys[5], "include"]])
    out = json.loads(review.ok("decisions", "import", f, "--reviewer", "ben", "--json").stdout)
    assert out["added"]["include"] == 1 and out["via_duplicate"] == 1
    assert rows(db_path, "select record_id from decisions") == [(2,)]
    f = write_csv(tmp_path / "w.csv", ["source_key", "decision"], [[keys[2], "include"], [keys[5], "exclude"]])
    result = review("decisions", "import", f, "--reviewer", "ana")
    assert result.exit_code == 1
    assert "line 3: record 2 already has a different vote on line 2 (both rows name the same study" in result.stderr


def test_decisions_export_has_every_row_including_withdrawals(review, tmp_path):
    review.ok("decide", "1", "include", "--reviewer", "ana", "--note", "kids")
    review.ok("decide", "1", "exclude", "--reviewer", "ana")
    db = open_store(review.db)
    from litmap.screening.decisions import undo_vote
    undo_vote(db, 1, "ta", "ana")
    db.close()
    out = tmp_path / "votes.csv"
    review.ok("decisions", "export", out)
    got = list(csv.DictReader(open(out, encoding="utf-8")))
    assert [(r["record_id"], r["reviewer"], r["decision"], r["note"]) for r in got] == [
        ("1", "ana", "include", "kids"), ("1", "ana", "exclude", ""), ("1", "ana", "undo", "")]
    assert got[0]["source_key"] and got[0]["stage"] == "title-abstract" and got[0]["created_at"]


# ---------------------------------------------------------------- conflicts, resolve, full text

def _to_full_text(review, ids=(1, 2, 3, 4)):
    """Both reviewers include `ids` at title/abstract, exclude the rest; full texts retrieved."""
    vote_all(review, range(1, 20), {"ana": {i: "include" for i in ids}, "ben": {i: "include" for i in ids}})
    review.ok("fulltext", *map(str, ids), "--retrieved")


def test_conflicts_kinds_and_json_shape(review):
    vote_all(review, range(1, 20), {"ana": {1: "include", 2: "maybe", 3: "include"}, "ben": {1: "exclude", 2: "exclude", 3: "include"}})
    found = json.loads(review.ok("conflicts", "--json").stdout)
    assert [(c["record_id"], c["kind"]) for c in found] == [(1, "include vs exclude"), (2, "maybe")]
    assert found[0]["stage"] == "title-abstract"
    assert [(v["reviewer"], v["decision"]) for v in found[0]["votes"]] == [("ana", "include"), ("ben", "exclude")]
    table = review.ok("conflicts").stdout
    assert "Conflicts at title-abstract (2)" in table and "include vs exclude" in table


def test_full_text_conflict_on_different_reasons_and_resolution_rules(review, db_path):
    _to_full_text(review)
    review.ok("decide", "1", "exclude", "--reviewer", "ana", "--stage", "ft", "--reason", "1")
    review.ok("decide", "1", "exclude", "--reviewer", "ben", "--stage", "ft", "--reason", "not ict")
    review.ok("decide", "2", "exclude", "--reviewer", "ana", "--stage", "ft", "--reason", "Population")
    review.ok("decide", "2", "exclude", "--reviewer", "ben", "--stage", "ft", "--reason", "population: NO children or adolescents")
    no_reason = review("decide", "3", "exclude", "--reviewer", "ana", "--stage", "ft")
    assert no_reason.exit_code == 1 and "an exclusion at full text needs a reason" in no_reason.stderr
    wrong = review("decide", "3", "exclude", "--reviewer", "ana", "--stage", "ft", "--reason", "boring")
    assert wrong.exit_code == 1 and "reason 'boring' is not one of the protocol's full-text reasons" in wrong.stderr
    found = json.loads(review.ok("conflicts", "--stage", "ft", "--json").stdout)
    assert [(c["record_id"], c["kind"]) for c in found] == [(1, "different reasons")]
    assert {v["reason"] for v in found[0]["votes"]} == {"Population: no children or adolescents", "Not ICT-facilitated"}
    refused = review("resolve", "1", "exclude", "--by", "ana", "--stage", "ft", "--reason", "2")
    assert refused.exit_code == 1 and "'ana' may not resolve conflicts: the protocol's adjudicators are lead" in refused.stderr
    review.ok("resolve", "1", "include", "--by", "lead", "--stage", "ft")
    review.ok("resolve", "1", "exclude", "--by", "lead", "--stage", "ft", "--reason", "2", "--note", "no ICT after all")
    assert review.ok("conflicts", "--stage", "ft").stdout == "No conflicts at full-text.\n"
    ft = status(review)["stages"]["full-text"]
    assert ft["excluded"] == 2 and ft["resolved_excluded"] == 1 and ft["awaiting"] == 0 and ft["unscreened"] == 2
    assert rows(db_path, "select decision, reason, note from resolutions where record_id = 1 order by id") == [
        ("include", None, None), ("exclude", "Not ICT-facilitated", "no ICT after all")]


def test_only_retrieved_reports_are_screened_at_full_text(review, tmp_path, db_path):
    vote_all(review, range(1, 20), {"ana": {1: "include", 2: "include", 3: "include"}, "ben": {1: "include", 2: "include", 3: "include"}})
    not_sought = review("fulltext", "7", "--retrieved")
    assert not_sought.exit_code == 1 and "record 7 is not a report sought" in not_sought.stderr
    keys = dict(rows(db_path, "select id, source_key from records"))
    bad = write_csv(tmp_path / "r.csv", ["source_key", "retrieved", "file", "reason"],
                    [[keys[1], "yes", "a.pdf", ""], [keys[2], "perhaps", "", ""]])
    result = review("fulltext", "import", bad)
    assert result.exit_code == 1 and "line 3: retrieved is 'perhaps'; use yes or no" in result.stderr
    assert count(db_path, "retrievals") == 0
    good = write_csv(tmp_path / "r2.csv", ["source_key", "retrieved", "file", "reason"],
                     [[keys[1], "yes", "a.pdf", ""], [keys[2], "no", "", "not held"]])
    assert review.ok("fulltext", "import", good).stdout == f"{good}: 1 retrieved, 1 not retrieved\n"
    listed = json.loads(review.ok("fulltext", "list", "--json").stdout)
    assert [(r["record_id"], r["state"], r["file"] or r["reason"]) for r in listed] == [
        (1, "retrieved", "a.pdf"), (2, "not retrieved", "not held"), (3, "awaiting", None)]
    ft = status(review)["stages"]["full-text"]
    assert ft["in_scope"] == 1 and ft["retrieval"] == {"sought": 3, "retrieved": 1, "not_retrieved": 1, "awaiting": 1}
    assert review("decide", "2", "include", "--reviewer", "ana", "--stage", "ft").exit_code == 1
    # Found later after all: the latest retrieval row counts.
    review.ok("fulltext", "2", "--retrieved", "--file", "b.pdf")
    review.ok("decide", "2", "include", "--reviewer", "ana", "--stage", "ft")


def test_resolution_by_anyone_without_adjudicators_and_by_anyone_without_protocol(litmap, tmp_path):
    litmap.ok("import", CORPUS)
    litmap.ok("decide", "1", "include", "--reviewer", "x")
    litmap.ok("decide", "1", "exclude", "--reviewer", "y")
    assert "resolved include by whoever" in litmap.ok("resolve", "1", "include", "--by", "whoever").stdout
    p = tmp_path / "p.toml"
    p.write_text('reviewers = ["x", "y"]\n', encoding="utf-8")
    litmap.ok("protocol", "load", p)
    assert litmap("resolve", "1", "include", "--by", "whoever").exit_code == 1
    assert litmap.ok("resolve", "1", "exclude", "--by", "y").stdout.startswith("Record 1 at title-abstract: resolved exclude by y")


def test_unblind_only_by_the_lead_and_once(review, db_path):
    assert review("unblind", "--by", "ana").exit_code == 1
    assert review.ok("unblind", "--by", "lead").stdout == "title-abstract is now unblinded\n"
    assert review.ok("unblind", "--by", "lead").stdout == "title-abstract is already unblinded\n"
    assert rows(db_path, "select stage, by from unblindings") == [("title-abstract", "lead")]


# ---------------------------------------------------------------- status and queue

def test_status_counts_every_state(review):
    review.ok("decide", "1", "include", "--reviewer", "ana")
    review.ok("decide", "1", "include", "--reviewer", "ben")
    review.ok("decide", "2", "exclude", "--reviewer", "ana")
    review.ok("decide", "2", "exclude", "--reviewer", "ben")
    review.ok("decide", "3", "include", "--reviewer", "ana")
    review.ok("decide", "3", "exclude", "--reviewer", "ben")
    review.ok("decide", "4", "include", "--reviewer", "ana")
    review.ok("decide", "5", "maybe", "--reviewer", "ana")
    review.ok("decide", "5", "include", "--reviewer", "ben")
    review.ok("resolve", "5", "include", "--by", "lead")
    s = status(review)
    assert s["votes_required"] == 2
    assert s["stages"]["title-abstract"] == {
        "in_scope": 19, "unscreened": 14, "awaiting": 1, "conflicts": 1, "included": 2, "excluded": 1,
        "resolved_included": 1, "resolved_excluded": 0, "reviewers": {"ana": 5, "ben": 4}}
    assert s["stages"]["full-text"]["retrieval"] == {"sought": 2, "retrieved": 0, "not_retrieved": 0, "awaiting": 2}
    text = review.ok("status", env={"COLUMNS": "80"}).stdout
    assert "title-abstract" in text and "Votes at title-abstract: ana 5, ben 4" in text
    # A column per stage, a row per count: the table fits 80 columns uncut.
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]] for line in text.splitlines() if line.count("│") == 4}
    assert rows["unscreened"][0] == "14" and rows["in conflict"][0] == "1" and rows["of those, resolved"][0] == "1 (1 incl., 0 excl.)"


def test_reviewer_queue_skips_own_votes_full_records_and_resolutions(review, db_path, tmp_path):
    review.ok("decide", "1", "include", "--reviewer", "ana")
    review.ok("decide", "2", "include", "--reviewer", "ben")
    review.ok("resolve", "3", "exclude", "--by", "lead")
    db = open_store(db_path)
    assert reviewer_queue(db, "ta", "ana")[:3] == [2, 4, 5]
    assert 1 not in reviewer_queue(db, "ta", "ana") and 3 not in reviewer_queue(db, "ta", "ben")
    db.close()
    review.ok("decide", "2", "exclude", "--reviewer", "ana")  # record 2 now has its two votes
    p = tmp_path / "protocol.toml"
    p.write_text(PROTOCOL + "calibration_sample = 3\n", encoding="utf-8")
    review.ok("protocol", "load", p)
    db = open_store(db_path)
    # The calibration sample (records 1-3) comes first for every reviewer, whatever its vote count,
    # but not records already resolved or voted on by this reviewer.
    assert reviewer_queue(db, "ta", "ben")[:3] == [1, 4, 5]
    assert reviewer_queue(db, "ta", "ana")[:2] == [4, 5]
    db.close()


def test_included_sql_equals_the_outcome_filter(review, db_path):
    """The fast included-set query agrees with the outcome definition, record for record."""
    from litmap.screening.outcomes import included_sql, outcome_sql
    _to_full_text(review, ids=(1, 2, 3, 4, 5, 6))
    review.ok("fulltext", "6", "--not-retrieved")
    for rid, a, b in [(1, "include", "include"), (2, "include", "exclude"), (3, "exclude", "exclude"), (4, "maybe", "include"),
                      (6, "include", "include")]:
        for reviewer, d in (("ana", a), ("ben", b)):
            if rid == 6:
                continue
            review.ok("decide", rid, d, "--reviewer", reviewer, "--stage", "ft", *(["--reason", "2"] if d == "exclude" else []))
    review.ok("resolve", "2", "include", "--by", "lead", "--stage", "ft")
    review.ok("resolve", "7", "include", "--by", "lead")  # included at title/abstract by resolution, never retrieved
    db = open_store(db_path)
    for stage in ("ta", "ft"):
        slow = [r[0] for r in db.execute(f"select record_id from ({outcome_sql(stage)}) where status = 'included' order by 1", {"required": 2})]
        fast = sorted(r[0] for r in db.execute(included_sql(stage), {"required": 2}))
        assert fast == slow
    assert fast == [1, 2]
    db.close()
