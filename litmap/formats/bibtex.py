"""BibTeX / BibLaTeX reader: streaming, tolerant, parallel over entry chunks.

The file is split into chunks at lines that start an entry (`@type{` or `@type(`); each chunk is
parsed by a small tokenizer that handles braced, quoted, numeric and macro values, `#`
concatenation, @string macros (applied in file order), parentheses-delimited entries, missing,
empty and duplicate keys, and repeated fields (kept as a list in `raw`). Real exports hold entries
that bibtexparser's defaults reject (duplicate keys, duplicate fields, a missing key): those are
real records and come in. An entry whose braces do not balance before the next entry (or the end
of the file) is a BadRecord with its line.

Records come out normalised (`normalise(latex=True)`, which decodes LaTeX only where a field holds
some; `raw` keeps the values as written), so that big files can do that work in worker processes:
batches of chunks are parsed and normalised by a pool of two processes and yielded in file order
with a bounded number of batches in flight, so memory does not grow with the file. `NORMALISED`
tells ingest not to normalise again; `rows()` gives ingest the records as the store keeps them,
JSON encoded in the workers.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from litmap.errors import InputError
from litmap.formats import io, parallel
from litmap.records import BadRecord, Record, normalise, stored
from litmap.text import plain

# An entry starts at a line whose first non-blank character is `@` followed by a type and a delimiter.
_START = re.compile(r"[ \t\ufeff]*@[ \t]*([A-Za-z][\w-]*)[ \t]*[{(]")
_CANDIDATE = re.compile(r"\n[ \t]*@")  # a literal-led scan is far faster than a multiline `^`
_HEAD = re.compile(r"\s*@\s*([A-Za-z][\w-]*)\s*([{(])")
_KEY = re.compile(r"[ \t\r\n]*([^\s,={}\"#]*)[ \t\r\n]*,")
_KEY_ONLY = re.compile(r"[ \t\r\n]*([^\s,={}\"#]*)[ \t\r\n]*(?=[})])")
_SEP = re.compile(r"[\s,]*")
_WS = re.compile(r"\s*")
_NAME = re.compile(r"([^ \t\r\n=,{}()\"#%]+)[ \t\r\n]*=\s*")
_BARE = re.compile(r"[^\s,#{}()\"=]+")
# Balanced braces up to four levels deep in one C-level match; deeper nesting falls back to a scan.
# `\{` and `\}` are escaped braces and do not count (as in bibtexparser).
_T = r"(?:[^{}\\]++|\\.)"
_L3 = r"\{(?:" + _T + r")*+\}"
_L2 = r"\{(?:" + _T + "|" + _L3 + r")*+\}"
_L1 = r"\{(?:" + _T + "|" + _L2 + r")*+\}"
_BRACED = re.compile(r"\{(?:" + _T + "|" + _L1 + r")*+\}", re.S)
_QUOTED = re.compile(r'"(?:[^"{}\\]++|\\.|' + _L1 + r')*+"', re.S)
_BRACE_CHARS = re.compile(r"\\.|[{}]", re.S)
_QUOTE_CHARS = re.compile(r'\\.|[{}"]', re.S)
_AND = re.compile(r"\s+and\s+", re.I)
_WHOLLY_BRACED = re.compile(r"^\{[^{}]*\}$")
_ENCODING_HEADER = re.compile(r"^%+\s*Encoding:\s*([\w.-]+)", re.M | re.I)

MONTHS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
    "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}
_NOT_RECORDS = {"string", "preamble", "comment"}
NORMALISED = True  # read() yields records already passed through normalise(latex=True)
_SLOTS = Record.__slots__

TYPE_MAP = {
    "article": "article", "newspaper_article": "article", "magazine_article": "article",
    "periodical": "article", "suppperiodical": "article",
    "inproceedings": "inproceedings", "conference": "inproceedings", "proceedings": "book",
    "book": "book", "mvbook": "book", "booklet": "book", "collection": "book", "mvcollection": "book",
    "incollection": "incollection", "inbook": "incollection", "book_section": "incollection",
    "bookinbook": "incollection", "suppbook": "incollection", "suppcollection": "incollection",
    "phdthesis": "phdthesis", "mastersthesis": "mastersthesis", "thesis": "phdthesis",
    "techreport": "techreport", "report": "techreport", "manual": "techreport",
    "unpublished": "unpublished", "online": "online", "electronic": "online", "www": "online",
    "web_page": "online", "webpage": "online", "dataset": "dataset", "data": "dataset",
}

# Batching for the worker processes: big enough to amortise pickling, small enough to stream.
_BATCH_CHARS = 1 << 20
_BATCH_ENTRIES = 2000
_BLOCK = 1 << 20


class _Unclosed(Exception):
    """The entry's braces or quotes do not balance before the chunk ends."""


