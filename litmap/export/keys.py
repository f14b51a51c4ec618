"""Citation keys: `smith2019nudging` (first author's family name, year, first significant title word).

Keys are unique within a store and stable: they are assigned over every record of the store in id
order, whatever the export selects, so a record keeps its key across exports and as the store grows
(a new record that would collide gets the suffix, never an old one). The first record with a key
gets it plain; later ones get `a`, `b`, ... `z`, `aa`, ... (skipping any key already taken).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from sqlite_utils import Database

_STOPWORDS = frozenset(
    "a an the of on in for and or to with from at by as is are was were be its it this that these those "
    "into onto over under about between among via vs versus do does how what when where which who why "
    "not no new".split()
)
_NON_KEY = re.compile(r"[^a-z0-9]+")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_MAX_NAME = 20
_MAX_WORD = 20


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: `Müller-Lüdenscheidt` -> `mullerludenscheidt`."""
    if text.isascii():
        return _NON_KEY.sub("", text.lower())
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("ß", "ss").replace("ø", "o").replace("Ø", "o").replace("ł", "l").replace("Ł", "l")
    folded = folded.replace("æ", "ae").replace("Æ", "ae").replace("œ", "oe").replace("Œ", "oe").replace("đ", "d")
    return _NON_KEY.sub("", folded.lower())


def base_key(authors: list[str], year: int | None, title: str | None) -> str:
    """The key before collision suffixes; ASCII only, never empty."""
    name = ""
    if authors:
        name = ascii_fold(authors[0].split(",", 1)[0])[:_MAX_NAME]
    if not name:
        name = "anon"
    word = ""
    for token in _WORDS.findall(title or ""):
        folded = ascii_fold(token)
        if folded and folded not in _STOPWORDS:
            word = folded[:_MAX_WORD]
            break
    return f"{name}{year if year else 'nd'}{word}"


def _suffix(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa (bijective base 26)."""
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(97 + rem) + s
    return s


@dataclass(slots=True)
class CitationKeys:
    """Record id -> citation key for one store. Only the keys that differ from their record's base
    key (the suffixed ones) are held in memory; one pass over the store computes them."""

    suffixed: dict[int, str] = field(default_factory=dict)

    @classmethod
    def for_store(cls, db: Database) -> CitationKeys:
        used: set[str] = set()
        tried: dict[str, int] = {}  # base -> suffixes already taken, so each search starts there
        suffixed: dict[int, str] = {}
        for record_id, authors, year, title in db.execute("select id, authors, year, title from records order by id"):
            key = base = base_key(json.loads(authors or "[]"), year, title)
            if key in used:
                n = tried.get(base, 0)
                while True:
                    n += 1
                    key = base + _suffix(n)
                    if key not in used:
                        break
                tried[base] = n
                suffixed[record_id] = key
            used.add(key)
        return cls(suffixed)

    def key(self, record_id: int, authors: list[str], year: int | None, title: str | None) -> str:
        """The key of a record of the store this was computed for."""
        return self.suffixed.get(record_id) or base_key(authors, year, title)
