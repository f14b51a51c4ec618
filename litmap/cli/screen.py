"""The interactive screening view (`litmap screen`, `litmap resolve --interactive`).

Keys come from the terminal one at a time (`typer.getchar`) when stdin is a TTY, otherwise they are
read character by character from stdin, so `printf 'iie q' | litmap screen --reviewer ann` and tests
drive the very same screen. End of input quits. On a terminal the screen is cleared and redrawn; when
stdout is not a terminal each screen is printed after the previous one.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections import deque
from typing import Annotated

import typer
from rich.console import Console
from sqlite_utils import Database

from litmap.cli.app import app, store
from litmap.screening.outcomes import TA
from litmap.screening.session import run_interactive_resolve, run_screening
from litmap.screening.view import Screen, render_screen

try:
    import termios
except ImportError:  # pragma: no cover - Windows
    termios = None  # type: ignore[assignment]


class KeyReader:
    """Single key presses: from the terminal or, without one, characters from stdin.

    On a terminal the whole session runs in cbreak mode (no echo, no line buffering), set once:
    `typer.getchar()` switches modes around every key with a flush, which drops keys typed while a
    screen is drawn. Ctrl-C and Ctrl-D quit like `q` (everything is saved already); several
    characters arriving at once (fast typing, a paste) are handed out one by one; an escape sequence
    (arrow keys) is one key. Use as a context manager: the terminal mode is restored on exit.
    """

    def __init__(self) -> None:
        self.tty = sys.stdin.isatty()
        self.pending: deque[str] = deque()
        self._saved: list | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def __enter__(self) -> KeyReader:
        if self.tty and termios is not None:
            fd = sys.stdin.fileno()
            self._saved = termios.tcgetattr(fd)
            mode = termios.tcgetattr(fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO)
            mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
            termios.tcsetattr(fd, termios.TCSANOW, mode)  # TCSANOW: keep keys typed ahead
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None

    def _chunk(self) -> str:
        if self._saved is not None:
            data = os.read(sys.stdin.fileno(), 64)
            if not data:
                raise EOFError
            return self._decoder.decode(data)
        if self.tty:  # a terminal without termios (Windows)
            return typer.getchar()
        return sys.stdin.read(1)

    def __call__(self) -> str:
        while not self.pending:
            try:
                chunk = self._chunk()
            except KeyboardInterrupt:
                raise EOFError from None
            if chunk == "" and not self.tty:
                raise EOFError
            if chunk.startswith("\x1b") and len(chunk) > 1:
                return chunk
            self.pending.extend(chunk)
        key = self.pending.popleft()
        if key in ("\x03", "\x04"):
            raise EOFError
        return key


class Drawer:
    """Draws screens: clear and redraw on a terminal, one after another otherwise."""

    def __init__(self) -> None:
        self.console = Console(highlight=False)
        self.tty = self.console.is_terminal

    def __call__(self, screen: Screen) -> None:
        if self.tty:
            self.console.clear()
        elif screen.mode == "finished":
            self.console.rule()
        self.console.print(render_screen(screen, self.console))


def screen_cli(db: Database, reviewer: str, stage: str, start: int | None = None) -> None:
    """Run the screening screen on this terminal (or stdin/stdout)."""
    with KeyReader() as keys:
        run_screening(db, reviewer, stage, keys, Drawer(), start=start)


def resolve_cli(db: Database, by: str, stage: str) -> None:
    """Run the interactive adjudication screen (`litmap resolve --interactive --by NAME`)."""
    with KeyReader() as keys:
        run_interactive_resolve(db, by, stage, keys, Drawer())


@app.command("screen")
def screen_cmd(
    ctx: typer.Context,
    reviewer: Annotated[str, typer.Option("--reviewer", "-r", envvar="LITMAP_REVIEWER", help="Your name as reviewer (as in the protocol).")],
    stage: Annotated[str, typer.Option("--stage", help="title-abstract (ta) or full-text (ft).")] = TA,
    record: Annotated[int | None, typer.Option("--record", help="Start at this record id (to look at or change your vote), then go on with your queue.")] = None,
) -> None:
    """Screen records one at a time, blind to the other reviewers: i include, e exclude, m maybe, s skip,
    u undo (back one), n note, space more abstract, ? help, q quit.

    Every key press is saved at once; the next session resumes at the first record of your queue (the
    records you have not voted on that still need votes). At full text, exclude asks for a reason from
    the protocol's list: press its number, or type it and Enter.
    """
    screen_cli(store(ctx), reviewer, stage, record)
