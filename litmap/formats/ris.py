"""RIS (`TY  - JOUR` ... `ER  -`): Scopus, Web of Science, Embase, Ovid, ProQuest, EBSCO, JSTOR,
PsycNET, Dimensions, Rayyan, Citavi, Zotero, EndNote, Mendeley, ScienceDirect, TRID.

One pass over the lines. A record starts at `TY` and ends at `ER`; text between records (Ovid
sequence numbers, `Link to the Ovid Full Text`, JSTOR/APA `Provider:` headers) is skipped. Inside
a record, a line that is not a tag continues the previous tag (Scopus references under `N1`, Rayyan
keywords after `KW`, WoS 3-space indented abstracts, blank lines inside Citavi notes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from litmap.errors import InputError
from litmap.formats.io import open_text
from litmap.formats.tagged import (
    Fields, Raw, doi_in, first, first_line, joined, key_of, lines, page_range, strip_major, to_raw,
    values, year_of,
)
from litmap.records import BadRecord, Record

# Two-space RIS tag; 3-4 letter tags (`PMID  - ` of APA PsycNET) too. One space is not enough:
# continuation lines such as "UK - wide survey" would turn into tags.
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3})  -(?: (.*)|$)")

TYPES = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article",
    "INPR": "article", "ABST": "misc", "CONF": "inproceedings", "CPAPER": "inproceedings",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "SER": "book", "CHAP": "incollection",
    "ECHAP": "incollection", "THES": "phdthesis", "RPRT": "techreport", "STAND": "techreport",
    "GOVDOC": "techreport", "UNPB": "unpublished", "MANSCPT": "unpublished", "ELEC": "online",
    "WEB": "online", "BLOG": "online", "DATA": "dataset", "DBASE": "dataset", "AGGR": "dataset",
}


def tag_of(line: str) -> tuple[str, str] | None:
    """(`TI`, value) for a tag line, None for any other line. `line` has no line end."""
    if len(line) >= 5 and line[2:5] == "  -" and "A" <= line[0] <= "Z" and (len(line) == 5 or line[5] == " "):
        second = line[1]
        if "A" <= second <= "Z" or "0" <= second <= "9":
            return line[:2], line[6:].strip()
    if len(line) >= 6 and "A" <= line[0] <= "Z" and line[3:6] != "  -" and "  -" in line[:8]:
        match = _TAG.match(line)
        if match:
            return match.group(1), (match.group(2) or "").strip()
    return None


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """Records of a RIS file; a BadRecord for a record without `ER` at the end of the file (or
    before the next `TY` in a file that ends its records with `ER`), with no fields, or whose
    tags come without a `TY`. InputError when the file holds no `TY` line at all.

    Tags between an `ER` and the next `TY` (Ovid writes `NL  - ` after `ER`) join the record
    before them, so a finished record is held back until the next `TY` or the end of the file."""
    fields: Fields = []
    in_record = False  # between a TY (or an orphan tag) and its ER
    has_type = False
    start = 0
    blanks = 0
    position = 0
    seen_type = False
    seen_end = False
    held: list[Record | BadRecord] = []  # finished, not yet yielded

    def close(ended: bool, why: str | None = None) -> Record | BadRecord:
        nonlocal position
        position += 1
        raw = to_raw(fields)
        key = key_of(raw, "AN", "ID", "DO")
        if not has_type:
            return BadRecord(position, start, "tags without a `TY  - ` line before them; every RIS record starts with TY", key)
        if not ended:
            return BadRecord(position, start, why or "record has no `ER  -` line; the file may be cut short", key)
        if len(fields) <= 1:
            return BadRecord(position, start, "record has no fields (only TY)", key)
        return build(raw, start)

    tag_ok: dict[str, bool] = {}  # two-letter tag -> is a tag (cache: no regex per line)
    with open_text(path, encoding) as fh:
        lineno = 0
        for line in fh:
            lineno += 1
            line = line.rstrip()
            if lineno == 1:
                line = line.lstrip("\ufeff")
            tagged = None
            if line[2:5] == "  -" and (len(line) == 5 or line[5] == " "):
                head = line[:2]
                ok = tag_ok.get(head)
                if ok is None:
                    ok = tag_ok[head] = "A" <= head[0] <= "Z" and ("A" <= head[1] <= "Z" or "0" <= head[1] <= "9")
                if ok:
                    tagged = head, line[6:].lstrip()
            elif line and "  -" in line[3:7] and line[0] != " ":
                tagged = tag_of(line)
            if tagged is None:
                if in_record and fields:
                    if not line:
                        blanks += 1
                    else:
                        last = fields[-1]
                        last[1] = f"{last[1]}{chr(10) * (blanks + 1)}{line.strip()}" if last[1] else line.strip()
                        blanks = 0
                continue
            blanks = 0
            tag, value = tagged
            if tag == "TY":
                if in_record:
                    if seen_end or not has_type:
                        held.append(close(False, f"record has no `ER  -` line before the next TY (line {lineno})"))
                    else:  # a producer that never writes ER: TY alone separates records
                        held.append(close(True))
                seen_type = True
                yield from held
                held.clear()
                fields = [[tag, value]]
                in_record, has_type, start = True, True, lineno
            elif tag == "ER":
                seen_end = True
                if in_record:
                    held.append(close(True))
                in_record, fields = False, []
            elif in_record:
                fields.append([tag, value])
            elif held and isinstance(held[-1], Record):
                raw = held[-1].raw
                current = raw.get(tag)
                raw[tag] = value if current is None else [*current, value] if isinstance(current, list) else [current, value]
            else:
                fields, in_record, has_type, start = [[tag, value]], True, False, lineno
    if in_record and fields:
        ended = not seen_end and has_type and position > 0  # every earlier record ended at a TY
        held.append(close(ended))
    if not seen_type:
        raise InputError(f"{path}: no RIS record found (no `TY  - ` line); is it a RIS file? Name the format with --format")
    yield from held


def _authors(raw: Raw, fields_order: tuple[str, ...] = ("AU", "A1")) -> list[str]:
    names: list[str] = []
    for tag in fields_order:
        names.extend(lines(values(raw, tag)))
        if names:
            break
    return names


def _doi(raw: Raw) -> str | None:
    for value in values(raw, "DO"):
        doi = doi_in(value, marked=False)
        if doi:
            return doi
    for tag in ("M3", "L2", "L3", "UR", "N1", "M1", "M2", "LK", "L1", "L4"):
        if tag not in raw:
            continue
        for value in values(raw, tag):
            if "10." not in value or value.startswith("References"):  # Scopus cited references carry other works' DOIs
                continue
            doi = doi_in(value.split("\n", 1)[0] if tag == "N1" else value)
            if doi:
                return doi
    return None


def _pmid(raw: Raw) -> str | None:
    pmid = first_line(first(raw, "PMID", "PM"))
    if pmid:
        return pmid
    database = " ".join(values(raw, "DB", "DP")).lower()
    accession = first_line(first(raw, "AN"))
    if accession and accession.isdigit() and ("nlm" in database or "pubmed" in database or "medline" in database):
        return accession
    for value in values(raw, "N1", "M2", "C2", "AN"):
        if "PMID" not in value:
            continue
        match = re.search(r"\bPMID:?\s*(\d{1,9})\b", value)
        if match:
            return match.group(1)
    return None


def _key(raw: Raw) -> str | None:
    key = first_line(first(raw, "AN"))
    if key:
        return key
    u2 = first_line(first(raw, "U2"))
    if u2 and re.fullmatch(r"L\d{6,}", u2):  # Embase accession number
        return u2
    url = first(raw, "UR")
    eid = re.search(r"[?&]eid=(2-s2\.0-\d+)", url) if url and "eid=" in url else None
    if eid:  # Scopus writes no AN; its record id is in the link
        return eid.group(1)
    return first_line(first(raw, "ID"))


def build(raw: Raw, line: int | None = None) -> Record:
    """A Record from the tags of one RIS record."""
    type_code = (first_line(first(raw, "TY")) or "").upper()
    title = first(raw, "TI", "T1", "CT") or first(raw, "BT")
    abstracts = [v for v in (first(raw, "AB"), first(raw, "N2")) if v]
    keywords = [strip_major(k) for k in lines(values(raw, "KW"))]
    pages = page_range(first_line(first(raw, "SP")), first_line(first(raw, "EP")))
    if pages is None and not first(raw, "SP"):
        pages = first_line(first(raw, "C7"))  # article number (Scopus, EndNote)
    return Record(
        raw=raw,
        source_key=_key(raw),
        type=TYPES.get(type_code, "misc"),
        title=joined(title),
        abstract=max(abstracts, key=len) if abstracts else None,
        authors=_authors(raw),
        year=year_of([first_line(first(raw, tag)) for tag in ("PY", "Y1", "DA", "Y2")]),  # type: ignore[arg-type]
        journal=joined(first(raw, "JF", "T2", "JO", "SO", "JA", "J2")),
        volume=first_line(first(raw, "VL")),
        issue=first_line(first(raw, "IS", "CP")),
        pages=pages,
        doi=_doi(raw),
        pmid=_pmid(raw),
        isbn=first_line(first(raw, "SN")),
        url=first_line(first(raw, "UR")),
        keywords=keywords,
        language=first_line(first(raw, "LA")),
        line=line,
    )


# (pattern, database): fingerprints of the producing database; the most frequent one in the
# file's start wins, because tool re-exports mix records of several databases.
_FINGERPRINTS = [
    (re.compile(r"^AN  - WOS:", re.M), "Web of Science"),
    (re.compile(r"scopus\.com/|^DB  - Scopus", re.M | re.I), "Scopus"),
    (re.compile(r"^DB  - Embase|embase\.com/", re.M), "Embase"),
    (re.compile(r"app\.dimensions\.ai/|^AN  - pub\.\d", re.M), "Dimensions"),
    (re.compile(r"^AN  - rayyan-", re.M), "Rayyan"),
    (re.compile(r"^Provider: JSTOR|jstor\.org/stable", re.M), "JSTOR"),
    (re.compile(r"proquest\.com/", re.M), "ProQuest"),
    (re.compile(r"^DP  - EBSCOhost|ebscohost\.com/", re.M), "EBSCOhost"),
    (re.compile(r"sciencedirect\.com/", re.M), "ScienceDirect"),
    (re.compile(r"trid\.trb\.org/", re.M), "TRID"),
    (re.compile(r"ovidsp\.ovid\.com|^Link to the Ovid Full Text", re.M), "Ovid"),
    (re.compile(r"^Provider: American Psychological Association", re.M), "APA PsycNET"),
    (re.compile(r"^DP  - NLM|ncbi\.nlm\.nih\.gov/pubmed", re.M), "PubMed"),
]
_OVID_DATABASES = {"psyc": "PsycINFO", "emed": "Embase", "emez": "Embase", "medl": "MEDLINE", "prem": "MEDLINE"}


def source_name(head: str) -> str | None:
    """The database that wrote the export (`Scopus`, `Embase`, `PsycINFO (Ovid)`, ...), from
    fingerprints in its first records; None when nothing identifies it."""
    counts = {name: len(pattern.findall(head)) for pattern, name in _FINGERPRINTS}
    best = max(counts, key=lambda name: counts[name])
    citavi = re.search(r"^M4  - Citavi", head, re.M) is not None
    if counts[best] == 0:
        return "Citavi" if citavi else None
    if citavi:
        return f"{best} (via Citavi)"
    database = re.search(r"^DB  - (\S.*)$", head, re.M)
    if best == "Ovid":
        code = re.search(r"[?&]D=([a-z]+)", head)
        for prefix, label in _OVID_DATABASES.items():
            if code and code.group(1).startswith(prefix):
                return f"{label} (Ovid)"
    elif best == "APA PsycNET":
        named = re.search(r"^Database: (.+)$", head, re.M)
        return f"{named.group(1).strip()} (APA PsycNET)" if named else best
    elif best in ("EBSCOhost", "ProQuest") and database:
        return f"{database.group(1).strip()} ({best})"
    return best
