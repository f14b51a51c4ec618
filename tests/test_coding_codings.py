"""Codings: append-only storage, agreed values, dual coding conflicts and resolution, agreement, CSV."""

from __future__ import annotations

import csv
import json

import pytest

from coding_support import included_store
from litmap.coding import codings as C
from litmap.coding.agreement import agreement, cohen_kappa, interval, krippendorff_alpha
from litmap.coding.codebook import CodingError
from litmap.coding.codings import CodingConfig, conflicts, current_codes, resolve, set_code

SINGLE = CodingConfig(False, (), 2)
DUAL = CodingConfig(True, ("ana", "ben"), 2)


@pytest.fixture
def coded(tmp_path):
    db, ids = included_store(tmp_path / "s.db", 6)
    yield db, ids
    db.close()


def test_values_are_normalised_and_stored_append_only(coded):
    db, ids = coded
    assert set_code(db, ids[0], "theme", ["prevention", "Legal frameworks", "leg"], "ana") == ["legal", "prevention"]
    assert set_code(db, ids[0], "country", ["ken", "GBR", "united states"], "ana") == ["GB", "KE", "US"]
    assert set_code(db, ids[0], "sample_size", ["1,200"], "ana") == ["1200"]
    assert set_code(db, ids[0], "data_year", ["2012"], "ana") == ["2012"]
    assert set_code(db, ids[0], "notes", ["Uses", "a convenience sample"], "ana") == ["Uses a convenience sample"]
    set_code(db, ids[0], "theme", ["legal", "prevention"], "ana")  # same answer: no new row
    assert db.execute("select count(*) from codings").fetchone()[0] == 5
    set_code(db, ids[0], "theme", ["victims"], "ana")  # a change appends; the old row stays
    rows = [json.loads(r[0]) for r in db.execute("select value from codings where dimension = 'theme' order by id")]
    assert rows == [["legal", "prevention"], ["victims"]]
    assert current_codes(db, config=SINGLE)[ids[0]]["theme"] == ["victims"]


@pytest.mark.parametrize("dimension, values, message", [
    ("design", ["survey", "review"], "dimension 'design' takes one value (one choice); got 2: survey, review"),
    ("theme", ["pre"], "dimension 'theme': 'pre' matches several codes (prevention, prevalence); type more of it"),
    ("theme", ["astrology"], "dimension 'theme': no code 'astrology'; codes: legal, enforcement, prevention, victims, prevalence, offenders, industry, children-views"),
    ("country", ["Narnia"], "dimension 'country': no country 'Narnia'; use an ISO 3166 code (KE, KEN) or an English name"),
    ("data_year", ["1970"], "dimension 'data_year': 1970 is outside 1980..2030"),
    ("sample_size", ["12.5"], "dimension 'sample_size' takes a whole number; got '12.5'"),
    ("sample_size", ["many"], "dimension 'sample_size' takes a number; got 'many'"),
    ("colour", ["red"], "no dimension 'colour' in the codebook; dimensions: theme, form, actors, technology, country, design, data_year, sample_size, notes"),
])
def test_bad_values_are_refused(coded, dimension, values, message):
    db, ids = coded
    with pytest.raises(CodingError) as exc:
        set_code(db, ids[0], dimension, values, "ana")
    assert str(exc.value) == message
    assert db.execute("select count(*) from codings").fetchone()[0] == 0


def test_single_coding_conflict_and_resolution(coded):
    db, ids = coded
    set_code(db, ids[0], "design", ["survey"], "ana")
    set_code(db, ids[1], "design", ["survey"], "ana")
    set_code(db, ids[1], "design", ["qualitative"], "ben")
    codes = current_codes(db, config=SINGLE)
    assert codes[ids[0]]["design"] == ["survey"]
    assert "design" not in codes.get(ids[1], {})  # conflict excluded
    [conflict] = conflicts(db)
    assert (conflict.record_id, conflict.dimension, conflict.values) == (ids[1], "design", {"ana": ["survey"], "ben": ["qualitative"]})
    resolve(db, ids[1], "design", ["mixed"], "lead")
    assert current_codes(db, config=SINGLE)[ids[1]]["design"] == ["mixed"]
    assert conflicts(db) == []
    assert current_codes(db, [ids[1]], config=SINGLE) == {ids[1]: {"design": ["mixed"]}}


