"""Field normalisers behind the store's columns, and the text cleaning used everywhere."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from litmap.records import Record, format_author, normalise, normalise_doi, normalise_pages, parse_year, split_authors
from litmap.text import decode_latex, plain, safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.1000/ABC.123", "10.1000/abc.123"),
        ("https://doi.org/10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("http://dx.doi.org/10.1002/cpp.2398.", "10.1002/cpp.2398"),
        ("doi: 10.1016/j.psyneuen.2019.01.002", "10.1016/j.psyneuen.2019.01.002"),
        ("DOI 10.1186/s13643-015-0066-x [doi]", "10.1186/s13643-015-0066-x"),
        ("https://www.scopus.com/x?doi=10.1016%2fj.psyneuen.2019.01.002&partnerID=40", "10.1016/j.psyneuen.2019.01.002"),
        ("10.1002/dmrr.2604/pdf", "10.1002/dmrr.2604"),  # a landing-page path copied with the DOI
        ("https://www.frontiersin.org/articles/10.3389/fpsyg.2019.01234/full", "10.3389/fpsyg.2019.01234"),
        ("no doi here", None),
        (None, None),
    ],
)
def test_normalise_doi(value, expected):
    assert normalise_doi(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2011.0", 2011), ("1999/08//undefined", 1999), ("NOV-DEC 2005", 2005), (2019, 2019), ("in press", None), ("12345", None)],
)
def test_parse_year(value, expected):
    assert parse_year(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Smith, John A.", "Smith, John A."),
        ("Smith JA", "Smith, JA"),
        ("Zuna, R E", "Zuna, R E"),
        ("FeldmanG.M.", "Feldman, G.M."),
        ("John A. Smith", "Smith, John A."),
        ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
        ("Liu R.", "Liu, R."),
        ("et al.", None),
        ("熊 玮", "玮, 熊"),
    ],
)
def test_format_author(value, expected):
    assert format_author(value) == expected


def test_split_authors():
    assert split_authors("Smith, J. and Doe, A.") == ["Smith, J.", "Doe, A."]
    assert split_authors("Smith J; Doe A") == ["Smith J", "Doe A"]


def test_pages():
    assert normalise_pages("1234--56") == "1234-56"
    assert normalise_pages(" S47 – S49 ") == "S47-S49"


def test_latex_and_html_decoded_into_plain_unicode():
    assert decode_latex(r"Sch{\"o}n and M\"uller --- {\'E}cole \& co") == "Schön and Müller — École & co"
    assert plain("Effects of <i>X</i> &amp; Y&#x2013;Z") == "Effects of X & Y–Z"
    assert plain(r"\textit{In vivo} {RNA}", latex=True) == "In vivo RNA"


def test_safe_strips_terminal_escapes_and_controls():
    assert safe("ok\x1b[2J\x1b]0;pwned\x07 [in press]\x00") == "ok [in press]"


def test_normalise_record():
    rec = normalise(
        Record(
            raw={}, title="  A <b>title</b>\n  on two lines ", authors=["Smith JA", "et al."], year="2011.0",
            doi="https://doi.org/10.1000/X", keywords=["a; b", "A"], type="nonsense",
        )
    )
    assert rec.title == "A title on two lines"
    assert rec.authors == ["Smith, JA"]
    assert rec.year == 2011
    assert rec.doi == "10.1000/x"
    assert rec.keywords == ["a", "b"]
    assert rec.type == "misc"


@given(st.text())
def test_normalisers_never_crash(value):
    normalise_doi(value)
    parse_year(value)
    format_author(value)
    plain(value, latex=True)
    safe(value)
    normalise(Record(raw={}, title=value, authors=[value], year=value, doi=value, pages=value, isbn=value, keywords=[value]))


@pytest.mark.parametrize(("raw", "expected"), [
    ("OliÃ©, E.", "Olié, E."),                                   # neuroimaging gold set (Embase export)
    ("March 26â\x80\x9327 2015 Paris", "March 26–27 2015 Paris"),  # UTF-8 en dash read as Latin-1 (C1 bytes)
    ("â€œShine bright like a diamond!â€\x9d", "“Shine bright like a diamond!”"),  # read as Windows-1252
    ("Zürich", "Zürich"),                                         # correct text is left alone
    ("CafÃ© in Zürich", "CafÃ© in Zürich"),                     # mixed: not valid UTF-8 as a whole, left alone
])
def test_plain_repairs_mojibake_only_when_it_decodes(raw, expected):
    assert plain(raw) == expected


def test_doi_percent_encoded_twice_in_an_openurl_and_journal_dois():
    url = "http://x/link?rft_id=info:doi/10.1016%2FS1957-2557%252817%252930055-X&rft_id=info:pmid/"
    assert normalise_doi(url) == "10.1016/s1957-2557(17)30055-x"
    assert normalise_doi("10.1016/s0735-1097%2810%2961639-7") == "10.1016/s0735-1097(10)61639-7"
    assert normalise_doi("10.1002/(ISSN)1744-4292") is None
