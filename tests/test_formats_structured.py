"""Structured formats: BibTeX, CSV/TSV, CSL-JSON, EndNote XML, Crossref and OpenAlex JSON.

Golden values below were checked by hand against the fixture files (tests/fixtures/structured/,
MIT/Apache copies of real exports); real-data counts against shared/data's manifest run where it is.
"""

from __future__ import annotations

import csv as stdcsv
import gzip
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litmap.errors import InputError, LitmapError
from litmap.formats import bibtex, csljson, detect, endnote_xml, io, openalex
from litmap.formats.crossref import read as crossref_read
from litmap.formats import csv as csvformat
from litmap.ingest import read_records
from litmap.records import BadRecord, Record, stored

from conftest import SHARED_DATA, needs_shared

FIX = Path(__file__).parent / "fixtures" / "structured"


def records(path: Path) -> list[Record | BadRecord]:
    enc = io.detect_encoding(path)
    return list(read_records(path, detect.detect(path, enc), enc))


# file, record index, expected fields (first author = authors[0])
GOLDEN = [
    ("colrev__wiley_bib.bib", 1, {"source_key": "https://doi.org/10.1111/gps.4444", "title": "Dummy title",
     "first": "Writerone, Davide", "year": 2023, "doi": "10.1111/gps.4444", "journal": "International Journal of Dummy Writing", "type": "article"}),
    ("colrev__web_of_science_bib.bib", 0, {"source_key": "WOS:000223334444221", "title": "Inproceedings Title",
     "first": "Writerone, Julia", "year": 2017, "doi": "10.1007/999-9-999-99999-9_3", "journal": "A BOOKTITLE", "type": "inproceedings"}),
    ("zbb__issue871_round_braces_string.bib", 0, {"source_key": "McDermott:72", "title": "The CONNIVER Reference Manual",
     "authors": ["McDermott, Drew V.", "Sussman, Gerald J."], "year": 1972, "type": "techreport"}),
    ("jabref__twente.bib", 0, {"source_key": "Patterson06", "first": "Patterson, David", "year": 2006,
     "title": "RAMP: Research Accelerator for Multiple Processors"}),
    ("jabref__tiny-LE-withBOM.bib", 0, {"source_key": "Verwilghen+vanGalen+Wilke2011", "first": "Verwilghen, D.", "year": 2011,
     "title": "Investigation of the best suture pattern to close a stuffed Christmas turkey", "doi": "10.1136/vr.d6221", "journal": "Veterinary Record"}),
    ("jabref__test_macroman_header.bib", 1, {"source_key": "1137631", "first": "Boström, Gustav", "year": 2006, "doi": "10.1145/1137627.1137631"}),
    ("zbb__endnote_should_parse.bib", 0, {"source_key": None, "title": "Alzheimer mechanisms and therapeutic strategies",
     "first": "Huang, Y.", "year": 2012, "journal": "Cell", "pages": "1204-22"}),
    ("asreview__embase.csv", 0, {"title": "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
     "first": "Liu, R.", "year": 2014, "journal": "Endoscopic Ultrasound", "volume": "3", "issue": "3", "pages": "152-160"}),
    ("colrev__pubmed-chatbot.csv", 0, {"source_key": "35227408", "pmid": "35227408", "first": "Lim, SM", "year": 2022,
     "doi": "10.1016/j.beth.2021.09.007", "journal": "Behav Ther", "volume": "53", "issue": "2", "pages": "334-347"}),
    ("colrev__ieee_csv.csv", 0, {"first": "Rottman, Joseph", "doi": "10.1109/mc.2011.377", "journal": "Computer",
     "authors": ["Rottman, Joseph", "Carmel, Erran", "Lacity, Mary"]}),
    ("citationjs__crossref_doi_csl.json", 0, {"source_key": "10.1021/ja01577a030", "title": "Correlation of the Base Strengths of Amines1",
     "first": "Hall, H. K., Jr.", "year": 1957, "doi": "10.1021/ja01577a030", "journal": "Journal of the American Chemical Society"}),
    ("zbb__issue1179_csl_exporters.csl.json", 0, {"source_key": "brittain2004", "first": "Brittain, Ian", "year": 2004,
     "doi": "10.1177/0193723504268729", "journal": "Journal of Sport and Social Issues", "pages": "429-452"}),
    ("colrev__10.2196_22081.json", 0, {"source_key": "10.2196/22081", "first": "Grenier Ouimet, Antoine", "year": 2020,
     "doi": "10.2196/22081", "journal": "Journal of Medical Internet Research", "pages": "e22081"}),
    ("openalex-python__W2741809807.json", 0, {"source_key": "W2741809807", "first": "Piwowar, Heather", "year": 2018,
     "doi": "10.7717/peerj.4375", "journal": "PeerJ", "pmid": "29456894", "pages": "e4375"}),
    ("jabref__EndnoteXmlImporterTestArticle.xml", 0, {"source_key": "2954", "first": "Ahmad, AS", "year": 2015,
     "title": "Trends in the lifetime risk of developing cancer in Great Britain: comparison of risk for those born from 1930 to 1960",
     "doi": "10.1038/bjc.2014.606", "journal": "Br J Cancer", "pages": "943-7", "pmid": "25647015"}),
]


