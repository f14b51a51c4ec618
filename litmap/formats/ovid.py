"""Ovid's own tagged export (the "EndNote"/"Citation Manager" direct export of Embase, MEDLINE,
PsycINFO on Ovid): records start with a sequence line `<3001. >`, tags look like RIS (`TI  - `)
but are Ovid field codes, there is no TY/ER, and continuation lines (indented or not) follow
their tag. `SO` holds the whole citation as text when VO/IP/PG are not given separately.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from litmap.errors import InputError
from litmap.formats.io import open_text
from litmap.formats.ris import tag_of
from litmap.formats.tagged import (
    Fields, Raw, doi_in, first, first_line, joined, key_of, lines, strip_major, to_raw, values, year_of,
)
from litmap.records import BadRecord, Record

_SEQUENCE = re.compile(r"<\s*(\d+)\.?\s*>")
# "Journal. 12 (Supplement 3) (no pagination), 2018." (Embase) / "Journal. 12(3):123-9, 2019 Mar." (MEDLINE)
_SO_EMBASE = re.compile(r"^(?P<journal>.+?)\.\s+(?P<volume>[\w-]+)\s*(?:\((?P<issue>[^)]*)\))?\s*\((?P<pages>[^)]*)\),\s*(?P<year>\d{4})")
_SO_MEDLINE = re.compile(r"^(?P<journal>.+?)\.\s+(?P<volume>[\w-]+)\s*(?:\((?P<issue>[^)]*)\))?\s*:\s*(?P<pages>[\w.-]+),\s*(?P<year>\d{4})")

_TYPES = (
    ("conference", "inproceedings"), ("book chapter", "incollection"), ("chapter", "incollection"),
    ("book", "book"), ("dissertation", "phdthesis"), ("journal", "article"), ("article", "article"),
    ("review", "article"), ("editorial", "article"), ("letter", "article"),
)


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """Records of an Ovid tagged file; a BadRecord for a record with no fields. InputError when
    no `<N. >` sequence line starts a record."""
    fields: Fields = []
    in_record = False
    start = 0
    position = 0
    blanks = 0
    number = ""

    def close() -> Record | BadRecord:
        nonlocal position
        position += 1
        raw = to_raw(fields)
        if not fields:
            return BadRecord(position, start, f"record <{number}.> has no fields", number or None)
        return build(raw, start)

    with open_text(path, encoding) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip()
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if line.startswith("<"):
                match = _SEQUENCE.fullmatch(line)
                if match:
                    if in_record:
                        yield close()
                    fields, in_record, start, number, blanks = [], True, lineno, match.group(1), 0
                    continue
            if not in_record:
                continue
            tagged = tag_of(line) if line and line[0] != " " else None
            if tagged is None:
                if not line:
                    blanks += 1
                elif fields:
                    last = fields[-1]
                    last[1] = f"{last[1]}{chr(10) * (blanks + 1)}{line.strip()}" if last[1] else line.strip()
                    blanks = 0
                continue
            blanks = 0
            fields.append(list(tagged))
    if in_record:
        yield close()
    if position == 0:
        raise InputError(f"{path}: no Ovid record found (no `<1. >` sequence line); is it an Ovid export? Name the format with --format")


def _citation(raw: Raw) -> dict[str, str]:
    source = joined(first(raw, "SO")) or ""
    for pattern in (_SO_MEDLINE, _SO_EMBASE):
        match = pattern.match(source)
        if match:
            return {k: v for k, v in match.groupdict().items() if v}
    return {}


def _type(raw: Raw) -> str:
    kinds = " | ".join(values(raw, "PT", "ST", "DT")).lower()
    for word, kind in _TYPES:
        if word in kinds:
            return kind
    return "misc"


def build(raw: Raw, line: int | None = None) -> Record:
    """A Record from the fields of one Ovid record (separate VO/IP/PG win over the parsed SO)."""
    cited = _citation(raw)
    pages = first_line(first(raw, "PG")) or cited.get("pages")
    if pages and "pagination" in pages.lower():
        pages = None
    doi = None
    for value in values(raw, "DO", "DI"):
        doi = doi_in(value, marked=False)
        if doi:
            break
    return Record(
        raw=raw,
        source_key=first_line(first(raw, "UI", "AN", "AC")),
        type=_type(raw),
        title=joined(first(raw, "TI", "BT")),
        abstract=first(raw, "AB"),
        authors=lines(values(raw, "AU") or values(raw, "FA")),
        year=year_of([first_line(first(raw, tag)) for tag in ("YR", "PY", "DP")] + [cited.get("year")]),  # type: ignore[arg-type]
        journal=joined(first(raw, "JN", "JT", "JA")) or cited.get("journal"),
        volume=first_line(first(raw, "VO", "VI")) or cited.get("volume"),
        issue=first_line(first(raw, "IP", "NO")) or cited.get("issue"),
        pages=pages,
        doi=doi,
        pmid=first_line(first(raw, "PM")),
        isbn=first_line(first(raw, "IS", "IB", "SN")),
        url=first_line(first(raw, "UR", "XL")),
        keywords=[strip_major(k) for k in lines(values(raw, "KW", "MH"))],
        language=first_line(first(raw, "LG", "LA")),
        line=line,
    )


def source_name(head: str) -> str | None:
    """`Embase (Ovid)`, `MEDLINE (Ovid)`, ... from the `DB` field of the first record."""
    database = re.search(r"^DB  - (\S.*)$", head, re.M)
    return f"{database.group(1).strip()} (Ovid)" if database else "Ovid"
