"""Screening agreement: hand-checked against published worked examples; library and CLI."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path

import pytest

from litmap.screening.agreement import Table2x2, agreement, compute, gwet_ac1
from litmap.coding.agreement import krippendorff_alpha
from litmap.store import now, open_store, write


def make_store(path: Path, n: int):
    """A store with one source of `n` records (inserted directly: agreement reads only votes)."""
    db = open_store(path)
    with write(db):
        db.execute("insert into sources (id, name, format, sha256, imported_at, records) values (1, 'refs.ris', 'ris', 'abc', ?, ?)", [now(), n])
        db.conn.executemany("insert into records (id, source_id, position, title, raw) values (?, 1, ?, ?, '{}')",
                            [(i, i, f"Record {i}") for i in range(1, n + 1)])
    return db


def vote(db, record_id: int, reviewer: str, decision: str, stage: str = "title-abstract") -> None:
    with write(db):
        db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, ?, ?, ?, ?)",
                   [uuid.uuid4().hex, record_id, stage, reviewer, decision, now()])


def table_votes(db, a: int, b: int, c: int, d: int, first: str = "ann", second: str = "bob") -> None:
    """Votes giving the 2x2 table (a both include, b first only, c second only, d both exclude)."""
    rid = 0
    for cell, (x, y) in ((a, ("include", "include")), (b, ("include", "exclude")), (c, ("exclude", "include")), (d, ("exclude", "exclude"))):
        for _ in range(cell):
            rid += 1
            vote(db, rid, first, x)
            vote(db, rid, second, y)


# ------------------------------------------------------------------ published worked examples

def test_cohen_kappa_wikipedia_example():
    # Wikipedia "Cohen's kappa", worked example: 50 proposals, both yes 20, A yes/B no 5, A no/B yes 10,
    # both no 15. Po = 35/50 = 0.70; A says yes 25/50 = .5, B says yes 30/50 = .6;
    # Pe = .5*.6 + .5*.4 = 0.50; kappa = (.70 - .50)/(1 - .50) = 0.40 ("fair").
    t = Table2x2(20, 5, 10, 15)
    assert t.percent_agreement == pytest.approx(0.70)
    assert t.cohen_kappa == pytest.approx(0.40)
    assert t.band == "fair"
    # PABAK = 2*.70 - 1 = 0.40.
    assert t.pabak == pytest.approx(0.40)
    # AC1 by hand: pi = (.5 + .6)/2 = .55; Pe' = 2*.55*.45 = .495; AC1 = (.70 - .495)/(1 - .495) = .205/.505 = 0.405941.
    assert t.gwet_ac1 == pytest.approx(0.205 / 0.505)


def test_gwet_ac1_high_prevalence_paradox():
    # The kappa paradox that AC1 answers (Feinstein & Cicchetti 1990; Gwet 2008; Wongpakaran et al. 2013,
    # BMC Med Res Methodol 13:61): high agreement with skewed margins makes kappa collapse while AC1 stays
    # near Po. An illustrative table (not copied from those papers), a=118, b=5, c=2, d=0 (N=125), by hand:
    # Po = 118/125 = 0.944. Kappa: Pe = (123*120 + 2*5)/125^2 = (14760 + 10)/15625 = 0.94528;
    # kappa = (0.944 - 0.94528)/(1 - 0.94528) = -0.00128/0.05472 = -0.023392 (poor, despite 94% agreement).
    # AC1: pi = (123/125 + 120/125)/2 = 0.972; Pe' = 2*.972*.028 = 0.054432;
    # AC1 = (0.944 - 0.054432)/(1 - 0.054432) = 0.889568/0.945568 = 0.940776.
    t = Table2x2(118, 5, 2, 0)
    assert t.percent_agreement == pytest.approx(0.944)
    assert t.cohen_kappa == pytest.approx(-0.00128 / 0.05472)
    assert t.band == "poor"
    assert gwet_ac1(118, 5, 2, 0) == pytest.approx(0.889568 / 0.945568)
    assert t.pabak == pytest.approx(0.888)


def test_krippendorff_alpha_2011_nominal_example_with_missing_data():
    # Krippendorff (2011) "Computing Krippendorff's alpha-reliability", section C: 4 observers, 12 units,
    # values 1-5, missing cells; nominal alpha = 0.743.
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    units = [[row[u] for row in rows.values() if row[u] is not None] for u in range(12)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_screening_alpha_three_reviewers_missing_votes_by_hand():
    # 3 reviewers, 5 records, include=1 exclude=0:
    #   r1: ann 1, bob 1, cat 1        -> pairable, m=3
    #   r2: ann 0, bob 0               -> m=2
    #   r3: ann 1, bob 0, cat 0        -> m=3
    #   r4: ann 0, cat 0               -> m=2
    #   r5: bob 1                      -> one vote, not pairable
    # Coincidences o_ck: r1 adds o11 += 3*2/(3-1) = 3; r2 o00 += 2; r3 values {1,0,0}: o10 += 2/2 = 1,
    # o01 += 1, o00 += 2/2 = 1; r4 o00 += 2. o11=3, o00=5, o10=o01=1. n1 = 4, n0 = 6, n = 10.
    # Do = o10 + o01 = 2; De = 2*n1*n0/(n-1) = 2*24/9 = 5.333; alpha = 1 - (n-1)*2/(2*n1*n0) = 1 - 18/48 = 0.625.
    votes = {1: {"ann": "include", "bob": "include", "cat": "include"}, 2: {"ann": "exclude", "bob": "exclude"},
             3: {"ann": "include", "bob": "exclude", "cat": "exclude"}, 4: {"ann": "exclude", "cat": "exclude"},
             5: {"bob": "include"}}
    result = compute(votes)
    assert result.krippendorff_alpha == pytest.approx(0.625)
    assert result.records == 4
    # Pairs: ann&bob over r1,r2,r3 -> a=1 (r1), b=1 (r3: ann incl, bob excl), d=1 (r2).
    pairs = {p.reviewers: p.table for p in result.pairs}
    assert (pairs["ann", "bob"].a, pairs["ann", "bob"].b, pairs["ann", "bob"].c, pairs["ann", "bob"].d) == (1, 1, 0, 1)
    # ann&cat over r1,r3,r4 -> a=1, b=1 (r3), d=1 (r4); bob&cat over r1,r3 -> a=1, d=1.
    assert (pairs["ann", "cat"].a, pairs["ann", "cat"].b, pairs["ann", "cat"].d) == (1, 1, 1)
    assert (pairs["bob", "cat"].a, pairs["bob", "cat"].d, pairs["bob", "cat"].n) == (1, 1, 2)
    # Pooled: a=3, b=2, c=0, d=3 (N=8).
    assert result.pooled and (result.overall.a, result.overall.b, result.overall.c, result.overall.d) == (3, 2, 0, 3)
    assert any("pool" in n for n in result.notes)


# ------------------------------------------------------------------ degenerate cases

def test_no_votes_gives_nulls_with_explanation():
    result = compute({})
    assert result.pairs == () and result.overall.n == 0
    assert result.overall.cohen_kappa is None and result.overall.gwet_ac1 is None and result.krippendorff_alpha is None
    assert result.notes and "reviewer" in result.notes[0]


def test_all_votes_one_category_kappa_undefined_pabak_defined():
    votes = {i: {"ann": "exclude", "bob": "exclude"} for i in range(10)}
    result = compute(votes)
    t = result.overall
    assert t.cohen_kappa is None and t.band == "n/a"
    assert t.pabak == 1.0 and t.gwet_ac1 == 1.0
    assert result.krippendorff_alpha is None
    assert any("kappa is undefined" in n for n in result.notes)
    assert any("alpha is undefined" in n for n in result.notes)


def test_single_reviewer_only():
    result = compute({1: {"ann": "include"}, 2: {"ann": "exclude"}})
    assert result.pairs == () and result.overall.percent_agreement is None
    assert "1 reviewer(s)" in result.notes[0]


# ------------------------------------------------------------------ from the store

def test_store_uses_current_raw_votes_maybe_as_include_and_ignores_resolutions(tmp_path):
    db = make_store(tmp_path / "s.db", 60)
    table_votes(db, 20, 5, 10, 15)
    # A changed vote: the latest row counts (record 1, both include, becomes c if ann switches to exclude).
    vote(db, 1, "ann", "exclude")
    vote(db, 1, "ann", "include")  # and back again: table unchanged
    # "maybe" counts as include: record 51 ann maybe, bob include -> a.
    vote(db, 51, "ann", "maybe")
    vote(db, 51, "bob", "include")
    # An undo withdraws a vote: record 52 is then voted by bob only -> not in the table.
    vote(db, 52, "ann", "include")
    vote(db, 52, "ann", "undo")
    vote(db, 52, "bob", "exclude")
    # A full-text vote does not count at title/abstract.
    vote(db, 53, "ann", "include", "full-text")
    vote(db, 53, "bob", "exclude", "full-text")
    # A resolution of a conflict does not change agreement.
    with write(db):
        db.execute("insert into resolutions (uid, record_id, stage, decision, resolved_by, created_at) values ('r1', 21, 'title-abstract', 'include', 'lead', ?)", [now()])
    result = agreement(db, "ta")
    t = result.overall
    assert (t.a, t.b, t.c, t.d) == (21, 5, 10, 15)
    assert result.pairs[0].reviewers == ("ann", "bob") and not result.pooled
    ft = agreement(db, "ft")
    assert (ft.overall.a, ft.overall.b, ft.overall.c, ft.overall.d) == (0, 1, 0, 0)


def test_cli_json_and_table(tmp_path, litmap):
    db = make_store(litmap.db, 50)
    table_votes(db, 20, 5, 10, 15)
    db.close()
    out = json.loads(litmap.ok("agreement", "--json").stdout)
    assert set(out["overall"]) >= {"n", "percent_agreement", "cohen_kappa", "pabak", "gwet_ac1", "krippendorff_alpha"}
    assert out["overall"]["n"] == 50
    assert out["overall"]["cohen_kappa"] == pytest.approx(0.4)
    # Two coders, nominal, no missing data: alpha = 1 - (n-1) Do/De with n = 100 values:
    # o_ie = 15 each way, n_incl = 2*20 + 5 + 10 = 55, n_excl = 45; alpha = 1 - 99*30/(2*55*45) = 0.4
    assert out["overall"]["krippendorff_alpha"] == pytest.approx(1 - 99 * 30 / (2 * 55 * 45))
    [pair] = out["pairs"]
    assert pair["reviewers"] == ["ann", "bob"] and (pair["a"], pair["b"], pair["c"], pair["d"]) == (20, 5, 10, 15)
    assert pair["band"] == "fair"
    text = litmap.ok("agreement").stdout
    assert "ann & bob" in text and "0.400" in text and "fair" in text and "70.0%" in text
    assert "Krippendorff's alpha" in text


def test_cli_empty_store_explains(litmap):
    make_store(litmap.db, 3).close()
    result = litmap.ok("agreement", "--stage", "ft")
    assert "n/a" in result.stdout
    assert "Note: 0 reviewer(s) voted at full-text" in result.stderr
    out = json.loads(litmap.ok("agreement", "--json").stdout)
    assert out["overall"]["cohen_kappa"] is None and out["pairs"] == []


def test_cli_bad_stage(litmap):
    make_store(litmap.db, 1).close()
    result = litmap("agreement", "--stage", "abstracts")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown stage 'abstracts'")


def test_cli_three_reviewers_pooled(litmap):
    db = make_store(litmap.db, 5)
    votes = {1: {"ann": "include", "bob": "include", "cat": "include"}, 2: {"ann": "exclude", "bob": "exclude"},
             3: {"ann": "include", "bob": "exclude", "cat": "exclude"}, 4: {"ann": "exclude", "cat": "exclude"}, 5: {"bob": "include"}}
    for rid, by in votes.items():
        for who, decision in by.items():
            vote(db, rid, who, decision)
    db.close()
    result = litmap.ok("agreement")
    assert "all pairs (pooled)" in result.stdout and "8 pairs" in result.stdout
    assert "0.625" in result.stdout  # alpha, hand-computed in test_screening_alpha_three_reviewers_missing_votes_by_hand
    assert "pool the 3 pairwise tables" in result.stderr
    out = json.loads(litmap.ok("agreement", "--json").stdout)
    assert out["overall"]["pooled"] is True and out["overall"]["n"] == 4 and out["overall"]["pooled_pairs"] == 8
    assert [p["reviewers"] for p in out["pairs"]] == [["ann", "bob"], ["ann", "cat"], ["bob", "cat"]]


# ------------------------------------------------------------------ properties

from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_two_reviewer_properties(pairs):
    votes = {i: {"ann": "include" if x else "exclude", "bob": "maybe" if y else "exclude"} for i, (x, y) in enumerate(pairs)}
    result = compute(votes)
    t = result.overall
    assert t.n == len(pairs) == result.records
    assert (t.a, t.b, t.c, t.d) == (sum(x and y for x, y in pairs), sum(x and not y for x, y in pairs),
                                    sum(y and not x for x, y in pairs), sum(not x and not y for x, y in pairs))
    assert -1 <= t.pabak <= 1 and t.gwet_ac1 <= 1 + 1e-12
    assert t.cohen_kappa is None or -1 <= t.cohen_kappa <= 1 + 1e-12
    # Swapping the reviewers mirrors the table and changes no statistic.
    swapped = compute({i: {"ann": by["bob"], "bob": by["ann"]} for i, by in votes.items()}).overall
    assert (swapped.b, swapped.c) == (t.c, t.b)
    for name in ("percent_agreement", "cohen_kappa", "pabak", "gwet_ac1"):
        assert getattr(swapped, name) == pytest.approx(getattr(t, name))
    # Two coders, no missing data: Krippendorff's alpha in closed form,
    # 1 - (2N - 1) * 2(b + c) / (2 n_incl n_excl) with n_incl/n_excl the include/exclude values of both coders.
    n_incl, n_excl = 2 * t.a + t.b + t.c, 2 * t.d + t.b + t.c
    expected = None if n_incl == 0 or n_excl == 0 else 1 - (2 * t.n - 1) * 2 * (t.b + t.c) / (2 * n_incl * n_excl)
    assert result.krippendorff_alpha == (None if expected is None else pytest.approx(expected))



def _per_record_reference(votes):
    """The statistics' inputs counted record by record (no grouping): pairwise tables and alpha units."""
    reviewers = sorted({who for by in votes.values() for who in by})
    cells = {p: [0, 0, 0, 0] for p in itertools.combinations(reviewers, 2)}
    units = []
    for by in votes.values():
        if len(by) < 2:
            continue
        units.append(["include" if d != "exclude" else "exclude" for d in by.values()])
        for p in itertools.combinations(sorted(by), 2):
            x, y = by[p[0]] != "exclude", by[p[1]] != "exclude"
            cells[p][0 if x and y else 1 if x else 2 if y else 3] += 1
    return cells, units


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 200), st.dictionaries(st.sampled_from(["ann", "bob", "cy", "dee"]),
                                                         st.sampled_from(["include", "exclude", "maybe"]), max_size=4),
                       max_size=80))