class _Malformed(Exception):
    """The entry cannot be read (no field name where one is expected, a field without value)."""


# --------------------------------------------------------------------------------------------- parse


def _brace_end(text: str, pos: int) -> int:
    """Index after the brace that closes the one at `pos`."""
    m = _BRACED.match(text, pos)
    if m:
        return m.end()
    depth = 0
    for m2 in _BRACE_CHARS.finditer(text, pos):
        ch = m2.group()
        if len(ch) == 2:
            continue
        depth += 1 if ch == "{" else -1
        if depth == 0:
            return m2.end()
    raise _Unclosed


def _quote_end(text: str, pos: int) -> int:
    m = _QUOTED.match(text, pos)
    if m:
        return m.end()
    depth = 0
    for m2 in _QUOTE_CHARS.finditer(text, pos + 1):
        ch = m2.group()
        if len(ch) == 2:
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            return m2.end()
    raise _Unclosed


def _fields(text: str, pos: int, close: str, macros: dict[str, str]) -> list[tuple[str, str]]:
    """`name = value` pairs from `pos` to the closing delimiter."""
    out: list[tuple[str, str]] = []
    n = len(text)
    while True:
        pos = _SEP.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            raise _Unclosed
        if text[pos] == close:
            return out
        fm = _NAME.match(text, pos)
        if not fm:
            snippet = text[pos:pos + 30].split("\n", 1)[0]
            raise _Malformed(f"expected `name = value` but found {snippet!r}")
        name = fm.group(1)
        pos = fm.end()
        parts: list[str] = []
        while True:
            ch = text[pos] if pos < n else ""
            if ch == "{":
                end = _brace_end(text, pos)
                parts.append(text[pos + 1:end - 1])
            elif ch == '"':
                end = _quote_end(text, pos)
                parts.append(text[pos + 1:end - 1])
            elif ch == "":
                raise _Unclosed
            else:
                bm = _BARE.match(text, pos)
                if not bm:
                    raise _Malformed(f"field {name!r} has no value")
                token = bm.group()
                end = bm.end()
                if token.isdigit():
                    parts.append(token)
                else:
                    low = token.lower()
                    parts.append(macros.get(low) or MONTHS.get(low) or token)
            pos = _WS.match(text, end).end()  # type: ignore[union-attr]
            if pos < n and text[pos] == "#":
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            break
        out.append((name, "".join(parts)))


def _parse_chunk(text: str, macros: dict[str, str]) -> tuple[str, str | None, list[tuple[str, str]]]:
    """(entry type, key, fields) of the entry at the start of `text`."""
    head = _HEAD.match(text)
    if not head:  # cannot happen for chunks made by _START, kept for safety
        raise _Malformed("not a BibTeX entry")
    etype = head.group(1).lower()
    close = "}" if head.group(2) == "{" else ")"
    pos = head.end()
    if etype == "string":
        return etype, None, _fields(text, pos, close, macros)
    key: str | None = None
    km = _KEY.match(text, pos)
    if km:
        key = km.group(1) or None
        pos = km.end()
    else:
        ko = _KEY_ONLY.match(text, pos)
        if ko:
            return etype, ko.group(1) or None, []
    return etype, key, _fields(text, pos, close, macros)