@pytest.mark.parametrize("name,index,expected", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_fields(name: str, index: int, expected: dict) -> None:
    rec = records(FIX / name)[index]
    assert isinstance(rec, Record)
    for field, value in expected.items():
        got = rec.authors[0] if field == "first" else getattr(rec, field)
        assert got == value, f"{name}[{index}].{field}"


def test_abstracts_cleaned_from_markup_and_inverted_index() -> None:
    crossref = records(FIX / "colrev__10.2196_22081.json")[0]
    assert crossref.abstract.startswith("Background The COVID-19 crisis") and "<jats" not in crossref.abstract
    work = records(FIX / "openalex-python__W2741809807.json")[0]
    assert work.abstract.startswith("Despite growing interest in Open Access (OA) to scholarly literature")


@pytest.mark.parametrize("name,fmt,count,source", [
    ("colrev__wiley_bib.bib", "bibtex", 2, "Wiley Online Library"),
    ("colrev__web_of_science_bib.bib", "bibtex", 2, "Web of Science"),
    ("jabref__test_macroman_header.bib", "bibtex", 19, "jabref__test_macroman_header"),
    ("asreview__embase.csv", "csv", 6, "Embase"),
    ("colrev__pubmed-chatbot.csv", "csv", 6, "PubMed"),
    ("colrev__ieee_csv.csv", "csv", 2, "IEEE Xplore"),
    ("citationjs__crossref_doi_csl.json", "csljson", 4, "citationjs__crossref_doi_csl"),
    ("zbb__issue1179_csl_exporters.csl.json", "csljson", 26, "zbb__issue1179_csl_exporters.csl"),
    ("colrev__10.2196_22081.json", "crossref", 1, "Crossref"),
    ("openalex-python__W2741809807.json", "openalex", 1, "OpenAlex"),
    ("jabref__EndnoteXmlImporterTestArticle.xml", "endnote-xml", 1, "jabref__EndnoteXmlImporterTestArticle"),
])
def test_cli_import_detects_format_and_producer(litmap, name: str, fmt: str, count: int, source: str) -> None:
    result = litmap.ok("import", FIX / name, "--json")
    got = json.loads(result.stdout)[0]
    assert (got["format"], got["records"], got["name"]) == (fmt, count, source)


# --------------------------------------------------------------------------------------- BibTeX

DUPLICATES = """% duplicate keys, a repeated field, a missing key, an empty key: all real records
@article{smith2020,
  author = {Smith, Anna and {Barnes and Noble}},
  title = {First},
  title = {First, again},
  year = 2020
}
@article{smith2020,
  title = {Second}, year = {2021}}
@article{
  title = {Third without key}, year = {2022}
}
@Article{,
  title = "Fourth with {"}quoted{"} value", year = "2023", month = mar,
}
@comment{jabref-meta: not a record}
"""


def test_bibtex_duplicate_keys_and_fields_all_come_in(litmap, tmp_path: Path) -> None:
    path = tmp_path / "dups.bib"
    path.write_text(DUPLICATES, encoding="utf-8")
    result = litmap.ok("import", path, "--json")
    assert json.loads(result.stdout)[0]["records"] == 4
    recs = list(bibtex.read(path, "utf-8"))
    assert [r.source_key for r in recs] == ["smith2020", "smith2020", None, None]
    assert [r.title for r in recs] == ["First", "Second", "Third without key", 'Fourth with "quoted" value']
    assert recs[0].raw["title"] == ["First", "First, again"]
    assert recs[0].authors == ["Smith, Anna", "Barnes and Noble"]
    assert recs[3].raw["month"] == "March" and recs[3].year == 2023
    assert [r.line for r in recs] == [2, 8, 10, 13]


TRUNCATED = """@article{ok1, title = {Fine}, year = {2001}}

@article{broken,
  title = {Never closed,
  year = {2002}

@article{ok2, title = {Also fine}, year = {2003}}
@article{cut, title = {The file ends in the middle
"""


def test_truncated_bibtex_is_refused_with_file_and_line(litmap, tmp_path: Path) -> None:
    path = tmp_path / "cut.bib"
    path.write_text(TRUNCATED, encoding="utf-8")
    result = litmap("import", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: record 2 (broken) (line 3): entry is not closed")
    assert "record 4 (cut) (line 8)" in result.stderr and "--skip-bad" in result.stderr
    assert litmap.ok("sources", "--json").stdout.strip() == "[]"  # store unchanged
    result = litmap.ok("import", path, "--skip-bad", "--json")
    got = json.loads(result.stdout)[0]
    assert got["records"] == 2 and len(got["skipped"]) == 2


def test_value_line_that_looks_like_an_entry_does_not_split_it(tmp_path: Path) -> None:
    path = tmp_path / "at.bib"
    path.write_text("@article{a1,\n  abstract = {We studied the\n@Home (2010) programme and\n@article{ x } more},\n"
                    "  title = {Real one}, year = {2010}\n}\n@article{a2, title = {Two}}\n", encoding="utf-8")
    recs = list(bibtex.read(path, "utf-8"))
    assert [(r.source_key, r.title) for r in recs] == [("a1", "Real one"), ("a2", "Two")]
    assert recs[0].abstract == "We studied the @Home (2010) programme and @article x more"


def test_bibtex_macros_concatenation_and_parentheses() -> None:
    twente = list(bibtex.read(FIX / "jabref__twente.bib", "utf-8"))[0]
    assert twente.authors[:4] == ["Patterson, David", "Arvind", "Asanovíc, Krste", "Chiou, Derek"]
    assert len(twente.authors) == 10 and twente.authors[-1].startswith("Wawrzynek, ")
    conniver = list(bibtex.read(FIX / "zbb__issue871_round_braces_string.bib", "utf-8"))[0]
    assert conniver.raw["author"] == "McDermott, Drew V. and Gerald J. Sussman"
    assert conniver.raw["month"] == "May"


def test_bibtex_encodings_utf16_and_cp1252() -> None:
    utf16 = FIX / "jabref__tiny-LE-withBOM.bib"
    assert io.detect_encoding(utf16) == "utf-16"
    cp = FIX / "jabref__encoding-windows-1252-with-header.bib"
    assert io.detect_encoding(cp) == "cp1252"
    rec = records(cp)[0]
    assert rec.abstract == "25° C" and rec.source_key is None


def test_gzipped_export_imports(litmap, tmp_path: Path) -> None:
    path = tmp_path / "embase.csv.gz"
    path.write_bytes(gzip.compress((FIX / "asreview__embase.csv").read_bytes()))
    got = json.loads(litmap.ok("import", path, "--json").stdout)[0]
    assert (got["format"], got["records"], got["name"]) == ("csv", 6, "Embase")


def test_bibtex_big_file_uses_workers_and_keeps_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bibtex, "_BATCH_ENTRIES", 50)  # many batches, so the worker pool runs
    path = tmp_path / "many.bib"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("@string{j = {Journal of Tests}}\n")
        for i in range(400):
            fh.write(f"@article{{k{i}, title = {{T{i}}}, journal = j, year = {{{1990 + i % 30}}}}}\n")
            if i == 200:
                fh.write("@article{bad, title = {unclosed\n")
    items = list(bibtex.read(path, "utf-8"))
    assert len(items) == 401
    bad = [i for i in items if isinstance(i, BadRecord)]
    assert [(b.position, b.line, b.key) for b in bad] == [(202, 203, "bad")]
    good = [i for i in items if isinstance(i, Record)]
    assert [r.source_key for r in good] == [f"k{i}" for i in range(400)]
    assert {r.journal for r in good} == {"Journal of Tests"}


def test_bibtex_rows_are_the_records_as_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What ingest inserts (`rows()`, made in the workers) is `stored()` of what `read()` yields,
    bad entries and @string definitions in place."""
    monkeypatch.setattr(bibtex, "_BATCH_ENTRIES", 50)
    path = tmp_path / "many.bib"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(300):
            fh.write(f"@article{{k{i}, author = {{M{{\\\"u}}ller, A. and Smith, B}}, title = {{T{i}}}, keywords = {{a; b}}}}\n")
            if i == 120:
                fh.write("@string{bad = {unclosed\n\n@article{cut, title = {no end\n")

    def as_stored(items: Iterator[Record | BadRecord | tuple]) -> list[Any]:
        return [(i.position, i.line, i.message) if isinstance(i, BadRecord) else i if isinstance(i, tuple) else stored(i)
                for i in items]

    expected = as_stored(bibtex.read(path, "utf-8"))
    assert as_stored(bibtex.rows(path, "utf-8")) == expected
    assert len(expected) == 301 and expected[0] == (122, 122, "@string definition: @string is not closed (unbalanced braces or quotes)")
    assert expected[1][5] == '["Müller, A.", "Smith, B"]' and expected[1][15] == '["a", "b"]'


def test_not_bibtex_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.bib"
    path.write_text("just some text\n", encoding="utf-8")
    with pytest.raises(InputError, match="no BibTeX entries"):
        list(bibtex.read(path, "utf-8"))


# ------------------------------------------------------------------------------------------ CSV


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_conventions_asreview_bibdedupe_semicolon(tmp_path: Path) -> None:
    asreview = write(tmp_path, "a.csv", 'record_id,title,abstract,authors,keywords,doi,included\n'
                     '7,"A title","An abstract\nover two lines","Doe, J; Roe, R","kw1; kw2",10.1/x,1\n')
    rec = list(csvformat.read(asreview, "utf-8"))[0]
    assert (rec.source_key, rec.authors, rec.keywords, rec.abstract) == ("7", ["Doe, J", "Roe, R"], ["kw1", "kw2"], "An abstract\nover two lines")
    dedupe = write(tmp_path, "b.csv", '"ID","ENTRYTYPE","author","year","title","journal","volume","number","pages","abstract","doi","isbn"\n'
                   '"id_1","inproceedings","Zuna, R E and Wang, S S",2011.0,"T","J",1,2,"3-4",,,\n')
    rec = list(csvformat.read(dedupe, "utf-8"))[0]
    assert (rec.source_key, rec.type, rec.authors, rec.issue, rec.year) == ("id_1", "inproceedings", ["Zuna, R E", "Wang, S S"], "2", "2011.0")
    semi = write(tmp_path, "c.csv", "Title;Authors;Year;DOI\nUn titre;Dupont J., Martin P.;2019;10.1/y\n", "cp1252")
    rec = list(csvformat.read(semi, "cp1252"))[0]
    assert (rec.title, rec.authors, rec.doi) == ("Un titre", ["Dupont J.", "Martin P."], "10.1/y")


def test_wos_tab_delimited(tmp_path: Path) -> None:
    text = ("PT\tAU\tAF\tTI\tSO\tDE\tID\tAB\tPY\tVL\tIS\tBP\tEP\tDI\tUT\t\n"
            "J\tLarsen, LJ; Roush, JK\tLarsen, L. J.; Roush, J. K.\tMicroangiography\tVET COMP ORTHOPAED\t"
            "blood supply; dogs\tKEYWORDS PLUS\tAbs\t1999\t12\t3\t134\t137\t10.1/z\tWOS:000082252000006\t\n")
    path = write(tmp_path, "savedrecs.txt", text, "utf-16")
    assert detect.detect(path, io.detect_encoding(path)) == "csv"
    rec = records(path)[0]
    assert (rec.source_key, rec.authors, rec.keywords, rec.pages, rec.issue, rec.type) == (
        "WOS:000082252000006", ["Larsen, L. J.", "Roush, J. K."], ["blood supply", "dogs"], "134-137", "3", "article")
    assert csvformat.source_name(text) == "Web of Science"


def test_csv_without_bibliographic_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match="not a bibliographic CSV"):
        list(csvformat.read(path, "utf-8"))


def test_csv_row_with_too_many_cells_is_a_bad_record(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", 'title,doi\n"ok",10.1/a\n"bad, "x",10.1/b,extra\n"ok2",10.1/c\n')
    items = list(csvformat.read(path, "utf-8"))
    assert [type(i).__name__ for i in items] == ["Record", "BadRecord", "Record"]
    assert items[1].line == 3


# ------------------------------------------------------------------------------ JSON / XML


def test_json_lines_and_list_envelopes(tmp_path: Path) -> None:
    work = json.loads((FIX / "openalex-python__W2741809807.json").read_text(encoding="utf-8"))
    jsonl = tmp_path / "works.jsonl"
    jsonl.write_text("\n".join(json.dumps(dict(work, id=f"https://openalex.org/W{i}")) for i in range(3)) + "\n", encoding="utf-8")
    assert detect.detect(jsonl, "utf-8") == "openalex"
    assert [r.source_key for r in openalex.read(jsonl, "utf-8")] == ["W0", "W1", "W2"]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"meta": {"count": 2}, "results": [work, work]}), encoding="utf-8")
    assert len(list(openalex.read(page, "utf-8"))) == 2
    message = json.loads((FIX / "colrev__10.2196_22081.json").read_text(encoding="utf-8"))["message"]
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps({"status": "ok", "message-type": "work-list", "message": {"items": [message, message]}}), encoding="utf-8")
    assert [r.doi for r in records(listing)] == ["10.2196/22081", "10.2196/22081"]


def test_csl_array_streams_and_reports_non_items(tmp_path: Path) -> None:
    items = json.loads((FIX / "zbb__issue1179_csl_exporters.csl.json").read_text(encoding="utf-8"))
    path = tmp_path / "big.json"
    path.write_text(json.dumps(items[:2] + [42] + items[2:4], indent=1), encoding="utf-8")
    got = list(csljson.read(path, "utf-8"))
    assert [type(g).__name__ for g in got] == ["Record", "Record", "BadRecord", "Record", "Record"]
    truncated = tmp_path / "cut.json"
    truncated.write_text(json.dumps(items[:3])[:-40], encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON"):
        list(csljson.read(truncated, "utf-8"))


def test_endnote_xml_refuses_entities(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
                    "<xml><records><record><titles><title>&b;</title></titles></record></records></xml>", encoding="utf-8")
    with pytest.raises(InputError, match="refused for safety"):
        list(endnote_xml.read(bomb, "utf-8"))
    xxe = tmp_path / "xxe.xml"
    xxe.write_text('<?xml version="1.0"?><!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><records/></xml>', encoding="utf-8")
    with pytest.raises(InputError, match="refused for safety"):
        list(endnote_xml.read(xxe, "utf-8"))


def test_endnote_xml_style_runs_and_wrapped_text() -> None:
    rec = records(FIX / "jabref__EndnoteXmlImporterTestArticle.xml")[0]
    assert rec.authors == ["Ahmad, AS", "Ormiston-Smith, N", "Sasieni, PD"]
    assert rec.raw["ref-type@name"] == "Journal Article" and rec.type == "article"
    assert "Age Factors" in rec.keywords


# --------------------------------------------------------------------------------- properties

_BIBLIKE = st.text(alphabet=st.sampled_from(list('@{}()"#=,% \n\tabcKEY1\\é')), max_size=300)
_CSVLIKE = st.text(alphabet=st.sampled_from(list('title,author;doi\t"\n\r x1é')), max_size=300)


def _only_litmap_errors(reader, text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            for item in reader(path, "utf-8"):
                assert isinstance(item, (Record, BadRecord))
        except LitmapError:
            pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_BIBLIKE, st.text(max_size=200)))
def test_bibtex_reader_raises_only_litmap_errors(text: str) -> None:
    _only_litmap_errors(bibtex.read, text, ".bib")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_CSVLIKE, st.text(max_size=200)))
def test_csv_reader_raises_only_litmap_errors(text: str) -> None:
    _only_litmap_errors(csvformat.read, text, ".csv")


# ----------------------------------------------------------------------------- real data counts


def _manifest(*formats: str) -> list[tuple[str, int]]:
    path = SHARED_DATA / "formats" / "manifest.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [(r["file"], int(r["records"])) for r in stdcsv.DictReader(fh) if r["format"] in formats]


@needs_shared
@pytest.mark.parametrize("name,count", _manifest("bibtex", "csv", "csljson", "crossref_json", "openalex_json", "endnote_xml"))
def test_real_exports_match_manifest_counts(name: str, count: int) -> None:
    items = records(SHARED_DATA / "formats" / name)
    bad = [i.describe() for i in items if isinstance(i, BadRecord)]
    assert (len(items), bad) == (count, [])


@needs_shared
@pytest.mark.parametrize("name", ["special_cases", "stroke", "cytology_screening", "diabetes", "neuroimaging", "digital_work"])
def test_dedup_sets_import_every_row(name: str) -> None:
    path = SHARED_DATA / "dedup" / name / "records_pre_merged.csv"
    stdcsv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(stdcsv.DictReader(fh))
    items = records(path)
    assert all(isinstance(i, Record) for i in items)
    assert [i.source_key for i in items] == [r["ID"] for r in rows]


_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_KEYS = st.sampled_from(["type", "title", "author", "issued", "DOI", "URL", "container-title", "id", "page", "keyword",
                         "ISBN", "message", "items", "results", "display_name", "authorships", "biblio", "ids",
                         "primary_location", "abstract_inverted_index", "publication_year", "family", "date-parts"])
_JSONISH = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.dictionaries(_KEYS, _JSONISH, max_size=6), st.lists(st.dictionaries(_KEYS, _JSONISH, max_size=6), max_size=3)))
def test_json_readers_raise_only_litmap_errors_on_odd_values(doc) -> None:
    text = json.dumps(doc)
    for reader in (csljson.read, openalex.read, crossref_read):
        _only_litmap_errors(reader, text, ".json")
