"""One screen of `litmap screen` / `litmap resolve --interactive` as rich renderables (no I/O).

Every piece of record text goes through `litmap.text.safe` (control characters and escape sequences
removed) into `rich.text.Text` (never parsed as markup), so `[in press]`, `[bold]` or `\\x1b[2J` in a
title show as typed. The abstract is cut to the lines the terminal has left after everything else,
with a line saying how much is hidden; `space` pages through the rest.

Keywords: a protocol keyword matches whole words case-insensitively (`child` does not light up
`childhood`); a trailing `*` makes it a prefix (`child*` lights up `children`); inner spaces match any
run of whitespace. Include keywords are green, exclude keywords red (red wins where both match).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from litmap.text import safe

INCLUDE_STYLE = "bold green"
EXCLUDE_STYLE = "bold red"
DECISION_STYLE = {"include": "green", "exclude": "red", "maybe": "yellow"}
MIN_ABSTRACT_LINES = 4

KEYS = (
    ("i", "include"), ("e", "exclude"), ("m", "maybe"), ("s", "skip"), ("u", "undo"),
    ("n", "note"), ("space", "more"), ("?", "help"), ("q", "quit"),
)
RESOLVE_KEYS = (
    ("i", "include"), ("e", "exclude"), ("s", "skip"), ("u", "back"), ("n", "note"),
    ("space", "more"), ("?", "help"), ("q", "quit"),
)
HELP = (
    ("i", "include: the record meets the criteria (saved at once, next record)"),
    ("e", "exclude (at full text, pick a reason: its number, or type it and Enter)"),
    ("m", "maybe: unsure; counts as a conflict for the adjudicator"),
    ("s", "skip: leave it for later (it stays in your queue)"),
    ("u", "undo: go back one record and withdraw the vote you gave it"),
    ("n", "note: type a line and Enter (Enter alone cancels)"),
    ("space", "show more of a long abstract"),
    ("?", "show or hide this help"),
    ("q", "quit; every vote is already saved and the next session resumes here"),
)
RESOLVE_HELP = (
    ("i", "resolve as include (saved at once, next conflict)"),
    ("e", "resolve as exclude (at full text, pick a reason: its number, or type it and Enter)"),
    ("s", "skip: leave the conflict for later"),
    ("u", "back to the previous conflict (a new resolution there replaces the old one)"),
    ("n", "note on the record: type a line and Enter"),
    ("space", "show more of a long abstract"),
    ("?", "show or hide this help"),
    ("q", "quit; every resolution is already saved"),
)


@dataclass(frozen=True, slots=True)
class Card:
    """The bibliographic part of a record as shown on screen."""

    id: int
    title: str | None
    authors: list[str]
    year: int | None
    journal: str | None
    abstract: str | None
    keywords: list[str]
    doi: str | None = None
    source: str | None = None  # source name and key, for the reviewer to find the record elsewhere


@dataclass(frozen=True, slots=True)
class Vote:
    reviewer: str
    decision: str
    reason: str | None = None
    note: str | None = None
    at: str | None = None


@dataclass(frozen=True, slots=True)
class Criteria:
    """What the protocol puts on screen."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include_keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # reasons offered at this stage (required to exclude at full text)
    reason_required: bool = False


@dataclass(slots=True)
class Screen:
    """Everything one screen shows; built by the session, drawn by `render_screen`."""

    title: str  # "screen · title-abstract · alice"
    card: Card | None
    position: int  # 1-based place in this session's list
    total: int
    criteria: Criteria
    own: Vote | None = None  # the reviewer's own current vote
    others: list[Vote] | None = None  # other reviewers' votes: None while the stage is blind
    notes: list[Vote] = field(default_factory=list)  # notes on the record (reviewer, text as `note`)
    done: int = 0  # records this reviewer has voted on at this stage (overall)
    message: str = ""
    message_style: str = ""
    mode: str = "key"  # key | reason | note | finished
    typed: str = ""  # the line being typed in reason/note mode
    help: bool = False
    page: int = 0  # page of the abstract
    keys: tuple[tuple[str, str], ...] = KEYS
    help_lines: tuple[tuple[str, str], ...] = HELP
    summary: list[str] = field(default_factory=list)  # finished: lines of the end summary


def _word(keyword: str) -> str | None:
    kw = safe(keyword).strip()
    if not kw:
        return None
    prefix = kw.endswith("*")
    kw = kw.rstrip("*").strip()
    if not kw:
        return None
    parts = [re.escape(p).replace(r"\*", r"\w*") for p in kw.split()]
    body = r"\s+".join(parts)
    return body + (r"\w*" if prefix else "")