def test_many_reviewers_with_missing_votes_equal_a_per_record_count(votes):
    cells, units = _per_record_reference(votes)
    result = compute(votes)
    assert result.records == len(units)
    assert {p.reviewers: (p.table.a, p.table.b, p.table.c, p.table.d) for p in result.pairs} == {
        p: tuple(c) for p, c in cells.items() if sum(c)}
    expected = krippendorff_alpha(units)
    assert result.krippendorff_alpha == (None if expected is None else pytest.approx(expected))


# ------------------------------------------------------------------ real data

import csv  # noqa: E402

from tests.conftest import SHARED_DATA, needs_shared  # noqa: E402


@needs_shared
def test_nagtegaal_two_scripted_reviewers(tmp_path):
    """Nagtegaal 2019 (CC0): ann votes the published title/abstract labels; bob flips every 25th
    record and says maybe on every 40th. The expected table is counted from the CSV directly."""
    from litmap.ingest import import_files

    path = SHARED_DATA / "screening" / "Nagtegaal_2019.csv"
    labels = [row["label_abstract_screening"] == "1" for row in csv.DictReader(path.open(encoding="utf-8"))]
    db = open_store(tmp_path / "n.db")
    import_files(db, [path])
    ids = dict(db.execute("select position, id from records").fetchall())
    assert len(ids) == len(labels) == 2019
    expected = [0, 0, 0, 0]
    with write(db):
        for pos, inc in enumerate(labels, 1):
            ann = "include" if inc else "exclude"
            bob_inc = (not inc) if pos % 25 == 0 else inc
            bob = "maybe" if pos % 40 == 0 else "include" if bob_inc else "exclude"
            for who, d in (("ann", ann), ("bob", bob)):
                db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, 'title-abstract', ?, ?, ?)",
                           [uuid.uuid4().hex, ids[pos], who, d, now()])
            b_yes = bob != "exclude"
            expected[0 if inc and b_yes else 1 if inc else 2 if b_yes else 3] += 1
    t = agreement(db, "ta").overall
    assert [t.a, t.b, t.c, t.d] == expected
    assert sum(labels) == 392 and t.n == 2019
    n = 2019
    po = (expected[0] + expected[3]) / n
    pe = ((expected[0] + expected[1]) * (expected[0] + expected[2]) + (expected[2] + expected[3]) * (expected[1] + expected[3])) / n**2
    assert t.cohen_kappa == pytest.approx((po - pe) / (1 - pe))
    assert t.percent_agreement == pytest.approx(po)


def test_cli_table_fits_a_narrow_terminal(litmap):
    """At 80 columns the wide table (a row per pair) would cut its numbers; it turns to a column per pair."""
    db = make_store(litmap.db, 50)
    table_votes(db, 20, 5, 10, 15)
    db.close()
    narrow = litmap.ok("agreement", env={"COLUMNS": "80"}).stdout
    assert "…" not in narrow and max(len(line) for line in narrow.splitlines()) <= 80
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in narrow.splitlines() if line.count("│") == 3}
    assert rows["records"] == "50" and rows["kappa"] == "0.400" and rows["band"] == "fair" and rows["agreement"] == "70.0%"
    assert "ann & bob" in narrow
    wide = litmap.ok("agreement").stdout  # 200 columns: one row per pair
    assert any(line.count("│") == 12 and "ann & bob" in line for line in wide.splitlines())
