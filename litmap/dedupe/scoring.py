"""Field scores for candidate pairs, computed column-wise.

String similarities use `rapidfuzz.process.cpdist` (element-wise over two aligned lists, in C++,
on every core); equality tests use integer codes in numpy arrays. A score is a float in [0, 1],
NaN where one side lacks the field; a state is 1 (equal), 0 (different) or -1 (missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from rapidfuzz import fuzz, process

from litmap.dedupe.normalise import Keys, journal_abbreviates, swapped_authors_score


@dataclass
class Features:
    title: np.ndarray          # fuzz.ratio of title words
    title_contained: np.ndarray  # bool: one title (>= 5 words) starts or ends the other
    authors: np.ndarray        # family-name similarity; NaN when a side has none
    first_author: np.ndarray   # state
    journal: np.ndarray        # journal similarity incl. abbreviations; NaN when missing
    abstract: np.ndarray       # NaN when missing
    year_gap: np.ndarray       # absolute difference, -1 when missing
    volume: np.ndarray         # state
    issue: np.ndarray
    page_start: np.ndarray
    page_end: np.ndarray
    doi: np.ndarray
    numbers: np.ndarray        # 0 when both titles name numbers and they differ
    kind_a: np.ndarray         # title kind bitmasks (erratum, reply, ...)
    kind_b: np.ndarray
    venue: np.ndarray          # 0 when one is a conference paper and the other a journal article
    conferences: np.ndarray    # bool: both are conference papers (a year apart means two events)
    meeting_differs: np.ndarray  # bool: one is a meeting abstract in a supplement, the other not
    short_title: np.ndarray    # bool: a title has fewer than five words ("Preface", "Erratum")

    def row(self, k: int) -> dict[str, object]:
        """The scores of pair k as plain values (the evidence stored with a decision)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)[k]
            if isinstance(value, (np.floating, float)):
                out[f.name] = None if np.isnan(value) else round(float(value), 3)
            elif isinstance(value, (np.bool_, bool)):
                out[f.name] = bool(value)
            else:
                out[f.name] = int(value)
        return out


def _codes(values: list[str]) -> np.ndarray:
    """Integer code per value (equal strings, equal codes); -1 for empty."""
    table: dict[str, int] = {"": -1}
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64, count=len(values))


