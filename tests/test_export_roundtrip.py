"""Round trip: import real records -> export in each format -> import the export into a new store
-> the same titles, authors, years and DOIs, in the same order."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import SHARED_DATA, needs_shared
from litmap.export import Selection, export_file
from litmap.ingest import import_files
from litmap.store import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "export"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SUFFIX = {"bibtex": ".bib", "ris": ".ris", "csv": ".csv", "csljson": ".json"}


def _reader_exists(fmt: str) -> bool:
    return importlib.util.find_spec(f"litmap.formats.{fmt}") is not None


def _facts(db) -> list[tuple]:
    rows = db.execute("select title, authors, year, doi from records where duplicate_of is null order by id")
    return [(t, json.loads(a), y, d) for t, a, y, d in rows]


def _round_trip(tmp_path: Path, inputs: list[Path], fmt: str, input_format: str | None = None) -> tuple[list, list]:
    if not _reader_exists(fmt):
        pytest.skip(f"no {fmt} reader yet (litmap/formats/{fmt}.py)")
    first = open_store(tmp_path / "first.db")
    import_files(first, inputs, fmt=input_format)
    out = tmp_path / f"export{SUFFIX[fmt]}"
    result = export_file(first, out)
    assert result.records == first.execute("select count(*) from records where duplicate_of is null").fetchone()[0]
    second = open_store(tmp_path / "second.db")
    [imported] = import_files(second, [out], fmt=fmt)
    assert imported.skipped == []
    return _facts(first), _facts(second)


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csv", "csljson"])
def test_round_trip_pubmed_and_sciencedirect(tmp_path, fmt):
    inputs = [FIXTURES / "pubmed-balloongui-5.nbib", FIXTURES / "sciencedirect-1.ris"]
    before, after = _round_trip(tmp_path, inputs, fmt)
    assert len(before) == 6
    assert after == before


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csv", "csljson"])
def test_round_trip_corpus_bibtex(tmp_path, fmt):
    if not _reader_exists("bibtex"):
        pytest.skip("no bibtex reader yet to import the corpus")
    before, after = _round_trip(tmp_path, sorted(CORPUS.glob("scopus-200[78].bib")), fmt)
    assert len(before) > 100
    assert after == before


REAL = [  # diverse real exports: EndNote RIS (CRLF, broken authors), 7,456 authors, PubMed, WoS, BibTeX libraries
    "ris/asysd__ris_export.txt", "ris/asreview__ris_many_authors.ris", "ris/synthesisr__ASP_ris_example.ris",
    "medline/nbib__pubmed-balloongui-set.nbib", "wos/", "bibtex/zbb__issue873_entries_quietly_discarded.bib",
    "bibtex/jabref__jabref-authors.bib", "bibtex/zbb__issue1436-1_unabbreviate_on_import.bib",
]


@needs_shared
def test_real_exports_are_valid_in_other_tools(tmp_path):
    import csv
    import sys

    import bibtexparser
    import jsonschema
    import pybtex.database
    import rispy

    formats_dir = SHARED_DATA / "formats"
    paths: list[Path] = []
    for name in REAL:
        target = formats_dir / name
        paths += sorted(p for p in target.iterdir() if p.is_file()) if name.endswith("/") else [target]
    db = open_store(tmp_path / "real.db")
    import_files(db, paths, skip_bad=True)
    n = db.execute("select count(*) from records").fetchone()[0]
    assert n > 1500
    stored_titles = [t for (t,) in db.execute("select title from records order by id")]

    bib = tmp_path / "all.bib"
    export_file(db, bib, selection=Selection(all_records=True))
    text = bib.read_text(encoding="utf-8")
    assert len(pybtex.database.parse_string(text, "bibtex").entries) == n
    library = bibtexparser.parse_string(text)
    assert (len(library.entries), library.failed_blocks) == (n, [])

    ris = tmp_path / "all.ris"
    export_file(db, ris, selection=Selection(all_records=True))
    entries = rispy.load(ris, encoding="utf-8")
    assert [e.get("title") for e in entries] == stored_titles

    js = tmp_path / "all.json"
    export_file(db, js, selection=Selection(all_records=True))
    items = json.loads(js.read_text(encoding="utf-8"))
    jsonschema.validate(items, json.loads((FIXTURES / "csl-data.json").read_text(encoding="utf-8")))
    assert len({i["id"] for i in items}) == n

    out = tmp_path / "all.csv"
    export_file(db, out, selection=Selection(all_records=True))
    csv.field_size_limit(sys.maxsize)  # one record has 7,456 authors in one cell
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["title"].removeprefix("'") for r in rows] == [t or "" for t in stored_titles]
