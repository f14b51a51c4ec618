"""Interactive screening and adjudication as state machines: no terminal I/O here.

The CLI draws `session.screen()` and passes every key the reviewer presses to `session.press(key)`
until `session.finished`. Every vote, withdrawal, note and resolution is written at once in its own
transaction, so quitting (or losing the terminal) at any moment loses nothing; a new session starts at
the first record of the reviewer's queue, which is where the last one stopped.

Screening keys: `i` include, `e` exclude, `m` maybe, `s` skip, `u` undo, `n` note, space (more of a
long abstract), `?` help, `q` quit. `u` goes back one step: to the record just skipped, or to the
record just voted on, withdrawing that vote (with nothing left to go back to in this session, it
withdraws the reviewer's latest vote from earlier sessions). At full text `e` asks for one of the
protocol's exclusion reasons (a number key, or typed text and Enter; a unique start is enough); at
title/abstract `e` excludes at once and `E` asks for an optional reason.

Blind screening: another reviewer's votes and notes are shown only once the lead has unblinded the
stage (a row in `unblindings`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlite_utils import Database

from litmap.errors import LitmapError, NotFoundError, ProtocolError
from litmap.screening.outcomes import FT, TA, outcome_sql, stage_name
from litmap.screening.view import HELP, KEYS, RESOLVE_HELP, RESOLVE_KEYS, Card, Criteria, Screen, Vote
from litmap.store import now, write

ENTER = ("\r", "\n")
BACKSPACE = ("\x7f", "\x08")
ESC = "\x1b"
MAX_TYPED = 2000


# ---------------------------------------------------------------- reading the store (no writes)

def load_card(db: Database, record_id: int) -> Card:
    """The record as shown on screen; NotFoundError if there is no such record."""
    row = db.execute(
        "select r.id, r.title, r.authors, r.year, r.journal, r.abstract, r.keywords, r.doi, "
        "r.source_key, s.name from records r left join sources s on s.id = r.source_id where r.id = ?",
        [record_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"record {record_id}: no such record; `litmap records` lists them")
    source = " ".join(str(x) for x in (row[9], row[8]) if x) or None
    if row[9] and row[8]:
        source = f"{row[9]}: {row[8]}"
    return Card(
        id=row[0], title=row[1], authors=_json_list(row[2]), year=row[3], journal=row[4],
        abstract=row[5], keywords=_json_list(row[6]), doi=row[7], source=source,
    )


def _json_list(value: str | None) -> list[str]:
    try:
        data = json.loads(value or "[]")
    except ValueError:
        return [value] if value else []
    return [str(x) for x in data] if isinstance(data, list) else [str(data)]


def own_vote(db: Database, record_id: int, stage: str, reviewer: str) -> Vote | None:
    """The reviewer's current vote on the record at `stage` (None if none or withdrawn)."""
    row = db.execute(
        "select decision, reason, note, created_at from decisions "
        "where stage = ? and record_id = ? and reviewer = ? order by id desc limit 1",
        [stage, record_id, reviewer],
    ).fetchone()
    if row is None or row[0] == "undo":
        return None
    return Vote(reviewer, row[0], row[1], row[2], row[3])


def votes(db: Database, record_id: int, stage: str) -> list[Vote]:
    """Every reviewer's current vote on the record at `stage`, by reviewer name."""
    rows = db.execute(
        "select d.reviewer, d.decision, d.reason, d.note, d.created_at from decisions d "
        "join (select max(id) as id from decisions where stage = ? and record_id = ? group by reviewer) l "
        "on l.id = d.id where d.decision != 'undo' order by d.reviewer",
        [stage, record_id],
    ).fetchall()
    return [Vote(*r) for r in rows]


