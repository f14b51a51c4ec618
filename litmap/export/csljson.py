"""CSL-JSON writer: a JSON array of CSL items (schema: citation-style-language/schema csl-data.json).

The item `id` is the record's citation key (the same as in BibTeX), so pandoc and citeproc cite the
same keys from either file. Authors are `{"family", "given"}`, or `{"literal"}` for a name without a
comma (an organisation or a single-token name). Codes are in `keyword` (as `dimension=value`) and in
`custom.litmap-codes`; outcome and provenance in `note` and `custom`. Written item by item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from litmap.export import ISSN, ExportRecord

# records.type -> CSL item type.
CSL_TYPES = {
    "article": "article-journal", "inproceedings": "paper-conference", "book": "book",
    "incollection": "chapter", "phdthesis": "thesis", "mastersthesis": "thesis", "techreport": "report",
    "unpublished": "manuscript", "online": "webpage", "dataset": "dataset", "misc": "document",
}
_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}


def name(author: str) -> dict[str, str]:
    if "," not in author:
        return {"literal": author}
    family, given = (p.strip() for p in author.split(",", 1))
    return {"family": family, "given": given} if given else {"family": family}


def item(rec: ExportRecord) -> dict[str, Any]:
    """One CSL-JSON item."""
    data: dict[str, Any] = {"id": rec.key, "type": CSL_TYPES.get(rec.type, "document")}
    if rec.type in _GENRES:
        data["genre"] = _GENRES[rec.type]
    simple = {
        "title": rec.title, "container-title": rec.journal, "volume": rec.volume, "issue": rec.issue,
        "page": rec.pages, "DOI": rec.doi, "URL": rec.url, "PMID": rec.pmid,
        "language": rec.language, "abstract": rec.abstract,
    }
    data.update({k: v for k, v in simple.items() if v})
    if rec.isbn:
        data["ISSN" if ISSN.match(rec.isbn) else "ISBN"] = rec.isbn
    if rec.authors:
        data["author"] = [name(a) for a in rec.authors]
    if rec.year:
        data["issued"] = {"date-parts": [[rec.year]]}
    keywords = rec.keywords + rec.code_tags()
    if keywords:
        data["keyword"] = "; ".join(keywords)
    data["source"] = rec.source
    data["note"] = rec.note()
    custom: dict[str, Any] = {"litmap-id": rec.id, "source": rec.source}
    optional = {
        "source-key": rec.source_key, "source-file": rec.source_file, "duplicate-of": rec.duplicate_of,
        "also-in": rec.also_in, "title-abstract": rec.ta_status, "title-abstract-reason": rec.ta_reason,
        "full-text": rec.ft_status, "full-text-reason": rec.ft_reason, "litmap-codes": rec.codes,
    }
    custom.update({k: v for k, v in optional.items() if v not in (None, "", [], {})})
    data["custom"] = custom
    return data


def write(records: Iterable[ExportRecord], fh: TextIO, dimensions: list[str]) -> int:
    """Write a JSON array, one item per line; returns how many items."""
    count = 0
    fh.write("[")
    for rec in records:
        fh.write(",\n" if count else "\n")
        fh.write(json.dumps(item(rec), ensure_ascii=False))
        count += 1
    fh.write("\n]\n" if count else "]\n")
    return count
