"""Readers for bibliographic export formats. A reader never touches the store.

Every reader module has `read(path: Path, encoding: str) -> Iterator[Record | BadRecord]`: it
streams the file (never loads it whole when it can avoid it), yields one Record per record with
`raw` holding every original field, and a BadRecord for a record it cannot read (then goes on).
It raises InputError for a file that is not of its format at all. Readers may also define
`source_name(head: str) -> str | None` to name the producing database from the file's start.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from litmap.errors import InputError
from litmap.records import BadRecord, Record

# format name -> reader module. `latex` formats get LaTeX decoding in normalise().
READERS: dict[str, str] = {
    "bibtex": "litmap.formats.bibtex",
    "ris": "litmap.formats.ris",
    "medline": "litmap.formats.medline",
    "wos": "litmap.formats.wos",
    "csv": "litmap.formats.csv",
    "csljson": "litmap.formats.csljson",
    "endnote-xml": "litmap.formats.endnote_xml",
    "refer": "litmap.formats.refer",
    "ovid": "litmap.formats.ovid",
    "crossref": "litmap.formats.crossref",
    "openalex": "litmap.formats.openalex",
}
LATEX_FORMATS = {"bibtex"}
FORMAT_NAMES = tuple(READERS)


def reader(fmt: str) -> ModuleType:
    if fmt not in READERS:
        raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMAT_NAMES)}")
    return importlib.import_module(READERS[fmt])


def read(path: Path, fmt: str, encoding: str) -> Iterator[Record | BadRecord]:
    return reader(fmt).read(path, encoding)
