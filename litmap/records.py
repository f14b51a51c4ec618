"""The Record type every reader yields, and the field normalisers behind the store's columns.

A reader fills `raw` with every field exactly as read (repeated tags become lists) and sets the
bibliographic fields from it; `normalise()` then cleans those fields into the store's conventions:
plain Unicode text, authors as "Family, Given", integer years, lower-case DOIs without resolver.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from litmap.text import plain

# The columns the store keeps of a record (after its source and position), in `stored()` order.
STORED = (
    "line", "source_key", "type", "title", "abstract", "authors", "year", "journal", "volume", "issue",
    "pages", "doi", "pmid", "isbn", "url", "keywords", "language", "raw",
)
# One encoder for every record: json.dumps() with options builds a new encoder per call.
to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode

# BibTeX-style type vocabulary used in `records.type`; each reader maps its own types onto it.
TYPES = (
    "article", "inproceedings", "book", "incollection", "phdthesis", "mastersthesis",
    "techreport", "unpublished", "online", "dataset", "misc",
)

FIELDS = (
    "source_key", "type", "title", "abstract", "authors", "year", "journal", "volume", "issue",
    "pages", "doi", "pmid", "isbn", "url", "keywords", "language",
)


@dataclass(slots=True)
class Record:
    """One bibliographic record as read from a file, before it is stored."""

    raw: dict[str, Any]
    source_key: str | None = None
    type: str | None = None
    title: str | None = None
    abstract: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    isbn: str | None = None
    url: str | None = None
    keywords: list[str] = field(default_factory=list)
    language: str | None = None
    line: int | None = None  # line in the file where the record starts, for messages


def stored(rec: Record) -> tuple[Any, ...]:
    """A normalised record as the store keeps it: its `STORED` values, with authors, keywords and
    raw as JSON text. Readers that normalise in worker processes send this (`rows()`), so that the
    importer neither builds Records nor encodes JSON."""
    return (
        rec.line, rec.source_key, rec.type, rec.title, rec.abstract, to_json(rec.authors), rec.year,
        rec.journal, rec.volume, rec.issue, rec.pages, rec.doi, rec.pmid, rec.isbn, rec.url,
        to_json(rec.keywords), rec.language, to_json(rec.raw),
    )


@dataclass(slots=True)
class BadRecord:
    """A record a reader could not read; the reader goes on with the next one."""

    position: int  # 1-based record number in the file
    line: int | None
    message: str
    key: str | None = None

    def describe(self) -> str:
        where = f"record {self.position}"
        if self.key:
            where += f" ({self.key})"
        if self.line:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


# Old Wiley SICI DOIs hold "<...::...>": "10.1002/(sici)1096-8628(19970221)74:1<73::aid-ajmg16>3.0.co;2-o".
_DOI_RE = re.compile(r"10\.\d{4,9}/(?:[^\s\"<>]|<[^\s\"<>]*::[^\s\"<>]*>)+", re.I)


# A publisher's landing-page path copied with the DOI: "10.1002/dmrr.2604/pdf", "10.3389/fpsyg.2019.01234/full".
LANDING_SUFFIX = re.compile(r"/(?:abstract|full|pdf|epdf|fulltext|full-text|summary|references|suppinfo|meta|html)$")


def normalise_doi(value: object) -> str | None:
    """`https://doi.org/10.1000/X.` -> `10.1000/x`; None when no DOI is in the value."""
    if value is None:
        return None
    text = str(value)
    if "&" in text and ";" in text:
        text = html.unescape(text)  # "74:1&lt;73::aid-ajmg16&gt;3.0.co;2-o"
    for _ in range(3):  # OpenURL links carry DOIs percent-encoded, sometimes twice (%2528 -> %28 -> "(")
        if "%2" not in text and "%3" not in text and "%5" not in text:
            break
        text = urllib.parse.unquote(text)
    match = _DOI_RE.search(text)
    if not match:
        return None
    doi = re.split(r"&[A-Za-z_]+=", match.group(0))[0].lower()
    doi = re.sub(r"(\[doi\]|\[pii\])$", "", doi)
    doi = doi.rstrip(".,;)]}'")
    doi = LANDING_SUFFIX.sub("", doi)
    if re.match(r"10\.\d+/\(issn\)", doi):
        return None  # a journal's DOI (Wiley's 10.1002/(ISSN)...), not the work's
    return doi or None


_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)")


def parse_year(value: object) -> int | None:
    """First plausible year in a value: `2011.0`, `1999/08//undefined`, `NOV-DEC 2005` -> int."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if 1500 <= value <= 2100 else None
    if isinstance(value, float):
        return int(value) if 1500 <= value <= 2100 else None
    match = _YEAR_RE.search(str(value))
    return int(match.group(1)) if match else None


