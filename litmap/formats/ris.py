"""RIS (`TY  - JOUR` ... `ER  -`): Scopus, Web of Science, Embase, Ovid, ProQuest, EBSCO, JSTOR,
PsycNET, Dimensions, Rayyan, Citavi, Zotero, EndNote, Mendeley, ScienceDirect, TRID.

A record starts at `TY` and ends at `ER`; text between records (Ovid sequence numbers, `Link to the
Ovid Full Text`, JSTOR/APA `Provider:` headers) is skipped. Inside a record, a line that is not a
tag continues the previous tag (Scopus references under `N1`, Rayyan keywords after `KW`, WoS
3-space indented abstracts, blank lines inside Citavi notes).

The file is cut into batches of about a megabyte at `TY` lines, which two worker processes read
and normalise while the importer stores the batches before them (`parallel.ordered`): memory does
not grow with the file. A record whose every line is a plain tag line (most of them) is read with
one regex pass; any other goes through the line by line state machine, which also carries the
state that crosses records (an `ER` seen earlier, tags after an `ER`). `NORMALISED` tells ingest
not to normalise again; `rows()` gives ingest the records as the store keeps them, JSON encoded in
the workers.
"""

from __future__ import annotations

import itertools
import pickle
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from litmap.errors import InputError
from litmap.formats import parallel
from litmap.formats.io import open_text
from litmap.formats.tagged import (
    Fields, Raw, doi_in, first_line, joined, key_of, page_range, values, year_of,
)
from litmap.records import BadRecord, Record, normalise, stored

NORMALISED = True  # read() yields records already passed through normalise()

# Two-space RIS tag; 3-4 letter tags (`PMID  - ` of APA PsycNET) too. One space is not enough:
# continuation lines such as "UK - wide survey" would turn into tags.
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3})  -(?: (.*)|$)")
# Two-letter tags, each one string object (the same key in every record pickles once per batch).
_HEADS = {a + b: a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}
# A TY line: `TY  - ` and a value, or `TY  -` with only blanks after it (as the line loop reads it).
_TY_AT = re.compile(r"TY  -(?:[ ]|[^\S\n]*(?:\n|\Z))")
_TY_NEXT = re.compile(r"\n(?=TY  -(?:[ ]|[^\S\n]*(?:\n|\Z)))")  # the line break before a TY line
_ER_NEXT = re.compile(r"\nER  -(?:[ ]|[^\S\n]*(?:\n|\Z))")
_BOMS = re.compile("\ufeff*")
# A plain tag line, its value without surrounding blanks: what the line loop makes of it.
_PLAIN = re.compile(r"^([A-Z][A-Z0-9])  -(?:[ ][^\S\n]*([^\n]*\S)?)?[^\S\n]*$", re.M)
_SLOTS = Record.__slots__
_TITLE, _ABSTRACT = _SLOTS.index("title"), _SLOTS.index("abstract")
_BLOCK = 1 << 20
_BATCH_CHARS = 1 << 20

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


def _raw(fields: Fields) -> Raw:
    """`tagged.to_raw` with each two-letter tag as the one string object of `_HEADS`."""
    raw: Raw = {}
    heads = _HEADS
    for tag, value in fields:
        tag = heads.get(tag, tag)
        current = raw.get(tag)
        if current is None:
            raw[tag] = value
        elif isinstance(current, list):
            current.append(value)
        else:
            raw[tag] = [current, value]
    return raw


