"""Decisions on scored pairs: merge, queue for a human, or leave apart; with the rule that decided.

Precision first: a false merge silently removes a study from a review, a missed duplicate only costs
a second look. So a pair merges only when a named rule finds it the same publication AND nothing
contradicts it (different DOI, volume, first page, numbers in the title, more than a year apart,
different authors). Errata, replies, comments, editorials and conference-vs-journal versions never
merge automatically: when otherwise similar they are queued. DOI equality alone never merges.
"""

from __future__ import annotations

import numpy as np

from litmap.dedupe.normalise import GENERIC_KINDS
from litmap.dedupe.scoring import Features

NONE, QUEUE, MERGE = 0, 1, 2

# Rule names in priority order (the index is stored per pair). Each has a one-line explanation.
RULES: dict[str, str] = {
    "exact-title": "same title words, authors agree, published within a year, nothing contradicts",
    "near-title": "titles nearly identical, authors agree, and journal, pages, DOI or abstract corroborate",
    "contained-title": "one title is the other without its subtitle or prefix, authors and bibliographic data agree",
    "doi-and-title": "same DOI and similar title and authors",
    "no-authors": "identical titles and matching bibliographic data where a record lacks authors",
    "same-citation": "identical title, DOI, journal, volume, issue, first page and year; author names romanised differently",
    "same-place": "identical title, journal, volume, pages and year (and first author for a short title); the author lists garbled by an export",
    "citation-doi-differs": "identical title, authors, journal, volume, pages and year; the DOIs differ (one is wrong)",
    "doi-and-place": "same DOI, volume, first page and year, the same title but for a kind prefix (\"Editorial: ...\")",
    "same-abstract": "identical title, authors, journal, year and abstract; the pages or issue exported wrongly by one database",
    "same-volume": "identical title, authors, journal, volume, issue and year, abstracts not differing; only the pages differ (exported wrongly, or an abstract printed twice)",
    "citation": "same volume, first page, year and authors, similar title (e.g. a translated title)",
    "queue:kind": "similar, but one is an erratum, reply, comment, editorial or abstract and the other is not",
    "queue:venue": "similar, but a conference paper and a journal article",
    "queue:conflict": "similar, but a field contradicts (year, volume, pages, DOI or numbers in the title)",
    "queue:similar": "similar titles, but not enough agreement to merge automatically",
    "queue:doi": "same DOI, but the titles differ (DOI equality alone never merges)",
}
RULE_NAMES = list(RULES)


def _ge(values: np.ndarray, threshold: float) -> np.ndarray:
    """values >= threshold, False for NaN."""
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(values, nan=-1.0) >= threshold