def record_notes(db: Database, record_id: int, stage: str, reviewer: str | None = None) -> list[Vote]:
    """Notes on the record at `stage` (only `reviewer`'s when given), oldest first."""
    sql = "select reviewer, text, created_at from notes where record_id = ? and stage = ?"
    params: list[object] = [record_id, stage]
    if reviewer is not None:
        sql += " and reviewer = ?"
        params.append(reviewer)
    return [Vote(r[0], "note", None, r[1], r[2]) for r in db.execute(sql + " order by id", params)]


def is_unblinded(db: Database, stage: str) -> bool:
    """True once the lead has unblinded `stage` (reviewers may see each other's votes)."""
    return db.execute("select 1 from unblindings where stage = ? limit 1", [stage]).fetchone() is not None


def votes_done(db: Database, stage: str, reviewer: str) -> int:
    """How many records the reviewer has a current vote on at `stage`."""
    row = db.execute(
        "select count(*) from decisions d join (select max(id) as id from decisions "
        "where stage = ? and reviewer = ? group by record_id) l on l.id = d.id where d.decision != 'undo'",
        [stage, reviewer],
    ).fetchone()
    return int(row[0])


def latest_vote_record(db: Database, stage: str, reviewer: str) -> int | None:
    """The record of the reviewer's most recent vote at `stage` that still stands, if any."""
    seen: set[int] = set()
    for rid, decision in db.execute(
        "select record_id, decision from decisions where reviewer = ? and stage = ? order by id desc",
        [reviewer, stage],
    ):
        if rid in seen:
            continue
        seen.add(rid)
        if decision != "undo":
            return int(rid)
    return None


def add_note(db: Database, record_id: int, stage: str, reviewer: str, text: str) -> None:
    """Store one note (one transaction). LitmapError for an empty note or unknown record."""
    text = " ".join(text.split())
    if not text:
        raise LitmapError("an empty note is not saved; type some text")
    stage = stage_name(stage)
    if db.execute("select 1 from records where id = ?", [record_id]).fetchone() is None:
        raise NotFoundError(f"record {record_id}: no such record")
    with write(db):
        db.execute(
            "insert into notes (uid, record_id, stage, reviewer, text, created_at) values (?, ?, ?, ?, ?, ?)",
            [uuid.uuid4().hex, record_id, stage, reviewer, text, now()],
        )


# ---------------------------------------------------------------- the protocol as the screen needs it

def criteria_for(protocol: object | None, stage: str, *, ask_reason: bool) -> Criteria:
    """The criteria panel, keywords and reasons of `protocol` for `stage`."""
    def seq(name: str) -> tuple[str, ...]:
        value = getattr(protocol, name, None) or ()
        if isinstance(value, str):
            return (value,)
        return tuple(str(v) for v in value)

    reasons = seq("ft_reasons") if stage == FT else seq("ta_reasons")
    return Criteria(
        include=seq("inclusion"), exclude=seq("exclusion"),
        include_keywords=seq("include_keywords"), exclude_keywords=seq("exclude_keywords"),
        reasons=reasons if ask_reason or stage == FT else reasons,
        reason_required=stage == FT,
    )


def match_reason(typed: str, reasons: tuple[str, ...]) -> str | None:
    """The protocol reason meant by `typed`: its number, its text, or a unique start of it
    (case-insensitive); None when nothing or several match."""
    t = " ".join(typed.split()).casefold()
    if not t:
        return None
    if t.isdigit():
        n = int(t)
        return reasons[n - 1] if 1 <= n <= len(reasons) else None
    exact = [r for r in reasons if r.casefold() == t]
    if exact:
        return exact[0]
    starts = [r for r in reasons if r.casefold().startswith(t)]
    if len(starts) == 1:
        return starts[0]
    contains = [r for r in reasons if t in r.casefold()]
    return contains[0] if len(contains) == 1 and not starts else None


# ---------------------------------------------------------------- common machinery

@dataclass
class _Step:
    index: int
    record_id: int
    kind: str  # vote | skip
    decision: str | None = None