class _Reader:
    """The RIS state machine over whole lines, fed in pieces (a worker's batch, or the text before
    the first TY). Closed records collect in `out` in file order; BadRecord positions count from 1
    within this reader (the caller adds the number of records before it)."""

    def __init__(self, line: int, seen_end: bool, closed_before: bool) -> None:
        self.line = line  # number of the next line to be fed
        self.seen_end = seen_end  # an ER line came earlier: the file ends its records with ER
        self.closed_before = closed_before  # a record was closed before this reader's first line
        self.seen_type = False
        self.out: list[Record | BadRecord] = []
        self.fields: Fields = []
        self.in_record = False  # between a TY (or an orphan tag) and its ER
        self.has_type = False
        self.start = 0
        self.blanks = 0
        # The record closed by the last ER since the last TY: tags between an ER and the next TY
        # (Ovid writes `NL  - ` after `ER`) join its raw.
        self.after: Record | None = None

    def feed(self, text: str) -> None:
        """Read whole lines (`text` ends with a line break, except at the end of the file)."""
        bounds = [0, *(m.start() + 1 for m in _TY_NEXT.finditer(text)), len(text)]
        for a, b in zip(bounds, bounds[1:]):  # a record from its TY to the next TY (the first may be no record)
            breaks = self._plain(text, a, b) if self.line > 1 and text.startswith("TY  -", a) else None
            if breaks is None:
                chunk = text[a:b]
                self._lines(chunk)
                breaks = chunk.count("\n")
            self.line += breaks

    def end(self, at_eof: bool) -> None:
        """The end of this reader's text: the end of the file, or (not `at_eof`) a TY line."""
        if not at_eof:
            self._type_line(self.line)
        elif self.in_record and self.fields:
            # a file without ER lines ends its last record at the end of the file
            ended = not self.seen_end and self.has_type and (self.closed_before or bool(self.out))
            self._close(self.fields, self.has_type, self.start, ended)

    def _close(self, fields: Fields, has_type: bool, start: int, ended: bool, why: str | None = None) -> Record | BadRecord:
        position = len(self.out) + 1
        raw = _raw(fields)
        if not has_type:
            item: Record | BadRecord = BadRecord(
                position, start, "tags without a `TY  - ` line before them; every RIS record starts with TY",
                key_of(raw, "AN", "ID", "DO"))
        elif not ended:
            item = BadRecord(position, start, why or "record has no `ER  -` line; the file may be cut short", key_of(raw, "AN", "ID", "DO"))
        elif len(fields) <= 1:
            item = BadRecord(position, start, "record has no fields (only TY)", key_of(raw, "AN", "ID", "DO"))
        else:
            item = build(raw, start)
        self.out.append(item)
        return item

    def _type_line(self, lineno: int) -> None:
        """A TY line at `lineno` closes the open record (a file that ends its records with ER
        should have ended it; a producer that never writes ER separates records by TY alone)."""
        if self.in_record:
            if self.seen_end or not self.has_type:
                self._close(self.fields, self.has_type, self.start, False,
                            f"record has no `ER  -` line before the next TY (line {lineno})")
            else:
                self._close(self.fields, True, self.start, True)
        self.in_record, self.fields, self.seen_type, self.after = False, [], True, None

    def _plain(self, text: str, a: int, b: int) -> int | None:
        """Read the record `text[a:b]` if its lines are all plain tag lines up to its ER (then only
        blank lines), with one regex pass, and return its number of line breaks; None, having read
        nothing, for any other record."""
        er = text.rfind("\nER  -", a, b) + 1
        if er == 0:
            return None
        end = text.find("\n", er, b)
        if end < 0:
            end = b
        if end - er > 5 and text[er + 5] != " " and not text[er + 5:end].isspace():
            return None  # `ER  -x` is no ER line
        if (end < b and not text[end:b].isspace()) or text.find("\nER  -", a, er - 1) >= 0:
            return None  # something after the ER line, or another ER line before it
        breaks = text.count("\n", a, end)
        if text.count("  -", a, end) <= breaks:  # a line without `  -` (a continuation): no need to try
            return None
        pairs = _PLAIN.findall(text, a, end)
        if len(pairs) != breaks + 1:  # some line is no plain tag line
            return None
        self._type_line(self.line)
        item = self._close(pairs[:-1], True, self.line, True)  # type: ignore[arg-type]
        self.after = item if isinstance(item, Record) else None
        self.has_type, self.start, self.seen_end, self.blanks = True, self.line, True, 0
        return breaks + text.count("\n", end, b)

    def _lines(self, chunk: str) -> None:
        """The line by line reading, for anything `_plain` does not take."""
        lines = chunk.split("\n")
        if chunk.endswith("\n"):
            lines.pop()
        fields, in_record, has_type, start, blanks = self.fields, self.in_record, self.has_type, self.start, self.blanks
        seen_end, seen_type, after = self.seen_end, self.seen_type, self.after
        close = self._close
        lineno = self.line - 1
        for line in lines:
            lineno += 1
            line = line.rstrip()
            if lineno == 1:
                line = line.lstrip("\ufeff")
            tagged = None
            if line[2:5] == "  -" and (len(line) == 5 or line[5] == " "):
                head = _HEADS.get(line[:2])
                if head is not None:
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
                        close(fields, has_type, start, False, f"record has no `ER  -` line before the next TY (line {lineno})")
                    else:
                        close(fields, True, start, True)
                seen_type, after = True, None
                fields = [[tag, value]]
                in_record, has_type, start = True, True, lineno
            elif tag == "ER":
                seen_end = True
                if in_record:
                    item = close(fields, has_type, start, True)
                    after = item if isinstance(item, Record) else None
                in_record, fields = False, []
            elif in_record:
                fields.append([tag, value])
            elif after is not None:
                raw = after.raw
                current = raw.get(tag)
                raw[tag] = value if current is None else [*current, value] if isinstance(current, list) else [current, value]
            else:
                fields, in_record, has_type, start = [[tag, value]], True, False, lineno
        self.fields, self.in_record, self.has_type, self.start, self.blanks = fields, in_record, has_type, start, blanks
        self.seen_end, self.seen_type, self.after = seen_end, seen_type, after


