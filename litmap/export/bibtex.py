"""BibTeX writer: one `@type{key, field = {value}, ...}` entry per record, UTF-8.

Values are braced and escaped so that BibTeX, biber, pybtex and bibtexparser read back the text
that is in the store: `& % $ # _` get a backslash, braces, backslash, `~` and `^` become text
commands (whose own braces are balanced, so brace counting never breaks), non-ASCII stays UTF-8.
Authors are `Family, Given and ...`; a name without a comma (an organisation, a single-token name)
is braced so that BibTeX keeps it whole. litmap's own data goes into `litmap-*` fields and a
human-readable `note`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from litmap.export import ISSN, ExportRecord

# records.type -> BibTeX entry type; biblatex-only types become @misc for classic BibTeX styles.
ENTRY_TYPES = {
    "article": "article", "inproceedings": "inproceedings", "book": "book", "incollection": "incollection",
    "phdthesis": "phdthesis", "mastersthesis": "mastersthesis", "techreport": "techreport",
    "unpublished": "unpublished", "online": "misc", "dataset": "misc", "misc": "misc",
}
# Which field holds records.journal, by type.
CONTAINER_FIELD = {
    "article": "journal", "inproceedings": "booktitle", "incollection": "booktitle", "book": "series",
    "phdthesis": "school", "mastersthesis": "school", "techreport": "institution",
}

# Braces become text commands: a bare `\{` would unbalance BibTeX's brace counting.
_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&", "%": r"\%",
    "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NEEDS_WORK = re.compile(r"[\\{}&%$#_~^\x00-\x1f\x7f]")
_AND = re.compile(r"(?i)(?:^|\s)and(?:\s|$)")


def escape(value: object) -> str:
    """Plain text -> a BibTeX value body (to be put inside braces); braces stay balanced."""
    text = str(value)
    if _NEEDS_WORK.search(text) is None and "--" not in text:  # the common case: nothing to escape
        return text
    text = _CONTROL.sub(" ", text)
    text = _SPECIAL.sub(lambda m: _ESCAPES[m.group(0)], text)
    # TeX reads `--` as an en dash: keep a literal double hyphen as two hyphens.
    return text.replace("--", "-{}-").replace("--", "-{}-")


def verbatim(value: str) -> str:
    """URLs and DOIs are read verbatim by biblatex and the url package: no backslashes, only the
    characters that would unbalance braces or end the value are percent-encoded."""
    return _CONTROL.sub("", value).replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _part(text: str) -> str:
    # A part holding the word "and" or a comma would be split by BibTeX's name parser: brace it.
    escaped = escape(text)
    return "{" + escaped + "}" if _AND.search(text) or "," in text else escaped


def author_name(name: str) -> str:
    """`Family, Given` -> `Family, Given` (escaped); a name without a comma (an organisation, a
    single-token name) is braced so that BibTeX keeps it whole as a family name."""
    if "," not in name:
        return "{" + escape(name.strip()) + "}"
    family, given = (p.strip() for p in name.split(",", 1))
    return f"{_part(family)}, {_part(given)}" if given else _part(family)


def _fields(rec: ExportRecord) -> list[tuple[str, str]]:
    out: list[tuple[str, object | None]] = [
        ("title", rec.title),
        ("author", " and ".join(author_name(a) for a in rec.authors) if rec.authors else None),
        ("year", rec.year),
        (CONTAINER_FIELD.get(rec.type, "journal" if rec.type == "misc" else "howpublished"), rec.journal),
        ("volume", rec.volume),
        ("number", rec.issue),
        ("pages", rec.pages),
        ("doi", rec.doi),
        ("url", rec.url),
        ("issn" if rec.isbn and ISSN.match(rec.isbn) else "isbn", rec.isbn),
        ("pmid", rec.pmid),
        ("language", rec.language),
        ("abstract", rec.abstract),
        ("keywords", "; ".join(rec.keywords + rec.code_tags()) or None),
        ("note", rec.note()),
        ("litmap-id", rec.id),
        ("litmap-source", rec.source),
        ("litmap-source-key", rec.source_key),
        ("litmap-status", rec.status_text() or None),
        ("litmap-codes", rec.codes_text() or None),
    ]
    result = []
    for name, value in out:
        if value is None or value == "":
            continue
        # The author field is escaped name by name above; everything else here.
        if name == "author":
            result.append((name, str(value)))
        elif name == "pages":  # the store's "12-34" is BibTeX's "12--34"
            result.append((name, escape(value).replace("-", "--")))
        elif name in ("url", "doi"):
            result.append((name, verbatim(str(value))))
        else:
            result.append((name, escape(value)))
    return result


def entry(rec: ExportRecord) -> str:
    """One BibTeX entry (ends with a blank line)."""
    lines = [f"@{ENTRY_TYPES.get(rec.type, 'misc')}{{{rec.key},"]
    fields = _fields(rec)
    for i, (name, value) in enumerate(fields):
        lines.append(f"  {name} = {{{value}}}" + ("," if i < len(fields) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n\n"


def write(records: Iterable[ExportRecord], fh: TextIO, dimensions: list[str]) -> int:
    """Write every record as a BibTeX entry; returns how many."""
    count = 0
    for rec in records:
        fh.write(entry(rec))
        count += 1
    return count
