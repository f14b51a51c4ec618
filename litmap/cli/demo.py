"""`litmap demo`: the worked example review, end to end, in a fresh folder."""

from __future__ import annotations

import shlex
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
    console.print(Text(f"$ litmap {shown}", style="bold cyan"))
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
    console.print(Text(
        f"The review is in {folder}/ (store {db}, PRISMA diagram prisma.svg, evidence map map.html, exports included.*).\n"
        f"Go on screening yourself:  cd {folder} && litmap screen --reviewer ana --stage ta\n"
        f"Browse the store:          datasette {db}   (or: sqlite3 {db})"
    ))