@dataclass
class _Base:
    """What screening and adjudication share: a list of records, a pointer, typing modes."""

    db: Database
    stage: str
    items: list[int] = field(default_factory=list)
    index: int = 0
    mode: str = "key"  # key | reason | note
    typed: str = ""
    message: str = ""
    message_style: str = ""
    help: bool = False
    page: int = 0
    quit: bool = False
    history: list[_Step] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    _card: Card | None = None

    @property
    def finished(self) -> bool:
        return self.quit or self.index >= len(self.items)

    @property
    def record_id(self) -> int | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def card(self) -> Card | None:
        rid = self.record_id
        if rid is None:
            return None
        if self._card is None or self._card.id != rid:
            self._card = load_card(self.db, rid)
        return self._card

    def _say(self, message: str, style: str = "") -> None:
        self.message, self.message_style = message, style

    def _goto(self, index: int) -> None:
        if index != self.index:
            self.page = 0
        self.index = index

    def _type(self, key: str, submit: Callable[[str], None], *, digits_pick: tuple[str, ...] = ()) -> None:
        """One key in a typing mode (reason or note)."""
        if key == ESC or key.startswith(ESC):
            if len(key) == 1:  # Esc alone cancels; arrow keys and the like are ignored
                self.mode, self.typed = "key", ""
                self._say("cancelled")
            return
        if key in ENTER:
            text, self.typed = self.typed, ""
            submit(text)
            return
        if key in BACKSPACE:
            self.typed = self.typed[:-1]
            return
        if not key.isprintable():
            return
        if digits_pick and not self.typed and key.isdigit() and len(digits_pick) <= 9 and key != "0":
            submit(key)
            return
        if len(self.typed) < MAX_TYPED:
            self.typed += key

    def _common_key(self, key: str) -> bool:
        """Keys both sessions handle the same way; True when handled."""
        if key == "?":
            self.help = not self.help
            return True
        if key == " ":
            self.page += 1
            return True
        if key in ("q", "Q"):
            self.quit = True
            return True
        if key in ENTER or key.startswith(ESC):
            return True  # stray Enter and arrow keys do nothing
        return False


# ---------------------------------------------------------------- screening

