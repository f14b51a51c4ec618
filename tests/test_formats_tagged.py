"""Line-tagged readers (RIS, MEDLINE/ERIC, WoS plain text, Refer, Ovid): golden values from real
exports in tests/fixtures/formats, each quirk of QUIRKS.md on a small hand-made file, bad input
through the CLI (one `Error:` line, store unchanged) and `--skip-bad`."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litmap.errors import InputError
from litmap.formats import detect, io, medline, ovid, refer, ris, wos
from litmap.ingest import read_records
from litmap.records import BadRecord, Record

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def records(path: Path, fmt: str | None = None) -> list[Record | BadRecord]:
    encoding = io.detect_encoding(path)
    return list(read_records(path, fmt or detect.detect(path, encoding), encoding))


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


# --- golden values from real exports (MIT / Apache-2.0 files, see fixtures/formats/README.md) ---

GOLDEN = [
    ("asreview__embase.ris", "ris", 6, 0, dict(
        title="Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        first_author="Liu, R.", year=2014, doi="10.4103/2303-9027.138783", journal="Endoscopic Ultrasound",
        source_key="L373791783", pages="152-160", type="article")),
    ("asreview__scopus.ris", "ris", 6, 0, dict(
        first_author="Labanski, A.", year=2020, doi="10.1016/j.psyneuen.2019.104501",
        journal="Psychoneuroendocrinology", source_key="2-s2.0-85074596690", pages="104501")),
    ("asreview__proquest.ris", "ris", 6, 5, dict(
        first_author="van de Schoot, Rens", year=2018, doi="10.1080/00273171.2017.1412293",
        journal="Multivariate Behavioral Research", source_key="2032784247; 49944", pages="267-291")),
    ("asreview__ovid_psycinfo.ris", "ris", 6, 0, dict(
        title="The influence of self-criticism on depression symptoms among ambulatory patients with inflammatory bowel disease.",
        first_author="Trindade, Ines A", year=2019, doi="10.1002/cpp.2398",
        journal="Clinical Psychology & Psychotherapy", source_key="2019-65183-001", pages=None)),
    ("asreview__ris_issue_992.txt", "ris", 19, 0, dict(
        title="Overcoming Medication Reconciliation Challenges", year=2011, source_key="rayyan-264552525",
        journal="Joint Commission Perspectives on Patient Safety", pages="1-5", doi=None)),
    ("asreview__ris_issue_1099.txt", "ris", 7, 0, dict(
        first_author="Vaimann, T.", year=2018, doi="10.15598/aeee.v16i3.2698",
        journal="Advances in Electrical and Electronic Engineering", source_key="2-s2.0-85054091539")),
    ("jabref__RisImporterTestScience.ris", "ris", 1, 0, dict(
        title="Phase separation and ω transformation in binary V-Ti and ternary V-Ti-Cr alloys",
        first_author="Ghosh, Chanchal", year=2016, doi="10.1016/j.actamat.2016.09.028",
        journal="Acta Materialia", issue=None, pages="310-324")),
    ("colrev__jstor_ris.ris", "ris", 4, 0, dict(
        title="This is the title - charset UTF-8 used", first_author="Lastname, Firstname", year=2016,
        journal="Random Technology", pages="30-33")),
    ("colrev__jstor_ris.ris", "ris", 4, 3, dict(type="techreport", first_author="Writer-One, Stefan", year=2018)),
    ("colrev__psycinfo_ris.ris", "ris", 1, 0, dict(
        first_author="Author-One, Matthias", year=2020, doi="10.1011/hea0004444", pmid="33355555",
        source_key="2020-55555-005", pages="1023-1095")),
    ("colrev__trid_ris.ris", "ris", 3, 0, dict(type="misc", year=2017, source_key="01611111", first_author=None)),
    ("colrev__trid_ris.ris", "ris", 3, 1, dict(doi="10.1444/j.hello.2018.05.005", year=2018, pages="pp 37-64")),
    ("colrev__eric_nbib.nbib", "medline", 1, 0, dict(
        title="Paper title", first_author="Smith, Tom", year=2000, doi="10.1000/123456789",
        journal="Journal Name", source_key="EJ1131633", pmid=None, language="English")),
    ("colrev__ais_enl.txt", "refer", 6, 0, dict(
        first_author="Guo, Wenbo", year=2021, journal="Management Information Systems Quarterly",
        pages="1309-1348", type="article", volume="45", issue="3")),
    ("colrev__ais_enl.txt", "refer", 6, 5, dict(
        first_author="El-Gazzar, Rania", year=2017, journal="Research Papers", type="inproceedings")),
]


@pytest.mark.parametrize(("name", "fmt", "count", "index", "expected"), GOLDEN, ids=[f"{g[0]}#{g[3]}" for g in GOLDEN])
def test_golden_fields_of_real_exports(name, fmt, count, index, expected):
    path = FIXTURES / name
    assert detect.detect(path, io.detect_encoding(path)) == fmt
    items = records(path)
    assert all(isinstance(i, Record) for i in items)
    assert len(items) == count
    rec = items[index]
    for key, value in expected.items():
        got = (rec.authors[0] if rec.authors else None) if key == "first_author" else getattr(rec, key)
        assert got == value, f"{name}#{index} {key}: {got!r} != {value!r}"


@pytest.mark.parametrize(("name", "source"), [
    ("asreview__embase.ris", "Embase"), ("asreview__scopus.ris", "Scopus"),
    ("asreview__proquest.ris", "PTSDpubs (ProQuest)"), ("asreview__ovid_psycinfo.ris", "PsycINFO (Ovid)"),
    ("asreview__ris_issue_992.txt", "Rayyan"), ("asreview__ris_issue_1099.txt", "Scopus (via Citavi)"),
    ("colrev__jstor_ris.ris", "JSTOR"), ("colrev__psycinfo_ris.ris", "PsycINFO (APA PsycNET)"),
    ("colrev__trid_ris.ris", "TRID"), ("jabref__RisImporterTestScience.ris", "ScienceDirect"),
    ("colrev__eric_nbib.nbib", "ERIC"), ("colrev__ais_enl.txt", "AIS eLibrary"),
])
def test_source_database_is_named_from_the_file(litmap, name, source):
    result = litmap.ok("import", FIXTURES / name, "--json")
    assert f'"name": "{source}"' in result.stdout


def test_scopus_references_stay_under_n1_and_their_dois_are_not_the_record_doi():
    rec = records(FIXTURES / "asreview__scopus.ris")[0]
    refs = [v for v in rec.raw["N1"] if v.startswith("References:")][0]
    assert len(refs.split("\n")) == 186
    assert rec.doi == "10.1016/j.psyneuen.2019.104501"


def test_rayyan_keywords_on_untagged_lines():
    rec = records(FIXTURES / "asreview__ris_issue_992.txt")[0]
    assert rec.keywords[:4] == ["Health Facility Administration", "Joint Commission", "Standards", "Medication Errors"]
    assert len(rec.keywords) == 13 and rec.keywords[-1] == "Patient Education"


def test_citavi_blank_lines_stay_inside_the_value():
    rec = records(FIXTURES / "asreview__ris_issue_1099.txt")[0]
    assert rec.raw["U3"] == "Cited By :9\n\nExport Date: 12 May 2022\n\nArticle"
    assert rec.raw["M4"] == "Citavi"


def test_ovid_ris_tag_after_er_joins_its_record_and_no_pagination_is_no_pages():
    rec = records(FIXTURES / "asreview__ovid_psycinfo.ris")[0]
    assert rec.raw["NL"] == "Clin Psychol Psychother"
    assert rec.raw["SP"] == "No" and rec.pages is None
    assert rec.raw["DO"] == ["http://dx.doi.org/10.1002/cpp.2398"] * 2


def test_psycnet_four_letter_tag_and_major_headings():
    rec = records(FIXTURES / "colrev__psycinfo_ris.ris")[0]
    assert rec.raw["PMID"] == "33355555"
    assert rec.keywords[0] == "Keyword one"
    assert "*Keyword one" in rec.raw["KW"]


# --- RIS quirks on small hand-made files ---

RIS_TWO = "TY  - JOUR\nTI  - First\nAU  - Smith, John\nPY  - 2001\nER  - \n\nTY  - BOOK\nTI  - Second\nA1  - Doe, J.\nY1  - 1999//\nER  -\n"


def test_crlf_bom_and_er_with_and_without_space(tmp_path):
    path = write(tmp_path, "a.ris", "\ufeff" + RIS_TWO.replace("\n", "\r\n"))
    first, second = records(path)
    assert (first.title, first.authors, first.year, first.type) == ("First", ["Smith, John"], 2001, "article")
    assert (second.title, second.authors, second.year, second.type) == ("Second", ["Doe, J."], 1999, "book")
    assert first.line == 1 and second.line == 7


def test_lone_cr_separates_tags(tmp_path):
    # WoS RIS writes bare CR between some tags; the accession number must not be glued to WE.
    path = write(tmp_path, "wos.ris", "TY  - JOUR\nTI  - T\nWE  - Science Citation Index Expanded (SCI-EXPANDED)\rAN  - WOS:000082252000006\nER  -\n")
    (rec,) = records(path)
    assert rec.source_key == "WOS:000082252000006"
    assert rec.raw["WE"] == "Science Citation Index Expanded (SCI-EXPANDED)"


def test_continuations_indented_and_blank_lines(tmp_path):
    path = write(tmp_path, "c.ris", "TY  - JOUR\nTI  - A long\n   wrapped title\nAB  - Para one.\n\n   Para two.\nUR  - https://a.example/1\nhttps://b.example/2\nER  -\n")
    (rec,) = records(path)
    assert rec.title == "A long wrapped title"
    assert rec.raw["AB"] == "Para one.\n\nPara two."
    assert rec.url == "https://a.example/1"
    assert rec.raw["UR"] == "https://a.example/1\nhttps://b.example/2"


def test_one_space_dash_in_a_continuation_is_not_a_tag(tmp_path):
    path = write(tmp_path, "u.ris", "TY  - JOUR\nAB  - Start\nUK - wide survey of\nER  -\n")
    (rec,) = records(path)
    assert rec.raw["AB"] == "Start\nUK - wide survey of"
    assert "UK" not in rec.raw


@pytest.mark.parametrize(("tags", "doi"), [
    ("DO  - 10.1000/ABC.1", "10.1000/abc.1"),
    ("DO  - https://doi.org/10.1000/abc.2", "10.1000/abc.2"),
    ("DO  - http://dx.doi.org/10.1000/abc.3", "10.1000/abc.3"),
    ("DO  - doi: 10.1000/abc.4.", "10.1000/abc.4"),
    ("M3  - doi:10.1000/abc.5", "10.1000/abc.5"),
    ("L2  - http://dx.doi.org/10.1000/abc.6", "10.1000/abc.6"),
    ("UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-1&doi=10.1000%2fabc.7&partnerID=40", "10.1000/abc.7"),
    ("N1  - Some note; DOI: 10.1000/abc.8", "10.1000/abc.8"),
    ("UR  - https://onlinelibrary.wiley.com/doi/abs/10.1000/abc.9", "10.1000/abc.9"),
    ("L3  - https://doi.org/10.1000%2Fabc.10", "10.1000/abc.10"),
    ("N1  - References: Smith (2001) J, 1, pp. 1-2. DOI: 10.9999/not.mine", None),
    ("UR  - https://example.org/10.1000/x", None),
])
def test_doi_forms(tmp_path, tags, doi):
    path = write(tmp_path, "d.ris", f"TY  - JOUR\nTI  - T\n{tags}\nER  -\n")
    (rec,) = records(path)
    assert rec.doi == doi


@pytest.mark.parametrize(("tags", "year"), [
    ("DA  - 1999/08//undefined", 1999), ("Y1  - 2019//", 2019), ("PY  - Start date: 20170812", 2017),
    ("DA  - NOV-DEC\nPY  - 2005", 2005), ("DA  - 2003///SPR", 2003), ("Y2  - 2022/08/01", 2022), ("DA  - Jan", None),
])
def test_year_forms(tmp_path, tags, year):
    path = write(tmp_path, "y.ris", f"TY  - JOUR\nTI  - T\n{tags}\nER  -\n")
    (rec,) = records(path)
    assert rec.year == year


@pytest.mark.parametrize(("tags", "pages"), [
    ("SP  - 1-5", "1-5"), ("SP  - 466\nEP  - 75", "466-75"), ("SP  - No\nEP  - Specified", None),
    ("C7  - 104501", "104501"), ("SP  - e90\nEP  - e95", "e90-e95"), ("SP  - 12\nEP  - 12", "12"),
])
def test_page_forms(tmp_path, tags, pages):
    path = write(tmp_path, "p.ris", f"TY  - JOUR\nTI  - T\n{tags}\nER  -\n")
    (rec,) = records(path)
    assert rec.pages == pages


def test_field_preferences_and_types(tmp_path):
    text = (
        "TY  - CHAP\nT1  - Chapter\nBT  - The Book\nA2  - Editor, E\nAU  - Writer, W\nJA  - Abbr\nT2  - The Book\n"
        "JF  - \nVL  - 3\nCP  - 2\nSN  - 978-3-16-148410-0\nLA  - eng\nID  - 17\nAB  - Abstract\nN2  - The real, longer abstract.\nER  -\n"
        "TY  - WEIRD\nTI  - Unknown type\nER  -\n"
    )
    chapter, other = records(write(tmp_path, "t.ris", text))
    assert (chapter.type, chapter.title, chapter.authors, chapter.journal) == ("incollection", "Chapter", ["Writer, W"], "The Book")
    assert (chapter.issue, chapter.isbn, chapter.source_key, chapter.language) == ("2", "9783161484100", "17", "eng")
    assert chapter.abstract == "The real, longer abstract."
    assert other.type == "misc"


def test_raw_keeps_every_tag_and_repeats_as_lists(tmp_path):
    (rec,) = records(write(tmp_path, "r.ris", "TY  - JOUR\nTI  - T\nZZ  - custom\nKW  - a\nKW  - b\nER  -\n"))
    assert rec.raw == {"TY": "JOUR", "TI": "T", "ZZ": "custom", "KW": ["a", "b"]}


def test_text_between_records_is_skipped(tmp_path):
    text = "Provider: JSTOR http://www.jstor.org\nDatabase: JSTOR\n\n1.\nTY  - JOUR\nTI  - A\nER  -\n\nLink to the Ovid Full Text or citation: http://x\n\n2.\nTY  - JOUR\nTI  - B\nER  -\n"
    assert [r.title for r in records(write(tmp_path, "o.ris", text))] == ["A", "B"]


def test_truncated_last_record_is_bad(tmp_path):
    items = list(ris.read(write(tmp_path, "t.ris", RIS_TWO + "TY  - JOUR\nTI  - Cut sh"), "utf-8"))
    assert [type(i).__name__ for i in items] == ["Record", "Record", "BadRecord"]
    assert items[2].describe() == "record 3 (line 12): record has no `ER  -` line; the file may be cut short"


def test_missing_er_before_next_ty_is_bad_when_the_file_uses_er(tmp_path):
    text = "TY  - JOUR\nTI  - A\nER  -\nTY  - JOUR\nTI  - B\nTY  - JOUR\nTI  - C\nER  -\n"
    items = list(ris.read(write(tmp_path, "m.ris", text), "utf-8"))
    assert [type(i).__name__ for i in items] == ["Record", "BadRecord", "Record"]
    assert "before the next TY (line 6)" in items[1].message


def test_producer_without_er_lines(tmp_path):
    items = list(ris.read(write(tmp_path, "n.ris", "TY  - JOUR\nTI  - A\nTY  - JOUR\nTI  - B\n"), "utf-8"))
    assert [i.title for i in items] == ["A", "B"]


def test_empty_record_and_tags_without_ty(tmp_path):
    text = "TY  - JOUR\nER  -\nTI  - orphan\nAN  - X1\nER  -\nTY  - JOUR\nTI  - ok\nER  -\n"
    items = list(ris.read(write(tmp_path, "e.ris", text), "utf-8"))
    assert isinstance(items[0], BadRecord) and "no fields" in items[0].message
    assert isinstance(items[1], BadRecord) and items[1].key == "X1" and "without a `TY" in items[1].message
    assert items[2].title == "ok"


def test_not_ris_raises_input_error(tmp_path):
    path = write(tmp_path, "x.bib", "@article{a, title={T}}\n")
    with pytest.raises(InputError, match=r"x\.bib: no RIS record found"):
        list(ris.read(path, "utf-8"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["TY  - JOUR", "ER  -", "TI  - x", "AU  - A, B", "", "   cont", "junk", "PY  - 20", "DO  - 10.1/x", "\r"]), max_size=30))
def test_ris_reader_never_crashes(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("h") / "h.ris"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        items = list(ris.read(path, "utf-8"))
    except InputError:
        return
    assert all(isinstance(i, (Record, BadRecord)) for i in items)
    assert [getattr(i, "position", None) for i in items if isinstance(i, BadRecord)] == sorted(
        i.position for i in items if isinstance(i, BadRecord))


# --- MEDLINE / ERIC ---

PUBMED = (
    "\nPMID- 111\nOWN - NLM\nDP  - 2019 Mar\nTI  - Impact of things on\n      other things.\nPG  - 697-704\n"
    "LID - S0000-0000(19)30000-1 [pii]\nLID - 10.1161/STROKEAHA.118.021126 [doi]\nAB  - Background- x\n      continued.\n"
    "FAU - Zaidat, Osama O\nAU  - Zaidat OO\nFAU - Hellinger, Frank R Jr\nAU  - Hellinger FR Jr\nCN  - STRATIS Investigators\n"
    "JT  - Stroke\nTA  - Stroke\nVI  - 50\nIP  - 3\nIS  - 1524-4628 (Electronic)\nLA  - eng\nPT  - Journal Article\n"
    "MH  - Humans\nMH  - *Stroke/therapy\nOT  - thrombectomy\n\n"
    "PMID- 222\nTI  - Second\nSO  - J Foo. 2017 Nov 15;598:188-197. doi: 10.1016/j.x.2017.04.075. Epub 2017.\nDP  - 2017 Nov 15\n"
)


def test_pubmed_record_fields(tmp_path):
    first, second = records(write(tmp_path, "p.nbib", PUBMED.replace("\n", "\r\n")))
    assert first.title == "Impact of things on other things."
    assert first.authors == ["Zaidat, Osama O", "Hellinger, Frank R Jr"]
    assert (first.year, first.pages, first.doi, first.pmid, first.source_key) == (2019, "697-704", "10.1161/strokeaha.118.021126", "111", "111")
    assert (first.journal, first.volume, first.issue, first.isbn, first.type) == ("Stroke", "50", "3", "1524-4628 (Electronic)", "article")
    assert first.keywords == ["thrombectomy", "Humans", "Stroke/therapy"]
    assert first.raw["CN"] == "STRATIS Investigators" and first.raw["AB"] == "Background- x\ncontinued."
    assert (second.doi, second.year) == ("10.1016/j.x.2017.04.075", 2017)


def test_medline_without_blank_line_between_records(tmp_path):
    items = records(write(tmp_path, "m.txt", "PMID- 1\nTI  - A\nPMID- 2\nTI  - B\n"), "medline")
    assert [r.pmid for r in items] == ["1", "2"]


def test_eric_nbib(tmp_path):
    (rec,) = records(FIXTURES / "colrev__eric_nbib.nbib")
    assert rec.raw["ISSN"] == "ISSN-1234-4567"
    assert rec.url == "http://eric.ed.gov/?id=EJ1131633"
    assert rec.keywords == ["Keyword 1", "Keyword 2"]


def test_ris_file_read_as_medline_is_refused(tmp_path):
    path = write(tmp_path, "r.ris", RIS_TWO)
    with pytest.raises(InputError, match=r"r\.ris: line 1: no `PMID- ` or `OWN - ` line"):
        list(medline.read(path, "utf-8"))


# --- Web of Science plain text ---

WOS = (
    "\ufeffFN Clarivate Analytics Web of Science\nVR 1.0\n"
    "PT J\nAU Toh, ML\n   Smith, J\nAF Toh, Ming Liang\n   Smith, John (john@x.org)\nTI Mapping GIS in real\n   estate\n"
    "SO SURVEY REVIEW\nDE Word; GIS; Real\n   Estate\nID TROPHIC\n   STATE INDEX; FOO\n"
    "CR Aria M, 2017, J INFORMETR, V11, P959, DOI 10.1016/j.joi.2017.08.007\n   Other X, 2001, J, V1\n"
    "PY 2026\nPD FEB 25\nBP 95\nEP 107\nVL 12\nIS 3\nSN 0039-6265\nLA English\nPM 123\nUT WOS:001702577900001\nER\n\n"
    "PT S\nAU Doe, J\nTI A paper\nSO LECT NOTES\nCT Some Conference\nDT Proceedings Paper\nAR e12\nDI 10.1000/ABC\nPD MAR 2019\nUT WOS:2\nER\n\nEF\n"
)


def test_wos_fields(tmp_path):
    first, second = records(write(tmp_path, "savedrecs.txt", WOS))
    assert first.authors == ["Toh, Ming Liang", "Smith, John"]
    assert first.title == "Mapping GIS in real estate"
    assert first.doi is None  # never from CR
    assert first.keywords == ["Word", "GIS", "Real Estate", "TROPHIC STATE INDEX", "FOO"]
    assert (first.year, first.pages, first.journal, first.source_key, first.pmid) == (2026, "95-107", "SURVEY REVIEW", "WOS:001702577900001", "123")
    assert first.raw["CR"].count("\n") == 1 and "FN" not in first.raw
    assert (second.type, second.pages, second.doi, second.year) == ("inproceedings", "e12", "10.1000/abc", 2019)


def test_wos_truncated_and_not_wos(tmp_path):
    items = list(wos.read(write(tmp_path, "cut.txt", WOS.split("PT S")[0] + "PT J\nTI Cut"), "utf-8"))
    assert isinstance(items[-1], BadRecord) and "no `ER` line" in items[-1].message
    with pytest.raises(InputError, match="no Web of Science record found"):
        list(wos.read(write(tmp_path, "x.txt", "hello\nworld\n"), "utf-8"))


def test_wos_source_names():
    assert wos.source_name("FN Clarivate\nVR 1.0\nPT J\nUT ZOOREC:ZOOR1\n") == "Zoological Record"
    assert wos.source_name("\ufeffFN Thomson Reuters Web of Science™\nVR 1.0\n") == "Web of Science"


# --- Ovid native tagged and Refer ---

OVID = (
    "<1. >\nVN  - Ovid Technologies\nDB  - Embase\nUI  - 621381829\nTI  - Quality of life.\n"
    "SO  - BMC Proceedings. Conference: X. Spain. 12 (Supplement 3) (no pagination), 2018. Date of Publication: 2018.\n"
    "AU  - Behan L.\nAU  - Lucas J.S.\nIN  - (Behan) Univ A\n      (Lucas) Univ B\nMH  - *quality of life\n"
    "AB  - Background: x.\nMethod(s): y.\nDO  - http://dx.doi.org/10.1186/s12919-018-0099-8\nLG  - English\nPT  - Conference Abstract\nYR  - 2018\n\n"
    "<2. >\nTI  - Second\nSO  - J Foo. 12(3):123-9, 2019 Mar.\n\n"
)


def test_ovid_records(tmp_path):
    first, second = records(write(tmp_path, "o.cgi", OVID))
    assert (first.title, first.authors, first.year, first.doi) == ("Quality of life.", ["Behan, L.", "Lucas, J.S."], 2018, "10.1186/s12919-018-0099-8")
    assert (first.volume, first.issue, first.pages, first.type, first.source_key) == ("12", "Supplement 3", None, "inproceedings", "621381829")
    assert first.raw["IN"] == "(Behan) Univ A\n(Lucas) Univ B" and first.raw["AB"] == "Background: x.\nMethod(s): y."
    assert first.keywords == ["quality of life"]
    assert (second.journal, second.volume, second.issue, second.pages, second.year) == ("J Foo", "12", "3", "123-9", 2019)
    assert ovid.source_name(OVID) == "Embase (Ovid)"


def test_refer_records(tmp_path):
    text = "%T Title first\n%0 Journal Article\n%A Guo, Wenbo\n%A Cai, Zhao\n%J MISQ\n%D 2021\n%8 September  1, 2021\n%R 10.1000/XYZ\n%K a; b\n\n\n%T No type\n%B Proceedings\n%D 2019\n"
    first, second = records(write(tmp_path, "a.enw", text))
    assert (first.title, first.authors, first.journal, first.year, first.doi, first.type) == ("Title first", ["Guo, Wenbo", "Cai, Zhao"], "MISQ", 2021, "10.1000/xyz", "article")
    assert first.keywords == ["a", "b"]
    assert (second.type, second.journal) == ("inproceedings", "Proceedings")
    with pytest.raises(InputError, match="not a `%` tag line"):
        list(refer.read(write(tmp_path, "x.enw", "TY  - JOUR\n"), "utf-8"))


# --- detection ---

@pytest.mark.parametrize(("text", "fmt"), [
    (RIS_TWO, "ris"), ("1.\nTY  - JOUR\nTI  - x\nER  -\n", "ris"), ("Provider: JSTOR\n\nTY  - JOUR\nER  - \n", "ris"),
    (PUBMED, "medline"), ("\nOWN - ERIC\nTI  - x\n", "medline"), (WOS, "wos"), (OVID, "ovid"),
    ("%T x\n%0 Journal Article\n%A y\n", "refer"), ("%T x\n%A y\n%D 2001\n", "refer"),
    ("% Encoding: UTF-8\n@article{k, title={x}}\n", "bibtex"),
])
def test_sniff(text, fmt):
    assert detect.sniff(text) == fmt


# --- bad input through the CLI: one line naming the file, exit 1, nothing stored ---

def sources_rows(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    with sqlite3.connect(db_path) as conn:
        return conn.execute("select count(*) from sources").fetchone()[0] + conn.execute("select count(*) from records").fetchone()[0]


@pytest.mark.parametrize(("name", "content", "args", "message"), [
    ("empty.ris", b"", (), "the file is empty"),
    ("garbage.ris", bytes(range(256)) * 40, (), "not a text export (binary content)"),
    ("cut.ris", RIS_TWO.encode() + b"TY  - JOUR\nTI  - Cut sh", (), "record 3 (line 12): record has no `ER  -` line"),
    ("refs.bib", b"@article{a,\n title={T}\n}\n", ("--format", "ris"), "no RIS record found"),
    ("refs.ris", RIS_TWO.encode(), ("--format", "medline"), "no `PMID- ` or `OWN - ` line"),
    ("refs.ris", RIS_TWO.encode(), ("--format", "wos"), "no Web of Science record found"),
])
def test_bad_input_is_one_error_line_and_stores_nothing(litmap, db_path, tmp_path, name, content, args, message):
    path = write(tmp_path, name, content)
    result = litmap("import", path, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert sources_rows(db_path) == 0


def test_unreadable_paths(litmap, db_path, tmp_path):
    missing = tmp_path / "nope.ris"
    result = litmap("import", missing)
    assert (result.exit_code, result.stderr) == (1, f"Error: {missing}: no such file; check the path\n")
    folder = tmp_path / "exports"
    folder.mkdir()
    result = litmap("import", folder)
    assert (result.exit_code, result.stderr) == (1, f"Error: {folder}: is a directory; name the export files inside it\n")
    assert sources_rows(db_path) == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files without permission")
def test_permission_denied(litmap, db_path, tmp_path):
    locked = write(tmp_path, "locked.ris", RIS_TWO)
    locked.chmod(0)
    try:
        result = litmap("import", locked)
    finally:
        locked.chmod(0o644)
    assert (result.exit_code, result.stderr) == (1, f"Error: {locked}: cannot be read (permission denied)\n")
    assert sources_rows(db_path) == 0


def test_skip_bad_imports_the_readable_records(litmap, db_path, tmp_path):
    path = write(tmp_path, "broken.ris", "TY  - JOUR\nTI  - Good one\nER  -\nTY  - JOUR\nER  -\nTY  - JOUR\nTI  - Good two\nER  -\n")
    refused = litmap("import", path)
    assert refused.exit_code == 1 and "record 2 (line 4): record has no fields (only TY)" in refused.stderr
    assert "--skip-bad" in refused.stderr and sources_rows(db_path) == 0
    result = litmap.ok("import", path, "--skip-bad")
    assert f"Imported 2 records from {path} (ris" in result.stdout
    assert "Skipped 1 unreadable records" in result.stderr and "record 2 (line 4)" in result.stderr
    with sqlite3.connect(db_path) as conn:
        assert [r[0] for r in conn.execute("select title from records order by position")] == ["Good one", "Good two"]
        assert conn.execute("select position from records order by position").fetchall() == [(1,), (3,)]
