"""The interactive coding screen as a state machine: no input or output here.

The CLI shows `session.view()` and passes each line the coder types to `session.handle(line)`.
Every confirmed answer is saved at once (one codings row), so quitting at any point loses nothing
and the next session starts at the first record and dimension this coder has not answered.
The coder sees only their own answers (blind dual coding).

Input on a dimension:
- one choice: a code's number, or its key/label (or an unambiguous start of it): saved, next.
- several choices / countries: numbers or names toggle (`1 3`, `ken`, `united k`); the current
  selection is shown; Enter saves it (an empty selection means "nothing applies").
- year, number, text: type the value; Enter.
- Enter on a one-value dimension keeps the saved answer, or saves "not reported" if there is none.
- `:u` undo the last saved answer, `:b` back one dimension, `:s` skip the record, `:c` clear the
  selection, `:q` quit, `?` help.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlite_utils import Database

from litmap.coding.codebook import Codebook, CodingError, Dimension, require_codebook
from litmap.coding.codings import coder_codes, coder_value, included_records, restore_code, set_code
from litmap.coding.countries import BY_ALPHA2, complete
from litmap.screening.outcomes import FT

HELP = ("numbers or names choose codes; Enter saves; :u undo  :b back  :s skip record  :c clear  :q quit  "
        "(several choices: toggle with numbers or names, then Enter)")


@dataclass(frozen=True, slots=True)
class RecordView:
    id: int
    title: str | None
    abstract: str | None
    year: int | None
    journal: str | None
    authors: list[str]
    notes: list[str]  # this coder's screening notes


@dataclass
class View:
    """What the screen shows now."""

    record: RecordView | None
    position: int  # 1-based record number in the queue
    total: int
    dimension: Dimension | None
    step: int  # 1-based dimension number
    steps: int
    saved: list[str] | None  # this coder's saved answer for the dimension
    selection: list[str]  # the answer being built (several choices)
    matches: list[str] = field(default_factory=list)  # candidate labels for ambiguous input
    message: str = ""
    new_record: bool = False  # the record changed since the last view
    new_dimension: bool = True  # the record or dimension changed since the last view
    done: bool = False  # every record coded, or the coder quit
    quit: bool = False


class CodingSession:
    """One coder coding the included records of a stage, one record and dimension at a time."""

    def __init__(self, db: Database, coder: str, *, stage: str = FT, book: Codebook | None = None,
                 record_id: int | None = None) -> None:
        self.db = db
        self.coder = coder
        self.stage = stage
        self.book = book or require_codebook(db)
        self.dims = list(self.book.dimensions)
        self.queue = included_records(db, stage)
        if not self.queue:
            raise CodingError(f"no records are included at {stage}; screen first, or use --stage title-abstract")
        if record_id is not None and record_id not in self.queue:
            raise CodingError(f"record {record_id} is not included at {stage}; only included records are coded")
        self.undo_stack: list[tuple[int, int, str, list[str] | None]] = []
        self.selection: list[str] = []
        self.matches: list[str] = []
        self.choices: list[str] = []  # values behind the numbers shown for matches (countries)
        self.message = ""
        self.quit = False
        self.done = False
        self._shown_record: int | None = None
        self._shown_step: tuple[int, int] | None = None
        mine = coder_codes(db, coder, self.queue)
        if record_id is not None:
            self.index = self.queue.index(record_id)
            self.step = self._first_open(mine.get(record_id, {}))
            self.step = 0 if self.step is None else self.step
        else:
            self.index, self.step = 0, 0
            for i, rid in enumerate(self.queue):
                step = self._first_open(mine.get(rid, {}))
                if step is not None:
                    self.index, self.step = i, step
                    break
            else:
                self.done = True
                self.message = f"all {len(self.queue)} included records are coded by {coder}"
        self._enter_dimension()

    # ------------------------------------------------------------------ state

    def _first_open(self, answered: dict[str, list[str]]) -> int | None:
        return next((i for i, d in enumerate(self.dims) if d.key not in answered), None)

    @property
    def record_id(self) -> int:
        return self.queue[self.index]

    @property
    def dim(self) -> Dimension:
        return self.dims[self.step]

    def saved(self) -> list[str] | None:
        return coder_value(self.db, self.record_id, self.dim.key, self.coder)

    def _enter_dimension(self) -> None:
        if self.done:
            return
        saved = self.saved()
        self.selection = list(saved or [])
        self.matches, self.choices = [], []

    def _record(self) -> RecordView:
        row = self.db.execute("select id, title, abstract, year, journal, authors from records where id = ?", [self.record_id]).fetchone()
        notes = [r[0] for r in self.db.execute(
            "select text from notes where record_id = ? and reviewer = ? order by id", [self.record_id, self.coder])]
        return RecordView(row[0], row[1], row[2], row[3], row[4], json.loads(row[5] or "[]"), notes)

    def view(self) -> View:
        new = self._shown_record != (None if self.done else self.record_id)
        self._shown_record = None if self.done else self.record_id
        where = None if self.done else (self.index, self.step)
        new_dim = new or self._shown_step != where
        self._shown_step = where
        if self.done:
            return View(None, len(self.queue), len(self.queue), None, 0, len(self.dims), None, [], [], self.message,
                        done=True, quit=self.quit)
        return View(self._record(), self.index + 1, len(self.queue), self.dim, self.step + 1, len(self.dims),
                    self.saved(), list(self.selection), list(self.matches), self.message, new, new_dim)

    def _advance(self) -> None:
        self.message = self.message or ""
        if self.step + 1 < len(self.dims):
            self.step += 1
        else:
            self._next_record()
        self._enter_dimension()

    def _next_record(self) -> None:
        mine = coder_codes(self.db, self.coder, self.queue)
        for i in list(range(self.index + 1, len(self.queue))) + list(range(0, self.index + 1)):
            step = self._first_open(mine.get(self.queue[i], {}))
            if step is not None:
                self.index, self.step = i, step
                return
        self.done = True
        self.message = f"all {len(self.queue)} included records are coded by {self.coder}"

    def _save(self, values: list[str]) -> None:
        before = self.saved()
        stored = set_code(self.db, self.record_id, self.dim.key, values, self.coder, book=self.book)
        self.undo_stack.append((self.index, self.step, self.dim.key, before))
        shown = ", ".join(self.dim.display(v) for v in stored) or "nothing applies"
        self.message = f"saved {self.dim.label}: {shown}"
        self._advance()

    # ------------------------------------------------------------------ input

    def handle(self, line: str) -> View:
        """Apply one line of input; returns the new view."""
        if self.done:
            return self.view()
        text = line.strip()
        self.message = ""
        try:
            self._handle(text)
        except CodingError as exc:
            self.message = str(exc)
        return self.view()

    def _handle(self, text: str) -> None:
        command = text.lower()
        if command in (":q", ":quit"):
            self.quit, self.done = True, True
            self.message = "quit; every answer so far is saved"
            return
        if command in ("?", ":h", ":help"):
            self.message = HELP
            return
        if command in (":u", ":undo"):
            return self._undo()
        if command in (":b", ":back"):
            if self.step > 0:
                self.step -= 1
                self._enter_dimension()
            else:
                self.message = "already at the first dimension of this record"
            return
        if command in (":s", ":skip"):
            self.message = f"skipped record {self.record_id}"
            self._skip()
            return
        if command in (":c", ":clear"):
            self.selection, self.matches, self.choices = [], [], []
            return
        dim = self.dim
        several = dim.multiple and dim.type in ("choice", "country")
        if not text:
            if several:
                return self._save(self.selection)
            saved = self.saved()
            if saved is not None:
                self.message = "kept"
                return self._advance()
            return self._save([])
        if dim.type == "choice":
            return self._choice(text, several)
        if dim.type == "country":
            return self._country(text, several)
        # year, number, text: one typed value
        return self._save([text])

    def _skip(self) -> None:
        if len(self.queue) == 1:
            self.message += "; it is the only record"
        self.index, self.step = (self.index + 1) % len(self.queue), 0
        self._enter_dimension()

    def _undo(self) -> None:
        if not self.undo_stack:
            self.message = "nothing to undo in this session"
            return
        index, step, key, before = self.undo_stack.pop()
        restore_code(self.db, self.queue[index], key, self.coder, before)
        self.index, self.step, self.done = index, step, False
        self._enter_dimension()
        self.message = f"undone: {self.dims[step].label} of record {self.queue[index]}"

    def _choice(self, text: str, several: bool) -> None:
        dim = self.dim
        if re.fullmatch(r"[\d\s,]+", text):
            numbers = [int(n) for n in re.split(r"[\s,]+", text) if n]
            bad = [n for n in numbers if not 1 <= n <= len(dim.codes)]
            if bad:
                raise CodingError(f"no code number {bad[0]}; choose 1-{len(dim.codes)}")
            keys = [dim.codes[n - 1].key for n in numbers]
            if not several:
                if len(keys) > 1:
                    raise CodingError(f"{dim.label} takes one code; type one number")
                return self._save(keys)
            for key in keys:
                self._toggle(key)
            return
        for part in [p.strip() for p in text.split(",") if p.strip()]:
            matches = dim.match_codes(part)
            if len(matches) != 1:
                self.matches = [f"{c.key}: {c.label}" for c in matches]
                raise CodingError(f"{part!r} matches {len(matches)} codes; type more of it or a number"
                                  if matches else f"no code matches {part!r}")
            if not several:
                return self._save([matches[0].key])
            self._toggle(matches[0].key)

    def _country(self, text: str, several: bool) -> None:
        if re.fullmatch(r"\d+", text) and self.choices:
            n = int(text)
            if not 1 <= n <= len(self.choices):
                raise CodingError(f"no match number {n}; choose 1-{len(self.choices)}")
            picked = [self.choices[n - 1]]
        else:
            picked = []
            for part in [p.strip() for p in text.split(",") if p.strip()]:
                found = complete(part)
                if len(found) != 1:
                    self.choices = [c.alpha2 for c in found[:9]]
                    self.matches = [c.label() for c in found[:9]]
                    raise CodingError(f"{part!r} matches {len(found)} countries; type more, a code, or a match number"
                                      if found else f"no country matches {part!r}")
                picked.append(found[0].alpha2)
        self.matches, self.choices = [], []
        if not several:
            return self._save(picked[:1])
        for code in picked:
            self._toggle(code)

    def _toggle(self, value: str) -> None:
        if value in self.selection:
            self.selection.remove(value)
            self.message = f"removed {self.dim.display(value)}"
        else:
            self.selection.append(value)
            self.selection.sort(key=self.dim.order)
            self.message = f"added {self.dim.display(value)}"
        self.matches, self.choices = [], []

    # ------------------------------------------------------------------ completion for terminals

    def completions(self, prefix: str) -> list[str]:
        """Words a terminal's Tab completion may offer for `prefix` on the current dimension."""
        dim = self.dim
        if dim.type == "choice":
            return [c.key for c in dim.match_codes(prefix)] if prefix else [c.key for c in dim.codes]
        if dim.type == "country" and prefix:
            return [c.name for c in complete(prefix)][:20]
        return []


def country_name(code: str) -> str:
    country = BY_ALPHA2.get(code)
    return country.label() if country else code
