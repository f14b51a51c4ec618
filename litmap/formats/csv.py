"""CSV / TSV exports: Scopus, Lens, IEEE Xplore, Embase, PubMed, Zotero, Web of Science
tab-delimited, and generic tables with bibliographic column names (ASReview `title, abstract,
authors, ...`, bib-dedupe / CoLRev `ID, ENTRYTYPE, author, year, ...`, ASySD `record_id, ...`).

The delimiter (`,` `;` or tab) is sniffed from the header row; columns are matched by name,
case-insensitively, through an alias table (never by position). The producer is recognised from
its header, which decides how an author string is split and where volume/issue/pages hide (Embase
`Source`, PubMed `Citation`). Rows stream through the csv module (quoted newlines are fine).
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litmap.errors import InputError
from litmap.formats import io
from litmap.records import BadRecord, Record

csv.field_size_limit(sys.maxsize)

# canonical field -> column names (lower case), first present wins
ALIASES: dict[str, tuple[str, ...]] = {
    "key": ("id", "record_id", "key", "lens id", "eid", "ut", "accession number", "embase accession id",
            "unique-id", "pmid", "pubmed id"),
    "type": ("entrytype", "document type", "publication type", "item type", "type", "pt", "dt", "category",
             "reference type"),
    "title": ("title", "ti", "article title", "document title", "primary title", "title_text", "titles",
              "item title"),
    "abstract": ("abstract", "ab", "abstract note", "abstracts", "abstract_text"),
    "authors": ("author full names", "authors", "author", "author/s", "author names", "au", "af", "first_authors",
                "primary authors"),
    "year": ("year", "publication year", "py", "pubyear", "year published", "date", "date published",
             "publication date", "create date", "date of publication"),
    "journal": ("journal", "source title", "publication title", "journal/book", "so", "secondary title",
                "journal title", "publication", "booktitle", "source"),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "issue number", "is"),
    "pages": ("pages", "page", "pg"),
    "start": ("page start", "start page", "bp"),
    "end": ("page end", "end page", "ep"),
    "artno": ("art. no.", "article number", "ar"),
    "doi": ("doi", "di", "doi link"),
    "pmid": ("pmid", "pubmed id", "pm", "pubmed_id"),
    "isbn": ("isbn", "isbns", "bn"),
    "url": ("url", "link", "external url", "source urls", "pdf link", "urls"),
    "keywords": ("keywords", "author keywords", "keyword", "de", "manual tags", "kw", "author_keywords"),
    "language": ("language", "language of original document", "la"),
}
_WOS_COLUMNS = {"pt", "au", "ti", "so", "ut"}
# Web of Science tab-delimited uses two-letter tags whose names collide with generic names (`ID` =
# Keywords Plus, `IS` = issue, `AR` = article number): its own table, used when the header is WoS.
WOS = {
    "key": ("ut",), "type": ("pt",), "title": ("ti",), "abstract": ("ab",), "authors": ("af", "au"),
    "year": ("py", "ea"), "journal": ("so",), "volume": ("vl",), "issue": ("is",), "start": ("bp",),
    "end": ("ep",), "artno": ("ar",), "doi": ("di",), "pmid": ("pm",), "isbn": ("bn",), "keywords": ("de",),
    "language": ("la",), "url": (),
}

_TYPES = {
    "article": "article", "journal article": "article", "journalarticle": "article", "review": "article",
    "j": "article", "letter": "article", "editorial": "article", "note": "article", "short survey": "article",
    "erratum": "article", "journals": "article", "magazine": "article", "magazinearticle": "article",
    "newspaperarticle": "article", "conference paper": "inproceedings", "conferencepaper": "inproceedings",
    "inproceedings": "inproceedings", "conference proceedings article": "inproceedings", "conferences": "inproceedings",
    "c": "inproceedings", "conference review": "inproceedings", "conference publication": "inproceedings", "book": "book", "b": "book", "books": "book",
    "book chapter": "incollection", "booksection": "incollection", "incollection": "incollection", "inbook": "incollection",
    "s": "incollection", "chapter": "incollection", "thesis": "phdthesis", "phdthesis": "phdthesis",
    "dissertation": "phdthesis", "mastersthesis": "mastersthesis", "report": "techreport", "techreport": "techreport",
    "preprint": "unpublished", "unpublished": "unpublished", "webpage": "online", "online": "online",
    "dataset": "dataset", "data paper": "dataset", "p": "misc", "misc": "misc",
}
_NA = {"", "na", "n/a", "nan", "null", "none"}
_SCOPUS_ID = re.compile(r"\s*\(\d+\)\s*$")
_GLUED_AUTHORS = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z\u00c0-\u024f])")
# Embase `Source`: "Cancer (2004) 102:4 (253-258). Date of Publication: 25 Aug 2004"
_EMBASE_SOURCE = re.compile(r"^(?P<journal>.+?)\s*\((?P<year>\d{4})\)\s*(?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?\s*(?:\((?P<pages>[^)]*)\))?")
# PubMed `Citation`: "Behav Ther. 2022 Mar;53(2):334-347. doi: ..."
_PUBMED_CITATION = re.compile(r";(?P<volume>[^(:;.\s]+)?(?:\((?P<issue>[^)]+)\))?(?::(?P<pages>[^.;\s]+))?")
_INITIALS_LAST = re.compile(r"^(\S.*?)\s+((?:[A-Z]\.\s?){2,4})$")
_OUTSIDE_PARENS = re.compile(r",\s*(?![^()]*\))")
_PMID_EXTRA = re.compile(r"PMID:\s*(\d+)")


def producer(columns: set[str]) -> str | None:
    """The database or tool that wrote a CSV, from its (lower-case) column names."""
    if _WOS_COLUMNS <= columns:
        return "Web of Science"
    if "eid" in columns or "author(s) id" in columns:
        return "Scopus"
    if "lens id" in columns:
        return "Lens"
    if any(c.startswith("emtree") for c in columns) or "embase accession id" in columns:
        return "Embase"
    if {"ieee terms", "pdf link"} & columns or "date added to xplore" in columns or {"publication", "category", "affiliations"} <= columns:
        return "IEEE Xplore"
    if {"pmid", "citation", "create date"} <= columns:
        return "PubMed"
    if {"key", "item type"} <= columns:
        return "Zotero"
    return None


def _delimiter(header: str) -> str:
    counts = {d: 0 for d in (",", "\t", ";")}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return max(counts, key=lambda d: counts[d])


def _split_authors(value: str, prod: str | None) -> list[str]:
    value = value.strip()
    if not value:
        return []
    if " and " in value:
        parts = re.split(r"\s+and\s+", value)
    elif ";" in value:
        parts = value.split(";")
    elif "|" in value:
        parts = value.split("|")
    elif "," in value:
        pieces = [p.strip() for p in value.split(",") if p.strip()]
        # `Liu R., Adler D.G.` / `Lim SM, Shiau CWC` / `Joseph Rottman, Erran Carmel`: every piece is a
        # whole name (has a space); `Smith, John A.` is one name.
        if prod in ("Embase", "PubMed", "IEEE Xplore") or (len(pieces) > 1 and all(" " in p for p in pieces)):
            parts = pieces
        else:
            parts = [value]
    else:
        parts = _GLUED_AUTHORS.split(value)  # ASySD-processed `Adeli K.Lewis G. F.`
    if prod == "Scopus":
        parts = [_SCOPUS_ID.sub("", p) for p in parts]
    # `Lewis G. F.` (family, then spaced initials, no comma) -> `Lewis, G. F.`
    return [_INITIALS_LAST.sub(r"\1, \2", p.strip()) if "," not in p else p.strip() for p in parts if p.strip()]


def _keywords(value: str) -> list[str]:
    if ";" in value or "|" in value:
        parts = value.split(";" if ";" in value else "|")
    else:  # Embase joins terms like `cyst (diagnosis, surgery)` with `, `
        parts = _OUTSIDE_PARENS.split(value)
    return [k.strip() for k in parts if k.strip()]


class _Columns:
    """Which cell index holds each canonical field."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        low = [h.strip().strip('"').strip().lower() for h in header]
        if low and low[0].startswith("\ufeff"):
            low[0] = low[0].lstrip("\ufeff")
        self.names = set(low)
        self.producer = producer(self.names)
        table = WOS if self.producer == "Web of Science" else ALIASES
        where = {name: i for i, name in reversed(list(enumerate(low)))}
        self.index: dict[str, int] = {}
        for field, aliases in table.items():
            for alias in aliases:
                if alias in where:
                    self.index[field] = where[alias]
                    break
        if self.producer == "Scopus" and "authors" in where and "author full names" in where:
            self.index["authors"] = where["author full names"]
        self.extra = where.get("extra")
        self.source = where.get("source") if self.producer == "Embase" else None
        self.citation = where.get("citation") if self.producer == "PubMed" else None

    def bibliographic(self) -> bool:
        return bool({"title", "doi", "authors", "abstract"} & set(self.index))


