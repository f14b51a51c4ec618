"""The review protocol: what reviewers see while screening and who may do what.

A protocol is a TOML file of top-level keys (the example review's is `screening/protocol.toml`):

    title = "ICT-facilitated child sexual abuse and exploitation: a global evidence map"
    question = "What research exists on ...?"
    inclusion = ["Children or adolescents under 18", ...]       # shown while screening
    exclusion = ["Adults only", ...]
    include_keywords = ["child*", "grooming"]                   # highlighted green (`*` = any ending)
    exclude_keywords = ["elderly"]                              # highlighted red
    ta_reasons = [...]                                          # optional title/abstract reasons
    ft_reasons = ["Population: no children or adolescents", ...]  # ordered, required at full text
    reviewers = ["ana", "ben"]                                  # who may vote (empty: anyone)
    adjudicators = ["lead"]                                     # who may resolve (empty: any reviewer)
    votes_required = 2                                          # independent votes per record
    calibration_sample = 20                                     # records everyone screens first
    dual_coding = true                                          # coding: two coders per record
    coders = ["ana", "ben"]
    previous_studies = 12                                       # updated review: previous version's
    previous_reports = 14                                       #   included studies and reports

Every key is optional; a store without a protocol works with the defaults (two votes per record,
anyone may resolve, free-text reasons). `load_protocol` keeps every loaded version (table
`protocols`); the current protocol is the latest row.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from sqlite_utils import Database

from litmap.coding.codebook import _Problems as Problems, read_toml_text
from litmap.errors import ProtocolError
from litmap.store import now, write

_LISTS = ("inclusion", "exclusion", "include_keywords", "exclude_keywords", "ta_reasons", "ft_reasons",
          "reviewers", "adjudicators", "coders")
_TEXTS = ("title", "question", "description", "version")
_INTS = {"votes_required": (1, 20), "calibration_sample": (0, 1_000_000),
         "previous_studies": (0, 10_000_000), "previous_reports": (0, 10_000_000)}
_BOOLS = ("dual_coding",)
KEYS = _TEXTS + _LISTS + tuple(_INTS) + _BOOLS


@dataclass(frozen=True, slots=True)
class Protocol:
    title: str = ""
    question: str = ""
    description: str = ""
    version: str = ""
    inclusion: tuple[str, ...] = ()
    exclusion: tuple[str, ...] = ()
    include_keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    ta_reasons: tuple[str, ...] = ()
    ft_reasons: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    adjudicators: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    votes_required: int = 2
    calibration_sample: int = 0
    dual_coding: bool = False
    previous_studies: int | None = None
    previous_reports: int | None = None
    # Where it came from (filled for stored protocols).
    id: int | None = None
    file: str | None = None
    loaded_at: str | None = None
    sha256: str = ""

    def reasons(self, stage: str) -> tuple[str, ...]:
        from litmap.screening.outcomes import FT
        return self.ft_reasons if stage == FT else self.ta_reasons

    def may_resolve(self, name: str) -> bool:
        allowed = self.adjudicators or self.reviewers
        return not allowed or name in allowed

    def as_dict(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}


DEFAULT = Protocol()


def parse_protocol(text: str, source: str = "protocol") -> Protocol:
    """Validate a protocol's TOML text; ProtocolError naming the file, line and key otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{source}: not valid TOML ({exc}); fix the syntax and load it again") from None
    problems = Problems(text, source)
    values: dict = {}
    for key, value in data.items():
        if key not in KEYS:
            near = [k for k in KEYS if k.split("_")[0] == key.split("_")[0]]
            hint = f" (did you mean {' or '.join(near)}?)" if near else ""
            problems.add([key], f"unknown key{hint}; a protocol takes {', '.join(KEYS)}")
        elif key in _TEXTS:
            if not isinstance(value, str):
                problems.add([key], 'must be a string in quotes: key = "..."')
            else:
                values[key] = " ".join(value.split()) if key != "description" else value.strip()
        elif key in _LISTS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                problems.add([key], 'must be a list of non-empty strings: key = ["...", "..."]')
                continue
            items = [" ".join(v.split()) for v in value]
            seen = {i.casefold() for i in items}
            if len(seen) != len(items):
                problems.add([key], "lists an entry twice; keep each once")
                continue
            values[key] = tuple(items)
        elif key in _INTS:
            low, high = _INTS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems.add([key], f"must be a whole number from {low} to {high:,}")
            else:
                values[key] = value
        elif key in _BOOLS:
            if not isinstance(value, bool):
                problems.add([key], "must be true or false")
            else:
                values[key] = value
    reviewers = values.get("reviewers", ())
    required = values.get("votes_required", 2)
    if reviewers and required > len(reviewers):
        problems.add(["votes_required"], f"is {required} but only {len(reviewers)} reviewer(s) are named; "
                                         "name more reviewers or require fewer votes")
    problems.raise_if_any()
    return Protocol(**values, sha256=hashlib.sha256(text.encode()).hexdigest())


def read_protocol_file(path: str | Path) -> str:
    return read_toml_text(path, "protocol", "screening/protocol.toml")


@dataclass(frozen=True, slots=True)
class LoadResult:
    protocol: Protocol
    changed: bool  # False when the text equals the current protocol's
    unknown_reasons: dict[str, int]  # full-text reasons in use that the new list does not have -> votes


def load_protocol(db: Database, path: str | Path) -> LoadResult:
    """Validate the protocol file and store it as the current protocol (history kept; idempotent on
    identical text). Votes are never changed; reasons in use that the new list lacks are reported."""
    text = read_protocol_file(path)
    protocol = parse_protocol(text, str(path))
    current = current_protocol(db)
    changed = current is None or current.sha256 != protocol.sha256
    if changed:
        with write(db):
            db["protocols"].insert({"loaded_at": now(), "file": str(path), "content": text})
    stored = current_protocol(db)
    assert stored is not None
    unknown: dict[str, int] = {}
    if stored.ft_reasons:
        allowed = set(stored.ft_reasons)
        for reason, n in db.execute(
            "select reason, count(*) from current_votes where stage = 'full-text' and decision = 'exclude' "
            "and reason is not null group by reason"
        ):
            if reason not in allowed:
                unknown[reason] = n
    return LoadResult(stored, changed, unknown)


def current_protocol(db: Database) -> Protocol | None:
    """The latest loaded protocol, or None when none was loaded."""
    row = db.execute("select id, loaded_at, file, content from protocols order by id desc limit 1").fetchone()
    if row is None:
        return None
    p = parse_protocol(row[3], row[2] or "stored protocol")
    values = {f.name: getattr(p, f.name) for f in fields(p)}
    values.update(id=row[0], loaded_at=row[1], file=row[2])
    return Protocol(**values)


def protocol_or_default(db: Database) -> Protocol:
    return current_protocol(db) or DEFAULT


def protocol_history(db: Database) -> list[dict]:
    """Every loaded protocol version, oldest first (id, loaded_at, file)."""
    return [{"id": r[0], "loaded_at": r[1], "file": r[2]}
            for r in db.execute("select id, loaded_at, file from protocols order by id")]