def _batches(fh: IO[str], pre: _Reader) -> Iterator[tuple[str, int, bool, bool, bool]]:
    """Feed the text before the first TY line to `pre` (in pieces; it is no record but may hold
    orphan tags), then cut the rest into batches of whole records at TY lines: (text, first line
    number, ER seen before, record closed before, last batch)."""
    buf = ""
    eof = False
    line = 1
    while True:  # the text before the first TY line
        data = fh.read(_BLOCK)
        eof = not data
        buf += data
        endpos = len(buf) if eof else buf.rfind("\n") + 1  # whole lines only: a TY line may be cut
        lead = _BOMS.match(buf).end() if line == 1 else 0  # type: ignore[union-attr]
        if _TY_AT.match(buf, lead, endpos):
            at: int | None = 0
        else:
            found = _TY_NEXT.search(buf, 0, endpos)
            at = found.start() + 1 if found else None
        if at is not None or eof:
            break
        if endpos >= _BATCH_CHARS:
            pre.feed(buf[:endpos])
            line = pre.line
            buf = buf[endpos:]
    if at is None:
        pre.feed(buf)
        pre.end(at_eof=True)
        return
    pre.feed(buf[:at])
    pre.end(at_eof=False)
    line = pre.line
    buf = buf[at:]
    seen_end, closed_before = pre.seen_end, bool(pre.out)
    scanned = _BATCH_CHARS
    while True:  # batches, each starting at a TY line
        endpos = len(buf) if eof else buf.rfind("\n") + 1
        found = _TY_NEXT.search(buf, scanned, endpos) if endpos > scanned else None
        if found is None:
            if not eof:
                scanned = max(_BATCH_CHARS, endpos - 1)
                data = fh.read(_BLOCK)
                eof = not data
                buf += data
                continue
            yield buf, line, seen_end, closed_before, True
            return
        cut = found.start() + 1
        batch, buf = buf[:cut], buf[cut:]
        yield batch, line, seen_end, closed_before, False
        line += batch.count("\n")
        seen_end = seen_end or _ER_NEXT.search(batch) is not None
        closed_before = True  # the batch held a TY line, whose record is closed by the next TY
        scanned = _BATCH_CHARS


def _records(text: str, line: int, seen_end: bool, closed_before: bool, last: bool) -> list[Record | BadRecord]:
    """The records of one batch (see `_batches`), normalised."""
    reader = _Reader(line, seen_end, closed_before)
    reader.feed(text)
    reader.end(at_eof=last)
    for item in reader.out:
        if isinstance(item, Record):
            normalise(item)
    return reader.out


def _parse(text: str, line: int, seen_end: bool, closed_before: bool, last: bool) -> bytes:
    """`_records` in a worker, packed and pickled. Pickled here, the batch is unpickled by the
    importer's main thread when it gets there, not by the pool's result thread, which would
    contend with it for the GIL (and stall it at every SQLite call)."""
    items = [_packed(item) if isinstance(item, Record) else item for item in _records(text, line, seen_end, closed_before, last)]
    return pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)


def _stored(text: str, line: int, seen_end: bool, closed_before: bool, last: bool) -> list[tuple[Any, ...] | BadRecord]:
    """The records of one batch as the store keeps them (`records.stored`)."""
    return [item if isinstance(item, BadRecord) else stored(item) for item in _records(text, line, seen_end, closed_before, last)]


def _parse_stored(text: str, line: int, seen_end: bool, closed_before: bool, last: bool) -> bytes:
    """`_stored` in a worker, pickled (see `_parse`)."""
    return pickle.dumps(_stored(text, line, seen_end, closed_before, last), protocol=pickle.HIGHEST_PROTOCOL)


def _packed(rec: Record) -> tuple[Any, ...]:
    """A record as a plain tuple, which crosses the process boundary at half the cost of a pickled
    dataclass. A title or abstract equal to its raw value (most are) becomes the same string
    object, so that it is pickled and unpickled once."""
    packed = [getattr(rec, s) for s in _SLOTS]
    for index, tag, value in ((_TITLE, "TI", rec.title), (_ABSTRACT, "AB", rec.abstract)):
        if value is not None:
            raw = rec.raw.get(tag)
            if value == raw:
                packed[index] = raw
    return tuple(packed)


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """Records of a RIS file, normalised (see NORMALISED), in file order; a BadRecord for a record
    without `ER` at the end of the file (or before the next `TY` in a file that ends its records
    with `ER`), with no fields, or whose tags come without a `TY`. InputError when the file holds
    no `TY` line at all."""
    for item in _read(path, encoding, _parse, _records):
        yield item if isinstance(item, (Record, BadRecord)) else Record(*item)


