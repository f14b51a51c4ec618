"""Shared pieces of the JSON readers (CSL-JSON, Crossref, OpenAlex).

`values()` streams the top-level JSON values of a file: the items of a top-level array one at a
time (so a big array is never held whole), each line of JSON Lines, or a single object. An API
envelope (`{"message": {"items": [...]}}`, `{"results": [...]}`) is one object and is read whole —
API pages are bounded in size. `csl_record()` maps a CSL / Crossref work onto a Record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litmap.errors import InputError
from litmap.formats import io
from litmap.records import Record

_BLOCK = 1 << 20
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_DOI = re.compile(r"10\.\d{4,9}/\S+")


class _Buffer:
    def __init__(self, fh: Any, path: Path) -> None:
        self.fh, self.path = fh, path
        self.buf = ""
        self.pos = 0
        self.line = 1  # line of buf[pos]
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        try:
            data = self.fh.read(_BLOCK)
        except UnicodeDecodeError as exc:
            raise InputError(f"{self.path}: cannot be decoded ({exc.reason}); save it as UTF-8") from None
        if not data:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def skip_ws(self) -> str:
        """The next non-blank character ('' at the end)."""
        while True:
            end = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def value(self) -> tuple[int, Any]:
        """(line, value) of the JSON value at the current position."""
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.more():
                    continue
                where = self.line + self.buf.count("\n", self.pos, exc.pos)
                raise InputError(f"{self.path}: line {where}: invalid JSON ({exc.msg}); is the file complete?") from None
            line = self.line
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            return line, obj


def values(path: Path, encoding: str) -> Iterator[tuple[int, Any, bool]]:
    """(line, value, in_array) for each top-level value; the items of a top-level array."""
    with io.open_text(path, encoding) as fh:
        b = _Buffer(fh, path)
        ch = b.skip_ws()
        if ch == "\ufeff":
            b.pos += 1
            ch = b.skip_ws()
        if ch not in ("[", "{"):
            raise InputError(f"{path}: not JSON (starts with {ch!r}); is it the right export (or --format)?")
        if ch == "[":
            b.pos += 1
            if b.skip_ws() == "]":
                return
            while True:
                line, obj = b.value()
                yield line, obj, True
                ch = b.skip_ws()
                if ch == ",":
                    b.pos += 1
                    b.skip_ws()
                    continue
                if ch == "]":
                    return
                raise InputError(f"{path}: line {b.line}: invalid JSON (expected `,` or `]` in the array); is the file complete?")
        while ch:  # one object, or JSON Lines
            line, obj = b.value()
            yield line, obj, False
            ch = b.skip_ws()


def text(value: Any) -> str | None:
    """A string from a value that may be a list of strings (Crossref titles)."""
    if value is None:
        return None
    if isinstance(value, list):
        parts = [str(v) for v in value if v not in (None, "")]
        return parts[0] if parts else None
    return str(value) if value != "" else None


def names(people: Any) -> list[str]:
    """CSL names -> "Family, Given [Suffix]"; `literal` names (organisations) as they are."""
    out: list[str] = []
    if not isinstance(people, list):
        return out
    for person in people:
        if isinstance(person, str):
            out.append(person)
            continue
        if not isinstance(person, dict):
            continue
        family = person.get("family") or ""
        particle = person.get("non-dropping-particle")
        if particle:
            family = f"{particle} {family}"
        given = person.get("given") or ""
        if person.get("dropping-particle"):
            given = f"{given} {person['dropping-particle']}".strip()
        if person.get("suffix"):
            given = f"{given}, {person['suffix']}" if given else person["suffix"]
        if family:
            out.append(f"{family}, {given}" if given else family)
        elif person.get("literal") or person.get("name"):
            out.append(str(person.get("literal") or person.get("name")))
        elif given:
            out.append(given)
    return out


def date_year(*dates: Any) -> Any:
    """The year of the first CSL/Crossref date that has one (`date-parts`, `raw`, `literal`)."""
    for date in dates:
        if not isinstance(date, dict):
            if date:
                return date
            continue
        parts = date.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0] and parts[0][0] not in (None, ""):
            return str(parts[0][0])
        for key in ("raw", "literal", "date-time"):
            if date.get(key):
                return date[key]
    return None


CSL_TYPES = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "journal-article": "article", "article": "article", "review": "article", "review-book": "article",
    "paper-conference": "inproceedings", "proceedings-article": "inproceedings",
    "book": "book", "monograph": "book", "edited-book": "book", "reference-book": "book", "proceedings": "book",
    "chapter": "incollection", "book-chapter": "incollection", "book-section": "incollection",
    "book-part": "incollection", "entry-encyclopedia": "incollection", "entry-dictionary": "incollection",
    "reference-entry": "incollection", "thesis": "phdthesis", "dissertation": "phdthesis",
    "report": "techreport", "report-component": "techreport", "standard": "techreport",
    "manuscript": "unpublished", "posted-content": "unpublished", "preprint": "unpublished",
    "webpage": "online", "post": "online", "post-weblog": "online", "dataset": "dataset",
}


def full_doi(item: dict[str, Any]) -> str | None:
    """The item's DOI; a shortDOI (`10/fqd6hj`) gives way to a full DOI in the URL."""
    doi = text(item.get("DOI") or item.get("doi"))
    if doi and _DOI.search(doi):
        return doi
    url = text(item.get("URL") or item.get("url"))
    if url and _DOI.search(url):
        return url
    return doi


BAD_VALUES = (TypeError, AttributeError, ValueError, KeyError, IndexError)


def csl_record(item: dict[str, Any], line: int, key: str | None) -> Record:
    """A CSL-JSON item or a Crossref work as a Record (`raw` is the item itself)."""
    authors = names(item.get("author")) or names(item.get("editor"))
    keywords = item.get("keyword") or item.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k.strip() for k in re.split(r"[;,]", keywords) if k.strip()]
    elif not isinstance(keywords, list):
        keywords = [keywords]
    isbn = item.get("ISBN")
    return Record(
        raw=item,
        source_key=key,
        type=CSL_TYPES.get(str(item.get("type") or "").lower(), "misc"),
        title=text(item.get("title")),
        abstract=text(item.get("abstract")),
        authors=authors,
        year=date_year(item.get("issued"), item.get("published-print"), item.get("published-online"),
                       item.get("published"), item.get("created")),
        journal=text(item.get("container-title")) or text(item.get("collection-title")),
        volume=text(item.get("volume")),
        issue=text(item.get("issue")),
        pages=text(item.get("page")) or text(item.get("article-number")),
        doi=full_doi(item),
        pmid=text(item.get("PMID")),
        isbn=text(isbn),
        url=text(item.get("URL")),
        keywords=[str(k) for k in keywords if k],
        language=text(item.get("language")),
        line=line,
    )
