"""Candidate pairs: records that share a blocking key, never all pairs.

Each record gets several keys (DOI, title start, title end, first author + year, volume + first
page, exact title) and a place in a title-sorted neighbourhood. Inside a small block every pair is
a candidate; inside a large one only pairs whose titles are close (`rapidfuzz.process.cdist` on the
block); a huge block (a common surname in a busy year) falls back to a title-sorted window. So the
number of candidates grows linearly with the number of records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import combinations

import numpy as np
from rapidfuzz import fuzz, process

from litmap.dedupe.normalise import Keys

SMALL_BLOCK = 12        # all pairs up to this size
LARGE_BLOCK = 400       # cdist over titles up to this size, sorted window beyond
WINDOW = 6              # neighbours compared in a title-sorted window
BLOCK_TITLE_CUTOFF = 60 # title ratio a pair needs inside a large block


def _key_functions() -> list[tuple[str, Callable[[Keys], str]]]:
    return [
        ("doi", lambda k: k.doi),
        ("title", lambda k: k.title_key if len(k.title_key) >= 8 else ""),
        ("title-start", lambda k: k.title_key[:24] if len(k.title_key) >= 30 else ""),
        ("title-end", lambda k: k.title_key[-24:] if len(k.title_key) >= 30 else ""),
        ("author-year", lambda k: f"{k.first_author}|{k.year}" if k.first_author and k.year else ""),
        ("volume-page", lambda k: f"{k.volume}|{k.page_start}" if k.volume and k.page_start else ""),
        ("author-page", lambda k: f"{k.first_author}|{k.page_start}" if k.first_author and k.page_start else ""),
    ]


def _block_pairs(members: list[int], keys: Sequence[Keys]) -> Iterator[tuple[int, int]]:
    size = len(members)
    if size <= SMALL_BLOCK:
        yield from combinations(members, 2)
        return
    if size <= LARGE_BLOCK:
        titles = [keys[m].title for m in members]
        scores = process.cdist(
            titles, titles, scorer=fuzz.ratio, score_cutoff=BLOCK_TITLE_CUTOFF, dtype=np.uint8,
            workers=-1 if size > 100 else 1,
        )
        rows, cols = np.nonzero(np.triu(scores, 1))
        for r, c in zip(rows.tolist(), cols.tolist()):
            yield members[r], members[c]
        return
    ordered = sorted(members, key=lambda m: keys[m].title_key)
    for pos, m in enumerate(ordered):
        for other in ordered[pos + 1 : pos + 1 + WINDOW]:
            yield m, other


def candidate_pairs(keys: Sequence[Keys], is_new: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Unique candidate pairs (i < j, indices into `keys`) and how many each key produced.

    With `is_new` (a boolean mask), only pairs with at least one new record are returned
    (an incremental run: new records against everything).
    """
    n = len(keys)
    found: list[np.ndarray] = []
    counts: dict[str, int] = {}
    for name, fn in _key_functions():
        blocks: dict[str, list[int]] = {}
        for idx, k in enumerate(keys):
            value = fn(k)
            if value:
                blocks.setdefault(value, []).append(idx)
        pairs: list[int] = []
        for members in blocks.values():
            if len(members) < 2:
                continue
            if is_new is not None and not is_new[members].any():
                continue
            for a, b in _block_pairs(members, keys):
                pairs.append(a * n + b if a < b else b * n + a)
        del blocks
        arr = np.fromiter(pairs, dtype=np.int64, count=len(pairs))
        counts[name] = int(len(arr))
        found.append(arr)
    # Title-sorted neighbourhood: near-identical titles sort next to each other whatever the blocks.
    order = sorted(range(n), key=lambda i: keys[i].title_key)
    window: list[int] = []
    for shift in range(1, 4):
        for p in range(n - shift):
            a, b = order[p], order[p + shift]
            if keys[a].title_key and keys[b].title_key:
                window.append(a * n + b if a < b else b * n + a)
    arr = np.fromiter(window, dtype=np.int64, count=len(window))
    counts["title-sorted"] = int(len(arr))
    found.append(arr)
    codes = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    first, second = codes // n, codes % n
    keep = first != second
    first, second = first[keep], second[keep]
    if is_new is not None:
        keep = is_new[first] | is_new[second]
        first, second = first[keep], second[keep]
    return first, second, counts