def split_names(value: str) -> list[str]:
    """`A and B and {Barnes and Noble}` -> names; ` and ` inside braces does not split."""
    parts = _AND.split(value.strip())
    if "{" not in value:
        return [p for p in parts if p]
    names: list[str] = []
    current = ""
    for part in parts:
        current = f"{current} and {part}" if current else part
        if current.count("{") <= current.count("}"):
            names.append(current)
            current = ""
    if current:
        names.append(current)
    return [n for n in names if n]


def _keywords(value: str) -> list[str]:
    sep = ";" if ";" in value else ","
    return [k.strip() for k in value.split(sep) if k.strip()]


def _first(low: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = low.get(name)
        if value is not None and value.strip():
            return value
    return None


def _record(etype: str, key: str | None, fields: list[tuple[str, str]], line: int) -> Record:
    raw: dict[str, Any] = {"ENTRYTYPE": etype, "ID": key}
    low: dict[str, str] = {}
    for name, value in fields:
        if name in raw and name not in ("ENTRYTYPE", "ID"):
            current = raw[name]
            raw[name] = [*current, value] if isinstance(current, list) else [current, value]
        else:
            raw[name] = value
        lname = name.lower()
        if lname not in low or not low[lname].strip():
            low[lname] = value
    authors = _first(low, "author", "book-group-author") or _first(low, "editor") or ""
    journal = _first(low, "journal", "journaltitle")
    if journal is None and etype not in ("book", "mvbook"):
        journal = _first(low, "booktitle", "series")
    doi = _first(low, "doi")
    if doi:
        doi = doi.replace("\\_", "_").replace("{", "").replace("}", "")
    else:
        url_doi = _first(low, "url")
        doi = url_doi if url_doi and "doi.org/" in url_doi else None
    pmid = _first(low, "pmid")
    if pmid is None and (low.get("eprinttype") or "").lower() == "pubmed":
        pmid = _first(low, "eprint")
    keywords = _first(low, "keywords", "author_keywords", "keyword", "mesh")
    rtype = TYPE_MAP.get(etype, "misc")
    if etype == "thesis" and "master" in (low.get("type") or "").lower():
        rtype = "mastersthesis"
    return Record(
        raw=raw,
        source_key=key,
        type=rtype,
        title=_first(low, "title"),
        abstract=_first(low, "abstract"),
        authors=split_names(authors) if authors else [],
        year=_first(low, "year", "date", "issued"),  # type: ignore[arg-type]
        journal=journal,
        volume=_first(low, "volume"),
        issue=_first(low, "number", "issue"),
        pages=_first(low, "pages"),
        doi=doi,
        pmid=pmid,
        isbn=_first(low, "isbn"),
        url=_first(low, "url", "bdsk-url-1", "link"),
        keywords=_keywords(keywords) if keywords else [],
        language=_first(low, "language", "langid"),
        line=line,
    )


def parse_batch(chunks: list[tuple[int, str]], macros: dict[str, str], first: int) -> list[Record | BadRecord]:
    """Records of a batch of entry chunks (no @string/@comment/@preamble); `first` = position of the first."""
    out: list[Record | BadRecord] = []
    position = first
    for line, text in chunks:
        try:
            etype, key, fields = _parse_chunk(text, macros)
        except _Unclosed:
            key = _peek_key(text)
            out.append(BadRecord(position, line, "entry is not closed (unbalanced braces or quotes); "
                                 "the file may be truncated or a `}` is missing", key))
        except _Malformed as exc:
            out.append(BadRecord(position, line, str(exc), _peek_key(text)))
        else:
            rec = _record(etype, key, fields, line)
            names = list(rec.authors)
            normalise(rec, latex=True)
            if any(n[:1] == "{" and n[-1:] == "}" for n in names) and len(names) == len(rec.authors):
                # `{Barnes and Noble}`: a braced name is one (corporate) name, never reordered
                rec.authors = [plain(n[1:-1], latex=True) or r if _WHOLLY_BRACED.match(n) else r
                               for n, r in zip(names, rec.authors)]
            out.append(rec)
        position += 1
    return out


def _parse_packed(chunks: list[tuple[int, str]], macros: dict[str, str], first: int) -> list[tuple | BadRecord]:
    """parse_batch in a worker: records as plain tuples, which cross the process boundary at half
    the cost of pickled dataclasses."""
    return [item if isinstance(item, BadRecord) else tuple([getattr(item, s) for s in _SLOTS])
            for item in parse_batch(chunks, macros, first)]


def _parse_stored(chunks: list[tuple[int, str]], macros: dict[str, str], first: int) -> list[tuple | BadRecord]:
    """parse_batch, each record as the store keeps it (`records.stored`)."""
    return [item if isinstance(item, BadRecord) else stored(item) for item in parse_batch(chunks, macros, first)]


def _peek_key(text: str) -> str | None:
    head = _HEAD.match(text)
    if not head:
        return None
    km = _KEY.match(text, head.end())
    return (km.group(1) or None) if km else None


# --------------------------------------------------------------------------------------------- split


def _starts(buf: str) -> list[re.Match[str]]:
    """Entry starts in `buf` (line starts only)."""
    out = []
    m = _START.match(buf)
    if m:
        out.append(m)
    for cand in _CANDIDATE.finditer(buf):
        m = _START.match(buf, cand.start() + 1)
        if m:
            out.append(m)
    return out


def _chunks(fh: Any) -> Iterator[tuple[int, str, str]]:
    """(line, entry type, text) of every entry-like chunk; text before the first entry is dropped."""
    buf = ""
    line = 1  # line number of buf[0]
    started = False
    while True:
        data = fh.read(_BLOCK)
        if data:
            buf += data
        starts = _starts(buf)
        if not started and starts:
            line += buf.count("\n", 0, starts[0].start())
            buf = buf[starts[0].start():]
            starts = _starts(buf)
            started = True
        if not started:
            if not data:
                return
            # keep only the last line: a start may be split across blocks
            cut = buf.rfind("\n") + 1
            line += buf.count("\n", 0, cut)
            buf = buf[cut:]
            continue
        # emit all complete chunks (every start but the last, whose chunk may continue)
        for this, nxt in zip(starts, starts[1:]):
            text = buf[this.start():nxt.start()]
            yield line, this.group(1).lower(), text
            line += text.count("\n")
        last = starts[-1]
        buf = buf[last.start():]
        if not data:
            yield line, last.group(1).lower(), buf
            return


def _balance(text: str) -> int:
    return text.count("{") - text.count("}")


def _fragment(text: str) -> bool:
    """Is this chunk the tail of a value cut at a line that looks like an entry start? (It closes
    more braces than it opens, or does not read as an entry with fields.)"""
    if _balance(text) < 0:
        return True
    try:
        _, _, fields = _parse_chunk(text, {})
    except (_Unclosed, _Malformed):
        return True
    return not fields


def _rejoined(chunks: Iterator[tuple[int, str, str]]) -> Iterator[tuple[int, str, str]]:
    """Chunks, with a split inside a value undone: a line in an abstract that happens to start with
    `@word(` or `@word{` cuts an entry in two; the first part then has unclosed braces and what
    follows is no entry of its own, so they are joined again. Only unbalanced chunks (rare) pay
    for the check; the others cost two C-level counts."""
    held: tuple[int, str, str] | None = None
    for chunk in chunks:
        if held is not None:
            if _fragment(chunk[2]):
                held = (held[0], held[1], held[2] + chunk[2])
                if _balance(held[2]) > 0:
                    continue
                yield held
                held = None
                continue
            yield held
            held = None
        if _balance(chunk[2]) > 0:
            held = chunk
        else:
            yield chunk
    if held is not None:
        yield held


def _text_stream(path: Path, encoding: str) -> Any:
    if encoding == "cp1252":
        # a legacy `% Encoding: MacRoman` (or other) header names the right codec for non-UTF-8 bytes
        header = _ENCODING_HEADER.search(io.head(path, "latin-1", 4096))
        if header:
            name = header.group(1).lower().replace("macroman", "mac_roman").replace("windows-", "cp")
            try:
                encoding = codecs.lookup(name).name
            except LookupError:
                pass
    return io.open_text(path, encoding)


def _batches(path: Path, encoding: str, errors: list[BadRecord]) -> Iterator[tuple[list[tuple[int, str]], dict[str, str], int]]:
    """Batches of entry chunks with the macros in force, in file order."""
    macros: dict[str, str] = {}
    batch: list[tuple[int, str]] = []
    size = 0
    position = 1
    first = 1
    try:
        with _text_stream(path, encoding) as fh:
            for line, etype, text in _rejoined(_chunks(fh)):
                if etype in _NOT_RECORDS:
                    if etype == "string":
                        if batch:  # macros change: entries before use the old ones
                            yield batch, dict(macros), first
                            batch, size, first = [], 0, position
                        try:
                            _, _, defs = _parse_chunk(text, macros)
                        except (_Unclosed, _Malformed) as exc:
                            msg = str(exc) or "@string is not closed (unbalanced braces or quotes)"
                            errors.append(BadRecord(position, line, f"@string definition: {msg}", "@string"))
                            continue
                        for name, value in defs:
                            macros[name.lower()] = value
                    continue
                batch.append((line, text))
                size += len(text)
                position += 1
                if size >= _BATCH_CHARS or len(batch) >= _BATCH_ENTRIES:
                    yield batch, dict(macros) if macros else macros, first
                    batch, size, first = [], 0, position
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot be decoded as {encoding} ({exc.reason}); save it as UTF-8") from None
    if batch:
        yield batch, macros, first


def read(path: Path, encoding: str) -> Iterator[Record | BadRecord]:
    """Every entry of a BibTeX file (not @string/@preamble/@comment) as a Record, in file order;
    batches of entries are parsed by `parallel.ordered` (worker processes for a bigger file)."""
    for item in _read(path, encoding, _parse_packed, parse_batch):
        yield item if isinstance(item, (Record, BadRecord)) else Record(*item)


def rows(path: Path, encoding: str) -> Iterator[tuple | BadRecord]:
    """`read()`, each record as the store keeps it (`records.stored`), made in the worker
    processes: what the importer inserts."""
    return _read(path, encoding, _parse_stored, _parse_stored)


def _read(path: Path, encoding: str, work: Callable[..., list[Any]], local: Callable[..., list[Any]]) -> Iterator[Any]:
    """The items of the batches, each turned into a list by `work` (in a worker) or `local`
    (in-process), with the bad @string definitions found while cutting them."""
    path = Path(path)
    errors: list[BadRecord] = []  # bad @string definitions, found while the batches are cut
    batches = _batches(path, encoding, errors)
    first_batch = next(batches, None)
    if first_batch is None:
        if errors:
            yield from errors
            return
        raise InputError(f"{path}: no BibTeX entries (`@article{{...}}`) found; is it a BibTeX file? Try --format")
    for result in parallel.ordered(work, itertools.chain([first_batch], batches), local=local):
        yield from errors
        errors.clear()
        yield from result
    yield from errors


def source_name(head: str) -> str | None:
    """The database that wrote a BibTeX export, when its entries say so."""
    low = head.lower()
    if re.search(r"source\s*=\s*[{\"]scopus[}\"]", low) or "scopus.com/inward" in low:
        return "Scopus"
    if re.search(r"unique-id\s*=\s*[{\"]\s*(?:wos|isi):", low) or "web-of-science-categories" in low:
        return "Web of Science"
    if "onlinelibrary.wiley.com" in low and re.search(r"@\w+\{https://doi\.org/|@\w+\{doi:", low):
        return "Wiley Online Library"
    if "ieeexplore.ieee.org" in low and "ieee xplore" in low:
        return "IEEE Xplore"
    return None