class ScreeningSession(_Base):
    """One reviewer screening one stage, one record at a time (see the module docstring)."""

    def __init__(self, db: Database, reviewer: str, stage: str = TA, *, protocol: object | None = None,
                 start: int | None = None) -> None:
        stage = stage_name(stage)
        super().__init__(db=db, stage=stage)
        self.reviewer = " ".join(reviewer.split())
        if not self.reviewer:
            raise LitmapError("--reviewer is empty; give the reviewer's name")
        self.protocol = protocol if protocol is not None else _protocol(db)
        allowed = list(getattr(self.protocol, "reviewers", None) or [])
        if allowed and self.reviewer not in allowed:
            raise ProtocolError(
                f"{self.reviewer!r} is not a reviewer in the protocol (reviewers: {', '.join(allowed)}); "
                "use one of those names, or add it to the protocol and `litmap protocol load` it"
            )
        self.required = int(getattr(self.protocol, "votes_required", 2) or 2)
        self.criteria = criteria_for(self.protocol, stage, ask_reason=False)
        self.items = _queue(db, stage, self.reviewer, self.required)
        if start is not None:
            load_card(db, start)  # NotFoundError for a wrong id
            if start in self.items:
                self.items.remove(start)
            self.items.insert(0, start)
        self.done = votes_done(db, stage, self.reviewer)
        self.blind = not is_unblinded(db, stage)
        self.counts = {"include": 0, "exclude": 0, "maybe": 0, "skip": 0, "undo": 0, "note": 0}
        self._exclude_with_reason = False

    # -- what the screen shows

    def screen(self) -> Screen:
        card = None if self.finished else self.card()
        s = Screen(
            title=f"screen · {self.stage} · {self.reviewer}" + ("" if self.blind else " · unblinded"),
            card=card, position=min(self.index + 1, len(self.items)), total=len(self.items),
            criteria=self.criteria, done=self.done, message=self.message, message_style=self.message_style,
            mode=self.mode if card is not None else "finished", typed=self.typed, help=self.help,
            page=self.page, keys=KEYS, help_lines=HELP,
        )
        if card is not None:
            s.own = own_vote(self.db, card.id, self.stage, self.reviewer)
            if self.blind:
                s.notes = record_notes(self.db, card.id, self.stage, self.reviewer)
            else:
                s.others = [v for v in votes(self.db, card.id, self.stage) if v.reviewer != self.reviewer]
                s.notes = record_notes(self.db, card.id, self.stage)
        else:
            s.summary = self.summary()
        return s

    def summary(self) -> list[str]:
        c = self.counts
        voted = c["include"] + c["exclude"] + c["maybe"]
        lines = [f"{self.reviewer} at {self.stage}: {voted} vote(s) this session "
                 f"({c['include']} include, {c['exclude']} exclude, {c['maybe']} maybe), "
                 f"{c['skip']} skipped, {c['undo']} undone, {c['note']} note(s)."]
        left = len(self.items) - self.index if self.quit else 0
        skipped = sum(1 for h in self.history if h.kind == "skip")
        if self.quit and left > 0:
            lines.append(f"Stopped at record {self.items[self.index]} ({self.index + 1} of {len(self.items)}); "
                         "everything is saved and the next `litmap screen` starts there.")
        elif skipped:
            lines.append(f"End of the queue; {skipped} skipped record(s) stay in your queue for the next session.")
        else:
            lines.append("End of the queue: nothing left to screen for you at this stage.")
        lines.append(f"{self.done} record(s) voted on by {self.reviewer} at {self.stage} in all.")
        return lines

    # -- keys

    def press(self, key: str) -> None:
        """Apply one key press (a character, or an escape sequence for special keys)."""
        if self.finished:
            return
        if self.mode == "reason":
            self._type(key, self._submit_reason, digits_pick=self.criteria.reasons)
            return
        if self.mode == "note":
            self._type(key, self._submit_note)
            return
        self._say("")
        if self._common_key(key):
            return
        if key in ("i", "I"):
            self._vote("include")
        elif key == "m" or key == "M":
            self._vote("maybe")
        elif key == "e" or (key == "E" and self.stage == FT):
            if self.stage == FT:
                self.mode, self.typed = "reason", ""
            else:
                self._vote("exclude")
        elif key == "E":
            self.mode, self.typed = "reason", ""
            self.criteria = criteria_for(self.protocol, self.stage, ask_reason=True)
        elif key in ("s", "S"):
            self.history.append(_Step(self.index, self.items[self.index], "skip"))
            self.counts["skip"] += 1
            self._say(f"skipped record {self.items[self.index]}")
            self._advance()
        elif key in ("u", "U"):
            self._undo()
        elif key in ("n", "N"):
            self.mode, self.typed = "note", ""
        else:
            self._say(f"unknown key {key!r}; press ? for help", "yellow")

    def _vote(self, decision: str, reason: str | None = None) -> None:
        rid = self.items[self.index]
        had = own_vote(self.db, rid, self.stage, self.reviewer) is not None
        _record_vote(self.db, rid, self.stage, self.reviewer, decision, reason)
        if not had:
            self.done += 1
        self.counts[decision] += 1
        self.history.append(_Step(self.index, rid, "vote", decision))
        self._say(f"record {rid}: {decision}" + (f" ({reason})" if reason else ""), "green" if decision == "include" else "")
        self._advance()

    def _submit_reason(self, typed: str) -> None:
        reasons = self.criteria.reasons
        text = " ".join(typed.split())
        if not text:
            if self.stage == FT:
                self.mode = "key"
                self._say("exclusion cancelled: at full text an exclusion needs a reason", "yellow")
            else:
                self.mode = "key"
                self._vote("exclude")
            return
        if reasons:
            reason = match_reason(text, reasons)
            if reason is None:
                self._say(f"no single reason matches {text!r}; press its number (1-{len(reasons)}) or type more of it", "yellow")
                return
        else:
            reason = text
        self.mode = "key"
        self._vote("exclude", reason)

    def _submit_note(self, typed: str) -> None:
        self.mode = "key"
        text = " ".join(typed.split())
        if not text:
            self._say("note cancelled")
            return
        add_note(self.db, self.items[self.index], self.stage, self.reviewer, text)
        self.counts["note"] += 1
        self._say("note saved")

    def _undo(self) -> None:
        if self.history:
            step = self.history.pop()
            self._goto(step.index)
            if step.kind == "skip":
                self._say(f"back to record {step.record_id} (skipped)")
                return
            rid = step.record_id
        else:
            found = latest_vote_record(self.db, self.stage, self.reviewer)
            if found is None:
                self._say("nothing to undo: you have no votes at this stage", "yellow")
                return
            rid = found
            if rid in self.items[self.index:]:
                self.items.remove(rid)
            self.items.insert(self.index, rid)
        vote = own_vote(self.db, rid, self.stage, self.reviewer)
        if vote is None:
            self._say(f"back to record {rid} (its vote was already withdrawn)")
            return
        _undo_vote(self.db, rid, self.stage, self.reviewer)
        self.done -= 1
        self.counts["undo"] += 1
        self._say(f"record {rid}: your vote ({vote.decision}) withdrawn; vote again", "yellow")

    def _advance(self) -> None:
        """Next record that still wants this reviewer's vote (others may have filled it meanwhile)."""
        self.criteria = criteria_for(self.protocol, self.stage, ask_reason=False)
        i = self.index + 1
        while i < len(self.items) and not self._open(self.items[i]):
            i += 1
        self._goto(i)

    def _open(self, record_id: int) -> bool:
        # Cheap per-record re-check of the queue rule: not voted by me, not resolved, votes still needed.
        if own_vote(self.db, record_id, self.stage, self.reviewer) is not None:
            return False
        if self.db.execute(
            "select 1 from resolutions where record_id = ? and stage = ? limit 1", [record_id, self.stage]
        ).fetchone():
            return False
        return len(votes(self.db, record_id, self.stage)) < self.required