@lru_cache(maxsize=64)
def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any of `keywords` (longest first); None if there are none."""
    words = sorted({w for w in (_word(k) for k in keywords) if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


def highlight(text: Text, criteria: Criteria) -> Text:
    """Colour include keywords green and exclude keywords red in `text` (in place; returned)."""
    plain = text.plain
    for keywords, style in ((criteria.include_keywords, INCLUDE_STYLE), (criteria.exclude_keywords, EXCLUDE_STYLE)):
        pattern = keyword_pattern(keywords)
        if pattern is None:
            continue
        for m in pattern.finditer(plain):
            text.stylize(style, m.start(), m.end())
    return text


def _line(value: object, style: str = "", limit: int | None = None) -> Text:
    """Record text on one line: control characters removed, whitespace runs squashed."""
    return Text(" ".join(safe(value, limit).split()), style=style)


def _authors(authors: Sequence[str], limit: int = 6) -> str:
    names = [" ".join(safe(a).split()) for a in authors if a]
    if len(names) > limit:
        return "; ".join(names[:limit]) + f"; … (+{len(names) - limit})"
    return "; ".join(names)


def _height(console: Console, renderable: RenderableType, width: int) -> int:
    return len(console.render_lines(renderable, console.options.update(width=width, height=None), pad=False))


def _abstract(console: Console, screen: Screen, width: int, lines: int) -> tuple[Text, int]:
    """The abstract's page `screen.page` cut to `lines` lines of `width`; the second value is the
    number of pages (1 when it fits)."""
    card = screen.card
    raw = safe(card.abstract if card else None).strip()
    if not raw:
        return Text("(no abstract)", style="dim italic"), 1
    lines = max(MIN_ABSTRACT_LINES, lines)
    # Wrapping 50,000 characters costs tens of ms: wrap only what the requested page can show.
    need = (screen.page + 1) * lines * max(width, 20) * 2 + 200
    text = highlight(Text(raw[:need]), screen.criteria)
    wrapped = text.wrap(console, width)
    total_lines = len(wrapped) if need >= len(raw) else None
    if total_lines is not None and total_lines <= lines:
        return text, 1
    body = lines - 1  # one line for the indicator
    if total_lines is not None:
        pages = -(-total_lines // body)
    else:  # estimated from the characters the first page holds
        per_page = max(1, sum(len(w.plain) for w in wrapped[:body]))
        pages = -(-len(raw) // per_page)
    page = screen.page % max(1, pages)
    shown = wrapped[page * body : (page + 1) * body]
    if not shown:
        page, shown = 0, wrapped[:body]
    out = Text("\n").join(shown)
    first = sum(len(w.plain) for w in wrapped[: page * body])
    end = first + sum(len(w.plain) for w in shown)
    more = f"… abstract {first + 1:,}–{min(end, len(raw)):,} of {len(raw):,} characters (page {page + 1} of {pages}; space: more)"
    out.append("\n")
    out.append(more, style="dim italic")
    return out, pages


def _record_panel_parts(screen: Screen) -> list[RenderableType]:
    card = screen.card
    assert card is not None
    title = highlight(_line(card.title or "(no title)", "bold"), screen.criteria)
    meta = Text()
    authors = _authors(card.authors)
    meta.append(authors or "(no authors)", style="cyan" if authors else "dim")
    if card.year:
        meta.append(f" ({card.year})")
    if card.journal:
        meta.append(". ")
        meta.append(_line(card.journal, "italic", 200))
    return [title, meta]


def _footer_parts(screen: Screen) -> list[RenderableType]:
    card = screen.card
    assert card is not None
    parts: list[RenderableType] = []
    if card.keywords:
        kw = Text("Keywords: ", style="dim")
        kw.append(highlight(_line("; ".join(card.keywords), limit=600), screen.criteria))
        parts.append(kw)
    ident = Text(f"record {card.id}", style="dim")
    if card.doi:
        ident.append(f" · doi {safe(card.doi, 200)}", style="dim")
    if card.source:
        ident.append(f" · {' '.join(safe(card.source, 200).split())}", style="dim")
    parts.append(ident)
    return parts


def _vote_text(vote: Vote, label: str | None = None) -> Text:
    out = Text()
    out.append(label if label is not None else _line(vote.reviewer).plain, style="bold")
    out.append(": ")
    out.append(vote.decision, style=DECISION_STYLE.get(vote.decision, ""))
    if vote.reason:
        out.append(" — ")
        out.append(_line(vote.reason, limit=200))
    if vote.note:
        out.append("  note: ", style="dim")
        out.append(_line(vote.note, limit=300))
    return out


def _votes_part(screen: Screen) -> RenderableType | None:
    rows: list[Text] = []
    if screen.own is not None:
        rows.append(_vote_text(screen.own, "Your vote"))
    if screen.others is not None:
        for v in screen.others:
            rows.append(_vote_text(v))
    for n in screen.notes:
        t = Text("note ", style="dim")
        t.append(_line(n.reviewer, "bold"))
        t.append(": ")
        t.append(_line(n.note, limit=500))
        rows.append(t)
    if not rows:
        return None
    return Group(*rows)


def _criteria_panel(criteria: Criteria, width: int) -> RenderableType | None:
    if not criteria.include and not criteria.exclude:
        return None
    grid = Table.grid(expand=True, padding=(0, 2))
    grid.add_column(ratio=1)
    grid.add_column(ratio=1)
    inc = Text("Include if", style="bold green")
    for c in criteria.include:
        inc.append("\n• ")
        inc.append(_line(c))
    exc = Text("Exclude if", style="bold red")
    for c in criteria.exclude:
        exc.append("\n• ")
        exc.append(_line(c))
    if width >= 70:
        grid.add_row(inc, exc)
    else:
        grid = Table.grid(expand=True)
        grid.add_column()
        grid.add_row(inc)
        grid.add_row(exc)
    return Panel(grid, title=Text("Criteria"), title_align="left", border_style="dim", padding=(0, 1))


def _reasons_panel(screen: Screen) -> RenderableType:
    lines = Text()
    for n, reason in enumerate(screen.criteria.reasons, 1):
        if n > 1:
            lines.append("\n")
        lines.append(f"{n:>2}  ", style="bold")
        lines.append(_line(reason))
    if screen.criteria.reasons:
        lines.append("\n")
    hint = "number, or type the reason (a unique start is enough) and Enter; Enter alone cancels"
    if not screen.criteria.reasons:
        hint = "type the reason and Enter; Enter alone cancels" if screen.criteria.reason_required else \
            "type a reason (optional) and Enter; Enter alone excludes without one; Esc cancels"
    lines.append(hint, style="dim")
    lines.append("\n> ", style="bold")
    lines.append(_line(screen.typed))
    return Panel(lines, title=Text("Exclusion reason"), title_align="left", border_style="red", padding=(0, 1))


def _note_panel(screen: Screen) -> RenderableType:
    t = Text("Note on this record; Enter saves, Enter alone cancels\n", style="dim")
    t.append("> ", style="bold")
    t.append(_line(screen.typed))
    return Panel(t, title=Text("Note"), title_align="left", border_style="cyan", padding=(0, 1))


def _key_bar(keys: Sequence[tuple[str, str]]) -> Text:
    bar = Text()
    for n, (key, label) in enumerate(keys):
        if n:
            bar.append("  ")
        bar.append(key, style="bold reverse")
        bar.append(f" {label}")
    return bar


def _help_panel(help_lines: Sequence[tuple[str, str]]) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key, text in help_lines:
        grid.add_row(key, text)
    return Panel(grid, title=Text("Keys"), title_align="left", border_style="blue", padding=(0, 1))


def _header(screen: Screen) -> RenderableType:
    grid = Table.grid(expand=True)
    grid.add_column(no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    left = Text("litmap ", style="bold")
    left.append(_line(screen.title))
    right = Text()
    if screen.total:
        right.append(f"{screen.position} of {screen.total}", style="bold")
    right.append(f"  ·  {screen.done} done", style="dim")
    grid.add_row(left, right)
    return grid


def render_screen(screen: Screen, console: Console, *, width: int | None = None, height: int | None = None) -> RenderableType:
    """The whole screen for `screen`, fitted to `width` x `height` (defaults: the console's size).

    The abstract gets the lines left over (at least a few); everything else is shown in full.
    """
    width = width or console.size.width
    height = height or console.size.height
    header = _header(screen)
    if screen.card is None or screen.mode == "finished":
        body = Text("\n".join(safe(s) for s in screen.summary) or "Nothing to screen.")
        parts: list[RenderableType] = [header, Panel(body, border_style="dim", padding=(0, 1))]
        if screen.message:
            parts.append(Text(safe(screen.message), style=screen.message_style))
        return Group(*parts)

    inner = width - 4  # panel borders and padding
    top = _record_panel_parts(screen)
    bottom = _footer_parts(screen)
    below: list[RenderableType] = []
    votes = _votes_part(screen)
    if votes is not None:
        below.append(votes)
    if screen.mode == "reason":
        below.append(_reasons_panel(screen))
    elif screen.mode == "note":
        below.append(_note_panel(screen))
    else:
        crit = _criteria_panel(screen.criteria, width)
        if crit is not None:
            below.append(crit)
    if screen.help:
        below.append(_help_panel(screen.help_lines))
    if screen.message:
        below.append(Text(" ".join(safe(screen.message).split()), style=screen.message_style or "bold"))
    below.append(_key_bar(screen.keys))

    used = 1  # header
    used += 2  # record panel borders
    used += sum(_height(console, p, inner) for p in top) + 1  # blank line before the abstract
    used += sum(_height(console, p, inner) for p in bottom) + 1  # blank line after it
    used += sum(_height(console, p, width) for p in below)
    abstract, _pages = _abstract(console, screen, inner, height - used - 1)
    record = Panel(
        Group(*top, Text(""), abstract, Text(""), *bottom),
        border_style="bright_black", padding=(0, 1),
    )
    return Group(header, record, *below)


def screen_text(screen: Screen, *, width: int = 100, height: int = 40) -> str:
    """The screen as plain text (for docs, tests and the README's screenshot)."""
    console = Console(record=True, width=width, height=height, file=_Null(), color_system=None, highlight=False)
    console.print(render_screen(screen, console, width=width, height=height))
    return console.export_text()


class _Null:
    def write(self, _s: str) -> int:
        return 0

    def flush(self) -> None:
        pass


__all__ = [
    "Card", "Criteria", "HELP", "KEYS", "RESOLVE_HELP", "RESOLVE_KEYS", "Screen", "Vote",
    "highlight", "keyword_pattern", "render_screen", "screen_text",
]