def rows(path: Path, encoding: str) -> Iterator[tuple[Any, ...] | BadRecord]:
    """`read()`, each record as the store keeps it (`records.stored`), made in the worker
    processes: what the importer inserts."""
    return _read(path, encoding, _parse_stored, _stored)


def _read(path: Path, encoding: str, work: Callable[..., bytes], local: Callable[..., list[Any]]) -> Iterator[Any]:
    """The items of the batches, each turned into a list of items by `work` (in a worker, pickled)
    or `local` (in-process), with the BadRecords numbered within the file."""
    path = Path(path)
    pre = _Reader(1, False, False)
    with open_text(path, encoding) as fh:
        batches = _batches(fh, pre)
        first = next(batches, None)
        if not pre.seen_type:
            raise InputError(f"{path}: no RIS record found (no `TY  - ` line); is it a RIS file? Name the format with --format")
        yield from pre.out  # orphan tags before the first TY: BadRecords only
        done = len(pre.out)
        for result in parallel.ordered(work, itertools.chain([first], batches), local=local):
            for item in pickle.loads(result) if isinstance(result, bytes) else result:
                done += 1
                if isinstance(item, BadRecord):
                    item.position = done
                yield item


def _lines_of(raw: Raw, tag: str) -> list[str]:
    """`lines(values(raw, tag))`: every non-blank line of the tag's values, stripped."""
    value = raw.get(tag)
    if value is None:
        return []
    out: list[str] = []
    for item in (value,) if isinstance(value, str) else value:
        if "\n" in item:
            out.extend(part for part in (line.strip() for line in item.split("\n")) if part)
        else:
            item = item.strip()
            if item:
                out.append(item)
    return out


def _doi(raw: Raw) -> str | None:
    if "DO" in raw:
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


def _firsts(raw: Raw) -> dict[str, str]:
    """Each tag's first non-blank value (what `first(raw, tag)` picks), in one pass over `raw`."""
    one: dict[str, str] = {}
    for tag, value in raw.items():
        if isinstance(value, list):
            for v in value:
                if v and v.strip():
                    one[tag] = v
                    break
        elif value.strip():
            one[tag] = value
    return one


def _pmid(raw: Raw, one: dict[str, str]) -> str | None:
    pmid = first_line(one.get("PMID") or one.get("PM"))
    if pmid:
        return pmid
    accession = first_line(one.get("AN"))
    if accession and accession.isdigit():
        database = " ".join(values(raw, "DB", "DP")).lower()
        if "nlm" in database or "pubmed" in database or "medline" in database:
            return accession
    if "N1" not in raw and "M2" not in raw and "C2" not in raw and "AN" not in raw:
        return None
    for value in values(raw, "N1", "M2", "C2", "AN"):
        if "PMID" not in value:
            continue
        match = re.search(r"\bPMID:?\s*(\d{1,9})\b", value)
        if match:
            return match.group(1)
    return None


def _key(one: dict[str, str]) -> str | None:
    key = first_line(one.get("AN"))
    if key:
        return key
    u2 = first_line(one.get("U2"))
    if u2 and re.fullmatch(r"L\d{6,}", u2):  # Embase accession number
        return u2
    url = one.get("UR")
    eid = re.search(r"[?&]eid=(2-s2\.0-\d+)", url) if url and "eid=" in url else None
    if eid:  # Scopus writes no AN; its record id is in the link
        return eid.group(1)
    return first_line(one.get("ID"))


def build(raw: Raw, line: int | None = None) -> Record:
    """A Record from the tags of one RIS record."""
    one = _firsts(raw)
    get = one.get
    type_code = (first_line(get("TY")) or "").upper()
    title = get("TI") or get("T1") or get("CT") or get("BT")
    abstracts = [v for v in (get("AB"), get("N2")) if v]
    keywords = [k.lstrip("*").strip() for k in _lines_of(raw, "KW")]  # tagged.strip_major
    start = get("SP")
    pages = page_range(first_line(start), first_line(get("EP")))
    if pages is None and not start:
        pages = first_line(get("C7"))  # article number (Scopus, EndNote)
    return Record(
        raw=raw,
        source_key=_key(one),
        type=TYPES.get(type_code, "misc"),
        title=joined(title),
        abstract=max(abstracts, key=len) if abstracts else None,
        authors=_lines_of(raw, "AU") or _lines_of(raw, "A1"),
        year=year_of([first_line(get(tag)) for tag in ("PY", "Y1", "DA", "Y2")]),  # type: ignore[arg-type]
        journal=joined(get("JF") or get("T2") or get("JO") or get("SO") or get("JA") or get("J2")),
        volume=first_line(get("VL")),
        issue=first_line(get("IS") or get("CP")),
        pages=pages,
        doi=_doi(raw),
        pmid=_pmid(raw, one),
        isbn=first_line(get("SN")),
        url=first_line(get("UR")),
        keywords=keywords,
        language=first_line(get("LA")),
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
