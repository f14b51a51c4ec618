"""PubMed / MEDLINE tagged format (`.nbib`, `.txt`, `.medline`) and ERIC's `.nbib`.

Tags are up to four characters padded to four, then `- ` (`PMID- `, `AU  - `, `FAU - `); ERIC
writes `ISSN - `. Continuation lines are indented (6 spaces). Records are separated by blank lines
and start at `PMID-` (PubMed) or `OWN - ERIC` (ERIC has no PMID).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from litmap.errors import InputError
from litmap.formats.io import open_text
from litmap.formats.tagged import (
    Fields, Raw, doi_in, first, first_line, joined, key_of, lines, strip_major, to_raw, values, year_of,
)
from litmap.records import BadRecord, Record

_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) ?- (.*)")
_STARTS = ("PMID", "OWN", "PMC")

# Publication types (PT) -> records.TYPES, first match in this order wins.
_TYPES = (
    ("preprint", "unpublished"), ("dataset", "dataset"), ("congress", "inproceedings"),
    ("book chapter", "incollection"), ("book", "book"), ("dissertation", "phdthesis"),
    ("thesis", "phdthesis"), ("technical report", "techreport"), ("journal article", "article"),
    ("review", "article"), ("letter", "article"), ("editorial", "article"), ("comment", "article"),
    ("reports", "techreport"),
)


def tag_of(line: str) -> tuple[str, str] | None:
    """(`FAU`, value) for a tag line, None for a continuation or other line."""
    if len(line) >= 5 and line[4] == "-" and "A" <= line[0] <= "Z":
        tag = line[:4].rstrip()
        if tag and " " not in tag and (len(line) == 5 or line[5] == " "):
            return tag, line[6:].strip()
    if line[:1].isupper():
        match = _TAG.match(line)
        if match:
            return match.group(1), match.group(2).strip()
    return None


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """Records of a MEDLINE file. InputError when its first record has no PMID/OWN line (not
    MEDLINE at all); a BadRecord for a later record that has tags but no title or identifier."""
    fields: Fields = []
    start = 0
    position = 0
    checked = False

    def close() -> Record | BadRecord:
        nonlocal position, checked
        position += 1
        raw = to_raw(fields)
        if not checked:
            checked = True
            if not any(tag in raw for tag in _STARTS):
                raise InputError(
                    f"{path}: line {start}: no `PMID- ` or `OWN - ` line in the first record; "
                    "is it a MEDLINE/PubMed file? Name the format with --format"
                )
        if not any(tag in raw for tag in (*_STARTS, "TI", "TT", "BTI", "AB")):
            return BadRecord(position, start, "record has neither an identifier (PMID/OWN) nor a title", key_of(raw, "PMID", "OID"))
        return build(raw, start)

    with open_text(path, encoding) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip()
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if not line:
                if fields:
                    yield close()
                    fields = []
                continue
            tagged = tag_of(line) if line[0] != " " else None
            if tagged is None:
                if fields:
                    last = fields[-1]
                    last[1] = f"{last[1]}\n{line.strip()}" if last[1] else line.strip()
                elif not checked:
                    raise InputError(f"{path}: line {lineno}: not a MEDLINE tag line; is it a MEDLINE/PubMed file? Name the format with --format")
                continue
            tag, value = tagged
            if tag == "PMID" and fields:  # a record that was not followed by a blank line
                yield close()
                fields = []
            if not fields:
                start = lineno
            fields.append([tag, value])
    if fields:
        yield close()
    if not checked:
        raise InputError(f"{path}: no MEDLINE record found; is it a MEDLINE/PubMed file? Name the format with --format")


def _authors(fields_raw: Raw) -> list[str]:
    """Full names (FAU) where given, else the short form (AU), keeping author order."""
    full = lines(values(fields_raw, "FAU"))
    short = lines(values(fields_raw, "AU"))
    if full and (len(full) >= len(short)):
        return full
    return short


def _doi(raw: Raw) -> str | None:
    for tag in ("LID", "AID"):
        for value in values(raw, tag):
            if value.rstrip().endswith("[doi]"):
                return value.rstrip()[: -len("[doi]")].strip()
    for value in values(raw, "LID", "AID", "SO"):
        doi = doi_in(value)
        if doi:
            return doi
    return None


def _type(raw: Raw) -> str:
    kinds = " | ".join(values(raw, "PT")).lower()
    for word, kind in _TYPES:
        if word in kinds:
            if kind == "techreport" and first(raw, "JT", "TA"):
                return "article"  # ERIC "Reports - Research" published in a journal
            return kind
    return "article" if first(raw, "JT", "TA") else "misc"


def build(raw: Raw, line: int | None = None) -> Record:
    """A Record from the tags of one MEDLINE record."""
    url = None
    for value in values(raw, "LID"):
        if value.startswith("http"):
            url = first_line(value)
            break
    keywords = [strip_major(k) for k in lines(values(raw, "OT", "MH"))]
    return Record(
        raw=raw,
        source_key=first_line(first(raw, "PMID", "OID", "AN")),
        type=_type(raw),
        title=joined(first(raw, "TI", "TT", "BTI")),
        abstract=joined(first(raw, "AB")),
        authors=_authors(raw),
        year=year_of([first_line(first(raw, tag)) for tag in ("DP", "DEP", "PHST", "EDAT")]),  # type: ignore[arg-type]
        journal=joined(first(raw, "JT", "TA", "BTI")),
        volume=first_line(first(raw, "VI")),
        issue=first_line(first(raw, "IP")),
        pages=first_line(first(raw, "PG")),
        doi=_doi(raw),
        pmid=first_line(first(raw, "PMID")),
        isbn=re.sub(r"^ISSN-", "", first_line(first(raw, "IS", "ISSN", "ISBN")) or "") or None,
        url=url,
        keywords=keywords,
        language=first_line(first(raw, "LA")),
        line=line,
    )


def source_name(head: str) -> str | None:
    """`ERIC` for ERIC's .nbib, `PubMed` for PubMed/MEDLINE exports."""
    if re.search(r"^OWN - ERIC", head, re.M):
        return "ERIC"
    if re.search(r"^PMID- ", head, re.M):
        return "PubMed"
    return None
