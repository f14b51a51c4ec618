"""The root `litmap` command: the global --db option and the error edge.

Library code raises LitmapError; this is the only place that turns it into `Error: ...` on stderr
and exit code 1. Every command module adds its commands to `app`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlite_utils import Database
from typer.core import TyperGroup

from litmap.errors import LitmapError
from litmap.store import DEFAULT_DB, open_store

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)


def print_json(data: object) -> None:
    """Write `data` as indented JSON to stdout. Plain, not rich's print_json: no colour codes in pipes,
    and 100 times faster on long listings (thousands of conflicts or records)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str) -> None:
    """Print one `Error: ...` line to stderr (plain text: user data is never markup)."""
    line = " ".join(str(message).split("\n")[:1]) if "\n" in str(message) else str(message)
    sys.stderr.write(f"Error: {line}\n")
    sys.stderr.flush()


class LitmapGroup(TyperGroup):
    """Root group: `--db` is accepted anywhere on the line, and LitmapError becomes a one-line error."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        args = list(args)
        moved: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                break
            if arg == "--db" and i + 1 < len(args):
                moved += args[i : i + 2]
                del args[i : i + 2]
                continue
            if arg.startswith("--db="):
                moved.append(arg)
                del args[i]
                continue
            i += 1
        return super().parse_args(ctx, moved + args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LitmapError as exc:
            fail(str(exc))
            raise typer.Exit(1) from None
        except sqlite3.OperationalError as exc:
            fail(f"the store is busy or damaged ({exc}); try again, or check --db")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted; everything saved so far is kept.\n")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `litmap export - | head`: the reader went away; not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None


@dataclass
class State:
    db_path: Path
    _db: Database | None = field(default=None, repr=False)

    def store(self, *, create: bool = False) -> Database:
        if self._db is None:
            self._db = open_store(self.db_path, create=create)
        return self._db


app = typer.Typer(
    cls=LitmapGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="litmap: literature reviews and systematic maps on one SQLite store.\n\n"
    "Import database exports, remove duplicates, screen in pairs, code, map, and count PRISMA 2020 boxes.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path,
        typer.Option("--db", envvar="LITMAP_DB", help="The litmap store (an SQLite file).", show_default=True),
    ] = Path(DEFAULT_DB),
) -> None:
    """litmap: literature reviews and systematic maps on one SQLite store."""
    ctx.obj = State(db)


def store(ctx: typer.Context, *, create: bool = False) -> Database:
    """The store named by --db for this invocation (opened once, migrations applied).

    `create=False` (for everything but import/init/demo) refuses to create a new empty store.
    """
    state = ctx.find_root().obj
    if not isinstance(state, State):  # a command invoked outside the root app (tests)
        state = State(Path(os.environ.get("LITMAP_DB", DEFAULT_DB)))
        ctx.find_root().obj = state
    return state.store(create=create)


def plural(n: int, word: str) -> str:
    """'1 record', '2 records'."""
    return f"{n} {word}{'' if n == 1 else 's'}"
