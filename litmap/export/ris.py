"""RIS writer: `TY  - JOUR` ... `ER  - ` per record, CRLF line ends as the RIS specification asks.

One tag per line (`AU`, `KW` repeated); values are single lines (line breaks become spaces). Codes
are `KW` lines `dimension=value`; the screening outcome, provenance and codes also go into `N1`
notes; `DB` names the source database, `AN` the record's key in its source file, `ID` its litmap id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from litmap.export import ExportRecord

# records.type -> RIS reference type.
RIS_TYPES = {
    "article": "JOUR", "inproceedings": "CPAPER", "book": "BOOK", "incollection": "CHAP",
    "phdthesis": "THES", "mastersthesis": "THES", "techreport": "RPRT", "unpublished": "UNPB",
    "online": "ELEC", "dataset": "DATA", "misc": "GEN",
}
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
EOL = "\r\n"


def _clean(value: object) -> str:
    return _LINE_BREAKS.sub(" ", str(value)).strip()


def _pages(pages: str) -> tuple[str, str | None]:
    if "-" in pages:
        start, end = pages.split("-", 1)
        if start and end:
            return start, end
    return pages, None


def lines(rec: ExportRecord) -> list[tuple[str, str]]:
    """(tag, value) pairs of one record, TY first and ER last."""
    out: list[tuple[str, object | None]] = [("TY", RIS_TYPES.get(rec.type, "GEN")), ("ID", rec.id), ("TI", rec.title)]
    out += [("AU", a) for a in rec.authors]
    out.append(("PY", rec.year))
    out.append(("T2", rec.journal))
    out += [("VL", rec.volume), ("IS", rec.issue)]
    if rec.pages:
        start, end = _pages(rec.pages)
        out += [("SP", start), ("EP", end)]
    out += [("DO", rec.doi), ("UR", rec.url), ("SN", rec.isbn), ("LA", rec.language), ("AB", rec.abstract)]
    out += [("KW", k) for k in rec.keywords + rec.code_tags()]
    out += [("DB", rec.source), ("AN", rec.source_key)]
    if rec.pmid:
        out.append(("N1", f"PMID: {rec.pmid}"))
    out.append(("N1", rec.provenance_text()))
    if status := rec.status_text():
        out.append(("N1", f"screening: {status}"))
    if codes := rec.codes_text():
        out.append(("N1", f"codes: {codes}"))
    result = []
    for tag, value in out:
        if value is None:
            continue
        text = _clean(value)
        if text:
            result.append((tag, text))
    result.append(("ER", ""))
    return result


def write(records: Iterable[ExportRecord], fh: TextIO, dimensions: list[str]) -> int:
    """Write every record as a RIS reference; returns how many."""
    count = 0
    for rec in records:
        fh.write("".join(f"{tag}  - {value}{EOL}" for tag, value in lines(rec)) + EOL)
        count += 1
    return count