def decide(f: Features) -> tuple[np.ndarray, np.ndarray]:
    """(decision per pair: NONE/QUEUE/MERGE, rule index per pair or -1)."""
    n = len(f.title)
    title, authors = f.title, f.authors
    no_authors = np.isnan(authors)
    authors_ok = _ge(authors, 0.85)
    authors_close = _ge(authors, 0.7)
    same_year = f.year_gap == 0
    near_year = (f.year_gap >= 0) & (f.year_gap <= 1)

    kind_differs = f.kind_a != f.kind_b
    both_kind = ((f.kind_a & GENERIC_KINDS) != 0) & ~kind_differs
    # Hard contradictions: any one keeps a pair apart automatically.
    # A garbled volume ("1)" for "63(Suppl 1)") is common in Embase; it is excused when title,
    # authors, journal, year and first page all agree exactly.
    volume_excused = (
        (f.volume == 0) & (f.page_start == 1) & same_year & _ge(f.journal, 0.9) & _ge(authors, 0.9)
        & _ge(title, 0.99) & (f.doi != 0)
    ) | ((f.volume == 0) & (f.doi == 1) & same_year & _ge(authors, 0.9) & _ge(title, 0.99) & (f.page_start != 0))
    conflict = (
        (f.doi == 0) | ((f.volume == 0) & ~volume_excused) | (f.page_start == 0) | (f.numbers == 0)
        | (f.year_gap > 1) | ((f.year_gap == 1) & (f.doi != 1) & ~np.isnan(f.journal) & ~_ge(f.journal, 0.6)) | (f.meeting_differs & ~(same_year & _ge(f.journal, 0.8))) | (f.conferences & (f.year_gap != 0) & (f.doi != 1)) | (~no_authors & ~_ge(authors, 0.5))
    )
    # Softer contradiction: a different issue or last page alone is common in database exports,
    # but with other evidence missing it is not enough to merge.
    minor = (f.issue == 0) | (f.page_end == 0)
    support = (
        (f.doi == 1) | ((f.volume == 1) & (f.page_start == 1)) | _ge(f.journal, 0.8)
        | (same_year & _ge(f.abstract, 0.8)) | ((f.page_start == 1) & same_year)
    )
    bib_agree = (f.volume == 1) | (f.page_start == 1) | (f.doi == 1)
    blocked = kind_differs | (f.venue == 0)
    # Two errata (or two replies) of the same title are different items unless their bibliographic
    # data pins them to one place.
    kind_ok = (
        ~both_kind | ((f.page_start == 1) & (f.page_end != 0) & (f.issue != 0) & (f.volume == 1) & same_year) | (f.doi == 1)
        # An editorial with a title of its own ("Editorial neuroprotection: why it remains an unmet need") in
        # one issue (a recurring column, "Remarks from the Editor", has the same title in every issue).
        | (~f.short_title & (f.volume == 1) & (f.issue == 1) & same_year & _ge(f.journal, 0.9) & _ge(title, 0.99)
           & _ge(authors, 0.9))
    )
    free = ~conflict & ~blocked & kind_ok

    rules = [
        ("exact-title", free & _ge(title, 0.99) & authors_ok & near_year & (~minor | support)),
        ("near-title", free & _ge(title, 0.92) & authors_ok & near_year & support & ~minor),
        ("contained-title", free & f.title_contained & _ge(authors, 0.9) & near_year & bib_agree & ~minor),
        ("doi-and-title", free & (f.doi == 1) & _ge(title, 0.85) & (authors_close | no_authors) & near_year),
        ("no-authors", free & no_authors & _ge(title, 0.99) & same_year & (bib_agree | _ge(f.journal, 0.9)) & ~minor),
        ("same-citation", ~blocked & kind_ok & (f.doi == 1) & _ge(title, 0.99) & (f.volume == 1) & (f.page_start == 1)
         & (f.issue != 0) & same_year & _ge(f.journal, 0.9) & (f.numbers != 0)),
        ("same-place", ~blocked & kind_ok & (f.doi != 0) & _ge(title, 0.99) & (f.volume == 1) & (f.page_start == 1)
         & (f.page_end == 1) & (f.issue != 0) & same_year & _ge(f.journal, 0.9) & (f.numbers != 0)
         & ((f.first_author == 1) | ~f.short_title)),
        ("citation-doi-differs", ~blocked & kind_ok & ~f.short_title & (f.doi == 0) & _ge(title, 0.99) & (f.volume == 1)
         & (f.page_start == 1) & (f.page_end == 1) & (f.issue != 0) & same_year & _ge(f.journal, 0.9) & (f.numbers != 0)
         & (_ge(authors, 0.9) | no_authors)),
        ("doi-and-place", (f.venue != 0) & (f.doi == 1) & (f.volume == 1) & (f.page_start == 1) & same_year & ~f.short_title
         & (_ge(title, 0.9) | f.title_contained) & authors_ok & (f.numbers != 0)),
        ("same-abstract", ~blocked & kind_ok & (f.doi != 0) & _ge(title, 0.99) & _ge(f.abstract, 0.95) & same_year
         & _ge(authors, 0.85) & (f.volume != 0) & _ge(f.journal, 0.9)
         & ((f.numbers != 0) | ((f.volume == 1) & (f.page_start == 1) & (f.page_end == 1)))),
        ("same-volume", ~blocked & kind_ok & ~f.short_title & (f.doi != 0) & _ge(title, 0.99) & (f.volume == 1)
         & (f.issue != 0) & same_year & _ge(f.journal, 0.9) & (f.numbers != 0) & _ge(authors, 0.95)
         & (f.first_author == 1) & ~f.meeting_differs & (np.isnan(f.abstract) | _ge(f.abstract, 0.8))),
        ("citation", free & (f.volume == 1) & (f.page_start == 1) & (f.page_end != 0) & same_year
         & _ge(authors, 0.9) & _ge(title, 0.82) & (_ge(f.journal, 0.8) | (f.doi == 1))),
    ]
    similar = (_ge(title, 0.9) | f.title_contained) & (authors_close | no_authors)
    queues = [
        ("queue:kind", similar & kind_differs),
        ("queue:venue", similar & (f.venue == 0)),
        ("queue:conflict", _ge(title, 0.95) & (authors_close | no_authors) & (conflict | ~kind_ok) & (f.year_gap <= 2)
         & (f.numbers != 0)
         # Two generic items ("Editorial", "Editor's Comments") with another DOI, volume or first page are
         # plainly two items; only an unexplained pair of them is worth a look.
         & (~both_kind | (bib_agree & near_year & (f.doi != 0) & (f.volume != 0) & (f.page_start != 0) & (f.issue != 0)))),
        ("queue:similar", _ge(title, 0.9) & authors_close & ~conflict & ~blocked),
        ("queue:doi", (f.doi == 1) & _ge(title, 0.6) & ~blocked),
    ]
    decision = np.full(n, NONE, dtype=np.int8)
    rule = np.full(n, -1, dtype=np.int16)
    for name, mask in rules:
        take = mask & (decision == NONE)
        decision[take] = MERGE
        rule[take] = RULE_NAMES.index(name)
    for name, mask in queues:
        take = mask & (decision == NONE)
        decision[take] = QUEUE
        rule[take] = RULE_NAMES.index(name)
    return decision, rule


def conflicts_of(scores: dict[str, object]) -> list[str]:
    """Human-readable contradictions in one pair's stored scores (for `dedupe explain`)."""
    out = []
    labels = {"doi": "DOIs differ", "volume": "volumes differ", "page_start": "first pages differ",
              "issue": "issues differ", "page_end": "last pages differ", "numbers": "numbers in the titles differ",
              "venue": "conference paper vs journal article"}
    for key, label in labels.items():
        if scores.get(key) == 0:
            out.append(label)
    gap = scores.get("year_gap")
    if isinstance(gap, int) and gap > 1:
        out.append(f"years {gap} apart")
    if scores.get("kind_a") != scores.get("kind_b"):
        out.append("one is an erratum/reply/comment/editorial/abstract")
    return out