# ---------------------------------------------------------------- adjudication

class ResolveSession(_Base):
    """An adjudicator going through the conflicts of one stage, all votes and notes side by side."""

    def __init__(self, db: Database, by: str, stage: str = TA, *, protocol: object | None = None) -> None:
        stage = stage_name(stage)
        super().__init__(db=db, stage=stage)
        self.by = " ".join(by.split())
        if not self.by:
            raise LitmapError("--by is empty; give the adjudicator's name")
        self.protocol = protocol if protocol is not None else _protocol(db)
        adjudicators = list(getattr(self.protocol, "adjudicators", None) or [])
        reviewers = list(getattr(self.protocol, "reviewers", None) or [])
        allowed = adjudicators or reviewers
        if allowed and self.by not in allowed:
            who = "adjudicators" if adjudicators else "reviewers"
            raise ProtocolError(
                f"{self.by!r} may not resolve conflicts: the protocol's {who} are {', '.join(allowed)}; "
                "use --by with one of them"
            )
        self.required = int(getattr(self.protocol, "votes_required", 2) or 2)
        self.criteria = criteria_for(self.protocol, stage, ask_reason=False)
        self.items = conflict_ids(db, stage, self.required)
        self.counts = {"include": 0, "exclude": 0, "skip": 0, "note": 0}

    def screen(self) -> Screen:
        card = None if self.finished else self.card()
        s = Screen(
            title=f"resolve · {self.stage} · {self.by}", card=card,
            position=min(self.index + 1, len(self.items)), total=len(self.items), criteria=self.criteria,
            done=self.counts["include"] + self.counts["exclude"], message=self.message,
            message_style=self.message_style, mode=self.mode if card is not None else "finished",
            typed=self.typed, help=self.help, page=self.page, keys=RESOLVE_KEYS, help_lines=RESOLVE_HELP,
        )
        if card is not None:
            s.others = votes(self.db, card.id, self.stage)
            s.notes = record_notes(self.db, card.id, self.stage)
            current = resolution(self.db, card.id, self.stage)
            if current is not None:
                s.own = current
        else:
            c = self.counts
            s.summary = [
                f"{self.by} at {self.stage}: {c['include'] + c['exclude']} conflict(s) resolved this session "
                f"({c['include']} include, {c['exclude']} exclude), {c['skip']} skipped.",
                "Stopped; every resolution is saved." if self.quit else "No conflicts left at this stage.",
            ]
        return s

    def press(self, key: str) -> None:
        """Apply one key press."""
        if self.finished:
            return
        if self.mode == "reason":
            self._type(key, self._submit_reason, digits_pick=self.criteria.reasons)
            return
        if self.mode == "note":
            self._type(key, self._submit_note)
            return
        self._say("")
        if self._common_key(key):
            return
        if key in ("i", "I"):
            self._resolve("include")
        elif key in ("e", "E"):
            if self.stage == FT or key == "E":
                self.mode, self.typed = "reason", ""
            else:
                self._resolve("exclude")
        elif key in ("s", "S"):
            self.history.append(_Step(self.index, self.items[self.index], "skip"))
            self.counts["skip"] += 1
            self._goto(self.index + 1)
        elif key in ("u", "U"):
            if not self.history:
                self._say("nothing to go back to in this session", "yellow")
                return
            step = self.history.pop()
            self._goto(step.index)
            self._say(f"back to record {step.record_id}; a new resolution replaces the earlier one")
        elif key in ("n", "N"):
            self.mode, self.typed = "note", ""
        else:
            self._say(f"unknown key {key!r}; press ? for help", "yellow")

    def _resolve(self, decision: str, reason: str | None = None) -> None:
        rid = self.items[self.index]
        _resolve(self.db, rid, self.stage, decision, self.by, reason)
        self.counts[decision] += 1
        self.history.append(_Step(self.index, rid, "vote", decision))
        self._say(f"record {rid} resolved: {decision}" + (f" ({reason})" if reason else ""))
        self._goto(self.index + 1)

    def _submit_reason(self, typed: str) -> None:
        reasons = self.criteria.reasons
        text = " ".join(typed.split())
        if not text:
            self.mode = "key"
            if self.stage == FT:
                self._say("cancelled: at full text an exclusion needs a reason", "yellow")
            else:
                self._resolve("exclude")
            return
        reason = match_reason(text, reasons) if reasons else text
        if reason is None:
            self._say(f"no single reason matches {text!r}; press its number (1-{len(reasons)}) or type more of it", "yellow")
            return
        self.mode = "key"
        self._resolve("exclude", reason)

    def _submit_note(self, typed: str) -> None:
        self.mode = "key"
        if not " ".join(typed.split()):
            self._say("note cancelled")
            return
        add_note(self.db, self.items[self.index], self.stage, self.by, typed)
        self.counts["note"] += 1
        self._say("note saved")


