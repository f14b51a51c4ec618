"""EndNote / Refer tagged text (`%0 Journal Article`, `%T`, `%A`, ...; `.enw`, `.txt`).

Records are separated by blank lines; tags may come in any order (`%T` before `%0` in the AIS
eLibrary export) and `%0` may be missing. A line that does not start with a tag continues the
previous tag's value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from litmap.errors import InputError
from litmap.formats.io import open_text
from litmap.formats.tagged import (
    Fields, Raw, doi_in, first, first_line, joined, key_of, lines, to_raw, values, year_of,
)
from litmap.records import BadRecord, Record

TYPES = {
    "journal article": "article", "magazine article": "article", "newspaper article": "article",
    "electronic article": "article", "conference proceedings": "inproceedings", "conference paper": "inproceedings",
    "book": "book", "edited book": "book", "electronic book": "book", "book section": "incollection",
    "electronic book section": "incollection", "thesis": "phdthesis", "report": "techreport",
    "government document": "techreport", "unpublished work": "unpublished", "manuscript": "unpublished",
    "web page": "online", "blog": "online", "dataset": "dataset", "generic": "misc",
}


def tag_of(line: str) -> tuple[str, str] | None:
    """(`%T`, value) for a tag line (`%` + one character + space or end), else None."""
    if len(line) >= 2 and line[0] == "%" and line[1] not in " %" and (len(line) == 2 or line[2] == " "):
        return line[:2], line[3:].strip()
    return None


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """Records of a Refer/EndNote tagged file. InputError when the first non-blank line is not a
    `%` tag (not this format); a BadRecord for a record without title and authors."""
    fields: Fields = []
    start = 0
    position = 0

    def close() -> Record | BadRecord:
        nonlocal position
        position += 1
        raw = to_raw(fields)
        if not any(tag in raw for tag in ("%T", "%A", "%B", "%J", "%X")):
            return BadRecord(position, start, "record has no title (%T), author (%A) or journal (%J/%B)", key_of(raw, "%M", "%F"))
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
            tagged = tag_of(line)
            if tagged is None:
                if fields:
                    last = fields[-1]
                    last[1] = f"{last[1]}\n{line.strip()}" if last[1] else line.strip()
                elif position == 0:
                    raise InputError(f"{path}: line {lineno}: not a `%` tag line; is it an EndNote/Refer tagged file? Name the format with --format")
                continue
            if not fields:
                start = lineno
            fields.append(list(tagged))
    if fields:
        yield close()
    if position == 0:
        raise InputError(f"{path}: no Refer/EndNote tagged record found; name the format with --format")


def _type(raw: Raw) -> str:
    declared = (first_line(first(raw, "%0")) or "").lower()
    if declared:
        return TYPES.get(declared, "misc")
    if first(raw, "%J") or first(raw, "%V"):
        return "article"
    if first(raw, "%B"):
        return "inproceedings"
    return "misc"


def build(raw: Raw, line: int | None = None) -> Record:
    """A Record from the tags of one Refer record."""
    doi = None
    for value in values(raw, "%R", "%U", "%Z"):
        doi = doi_in(value, marked=False) if value.lower().lstrip().startswith(("10.", "doi")) else doi_in(value)
        if doi:
            break
    keywords: list[str] = []
    for value in lines(values(raw, "%K")):
        keywords.extend(k.strip() for k in re.split(r"[;]", value) if k.strip())
    return Record(
        raw=raw,
        source_key=first_line(first(raw, "%M", "%F")),
        type=_type(raw),
        title=joined(first(raw, "%T")),
        abstract=first(raw, "%X"),
        authors=lines(values(raw, "%A")),
        year=year_of([first_line(first(raw, tag)) for tag in ("%D", "%8")]),  # type: ignore[arg-type]
        journal=joined(first(raw, "%J", "%B")),
        volume=first_line(first(raw, "%V")),
        issue=first_line(first(raw, "%N")),
        pages=first_line(first(raw, "%P")),
        doi=doi,
        pmid=None,
        isbn=first_line(first(raw, "%@")),
        url=first_line(first(raw, "%U")),
        keywords=keywords,
        language=first_line(first(raw, "%G")),
        line=line,
    )


def source_name(head: str) -> str | None:
    """`AIS eLibrary` for aisel.aisnet.org exports; None otherwise (the tool is not the database)."""
    if "aisel.aisnet.org" in head:
        return "AIS eLibrary"
    return None
