"""Crossref REST API works: a `/works/{doi}` answer (`{"status": "ok", "message": {...}}`), a list
answer (`message.items`, cursor paging), a bare work, an array of works, or JSON Lines of any of
these. Titles are arrays, abstracts JATS (tags removed by normalise), dates `date-parts`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litmap.errors import InputError
from litmap.formats.jsonworks import BAD_VALUES, csl_record, values
from litmap.records import BadRecord, Record


def _works(obj: Any) -> Iterator[Any] | None:
    if not isinstance(obj, dict):
        return None
    message = obj.get("message") if "message" in obj else obj
    if isinstance(message, dict) and isinstance(message.get("items"), list):
        return iter(message["items"])
    if isinstance(message, dict) and ("DOI" in message or "title" in message):
        return iter([message])
    return None


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """One Record per work; key = the DOI. InputError for JSON that holds no Crossref work."""
    path = Path(path)
    position = 0
    for line, obj, in_array in values(path, encoding):
        works = _works(obj)
        if works is None:
            if in_array:
                position += 1
                yield BadRecord(position, line, "not a Crossref work (no DOI or title)")
                continue
            status = obj.get("status") if isinstance(obj, dict) else None
            hint = f" (status {status!r}: {str(obj.get('message'))[:80]})" if status and status != "ok" else ""
            raise InputError(f"{path}: line {line}: not a Crossref works answer{hint}; is it the right export (or --format)?")
        for work in works:
            position += 1
            if not isinstance(work, dict):
                yield BadRecord(position, line, "not a Crossref work (not an object)")
                continue
            key = str(work["DOI"]) if work.get("DOI") else None
            try:
                yield csl_record(work, line, key)
            except BAD_VALUES as exc:
                yield BadRecord(position, line, f"unexpected value in a Crossref field ({exc})", key)


def source_name(head: str) -> str | None:
    return "Crossref"