def conflict_ids(db: Database, stage: str, required: int = 2) -> list[int]:
    """Records in conflict at `stage` (the outcome definition in `outcomes.py`), by record id."""
    sql = f"select record_id from ({outcome_sql(stage)}) where status = 'conflict' order by record_id"
    return [int(r[0]) for r in db.execute(sql, {"required": required})]


def resolution(db: Database, record_id: int, stage: str) -> Vote | None:
    """The latest resolution of the record at `stage`, as a Vote by its adjudicator."""
    row = db.execute(
        "select resolved_by, decision, reason, note, created_at from resolutions "
        "where record_id = ? and stage = ? order by id desc limit 1", [record_id, stage],
    ).fetchone()
    return Vote(*row) if row else None


# ---------------------------------------------------------------- the loop, with I/O passed in

def run_session(session: ScreeningSession | ResolveSession, read_key: Callable[[], str],
                show: Callable[[Screen], None]) -> Screen:
    """Show a screen, read a key, apply it; until the session ends or `read_key` raises EOFError
    (which quits). Returns the last screen (the summary)."""
    show(session.screen())
    while not session.finished:
        try:
            key = read_key()
        except EOFError:
            session.quit = True
            break
        session.press(key)
        if not session.finished:
            show(session.screen())
    last = session.screen()
    show(last)
    return last


