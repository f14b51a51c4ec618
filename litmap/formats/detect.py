"""Which format a file is in, from its content (the suffix only breaks ties)."""

from __future__ import annotations

import re
from pathlib import Path

from litmap.errors import InputError
from litmap.formats import io

_BIBTEX = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.M)
_RIS = re.compile(r"^\s*TY\s\s?-", re.M)
_OVID = re.compile(r"^<\d+\.?\s*>\s*$", re.M)
_MEDLINE = re.compile(r"^(?:PMID- |OWN - |PMC - )", re.M)
_WOS = re.compile(r"^(?:FN |PT [A-Z]$)", re.M)
_REFER = re.compile(r"^%[0-9A-Z@!#$&()*+^|~?] \S", re.M)
_XML = re.compile(r"^\s*<(?:\?xml|xml>|records>|!DOCTYPE xml)", re.I)
_ENDNOTE_XML = re.compile(r"<record>|<records>", re.I)
_ARRAY_TITLE = re.compile(r'"(?:container-)?title"\s*:\s*\[\s*"')  # a non-empty array: CSL items may hold `[]`

# Column names (lower case) that mark a CSV/TSV as bibliographic.
_CSV_TITLE_COLUMNS = {
    "title", "ti", "article title", "document title", "primary title", "title_text", "titles",
    "publication title", "item title",
}


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:4096]
    bad = sum(1 for ch in sample if ch == "\x00" or ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t\f"))
    return bad > max(8, len(sample) // 50)


def _is_refer(text: str) -> bool:
    """Refer/EndNote tagged: the first line is a `%X value` tag and tags recur (`%T` may come
    before `%0`, and `%0` may be missing); BibTeX `% comment` lines have a space after `%`."""
    first = text.lstrip().split("\n", 1)[0]
    if not _REFER.match(first) or _BIBTEX.search(text):
        return False
    return len(_REFER.findall(text[:20000])) >= 3


def _json_format(text: str) -> str | None:
    start = text.lstrip()[:1]
    if start not in "[{":
        return None
    sample = text[:20000]
    if '"message-type"' in sample or ('"DOI"' in sample and '"message"' in sample):
        return "crossref"
    if "openalex.org/" in sample or '"openalex"' in sample:
        return "openalex"
    if '"reference-count"' in sample and _ARRAY_TITLE.search(sample):
        # a bare Crossref REST work: titles are arrays; CSL from content negotiation has strings
        return "crossref"
    if any(k in sample for k in ('"issued"', '"container-title"', '"author"', '"title"', '"type"')):
        return "csljson"
    return None


def _csv_format(text: str) -> str | None:
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip("\r")
    if not first:
        return None
    delimiter = max((",", "\t", ";"), key=first.count)
    if first.count(delimiter) < 1:
        return None
    columns = {c.strip().strip('"').strip().lower() for c in first.split(delimiter)}
    if columns & _CSV_TITLE_COLUMNS:
        return "csv"
    return None


def sniff(text: str, suffix: str = "") -> str | None:
    """The format of a file whose start is `text`, or None when nothing matches."""
    text = text.lstrip("\ufeff")
    if not text.strip() or _looks_binary(text):
        return None
    if _XML.match(text) and _ENDNOTE_XML.search(text):
        return "endnote-xml"
    fmt = _json_format(text)
    if fmt:
        return fmt
    if _OVID.search(text[:2000]) and re.search(r"^[A-Z][A-Z0-9]\s\s?- ", text, re.M):
        return "ovid"
    if _RIS.search(text):
        return "ris"
    if _MEDLINE.search(text):
        return "medline"
    if _WOS.search(text[:2000]) and re.search(r"^(?:AU|TI|ER|UT) ", text, re.M):
        return "wos"
    if _is_refer(text):
        return "refer"
    if _BIBTEX.search(text):
        return "bibtex"
    fmt = _csv_format(text)
    if fmt:
        return fmt
    return None


def detect(path: Path, encoding: str) -> str:
    """The format of the file at `path`; InputError when it is empty, binary or unknown."""
    text = io.head(path, encoding)
    if not text.strip():
        raise InputError(f"{path}: the file is empty; export the search results again")
    if _looks_binary(text):
        raise InputError(f"{path}: not a text export (binary content); export as RIS, BibTeX, CSV, MEDLINE or XML")
    fmt = sniff(text, Path(path).suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unknown format (not RIS, BibTeX, MEDLINE, Web of Science, CSV, CSL-JSON, EndNote XML, "
            "Refer, Ovid, Crossref or OpenAlex); name it with --format"
        )
    return fmt