def test_dual_coding_needs_both_coders(coded):
    db, ids = coded
    set_code(db, ids[0], "theme", ["legal"], "ana")
    assert current_codes(db, config=DUAL) == {}  # awaiting the second coder
    assert current_codes(db, config=SINGLE) == {ids[0]: {"theme": ["legal"]}}
    set_code(db, ids[0], "theme", ["legal"], "ben")
    assert current_codes(db, config=DUAL) == {ids[0]: {"theme": ["legal"]}}
    set_code(db, ids[0], "theme", ["legal", "victims"], "ben")
    assert current_codes(db, config=DUAL) == {}
    assert [c.dimension for c in conflicts(db)] == ["theme"]
    # A withdrawn answer (undo) no longer counts.
    C.restore_code(db, ids[0], "theme", "ben", None)
    assert conflicts(db) == [] and current_codes(db, config=DUAL) == {}


def test_coder_sees_only_own_codes(coded):
    db, ids = coded
    set_code(db, ids[0], "theme", ["legal"], "ana")
    set_code(db, ids[0], "theme", ["victims"], "ben")
    assert C.coder_codes(db, "ana") == {ids[0]: {"theme": ["legal"]}}
    assert C.coder_codes(db, "ben") == {ids[0]: {"theme": ["victims"]}}


def test_only_included_records_with_stage(coded, tmp_path):
    db, ids = coded
    from coding_support import add_records, include

    [ta_only] = add_records(db, ["Included at title/abstract only"])
    include(db, [ta_only], stages=("title-abstract",))
    with pytest.raises(CodingError) as exc:
        set_code(db, ta_only, "theme", ["legal"], "ana", stage="full-text")
    assert str(exc.value) == f"record {ta_only} is not included at full-text; only included records are coded (try --stage title-abstract)"
    set_code(db, ta_only, "theme", ["legal"], "ana", stage="ta")
    assert C.included_records(db, "title-abstract", SINGLE) == ids + [ta_only]


def test_agreement_hand_checked(coded, tmp_path):
    """Two coders, six records, theme codes:
    record: ana            ben
    1       legal          legal
    2       legal,victims  legal
    3       prevention     prevention
    4       victims        legal
    5       prevention     prevention,victims
    6       legal          legal
    legal:   both 3 (1,2,6), ana only 0, ben only 1 (4), neither 2 (3,5) -> Po = 5/6,
             Pe = (3*4 + 3*2)/36 = 1/2, kappa = (5/6 - 1/2)/(1/2) = 2/3.
    victims: both 0, ana only 2 (2,4), ben only 1 (5), neither 3 -> Po = 1/2,
             Pe = (2*1 + 4*5)/36 = 22/36, kappa = (18/36 - 22/36)/(14/36) = -2/7.
    same answer on records 1, 3, 6: 3 of 6.
    """
    db, ids = coded
    ana = [["legal"], ["legal", "victims"], ["prevention"], ["victims"], ["prevention"], ["legal"]]
    ben = [["legal"], ["legal"], ["prevention"], ["legal"], ["prevention", "victims"], ["legal"]]
    for rid, a, b in zip(ids, ana, ben):
        set_code(db, rid, "theme", a, "ana")
        set_code(db, rid, "theme", b, "ben")
    [theme] = agreement(db, "theme")
    assert (theme.records, theme.agree, theme.pair) == (6, 3, ("ana", "ben"))
    per = {c.code: c for c in theme.per_code}
    assert (per["legal"].a, per["legal"].b, per["legal"].c, per["legal"].d) == (3, 0, 1, 2)
    assert per["legal"].kappa == pytest.approx(2 / 3)
    assert per["victims"].kappa == pytest.approx(-2 / 7)
    assert per["legal"].pabak == pytest.approx(2 / 3)  # 2 * 5/6 - 1
    assert per["enforcement"].kappa is None  # never used: undefined, not 1
    # alpha over the pooled present/absent judgements of the codes used (legal, prevention, victims):
    units = [[c in set(a), c in set(b)] for a, b in zip(ana, ben) for c in ("legal", "prevention", "victims")]
    assert theme.alpha == pytest.approx(krippendorff_alpha(units))
    assert 0 < theme.alpha < 1


def test_krippendorff_reference_example():
    """Krippendorff (2011) 'Computing Krippendorff's alpha-reliability': 4 coders, 12 units with
    missing values; published alpha nominal 0.743, interval 0.849."""
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    c = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    units = [[x for x in unit if x is not None] for unit in zip(a, b, c, d)]
    assert round(krippendorff_alpha(units), 3) == 0.743
    assert round(krippendorff_alpha(units, interval), 3) == 0.849
    assert krippendorff_alpha([[1, 1], [1, 1]]) is None  # no variation: undefined
    assert cohen_kappa(20, 5, 10, 15) == pytest.approx(0.4)