def run_interactive_resolve(db: Database, by: str, stage: str, read_key: Callable[[], str],
                            show: Callable[[Screen], None]) -> Screen:
    """`litmap resolve --interactive`: go through the conflicts of `stage` as adjudicator `by`,
    reading keys with `read_key` and drawing with `show`. Returns the final summary screen."""
    return run_session(ResolveSession(db, by, stage), read_key, show)


def run_screening(db: Database, reviewer: str, stage: str, read_key: Callable[[], str],
                  show: Callable[[Screen], None], *, start: int | None = None) -> Screen:
    """`litmap screen`: screen `stage` as `reviewer` (see the module docstring)."""
    return run_session(ScreeningSession(db, reviewer, stage, start=start), read_key, show)


# ---------------------------------------------------------------- store access (the screening library's, when present)

def _protocol(db: Database) -> object | None:
    try:
        from litmap.screening.protocol import current_protocol
    except ImportError:
        return None
    return current_protocol(db)


def _queue(db: Database, stage: str, reviewer: str, required: int) -> list[int]:
    try:
        from litmap.screening.queue import reviewer_queue
    except ImportError:
        sql = f"""
        select o.record_id from ({outcome_sql(stage)}) o
        where o.resolved = 0 and o.votes < :required
          and not exists (select 1 from current_votes v where v.record_id = o.record_id
                          and v.stage = :stage and v.reviewer = :reviewer)
        order by o.record_id
        """
        return [int(r[0]) for r in db.execute(sql, {"required": required, "stage": stage, "reviewer": reviewer})]
    return list(reviewer_queue(db, stage, reviewer))


def _record_vote(db: Database, record_id: int, stage: str, reviewer: str, decision: str, reason: str | None) -> None:
    try:
        from litmap.screening.decisions import record_vote
    except ImportError:
        with write(db):
            db.execute(
                "insert into decisions (uid, record_id, stage, reviewer, decision, reason, note, created_at) "
                "values (?, ?, ?, ?, ?, ?, null, ?)",
                [uuid.uuid4().hex, record_id, stage, reviewer, decision, reason, now()],
            )
        return
    record_vote(db, record_id, stage, reviewer, decision, reason=reason)


def _undo_vote(db: Database, record_id: int, stage: str, reviewer: str) -> None:
    try:
        from litmap.screening.decisions import undo_vote
    except ImportError:
        with write(db):
            db.execute(
                "insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, ?, ?, 'undo', ?)",
                [uuid.uuid4().hex, record_id, stage, reviewer, now()],
            )
        return
    undo_vote(db, record_id, stage, reviewer)


def _resolve(db: Database, record_id: int, stage: str, decision: str, by: str, reason: str | None) -> None:
    try:
        from litmap.screening.conflicts import resolve
    except ImportError:
        with write(db):
            db.execute(
                "insert into resolutions (uid, record_id, stage, decision, reason, resolved_by, created_at) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [uuid.uuid4().hex, record_id, stage, decision, reason, by, now()],
            )
        return
    resolve(db, record_id, stage, decision, by=by, reason=reason)
