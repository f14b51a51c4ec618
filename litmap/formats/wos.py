"""Web of Science / Clarivate tagged plain text (`FN` ... `PT J` ... `ER` ... `EF`): Core Collection
`.txt`, `.ciw`, `.isi`, and the other databases on the platform (Zoological Record, ...).

Tags are two characters and a space; continuation lines start with 3 spaces. For list tags (AU, AF,
CR, C1, ...) each continuation line is a new item; for TI/AB/SO it is a wrapped line. Both are kept
in `raw` as one value with the lines joined by newlines. The tab-delimited WoS export is a CSV.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from litmap.errors import InputError
from litmap.formats.io import open_text
from litmap.formats.tagged import Fields, Raw, first, first_line, joined, key_of, lines, page_range, to_raw, year_of
from litmap.records import BadRecord, Record

_HEADER = {"FN", "VR"}
_EMAIL = re.compile(r"\s*\([^()]*@[^()]*\)\s*")

# UT prefixes of the databases on the Web of Science platform.
_DATABASES = {
    "WOS": "Web of Science", "ZOOREC": "Zoological Record", "MEDLINE": "MEDLINE (Web of Science)",
    "BCI": "BIOSIS Citation Index", "INSPEC": "Inspec", "CCC": "Current Contents Connect",
    "KJD": "KCI-Korean Journal Database", "SCIELO": "SciELO Citation Index", "CSCD": "Chinese Science Citation Database",
    "DIIDW": "Derwent Innovations Index", "RSCI": "Russian Science Citation Index", "CABI": "CAB Abstracts",
    "FSTA": "FSTA", "BIOSIS": "BIOSIS Previews", "DRCI": "Data Citation Index", "PQDT": "ProQuest Dissertations & Theses",
}


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """Records of a WoS plain-text file; a BadRecord for a record with no `ER` before the end of
    the file (cut short), tags without a `PT`, or a record with no fields. InputError when no
    record starts (`PT`) anywhere in the file."""
    fields: Fields = []
    in_record = False
    has_start = False
    start = 0
    position = 0
    seen = False

    def close(ended: bool) -> Record | BadRecord:
        nonlocal position
        position += 1
        raw = to_raw(fields)
        key = key_of(raw, "UT", "AN")
        if not has_start:
            return BadRecord(position, start, "tags without a `PT` line before them; every record starts with PT", key)
        if not ended:
            return BadRecord(position, start, "record has no `ER` line; the file may be cut short", key)
        if len(fields) <= 1:
            return BadRecord(position, start, "record has no fields (only PT)", key)
        return build(raw, start)

    with open_text(path, encoding) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip()
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if not line:
                continue
            if line[0] == " " or len(line) < 2 or (len(line) > 2 and line[2] != " ") or not ("A" <= line[0] <= "Z"):
                if in_record and fields:
                    last = fields[-1]
                    last[1] = f"{last[1]}\n{line.strip()}" if last[1] else line.strip()
                continue
            tag, value = line[:2], line[3:].strip()
            if tag == "PT":
                if in_record:
                    yield close(False)
                fields, in_record, has_start, start, seen = [[tag, value]], True, True, lineno, True
            elif tag == "ER":
                if in_record:
                    yield close(True)
                in_record, fields = False, []
            elif tag == "EF" or (tag in _HEADER and not in_record):
                continue
            else:
                if not in_record:
                    fields, in_record, has_start, start = [], True, False, lineno
                fields.append([tag, value])
    if in_record and fields:
        yield close(False)
    if not seen:
        raise InputError(
            f"{path}: no Web of Science record found (no `PT` line); is it a WoS plain-text export? "
            "Name the format with --format"
        )


def _list(raw: Raw, tag: str) -> list[str]:
    value = raw.get(tag)
    if value is None:
        return []
    return lines([value] if isinstance(value, str) else value)


def _authors(raw: Raw) -> list[str]:
    full, short = _list(raw, "AF"), _list(raw, "AU")
    names = full if full and len(full) >= len(short) else short
    return [_EMAIL.sub(" ", name).strip() for name in names]


def _type(raw: Raw) -> str:
    kind = (first_line(first(raw, "PT")) or "").upper()
    doc = (first_line(first(raw, "DT")) or "").lower()
    if "proceedings paper" in doc or "meeting paper" in doc or (kind in ("S", "B") and first(raw, "CT")):
        return "inproceedings"
    if "book chapter" in doc:
        return "incollection"
    if kind == "B" or doc == "book":
        return "book"
    if "dissertation" in doc or "thesis" in doc:
        return "phdthesis"
    if kind in ("J", "S"):
        return "article"
    return "misc"


def _keywords(raw: Raw) -> list[str]:
    out: list[str] = []
    for tag in ("DE", "ID"):
        text = joined(first(raw, tag))  # "TROPHIC\n   STATE INDEX" is one keyword wrapped
        if text:
            out.extend(k.strip() for k in text.split(";") if k.strip())
    return out


def build(raw: Raw, line: int | None = None) -> Record:
    """A Record from the tags of one WoS record. The DOI is `DI` only: `CR` holds cited works'."""
    pages = page_range(first_line(first(raw, "BP")), first_line(first(raw, "EP")))
    return Record(
        raw=raw,
        source_key=first_line(first(raw, "UT", "AN")),
        type=_type(raw),
        title=joined(first(raw, "TI")),
        abstract=first(raw, "AB"),
        authors=_authors(raw),
        year=year_of([first_line(first(raw, tag)) for tag in ("PY", "PD", "EA")]),  # type: ignore[arg-type]
        journal=joined(first(raw, "SO", "SE", "J9", "JI")),
        volume=first_line(first(raw, "VL")),
        issue=first_line(first(raw, "IS")),
        pages=pages or first_line(first(raw, "AR", "PS")),
        doi=first_line(first(raw, "DI")),
        pmid=first_line(first(raw, "PM")),
        isbn=first_line(first(raw, "SN", "EI", "BN")),
        url=None,
        keywords=_keywords(raw),
        language=first_line(first(raw, "LA")),
        line=line,
    )


def source_name(head: str) -> str | None:
    """The platform database from the record ids (`UT WOS:`, `UT ZOOREC:`, `AN ZOOR...`)."""
    prefixes = re.findall(r"^UT ([A-Z]+):", head, re.M)
    if not prefixes and re.search(r"^AN ZOOR", head, re.M):
        return "Zoological Record"
    if prefixes:
        most = max(set(prefixes), key=prefixes.count)
        return _DATABASES.get(most, most)
    return "Web of Science" if re.search(r"^FN ", head.lstrip("\ufeff"), re.M) else None