def test_csv_import_export_round_trip(coded, tmp_path):
    db, ids = coded
    sheet = tmp_path / "codes.csv"
    sheet.write_text(
        "record_id,title,theme,country,design,sample_size\n"
        f"{ids[0]},x,legal; prevention,KE;uganda,survey,120\n"
        f"{ids[1]},y,-,,qualitative,\n"
    )
    result = C.import_csv(db, sheet, "ana")
    assert (result.rows, result.written, result.unchanged) == (2, 6, 0)
    again = C.import_csv(db, sheet, "ana")
    assert (again.written, again.unchanged) == (0, 6)
    codes = current_codes(db, config=SINGLE)
    assert codes[ids[0]] == {"theme": ["legal", "prevention"], "country": ["KE", "UG"], "design": ["survey"], "sample_size": ["120"]}
    assert codes[ids[1]] == {"theme": [], "design": ["qualitative"]}
    out = tmp_path / "out.csv"
    assert C.export_csv(db, out, "ana") == 6
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["theme"] == "legal;prevention" and rows[1]["theme"] == "-" and rows[2]["theme"] == ""
    # The export imports back unchanged for the same coder.
    assert C.import_csv(db, out, None).written == 0


def test_csv_import_errors_leave_store_unchanged(coded, tmp_path):
    db, ids = coded
    sheet = tmp_path / "bad.csv"
    sheet.write_text(f"record_id,theme\n{ids[0]},legal\n{ids[1]},astrology\n")
    with pytest.raises(Exception) as exc:
        C.import_csv(db, sheet, "ana")
    assert str(exc.value).startswith(f"{sheet}: line 3: record {ids[1]}: dimension 'theme': no code 'astrology'")
    assert db.execute("select count(*) from codings").fetchone()[0] == 0
    sheet.write_text("record,theme\n1,legal\n")
    with pytest.raises(Exception) as exc:
        C.import_csv(db, sheet, "ana")
    assert str(exc.value) == f"{sheet}: line 1: no record_id (or source_key) column; the first row must name it and the dimensions"
    sheet.write_text(f"record_id,theme\n{ids[0]},legal\n")
    with pytest.raises(Exception) as exc:
        C.import_csv(db, sheet, None)
    assert str(exc.value) == f"{sheet}: line 1: no coder column; add one or pass --reviewer NAME"


def test_cli_set_conflicts_resolve_agreement(litmap, db_path, tmp_path, monkeypatch):
    db, ids = included_store(db_path, 3)
    db.close()
    monkeypatch.setattr(C, "coding_config", lambda db: DUAL)
    r = litmap.ok("code", "set", ids[0], "design", "surv", "--reviewer", "ana")
    assert r.stdout == f"record {ids[0]} design: Survey (cross-sectional or longitudinal) (ana)\n"
    litmap.ok("code", "set", ids[0], "design", "qualitative", "--reviewer", "ben")
    conflicts_json = json.loads(litmap.ok("code", "conflicts", "--json").stdout)
    assert conflicts_json == [{"record_id": ids[0], "dimension": "design", "title": "Study 1",
                               "values": {"ana": ["survey"], "ben": ["qualitative"]}}]
    table = litmap.ok("code", "conflicts")
    assert "Survey (cross-sectional or longitudinal)" in table.stdout and "1 conflicts" in table.stderr
    agree = json.loads(litmap.ok("code", "agreement", "--json").stdout)
    design = next(a for a in agree if a["dimension"] == "design")
    assert (design["records"], design["agree"]) == (1, 0)
    litmap.ok("code", "resolve", ids[0], "design", "mixed", "--by", "lead")
    assert litmap.ok("code", "conflicts").stdout == "No coding conflicts.\n"
    exported = tmp_path / "agreed.csv"
    litmap.ok("codings", "export", exported)
    assert list(csv.DictReader(exported.open()))[0]["design"] == "mixed"
    bad = litmap("code", "set", ids[0], "design", "survey", "review", "--reviewer", "ana")
    assert bad.exit_code == 1 and bad.stderr == "Error: dimension 'design' takes one value (one choice); got 2: survey, review\n"
    missing = litmap("code", "set", "999", "design", "survey", "--reviewer", "ana")
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: no record 999;")
    status = json.loads(litmap.ok("code", "status", "--json").stdout)
    assert status == {"included": 3, "coded": {"ana": 0, "ben": 0}, "agreed": 0, "conflicts": 0, "dual": True}