def _state(codes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ca, cb = codes[a], codes[b]
    out = np.where(ca == cb, 1, 0).astype(np.int8)
    out[(ca < 0) | (cb < 0)] = -1
    return out


def _ratio(left: list[str], right: list[str], scorer=fuzz.ratio) -> np.ndarray:
    if not left:
        return np.zeros(0, dtype=np.float32)
    return process.cpdist(left, right, scorer=scorer, workers=-1, dtype=np.float32) / 100.0


class Columns:
    """Per-record key columns (built once per run) that pair scoring indexes into."""

    def __init__(self, keys: Sequence[Keys]) -> None:
        self.keys = keys
        self.year = np.fromiter((k.year for k in keys), dtype=np.int32, count=len(keys))
        self.n_authors = np.fromiter((k.n_authors for k in keys), dtype=np.int32, count=len(keys))
        self.kind = np.fromiter((k.kind for k in keys), dtype=np.int32, count=len(keys))
        self.conference = np.fromiter((k.conference for k in keys), dtype=bool, count=len(keys))
        self.meeting = np.fromiter((k.meeting for k in keys), dtype=bool, count=len(keys))
        self.has_journal = np.fromiter((bool(k.journal) for k in keys), dtype=bool, count=len(keys))
        self.short_title = np.fromiter((k.title.count(" ") < 4 for k in keys), dtype=bool, count=len(keys))
        self.has_venue = np.fromiter((bool(k.journal) or k.conference for k in keys), dtype=bool, count=len(keys))
        self.codes = {
            name: _codes([getattr(k, name) for k in keys])
            for name in ("volume", "issue", "page_start", "page_end", "doi", "numbers", "digits", "first_author", "journal")
        }


def score_pairs(cols: Columns, a: np.ndarray, b: np.ndarray) -> Features:
    """Scores of every pair (a[k], b[k])."""
    keys = cols.keys
    ka = [keys[i] for i in a.tolist()]
    kb = [keys[i] for i in b.tolist()]
    title = _ratio([k.title for k in ka], [k.title for k in kb])
    empty_title = np.fromiter((not (x.title and y.title) for x, y in zip(ka, kb)), dtype=bool, count=len(ka))
    title[empty_title] = 0.0
    contained = np.zeros(len(ka), dtype=bool)
    for p in np.nonzero((title < 0.97) & (title >= 0.5))[0].tolist():
        s, t = ka[p].title, kb[p].title
        if len(s) > len(t):
            s, t = t, s
        if s.count(" ") >= 4 and (t.startswith(s) or t.endswith(s)):
            contained[p] = True

    # Authors: compare the family names in order; when one list is shorter (et al., truncated
    # exports), compare it with as many names from the start of the other.
    left, right = [], []
    for x, y in zip(ka, kb):
        if x.n_authors != y.n_authors and x.n_authors and y.n_authors:
            m = min(x.n_authors, y.n_authors)
            left.append(" ".join(x.authors.split()[:m]))
            right.append(" ".join(y.authors.split()[:m]))
        else:
            left.append(x.authors)
            right.append(y.authors)
    authors = np.maximum(_ratio(left, right), _ratio([k.authors for k in ka], [k.authors for k in kb], fuzz.token_sort_ratio))
    for p in np.nonzero((authors < 0.95) & ((title >= 0.85) | contained))[0].tolist():
        x, y = ka[p], kb[p]
        if x.n_authors and y.n_authors:
            authors[p] = max(authors[p], swapped_authors_score(x.name_tokens, y.name_tokens, x.authors, y.authors, x.name_signs, y.name_signs))
    authors[(cols.n_authors[a] == 0) | (cols.n_authors[b] == 0)] = np.nan

    ja = [k.journal for k in ka]
    jb = [k.journal for k in kb]
    journal = _ratio(ja, jb)
    for p in np.nonzero(journal < 0.9)[0].tolist():
        x, y = ja[p], jb[p]
        if x and y and (journal_abbreviates(x, y) or journal_abbreviates(y, x)):
            journal[p] = 1.0
    journal[~(cols.has_venue[a] & cols.has_venue[b])] = np.nan

    abstract = _ratio([k.abstract for k in ka], [k.abstract for k in kb])
    no_abstract = np.fromiter((not (x.abstract and y.abstract) for x, y in zip(ka, kb)), dtype=bool, count=len(ka))
    abstract[no_abstract] = np.nan

    ya, yb = cols.year[a], cols.year[b]
    year_gap = np.abs(ya - yb)
    year_gap[(ya == 0) | (yb == 0)] = -1

    page_start = _state(cols.codes["page_start"], a, b)
    page_end = _state(cols.codes["page_end"], a, b)
    for p in np.nonzero(page_start == 0)[0].tolist():
        x, y = ka[p], kb[p]
        if x.page_end and x.page_end == y.page_end and x.doi and x.doi == y.doi:
            page_start[p] = -1  # a mistyped first page: same DOI and same last page
            continue
        for one, other in ((x, y), (y, x)):
            # One export gives only the last page ("488" for 487-488), or an article number where the
            # other gives the PDF's pages ("e12724" vs "1-6"): not a contradiction, just unknown.
            if not one.page_end and (
                # An article number against printed pages (BMJ "a1754" vs "969-972").
                (one.page_locator and not other.page_locator)
                or (other.page_end and (one.page_start == other.page_end or (other.page_start == "1" and len(one.page_start) >= 4)))
                # An article number where the other export gives a page count ("106482" vs "11").
                or (not other.page_end and len(one.page_start) >= 5 and len(other.page_start) <= 3 and x.doi and x.doi == y.doi)
                # A single short number against a page range of the same DOI, or of the same volume and
                # issue: an issue number or a page count, not a first page.
                or (other.page_end and len(one.page_start) < len(other.page_start)
                    and ((x.doi and x.doi == y.doi) or (x.volume and x.volume == y.volume and x.issue and x.issue == y.issue)))
            ):
                page_start[p] = -1
                page_end[p] = -1
                break

    # A short title ("Infrastructure in the Wild") that another record continues with a subtitle:
    # contained only when year and both pages agree as well (a short title alone says little).
    for p in np.nonzero((title < 0.97) & (title >= 0.3) & ~contained & (page_start == 1) & (page_end == 1)
                        & (cols.year[a] == cols.year[b]) & (cols.year[a] > 0))[0].tolist():
        s, t = ka[p].title, kb[p].title
        if len(s) > len(t):
            s, t = t, s
        if 2 <= s.count(" ") < 4 and t.startswith(s + " "):
            contained[p] = True

    # Numbers differ only when the title's number words differ and its digits, read with the spaces
    # removed, differ too ("HPV16/18" and "HPV 16/18" name the same numbers).
    doi = _state(cols.codes["doi"], a, b)
    for p in np.nonzero(doi == 0)[0].tolist():
        # The same suffix under another prefix: a journal that moved publisher (Informa 10.3109 -> T&F 10.1080).
        sx, sy = ka[p].doi.split("/", 1)[1], kb[p].doi.split("/", 1)[1]
        if sx == sy and len(sx) >= 8:
            doi[p] = -1
    numbers = _state(cols.codes["numbers"], a, b)
    numbers = np.where((numbers == 0) & (cols.codes["digits"][a] != cols.codes["digits"][b]), 0, 1).astype(np.int8)
    venue = np.ones(len(a), dtype=np.int8)
    both_venue = cols.has_venue[a] & cols.has_venue[b]
    venue[both_venue & (cols.conference[a] != cols.conference[b])] = 0
    return Features(
        title=title, title_contained=contained, authors=authors,
        first_author=_state(cols.codes["first_author"], a, b), journal=journal, abstract=abstract,
        year_gap=year_gap, volume=_state(cols.codes["volume"], a, b), issue=_state(cols.codes["issue"], a, b),
        page_start=page_start, page_end=page_end,
        doi=doi, numbers=numbers, kind_a=cols.kind[a], kind_b=cols.kind[b], venue=venue,
        conferences=(cols.conference[a] | cols.meeting[a]) & (cols.conference[b] | cols.meeting[b]),
        meeting_differs=(cols.meeting[a] != cols.meeting[b]) & cols.has_journal[a] & cols.has_journal[b],
        short_title=cols.short_title[a] | cols.short_title[b],
    )
