"""Round trip: import real records -> export in each format -> import the export into a new store
-> the same titles, authors, years and DOIs, in the same order."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from litmap.export import export_file
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
