"""EndNote XML (`<xml><records><record>...`), as written by EndNote, Zotero, Mendeley, Bookends.

Streams with `XMLPullParser` (each `<record>` is cleared once read, so 100k-record files do not
grow memory). Safe against entity expansion and external entities: a file whose prolog declares a
DOCTYPE with an internal subset or an external id (or any `<!ENTITY`) is refused before parsing.
Values may be wrapped in `<style>` runs (EndNote) and hard-wrapped (Bookends): text is joined and
whitespace is normalised later. The `name` of `<ref-type>` is trusted, not its number (Mendeley
writes 0 for every type).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litmap.errors import InputError
from litmap.formats import io
from litmap.records import BadRecord, Record

_BLOCK = 1 << 20
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[|SYSTEM|PUBLIC)|<!ENTITY", re.I)
_TYPES = {
    "journal article": "article", "magazine article": "article", "newspaper article": "article",
    "electronic article": "article", "conference proceedings": "inproceedings", "conference paper": "inproceedings",
    "book": "book", "edited book": "book", "electronic book": "book", "book section": "incollection",
    "electronic book section": "incollection", "thesis": "phdthesis", "report": "techreport",
    "government document": "techreport", "unpublished work": "unpublished", "manuscript": "unpublished",
    "web page": "online", "blog": "online", "dataset": "dataset",
}
_LEAVES = {"style"}


def _text(el: ET.Element) -> str:
    return "".join(el.itertext())


def _flatten(el: ET.Element, prefix: str, raw: dict[str, Any]) -> None:
    for child in el:
        tag = child.tag
        path = f"{prefix}{tag}"
        if len(child) and any(grand.tag not in _LEAVES for grand in child):
            _flatten(child, path + "/", raw)
        else:
            value = _text(child)
            if child.attrib and tag == "ref-type":
                raw["ref-type@name"] = child.attrib.get("name")
            if not value.strip():
                continue
            if path in raw:
                current = raw[path]
                raw[path] = [*current, value] if isinstance(current, list) else [current, value]
            else:
                raw[path] = value


def _first(raw: dict[str, Any], *paths: str) -> str | None:
    for path in paths:
        value = raw.get(path)
        if isinstance(value, list):
            value = value[0]
        if value and value.strip():
            return value
    return None


def _all(raw: dict[str, Any], path: str) -> list[str]:
    value = raw.get(path)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _record(el: ET.Element, line: int | None) -> Record:
    raw: dict[str, Any] = {}
    _flatten(el, "", raw)
    rtype = (raw.get("ref-type@name") or "").lower()
    accession = _first(raw, "accession-num")
    notes = _first(raw, "notes") or ""
    pmid = accession if accession and accession.strip().isdigit() and len(accession.strip()) <= 9 else None
    if pmid is None and (m := re.search(r"PMID:\s*(\d+)", notes)):
        pmid = m.group(1)
    isbn = _first(raw, "isbn")
    return Record(
        raw=raw,
        source_key=_first(raw, "rec-number"),
        type=_TYPES.get(rtype, "misc"),
        title=_first(raw, "titles/title"),
        abstract=_first(raw, "abstract"),
        authors=_all(raw, "contributors/authors/author"),
        year=_first(raw, "dates/year", "dates/pub-dates/date"),  # type: ignore[arg-type]
        journal=_first(raw, "titles/secondary-title", "periodical/full-title", "titles/alt-title", "periodical/abbr-1"),
        volume=_first(raw, "volume"),
        issue=_first(raw, "issue", "number"),
        pages=_first(raw, "pages"),
        doi=_first(raw, "electronic-resource-num"),
        pmid=pmid,
        # journal records carry their ISSN(s) in <isbn>; keep that in raw only
        isbn=re.split(r"[\r\n]", isbn.strip())[0] if isbn and "article" not in rtype else None,
        url=_first(raw, "urls/related-urls/url", "urls/web-urls/url", "urls/pdf-urls/url"),
        keywords=_all(raw, "keywords/keyword"),
        language=_first(raw, "language"),
        line=line,
    )


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """One Record per `<record>`; InputError for XML that is not EndNote XML, is malformed, or
    declares entities."""
    path = Path(path)
    parser = ET.XMLPullParser(events=("start", "end"))
    position = 0
    seen_root = False
    prolog = True
    depth = 0
    records_el: ET.Element | None = None
    start_line = None  # events come per fed block, so a record's own line is not known
    with io.open_binary(path) as fh:
        while True:
            try:
                data = fh.read(_BLOCK)
            except (OSError, EOFError) as exc:
                raise InputError(f"{path}: cannot be read ({exc}); is the file complete?") from None
            if prolog:
                if _DOCTYPE.search(data[:65536]):
                    raise InputError(f"{path}: the XML declares a DOCTYPE with entities; refused for safety "
                                     "(EndNote XML has none) - export the library again")
                prolog = False
            try:
                if data:
                    parser.feed(data)
                else:
                    parser.close()
                for event, el in parser.read_events():
                    if event == "start":
                        if not seen_root:
                            seen_root = True
                            if el.tag not in ("xml", "records"):
                                raise InputError(f"{path}: XML root <{el.tag}> is not EndNote XML (<xml><records>); "
                                                 "is it the right export (or --format)?")
                        if el.tag == "record":
                            depth += 1
                        elif el.tag == "records" and records_el is None:
                            records_el = el
                        continue
                    if el.tag == "record":
                        depth -= 1
                        if depth == 0:
                            position += 1
                            try:
                                yield _record(el, start_line)
                            except Exception as exc:  # a malformed record must not end the import
                                yield BadRecord(position, start_line, f"unreadable record ({exc})")
                            el.clear()
                            if records_el is not None and len(records_el) and records_el[0] is el:
                                del records_el[0]  # drop the read record from the tree: memory stays flat
            except ET.ParseError as exc:
                line = exc.position[0] if exc.position else None
                raise InputError(f"{path}: line {line}: malformed XML ({exc.msg if hasattr(exc, 'msg') else exc}); "
                                 "is the file complete?") from None
            if not data:
                break
    if not seen_root:
        raise InputError(f"{path}: empty XML; export the library again")


def source_name(head: str) -> str | None:
    """The remote database named in the records (`<remote-database-provider>`), if any."""
    m = re.search(r"<remote-database-(?:provider|name)>(?:<style[^>]*>)?([^<]+)", head)
    return m.group(1).strip() if m else None
