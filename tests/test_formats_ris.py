"""The RIS reader cut into batches: any cut, with or without the one-regex reading of plain
records, gives what the line by line reading of the whole file gives (records, BadRecord
positions and lines, InputError), also through the worker processes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litmap.errors import InputError
from litmap.formats import io, ris
from litmap.ingest import read_records
from litmap.records import BadRecord, Record, stored

from conftest import SHARED_DATA

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
REAL = sorted((SHARED_DATA / "formats" / "ris").glob("*")) + sorted(FIXTURES.glob("*ris*"))


def in_process(work: Callable[..., Any], batches: Iterable[tuple[Any, ...]], local: Any = None) -> Iterator[Any]:
    """parallel.ordered without processes, through `work` (what a worker runs: packed, pickled)."""
    for batch in batches:
        yield work(*batch)


def outcome(path: Path, encoding: str) -> list[tuple[Any, ...]] | str:
    try:
        return [(type(i).__name__, *(getattr(i, s) for s in i.__slots__)) for i in ris.read(path, encoding)]
    except InputError as exc:
        return f"InputError: {exc}"


def line_by_line(path: Path, encoding: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]] | str:
    """The oracle: the whole file as one batch, every record through the line loop."""
    with monkeypatch.context() as m:
        m.setattr(ris, "_BATCH_CHARS", 1 << 40)
        m.setattr(ris._Reader, "_plain", lambda self, text, a, b: None)
        return outcome(path, encoding)


def in_batches(path: Path, encoding: str, monkeypatch: pytest.MonkeyPatch, size: int, block: int,
               pool: bool = False) -> list[tuple[Any, ...]] | str:
    with monkeypatch.context() as m:
        m.setattr(ris, "_BATCH_CHARS", size)
        m.setattr(ris, "_BLOCK", block)
        if not pool:
            m.setattr(ris.parallel, "ordered", in_process)
        return outcome(path, encoding)


LINES = [
    "TY  - JOUR", "TY  - BOOK", "TY  -", "TY  -  ", "TY  -\t", "TY  -x", "\ufeffTY  - JOUR", "ER  -", "ER  - ",
    "ER  -\t", "ER  -x", "ER  - junk", "TI  - x", "TI  -  spaced  ", "AU  - A, B", "", "  ", "\t", "   cont",
    "junk", "PY  - 2019//", "DO  - 10.1/x", "AB  - a  b", "PMID  - 123", "ABC  - x", "KW  - *k1", "NL  - note",
    "AN  - X1", "UK - wide", "SP  - 1", "EP  - 9", "\x0c", "TI  -\xa0x", "TI  - x\xa0", "\x85", "AU  -", "a  - b",
]


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=40),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    final=st.booleans(),
    size=st.integers(1, 80),
    block=st.integers(1, 40),
)
def test_any_cut_reads_as_the_whole_file_line_by_line(tmp_path_factory, lines, newline, final, size, block):
    path = tmp_path_factory.mktemp("r") / "r.ris"
    path.write_bytes((newline.join(lines) + (newline if final else "")).encode("utf-8"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert in_batches(path, "utf-8", monkeypatch, size, block) == line_by_line(path, "utf-8", monkeypatch)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_exports_read_the_same_in_small_batches(path, monkeypatch):
    encoding = io.detect_encoding(path)
    expected = line_by_line(path, encoding, monkeypatch)
    assert isinstance(expected, list) and expected
    assert in_batches(path, encoding, monkeypatch, 1500, 700) == expected


def test_worker_processes_keep_order_lines_and_positions(tmp_path, monkeypatch):
    records = [f"TY  - JOUR\r\nTI  - Title {i}\r\nAU  - Smith, J\r\nPY  - 2001\r\nER  - \r\n\r\n" for i in range(300)]
    records[100] = "TY  - JOUR\r\nTI  - No end\r\n"  # a BadRecord in the middle of a batch
    records[250] = "TY  - JOUR\r\nTI  - wrapped\r\n   over two lines\r\nER  - \r\nNL  - after ER\r\n"
    path = tmp_path / "w.ris"
    path.write_bytes(("\ufeff" + "".join(records)).encode("utf-8"))
    expected = line_by_line(path, "utf-8-sig", monkeypatch)
    assert in_batches(path, "utf-8-sig", monkeypatch, 2000, 1000, pool=True) == expected
    items = list(ris.read(path, "utf-8-sig"))
    bad = items[100]
    assert isinstance(bad, BadRecord)
    assert bad.describe() == "record 101 (line 601): record has no `ER  -` line before the next TY (line 603)"
    assert [i.line for i in items[:3]] == [1, 7, 13]
    assert items[250].title == "wrapped over two lines" and items[250].raw["NL"] == "after ER"


def as_stored(items: Iterable[Any]) -> list[Any]:
    """BadRecords as their fields, Records through `stored()`, stored rows as they are."""
    return [(i.position, i.line, i.message, i.key) if isinstance(i, BadRecord) else stored(i) if isinstance(i, Record) else i
            for i in items]


@pytest.mark.parametrize("pool", [True, False], ids=["workers", "in-process"])
def test_rows_are_the_records_as_stored(tmp_path, monkeypatch, pool):
    """What ingest inserts (`rows()`, made in the workers) is `stored()` of what `read()` yields."""
    records = [f"TY  - JOUR\nTI  - T\u00e9 {i}\nAU  - Smith J\nKW  - a;b\nPY  - 2001\nER  - \n" for i in range(300)]
    records[120] = "TY  - JOUR\nTI  - No end\n"
    path = tmp_path / "s.ris"
    path.write_text("NL  - orphan\n" + "".join(records), encoding="utf-8")
    monkeypatch.setattr(ris, "_BATCH_CHARS", 2000)
    if not pool:
        monkeypatch.setattr(ris.parallel, "ordered", in_process)
    expected = as_stored(ris.read(path, "utf-8"))
    assert as_stored(ris.rows(path, "utf-8")) == expected
    assert expected[0] == (1, 1, "tags without a `TY  - ` line before them; every RIS record starts with TY", None)
    assert expected[121][:2] == (122, 722) and expected[1][5] == '["Smith, J"]' and expected[1][-1].startswith('{"TY": "JOUR", "TI": "T\u00e9 0"')


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_exports_give_the_stored_rows_of_their_records(path):
    encoding = io.detect_encoding(path)
    assert as_stored(ris.rows(path, encoding)) == as_stored(ris.read(path, encoding))


def test_records_come_normalised_once(tmp_path):
    path = tmp_path / "n.ris"
    path.write_text("TY  - JOUR\nTI  - A  title &amp; more\nAU  - Smith J\nDO  - https://doi.org/10.1000/ABC\nER  - \n")
    (direct,) = ris.read(path, "utf-8")
    (through_ingest,) = read_records(path, "ris", "utf-8")
    for rec in (direct, through_ingest):
        assert isinstance(rec, Record)
        assert (rec.title, rec.authors, rec.doi) == ("A title & more", ["Smith, J"], "10.1000/abc")
    assert direct.raw == {"TY": "JOUR", "TI": "A  title &amp; more", "AU": "Smith J", "DO": "https://doi.org/10.1000/ABC"}


def test_text_before_the_first_record_is_read_in_pieces(tmp_path, monkeypatch):
    path = tmp_path / "p.ris"
    path.write_text("Provider: x\n" * 50 + "AU  - orphan\nER  -\n" + "junk\n" * 50 + "TY  - JOUR\nTI  - A\nER  -\n")
    items = in_batches(path, "utf-8", monkeypatch, 64, 32)
    assert items == line_by_line(path, "utf-8", monkeypatch)
    assert [i[0] for i in items] == ["BadRecord", "Record"]


def test_no_ty_line_in_a_file_read_in_pieces(tmp_path, monkeypatch):
    path = tmp_path / "x.ris"
    path.write_text("AU  - a\n" + "junk\n" * 100)
    message = in_batches(path, "utf-8", monkeypatch, 64, 32)
    assert message == f"InputError: {path}: no RIS record found (no `TY  - ` line); is it a RIS file? Name the format with --format"
