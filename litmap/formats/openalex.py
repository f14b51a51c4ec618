"""OpenAlex works: a single Work, a `/works` list page (`{"meta": ..., "results": [...]}`), an
array of works, or JSON Lines (snapshot / `--format jsonl` downloads). The abstract is rebuilt
from `abstract_inverted_index` ({word: [positions]}), which may be null.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litmap.errors import InputError
from litmap.formats.jsonworks import BAD_VALUES, CSL_TYPES, values
from litmap.records import BadRecord, Record

_TYPES = {**CSL_TYPES, "article": "article", "review": "article", "letter": "article", "editorial": "article",
          "book-chapter": "incollection", "dissertation": "phdthesis", "preprint": "unpublished"}


def abstract(index: Any) -> str | None:
    """The text of an inverted index {word: [positions]}."""
    if not isinstance(index, dict) or not index:
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if isinstance(positions, list):
            for p in positions:
                if isinstance(p, int):
                    slots[p] = word
    return " ".join(slots[p] for p in sorted(slots)) or None


def _tail(value: Any) -> str | None:
    """`https://openalex.org/W2741809807` -> `W2741809807`; PubMed URL -> PMID."""
    if not value:
        return None
    return str(value).rstrip("/").rsplit("/", 1)[-1]


def _work(w: dict[str, Any], line: int) -> Record:
    loc = w.get("primary_location") or {}
    source = (loc.get("source") if isinstance(loc, dict) else None) or w.get("host_venue") or {}
    biblio = w.get("biblio") or {}
    first, last = biblio.get("first_page"), biblio.get("last_page")
    pages = f"{first}-{last}" if first and last and last != first else first
    authors = []
    for a in w.get("authorships") or []:
        if isinstance(a, dict):
            name = (a.get("author") or {}).get("display_name") or a.get("raw_author_name")
            if name:
                authors.append(name)
    keywords = [k.get("display_name") for k in w.get("keywords") or [] if isinstance(k, dict) and k.get("display_name")]
    ids = w.get("ids") or {}
    wtype = w.get("type_crossref") or w.get("type") or ""
    return Record(
        raw=w,
        source_key=_tail(w.get("id")),
        type=_TYPES.get(str(wtype).lower(), "misc"),
        title=w.get("title") or w.get("display_name"),
        abstract=abstract(w.get("abstract_inverted_index")),
        authors=authors,
        year=w.get("publication_year") or w.get("publication_date"),
        journal=source.get("display_name") if isinstance(source, dict) else None,
        volume=biblio.get("volume"),
        issue=biblio.get("issue"),
        pages=pages,
        doi=w.get("doi") or ids.get("doi"),
        pmid=_tail(ids.get("pmid")),
        isbn=None,
        url=(loc.get("landing_page_url") if isinstance(loc, dict) else None) or w.get("doi"),
        keywords=keywords,
        language=w.get("language"),
        line=line,
    )


def _is_work(obj: Any) -> bool:
    return isinstance(obj, dict) and ("display_name" in obj or "title" in obj) and "openalex" in str(obj.get("id", "")) + str(obj.get("ids", ""))


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """One Record per work; key = the OpenAlex id (`W2741809807`)."""
    path = Path(path)
    position = 0
    for line, obj, in_array in values(path, encoding):
        if isinstance(obj, dict) and isinstance(obj.get("results"), list):
            works = obj["results"]
        elif _is_work(obj) or in_array:
            works = [obj]
        else:
            raise InputError(f"{path}: line {line}: not an OpenAlex work or /works page; is it the right export (or --format)?")
        for work in works:
            position += 1
            if not _is_work(work):
                yield BadRecord(position, line, "not an OpenAlex work (no id or title)")
                continue
            try:
                yield _work(work, line)
            except BAD_VALUES as exc:
                yield BadRecord(position, line, f"unexpected value in an OpenAlex field ({exc})", _tail(work.get("id")))


def source_name(head: str) -> str | None:
    return "OpenAlex"
