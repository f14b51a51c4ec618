"""CSV writer: a header, then one row per record; one column per codebook dimension.

Lists (authors, keywords, several values of one dimension) are joined with `; `. Cells that a
spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) are written with a
leading `'` (OWASP CSV injection advice), so opening an export never runs what a record contains.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from litmap.export import ExportRecord

COLUMNS = (
    "litmap_id", "key", "type", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi",
    "pmid", "isbn", "url", "language", "keywords", "abstract", "source", "source_file", "source_key",
    "duplicate_of", "also_in", "ta_status", "ta_reason", "ft_status", "ft_reason",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell a spreadsheet would evaluate gets a leading `'`; other values are unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def code_columns(dimensions: list[str]) -> list[str]:
    """Column names of the dimensions: the dimension's name, `code_<name>` if that is taken."""
    names = []
    for dim in dimensions:
        name = dim if dim not in COLUMNS and dim not in names else f"code_{dim}"
        names.append(name)
    return names


def row(rec: ExportRecord, dimensions: list[str]) -> list[object]:
    values: list[object] = [
        rec.id, rec.key, rec.type, rec.title, "; ".join(rec.authors), rec.year, rec.journal, rec.volume,
        rec.issue, rec.pages, rec.doi, rec.pmid, rec.isbn, rec.url, rec.language, "; ".join(rec.keywords),
        rec.abstract, rec.source, rec.source_file, rec.source_key, rec.duplicate_of, "; ".join(rec.also_in),
        rec.ta_status, rec.ta_reason, rec.ft_status, rec.ft_reason,
    ]
    values += ["; ".join(rec.codes.get(dim, [])) for dim in dimensions]
    return [neutralise("" if v is None else v) for v in values]


def write(records: Iterable[ExportRecord], fh: TextIO, dimensions: list[str]) -> int:
    """Write the header and one row per record; returns how many records."""
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow([*COLUMNS, *code_columns(dimensions)])
    count = 0
    for rec in records:
        writer.writerow(row(rec, dimensions))
        count += 1
    return count