def _cell(row: list[str], i: int | None) -> str | None:
    if i is None or i >= len(row):
        return None
    value = row[i].strip()
    return None if value.lower() in _NA else value


def _record(row: list[str], cols: _Columns, line: int) -> Record:
    header = cols.header
    raw: dict[str, Any] = {}
    for i, value in enumerate(row):
        name = header[i] if i < len(header) else f"column {i + 1}"
        if value != "":
            raw[name] = value
    get = {field: _cell(row, i) for field, i in cols.index.items()}
    pages = get.get("pages")
    if not pages and get.get("start"):
        pages = get["start"] + (f"-{get['end']}" if get.get("end") and get["end"] != get["start"] else "")
    if not pages:
        pages = get.get("artno")
    journal, year, volume, issue = get.get("journal"), get.get("year"), get.get("volume"), get.get("issue")
    if cols.source is not None and (src := _cell(row, cols.source)):
        m = _EMBASE_SOURCE.match(src)
        if m:
            journal = m.group("journal")
            year = year or m.group("year")
            volume = volume or m.group("volume")
            issue = issue or m.group("issue")
            pages = pages or m.group("pages")
    if cols.citation is not None and (cit := _cell(row, cols.citation)):
        m = _PUBMED_CITATION.search(cit)
        if m:
            volume = volume or m.group("volume")
            issue = issue or m.group("issue")
            pages = pages or m.group("pages")
    pmid = get.get("pmid")
    if not pmid and cols.extra is not None and (extra := _cell(row, cols.extra)):
        m = _PMID_EXTRA.search(extra)
        pmid = m.group(1) if m else None
    doi = get.get("doi")
    if not doi and get.get("url") and "doi" in (get.get("url") or ""):
        doi = get["url"]
    rtype = get.get("type") or ("article" if cols.producer == "PubMed" else None)
    authors = get.get("authors")
    keywords = get.get("keywords")
    return Record(
        raw=raw,
        source_key=get.get("key"),
        type=_TYPES.get(rtype.lower().replace("_", " ").strip(), "misc") if rtype else None,
        title=get.get("title"),
        abstract=get.get("abstract"),
        authors=_split_authors(authors, cols.producer) if authors else [],
        year=year,  # type: ignore[arg-type]
        journal=journal,
        volume=volume,
        issue=issue,
        pages=pages,
        doi=doi,
        pmid=pmid,
        isbn=get.get("isbn"),
        url=get.get("url"),
        keywords=_keywords(keywords) if keywords else [],
        language=get.get("language"),
        line=line,
    )


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """One Record per data row; empty rows are skipped. InputError when the header names no
    bibliographic column (title, authors, abstract, DOI)."""
    path = Path(path)
    with io.open_text(path, encoding, newline="") as fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: cannot be decoded as {encoding} ({exc.reason}); save it as UTF-8") from None
        delimiter = _delimiter(first.lstrip("\ufeff"))
        header = next(csv.reader([first.lstrip("\ufeff")], delimiter=delimiter), [])
        cols = _Columns(header)
        if not cols.bibliographic():
            raise InputError(
                f"{path}: not a bibliographic CSV (no title, author, abstract or DOI column in the header "
                f"{first.strip()[:80]!r}); is it the right export (or --format)?"
            )
        reader = csv.reader(fh, delimiter=delimiter)
        position = 0
        line = 2
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                position += 1
                yield BadRecord(position, line, f"unreadable CSV row ({exc})")
                line = reader.line_num + 2
                continue
            start, line = line, reader.line_num + 2
            if not any(cell.strip() for cell in row):
                continue
            position += 1
            if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
                yield BadRecord(position, start, f"row has {len(row)} cells but the header has {len(header)}; "
                                "a quote or delimiter is out of place", _cell(row, cols.index.get("key")))
                continue
            yield _record(row, cols, start)


def source_name(head: str) -> str | None:
    """The producer named by a CSV header (Scopus, Lens, IEEE Xplore, Embase, PubMed, Zotero, WoS)."""
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip("\r")
    if not first:
        return None
    header = next(csv.reader([first], delimiter=_delimiter(first)), [])
    return producer({h.strip().lower() for h in header})
