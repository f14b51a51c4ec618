"""CSL-JSON: a top-level array of items (Zotero, Better BibTeX, Mendeley, citation.js), a single
item (DOI content negotiation), JSON Lines, or an object keyed by DOI whose values are items or
lists of items (a cache of content-negotiation answers). Arrays and JSON Lines stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litmap.errors import InputError
from litmap.formats.jsonworks import BAD_VALUES, csl_record, values
from litmap.records import BadRecord, Record

_ITEM_KEYS = ("type", "title", "author", "issued", "DOI", "container-title", "id")


def _is_item(obj: Any) -> bool:
    return isinstance(obj, dict) and any(k in obj for k in _ITEM_KEYS)


def _items(obj: Any, in_array: bool) -> Iterator[Any]:
    if in_array or _is_item(obj):
        yield obj
        return
    if isinstance(obj, dict):  # {"10.1021/X": [item, ...], ...}
        for value in obj.values():
            if isinstance(value, list):
                yield from value
            else:
                yield value
        return
    yield obj


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """One Record per CSL item; a BadRecord for an array member that is not an item."""
    path = Path(path)
    position = 0
    for line, obj, in_array in values(path, encoding):
        if not in_array and not isinstance(obj, dict):
            raise InputError(f"{path}: line {line}: not CSL-JSON (a JSON {type(obj).__name__}); is it the right export (or --format)?")
        for item in _items(obj, in_array):
            position += 1
            if not _is_item(item):
                yield BadRecord(position, line, "not a CSL item (no type, title, author or DOI)")
                continue
            key = item.get("id") or item.get("citation-key") or item.get("DOI")
            key = str(key) if key not in (None, "") else None
            try:
                yield csl_record(item, line, key)
            except BAD_VALUES as exc:
                yield BadRecord(position, line, f"unexpected value in a CSL field ({exc})", key)
