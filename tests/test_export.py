"""Exports: selection, validity in other tools' parsers, keys, escaping, CSV neutralisation."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import bibtexparser
import jsonschema
import pybtex.database
import pytest
import rispy

from litmap.export import Selection, export, export_file, select_records
from litmap.export.bibtex import escape
from litmap.export.csv import neutralise
from litmap.export.keys import base_key
from litmap.ingest import _INSERT, _row
from litmap.records import Record, normalise
from litmap.store import now, open_store
from litmap.text import plain

FIXTURES = Path(__file__).parent / "fixtures" / "export"
SCHEMA = json.loads((FIXTURES / "csl-data.json").read_text(encoding="utf-8"))

# Records with everything that breaks exporters: special characters, non-ASCII, formulas,
# colliding keys, an organisation, a name with "and", no author, no year.
RECORDS = [
    dict(type="article", title="Nudging & the 100% solution: $5 for #1 under_score", authors=["Smith, John A."], year=2019,
         journal="J. Behav. Econ. & Policy", volume="12", issue="3", pages="101-120", doi="10.1000/abc_1%2",
         url="https://example.org/a?x=1&y=2#frag", keywords=["nudge", "Child, Preschool"], abstract="We test 50% of cases."),
    dict(type="article", title="Nudging revisited", authors=["Smith, Jane"], year=2019, journal="Journal B",
         doi="10.1000/b2"),
    dict(type="inproceedings", title="Über Kinder – ein Überblick zu ω-Phasen", authors=["Müller, Jürgen", "Ørsted, Åse"],
         year=2020, journal="Proc. Konferenz für Kinder", pages="5-9", doi="10.1000/c3"),
    dict(type="book", title="=HYPERLINK(\"http://evil.example\",\"click\")", authors=["WHO"], year=2018, isbn="9780000000002"),
    dict(type="techreport", title="+1 and @home: -minus starts", authors=["Procter and Gamble, Research"], year=2017),
    dict(type="misc", title="The {braced} title with ~tilde^ and back\\slash", authors=[], year=None),
    dict(type="phdthesis", title="A thesis on nudging", authors=["Smith, John A."], year=2019, journal="Univ. X"),
    dict(type="online", title="Nudging & the 100% solution: $5 for #1 under_score", authors=["Smith, John A."], year=2019,
         url="https://example.org/dup"),
]


def _build(path: Path) -> None:
    db = open_store(path)
    with db.conn:
        db.execute("insert into sources (name, file, format, imported_at) values ('Scopus', 'scopus.ris', 'ris', ?)", [now()])
        for i, fields in enumerate(RECORDS, 1):
            rec = Record(raw={"n": i}, source_key=f"key-{i}", **fields)
            if fields["authors"] == ["WHO"] or "Procter" in (fields["authors"] or [""])[0]:
                authors = fields["authors"]
                rec = normalise(rec)
                rec.authors = authors  # as a reader keeps an organisation
            else:
                rec = normalise(rec)
            db.execute(_INSERT, _row(1, i, rec))
        # record 8 is a duplicate of record 1 (merged by dedupe)
        db.execute("update records set duplicate_of = 1 where id = 8")
        votes = [
            (1, "title-abstract", "ann", "include", None), (1, "title-abstract", "bob", "include", None),
            (2, "title-abstract", "ann", "exclude", "off topic"), (2, "title-abstract", "bob", "exclude", "off topic"),
            (3, "title-abstract", "ann", "include", None),  # awaiting bob
            (4, "title-abstract", "ann", "include", None), (4, "title-abstract", "bob", "exclude", None),  # conflict
            (7, "title-abstract", "ann", "include", None), (7, "title-abstract", "bob", "include", None),
            (1, "full-text", "ann", "exclude", "wrong population"), (1, "full-text", "bob", "exclude", "wrong population"),
            (7, "full-text", "ann", "include", None), (7, "full-text", "bob", "include", None),
        ]
        for rid, stage, who, decision, reason in votes:
            db.execute(
                "insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                [uuid.uuid4().hex, rid, stage, who, decision, reason, now()],
            )
        for rid in (1, 7):
            db.execute("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, 1, ?)", [uuid.uuid4().hex, rid, now()])
    db.close()


@pytest.fixture
def screened_store(db_path: Path):
    _build(db_path)
    db = open_store(db_path)
    yield db
    db.close()


def _export(db, fmt: str, selection: Selection = Selection()) -> str:
    buf = io.StringIO()
    export(db, buf, fmt, selection)
    return buf.getvalue()


def _ids(db, selection: Selection) -> list[int]:
    return [r.id for r in select_records(db, selection)]


# --- selection -------------------------------------------------------------------------------

def test_default_is_canonical_records_all_adds_duplicates(screened_store):
    assert _ids(screened_store, Selection()) == [1, 2, 3, 4, 5, 6, 7]
    assert _ids(screened_store, Selection(all_records=True)) == [1, 2, 3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize(("stage", "status", "expected"), [
    ("ta", "included", [1, 7]),
    ("ta", "excluded", [2]),
    ("ta", "pending", [3, 4, 5, 6]),
    ("ta", "conflict", [4]),
    ("title-abstract", "awaiting", [3]),
    ("ft", "excluded", [1]),
    ("ft", "included", [7]),
    ("ft", "pending", []),
    ("ft", None, [1, 7]),
])
def test_select_by_outcome(screened_store, stage, status, expected):
    assert _ids(screened_store, Selection(stage=stage, status=status)) == expected


def test_outcome_and_reason_carried(screened_store):
    recs = {r.id: r for r in select_records(screened_store, Selection(all_records=True))}
    assert (recs[1].ta_status, recs[1].ft_status, recs[1].ft_reason) == ("included", "excluded", "wrong population")
    assert recs[1].status_text() == "title-abstract=included; full-text=excluded (wrong population)"
    assert recs[8].ta_status is None and recs[8].duplicate_of == 1
    assert recs[1].also_in == ["Scopus: key-8"]


def test_bad_selection_errors(screened_store):
    from litmap.errors import LitmapError

    with pytest.raises(LitmapError, match=r"--status needs --stage"):
        list(select_records(screened_store, Selection(status="included")))
    with pytest.raises(LitmapError, match=r"unknown status 'maybe'"):
        list(select_records(screened_store, Selection(stage="ta", status="maybe")))
    with pytest.raises(LitmapError, match=r"unknown stage 'abstract'"):
        list(select_records(screened_store, Selection(stage="abstract")))
    with pytest.raises(LitmapError, match=r"^no codebook loaded; run litmap codebook load FILE$"):
        list(select_records(screened_store, Selection(codes=(("theme", "x"),))))


# --- keys ------------------------------------------------------------------------------------

def test_base_key_shape():
    assert base_key(["Smith, John"], 2019, "The nudging of choices") == "smith2019nudging"
    assert base_key(["Müller-Lüdenscheidt, Jürgen"], 2020, "Über Kinder") == "mullerludenscheidt2020uber"
    assert base_key([], None, None) == "anon" + "nd"
    assert base_key(["van der Berg, A."], 2001, "On a test") == "vanderberg2001test"


def test_keys_unique_suffixed_and_stable_across_selections(screened_store):
    keys = {r.id: r.key for r in select_records(screened_store, Selection(all_records=True))}
    assert len(set(keys.values())) == len(keys)
    assert keys[1] == "smith2019nudging"
    assert keys[2] == "smith2019nudginga"  # same family, year, first word: second gets "a"
    assert keys[8] == "smith2019nudgingb"
    assert keys[7] == "smith2019thesis"
    assert keys[6] == "anonndbraced"
    # Filtering does not move keys: record 2 keeps its suffix when record 1 is not exported.
    only_excluded = {r.id: r.key for r in select_records(screened_store, Selection(stage="ta", status="excluded"))}
    assert only_excluded == {2: "smith2019nudginga"}


def test_export_is_deterministic(screened_store):
    for fmt in ("bibtex", "ris", "csv", "csljson"):
        assert _export(screened_store, fmt) == _export(screened_store, fmt)


# --- BibTeX ----------------------------------------------------------------------------------

def test_bibtex_parses_in_pybtex_and_bibtexparser(screened_store):
    text = _export(screened_store, "bibtex", Selection(all_records=True))
    parsed = pybtex.database.parse_string(text, "bibtex")
    assert len(parsed.entries) == 8
    library = bibtexparser.parse_string(text)
    assert len(library.entries) == 8
    assert library.failed_blocks == []
    assert len({e.key for e in library.entries}) == 8
    first = parsed.entries["smith2019nudging"]
    assert [str(p) for p in first.persons["author"]] == ["Smith, John A."]
    # An organisation stays one family name; "and" inside a braced name does not split it.
    who = next(e for e in parsed.entries.values() if e.fields.get("litmap-id") == "4")
    assert [p.last_names for p in who.persons["author"]] == [["{WHO}"]]
    pg = next(e for e in parsed.entries.values() if e.fields.get("litmap-id") == "5")
    assert len(pg.persons["author"]) == 1


def test_bibtex_values_decode_back_to_the_store_text(screened_store):
    library = bibtexparser.parse_string(_export(screened_store, "bibtex"))
    by_id = {e["litmap-id"]: e for e in library.entries}
    assert plain(by_id["1"]["title"], latex=True) == RECORDS[0]["title"]
    assert plain(by_id["1"]["journal"], latex=True) == RECORDS[0]["journal"]
    assert plain(by_id["3"]["title"], latex=True) == RECORDS[2]["title"]  # UTF-8 kept, not escaped
    assert "Über" in by_id["3"]["title"] and "Müller, Jürgen" in by_id["3"]["author"]
    # URLs and DOIs are verbatim (no backslashes)
    assert by_id["1"]["url"] == "https://example.org/a?x=1&y=2#frag"
    assert by_id["1"]["doi"] == "10.1000/abc_1%2"
    assert by_id["1"]["pages"] == "101--120"
    assert by_id["1"]["litmap-status"] == "title-abstract=included; full-text=excluded (wrong population)"
    assert by_id["1"]["keywords"] == "nudge; Child, Preschool"
    assert by_id["4"]["isbn"] == "9780000000002"


def test_bibtex_escape_balances_braces():
    text = escape("a {b} } { c \\ & % $ # _ ~ ^")
    assert text.count("{") == text.count("}")
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    for bare in ("&", "%", "$", "#", "_"):
        assert text.count(bare) == text.count("\\" + bare)


# --- RIS -------------------------------------------------------------------------------------

def test_ris_parses_in_rispy_with_the_same_records(screened_store):
    text = _export(screened_store, "ris", Selection(all_records=True))
    entries = rispy.loads(text)
    assert len(entries) == 8
    first = entries[0]
    assert first["type_of_reference"] == "JOUR"
    assert first["title"] == RECORDS[0]["title"]
    assert first["authors"] == ["Smith, John A."]
    assert first["doi"] == "10.1000/abc_1%2"
    assert first["start_page"] == "101" and first["end_page"] == "120"
    assert first["name_of_database"] == "Scopus"
    assert any("full-text=excluded (wrong population)" in n for n in first["notes"])
    assert [e["type_of_reference"] for e in entries] == ["JOUR", "JOUR", "CPAPER", "BOOK", "RPRT", "GEN", "THES", "ELEC"]
    assert entries[2]["authors"] == ["Müller, Jürgen", "Ørsted, Åse"]
    assert "\r\n" in text and "\n\n" not in text.replace("\r\n", "\n").replace("ER  - \n\n", "")


# --- CSL-JSON --------------------------------------------------------------------------------

def test_csljson_validates_against_the_csl_schema(screened_store):
    items = json.loads(_export(screened_store, "csljson", Selection(all_records=True)))
    jsonschema.validate(items, SCHEMA)
    assert len(items) == 8
    first = items[0]
    assert first["id"] == "smith2019nudging" and first["type"] == "article-journal"
    assert first["author"] == [{"family": "Smith", "given": "John A."}]
    assert first["issued"] == {"date-parts": [[2019]]}
    assert first["custom"]["full-text-reason"] == "wrong population"
    assert items[3]["author"] == [{"literal": "WHO"}]
    assert items[3]["ISBN"] == "9780000000002"
    assert [i["type"] for i in items] == ["article-journal", "article-journal", "paper-conference", "book", "report",
                                         "document", "thesis", "webpage"]


def test_csljson_empty_export_is_valid(screened_store):
    items = json.loads(_export(screened_store, "csljson", Selection(stage="ft", status="pending")))
    assert items == []
    jsonschema.validate(items, SCHEMA)


# --- CSV -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("", ""), (2019, 2019), ("a=b", "a=b"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_neutralises_formulas_and_has_status_columns(screened_store):
    text = _export(screened_store, "csv", Selection(all_records=True))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 8
    assert list(rows[0])[:4] == ["litmap_id", "key", "type", "title"]
    by_id = {r["litmap_id"]: r for r in rows}
    assert by_id["4"]["title"] == "'" + RECORDS[3]["title"]
    assert by_id["5"]["title"] == "'" + RECORDS[4]["title"]
    assert by_id["1"]["authors"] == "Smith, John A."
    assert (by_id["1"]["ta_status"], by_id["1"]["ft_status"], by_id["1"]["ft_reason"]) == ("included", "excluded", "wrong population")
    assert by_id["8"]["duplicate_of"] == "1"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_csv_file_is_utf8_with_bom_for_spreadsheets(screened_store, tmp_path):
    out = tmp_path / "out.csv"
    result = export_file(screened_store, out)
    assert result.format == "csv" and result.records == 7
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbflitmap_id,")
    assert "Müller, Jürgen; Ørsted, Åse" in raw.decode("utf-8-sig")


# --- files -----------------------------------------------------------------------------------

def test_export_file_is_atomic_on_error(screened_store, tmp_path):
    from litmap.errors import LitmapError

    out = tmp_path / "refs.bib"
    out.write_text("old content", encoding="utf-8")
    with pytest.raises(LitmapError):
        export_file(screened_store, out, selection=Selection(stage="nope"))
    assert out.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".refs")] == []

    class Boom(Exception):
        pass

    import litmap.export.bibtex as bib

    original = bib.entry
    calls = {"n": 0}

    def failing(rec):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Boom
        return original(rec)

    bib.entry = failing
    try:
        with pytest.raises(Boom):
            export_file(screened_store, out)
    finally:
        bib.entry = original
    assert out.read_text(encoding="utf-8") == "old content"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []
    export_file(screened_store, out)
    assert len(bibtexparser.parse_string(out.read_text(encoding="utf-8")).entries) == 7


@pytest.mark.parametrize("text", [
    "Radix-2\\(^mboxk\\) FFT", "miR-106b~25 cluster", "costs $5 to $10 & 50% of #1_a", "a -- b --- c",
    "Ærø, Łódź & Škoda", "{braced}", "tab\there",
])
def test_bibtex_escape_round_trips_through_the_bibtex_reader_decoder(text):
    entry = f"@misc{{k, title = {{{escape(text)}}}}}"
    [parsed] = bibtexparser.parse_string(entry).entries
    expected = plain(text)
    if "{" in text:  # the reader drops braces (BibTeX grouping); the text inside survives
        expected = expected.replace("{", "").replace("}", "")
    assert plain(parsed["title"], latex=True) == expected


def test_progress_reports_counts(screened_store, monkeypatch):
    import litmap.export as ex

    monkeypatch.setattr(ex, "PROGRESS_EVERY", 3)
    seen: list[int] = []
    result = export(screened_store, io.StringIO(), "ris", Selection(all_records=True), progress=seen.append)
    assert result.records == 8
    assert seen == [3, 6, 8]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_text_makes_one_parsable_entry(text):
    value = escape(text)
    depth = 0
    for ch in value:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    entry = f"@misc{{k,\n  title = {{{value}}},\n  year = {{2020}}\n}}\n"
    library = bibtexparser.parse_string(entry)
    assert len(library.entries) == 1 and library.failed_blocks == []
    assert library.entries[0]["year"] == "2020"
    assert pybtex.database.parse_string(entry, "bibtex").entries["k"].fields["year"] == "2020"


_name_part = st.lists(st.sampled_from(list("abcXYZ éøß-.'&{}_%") + [" and ", "And "]), min_size=1, max_size=10).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.builds(lambda f, g: f"{f}, {g}", _name_part, _name_part), _name_part), min_size=1, max_size=5))
def test_author_lists_keep_their_length_in_pybtex(names):
    from litmap.export.bibtex import author_name

    names = [n for n in names if n.strip(" ,")]
    if not names:
        return
    field = " and ".join(author_name(n) for n in names)
    entry = f"@misc{{k, author = {{{field}}}}}"
    parsed = pybtex.database.parse_string(entry, "bibtex").entries["k"]
    assert len(parsed.persons["author"]) == len(names)
    [bp] = bibtexparser.parse_string(entry).entries
    assert bp["author"] == field
