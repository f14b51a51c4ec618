"""`litmap demo`: the worked example review, end to end, in a fresh folder."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.rule import Rule
from rich.text import Text

from litmap import demo as demo_lib
from litmap.cli.app import app, console
from litmap.store import open_store


def _run(db: Path, args: list[str]) -> None:
    shown = " ".join(shlex.quote(a) for a in args)
    console.print(Text(f"$ litmap {shown}", style="bold cyan"), soft_wrap=True)  # unbroken: copy-pasteable
    try:
        app(args=["--db", str(db), *args], prog_name="litmap", standalone_mode=False)
    except typer.Exit as exc:
        if exc.exit_code:
            raise
    console.print()


@app.command("demo")
def demo_cmd(
    folder: Annotated[Path, typer.Argument(help="Folder for the example review (created; must not hold a review).")] = Path("litmap-demo"),
) -> None:
    """Run the example review end to end: import, dedupe, screening, full text, coding, map, PRISMA, exports."""
    db = demo_lib.prepare(folder)
    for step in demo_lib.steps(folder):
        if step.title:
            console.print(Rule(Text(step.title), align="left"))
        if step.expand is None:
            _run(db, step.args)
            continue
        store = open_store(db, create=False)
        commands = step.expand(store)
        store.close()
        for args in commands:
            _run(db, args)
    console.print(Rule("Done", align="left"))
    here = Path(sys.executable).parent
    prefix = "" if shutil.which("litmap") == str(here / "litmap") else f"{here}/"
    console.print(Text(
        f"The review is in {folder}/ (store {db}, PRISMA diagram prisma.svg, evidence map map.html, exports included.*).\n"
        f"Look at a record and a vote:  cd {folder} && {prefix}litmap screen --reviewer ana --record {_example_record(db)}\n"
        f"Where the review stands:      cd {folder} && {prefix}litmap status\n"
        f"Browse the store:             sqlite3 {db}   (or in a browser: pip install datasette && datasette {db})"
        + (f"\n(litmap is installed in {here}; `source {here}/activate` puts it on your PATH.)" if prefix else "")
    ), soft_wrap=True)


def _example_record(db: Path) -> int:
    """An included study of the example review (its lowest id), for the closing hint."""
    store = open_store(db, create=False)
    try:
        row = store.execute("select min(record_id) from resolutions where stage = 'full-text' and decision = 'include'").fetchone()
        return int(row[0]) if row and row[0] else 1
    finally:
        store.close()
