"""Shared pieces of the line-tagged readers (RIS, MEDLINE, Web of Science, Refer, Ovid).

Each reader runs its own simple line loop (one pass, no regex per character) and collects a
record as a list of `[tag, value]` pairs; continuation lines are appended to the last value with
a newline. The helpers here turn those pairs into `Record.raw` and pick bibliographic values out of
it. Values stay raw: `litmap.records.normalise` cleans them later.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

from litmap.records import parse_year

Fields = list[list[str]]  # [[tag, value], ...] in file order
Raw = dict[str, Any]


def to_raw(fields: Fields) -> Raw:
    """Every tag of a record: a string, or a list of strings when the tag repeats."""
    raw: Raw = {}
    for tag, value in fields:
        if tag in raw:
            current = raw[tag]
            if isinstance(current, list):
                current.append(value)
            else:
                raw[tag] = [current, value]
        else:
            raw[tag] = value
    return raw


def values(raw: Raw, *tags: str) -> list[str]:
    """Non-empty values of the tags, in the order the tags are named."""
    out: list[str] = []
    for tag in tags:
        value = raw.get(tag)
        if value is None:
            continue
        if isinstance(value, list):
            out.extend(v for v in value if v and v.strip())
        elif value.strip():
            out.append(value)
    return out


def first(raw: Raw, *tags: str) -> str | None:
    """The first non-empty value among the tags (preference order)."""
    for tag in tags:
        value = raw.get(tag)
        if value is None:
            continue
        if isinstance(value, list):
            for v in value:
                if v and v.strip():
                    return v
        elif value.strip():
            return value
    return None


def first_line(value: str | None) -> str | None:
    """The first non-blank line of a multi-line value."""
    if value is None:
        return None
    if "\n" not in value:
        return value.strip() or None
    for line in value.split("\n"):
        if line.strip():
            return line.strip()
    return None


def lines(items: Iterable[str]) -> list[str]:
    """Every non-blank line of the values, stripped (continuation lines that hold one item each)."""
    out: list[str] = []
    for item in items:
        if "\n" not in item:
            item = item.strip()
            if item:
                out.append(item)
            continue
        for line in item.split("\n"):
            line = line.strip()
            if line:
                out.append(line)
    return out


def joined(value: str | None, sep: str = " ") -> str | None:
    """A wrapped value on one line."""
    if value is None:
        return None
    return sep.join(part.strip() for part in value.split("\n") if part.strip()) or None


_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/\S+")
_DOI_MARKED = re.compile(r"(?:\bdoi\s*[:=]\s*|doi\.org/|doi\.acm\.org/|/doi/(?:abs/|full/|pdf/)?)(10\.\d{4,9}(?:/|%2f)\S+)", re.I)


def doi_in(value: str | None, *, marked: bool = True) -> str | None:
    """A DOI inside free text or a link: `DOI: 10.x`, `https://doi.org/10.x`, `doi=10.x%2fy`.

    With `marked=False` a bare `10.x/y` also counts (for fields that hold only a DOI).
    """
    if not value:
        return None
    text = value
    if "%2" in text or "%3" in text:
        text = urllib.parse.unquote(text)
    match = _DOI_MARKED.search(text)
    if match:
        return match.group(1)
    if not marked:
        match = _DOI_IN_TEXT.search(text)
        if match:
            return match.group(0)
    return None


_COMPACT_DATE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?:0[1-9]|1[0-2])(?:[0-3]\d)?(?!\d)")


def year_of(candidates: Iterable[str | None]) -> int | str | None:
    """The year from the first date value that holds one (`2019//`, `1999/08//undefined`,
    `Start date: 20170812`); the raw first value when none does (normalise then drops it)."""
    first_raw = None
    for value in candidates:
        if not value:
            continue
        first_raw = first_raw or value
        year = parse_year(value)
        if year is not None:
            return year
        match = _COMPACT_DATE.search(value)
        if match:
            return int(match.group(1))
    return None if first_raw is None else first_raw


_NO_PAGES = {"no pagination specified", "no pagination", "no page numbers", "n/a", "unknown"}


def page_range(start: str | None, end: str | None) -> str | None:
    """`SP`/`EP` (or `BP`/`EP`) -> `start-end`; a range already in the start page is kept;
    Ovid's `No` / `Specified` split of "No pagination specified" is no page at all."""
    start = (start or "").strip()
    end = (end or "").strip()
    if f"{start} pagination {end}".lower() in _NO_PAGES or f"{start} {end}".lower() in _NO_PAGES | {"no specified"}:
        return None
    if start.lower() in _NO_PAGES:
        return None
    if start and end and end != start and end != "+":
        if "-" in start:
            return start
        return f"{start}-{end}"
    return start or end or None


def strip_major(term: str) -> str:
    """`*quality of life` (major heading mark of Ovid/PsycINFO/MEDLINE) -> `quality of life`."""
    return term.lstrip("*").strip()


def key_of(raw: Raw, *tags: str) -> str | None:
    """The first identifier value among the tags, on one line (for BadRecord messages and keys)."""
    return first_line(first(raw, *tags))