_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "da", "di", "du", "le", "la", "dos", "das", "ter", "ten", "bin", "al", "el", "st", "st."}
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_GLUED = re.compile(r"^([A-Z][a-z'’\-]+(?:[A-Z][a-z'’\-]+)*?)((?:[A-Z]\.){1,4})$")


def format_author(name: str) -> str | None:
    """One author in any common form -> "Family, Given" (given may be initials)."""
    name = plain(name) or ""
    name = name.strip(" ;,")
    if not name or name.lower() in {"et al", "et al.", "anonymous", "[anonymous]"}:
        return None
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        if not family:
            return given or None
        return f"{family}, {given}" if given else family
    glued = _GLUED.match(name)
    if glued:
        return f"{glued.group(1)}, {glued.group(2)}"
    tokens = name.split()
    if len(tokens) == 1:
        return tokens[0]
    if _INITIALS.match(tokens[-1]) and not _INITIALS.match(tokens[0]):
        # MEDLINE / Scopus style "Smith JA", "van der Berg A"
        return f"{' '.join(tokens[:-1])}, {tokens[-1]}"
    # "John A. Smith", "Ludwig van Beethoven"
    cut = len(tokens) - 1
    while cut > 1 and tokens[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return f"{' '.join(tokens[cut:])}, {' '.join(tokens[:cut])}"


def split_authors(value: str) -> list[str]:
    """Split an author list written as one string (`A and B`, `A; B`)."""
    if " and " in value:
        parts = re.split(r"\s+and\s+", value)
    elif ";" in value:
        parts = value.split(";")
    else:
        parts = [value]
    return [p.strip() for p in parts if p.strip()]


def normalise_pages(value: object) -> str | None:
    text = plain(value)
    if not text:
        return None
    text = re.sub(r"\s*(?:--|–|—|-)\s*", "-", text)
    return text


def normalise_isbn(value: object) -> str | None:
    text = plain(value)
    if not text:
        return None
    match = re.search(r"(?:97[89][\d\- ]{10,14}|[\d\- ]{9,12}[\dXx])", text)
    return re.sub(r"[\- ]", "", match.group(0)).upper() if match else text


def normalise_type(value: str | None) -> str:
    return value if value in TYPES else "misc"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v is not None]


def normalise(record: Record, *, latex: bool = False) -> Record:
    """Clean a reader's record in place into the store's conventions and return it.

    `latex=True` decodes LaTeX (BibTeX input); HTML entities and tags are always decoded.
    """
    record.title = plain(record.title, latex=latex)
    record.abstract = plain(record.abstract, latex=latex)
    record.journal = plain(record.journal, latex=latex)
    record.volume = plain(record.volume)
    record.issue = plain(record.issue)
    record.pages = normalise_pages(record.pages)
    record.language = plain(record.language)
    record.url = plain(record.url)
    record.pmid = plain(record.pmid)
    record.isbn = normalise_isbn(record.isbn)
    record.source_key = plain(record.source_key)
    record.doi = normalise_doi(record.doi)
    if not isinstance(record.year, int) or not 1500 <= record.year <= 2100:
        record.year = parse_year(record.year)
    authors: list[str] = []
    for name in _as_list(record.authors):
        formatted = format_author(plain(name, latex=latex) or "")
        if formatted:
            authors.append(formatted)
    record.authors = authors
    seen: set[str] = set()
    keywords: list[str] = []
    for kw in _as_list(record.keywords):
        for part in re.split(r"\s*;\s*", kw) if ";" in kw else [kw]:
            clean = plain(part, latex=latex)
            if clean and clean.lower() not in seen:
                seen.add(clean.lower())
                keywords.append(clean)
    record.keywords = keywords
    record.type = normalise_type(record.type)
    return record
