"""Commands of this group (registered on litmap.cli.app.app): prisma, study, exclude-automatic."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from litmap.cli.app import app, console, err_console, plural, store
from litmap.reports import removals as removals_mod
from litmap.reports import studies as studies_mod
from litmap.text import safe

FORMATS = ("text", "json", "csv", "svg", "mermaid")


@app.command("prisma")
def prisma_cmd(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text (terminal), json, csv (PRISMA2020 R package / Shiny app template), svg or mermaid.")] = "text",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """PRISMA 2020 flow diagram counts, computed from the store and checked.

    Every box of both arms (databases and registers; websites, organisations, citation searching)
    comes from sources, duplicates, removals, votes, resolutions, retrievals and study links. Records
    still pending at a stage are shown as pending (listed on stderr), never counted as excluded. The
    arithmetic of the diagram is checked; a violation is an error naming the boxes. Every run is kept
    in the table prisma_counts.
    """
    from litmap.reports import prisma as prisma_mod
    from litmap.reports import prisma_render, prisma_svg

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    counts = prisma_mod.prisma(store(ctx))
    if fmt == "text":
        if out:
            from rich.console import Console

            with open(out, "w", encoding="utf-8") as fh:
                Console(file=fh, width=160, no_color=True).print(prisma_render.to_rich(counts))
        else:
            console.print(prisma_render.to_rich(counts))
    else:
        data = {"json": prisma_render.to_json, "csv": prisma_render.to_csv, "svg": prisma_svg.to_svg,
                "mermaid": prisma_render.to_mermaid}[fmt](counts)
        if out:
            out.write_bytes(data.encode("utf-8"))
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(data.encode("utf-8"))  # bytes: the csv keeps its CRLF line ends
            sys.stdout.buffer.flush()
    if out:
        err_console.print(Text(f"Wrote PRISMA 2020 {fmt} to {out}"))
    if fmt == "csv" and (counts.other_results or counts.other_duplicates or counts.other_removed or counts.other_not_sought):
        err_console.print(Text("Note: the PRISMA2020 template has no row for records from 'other' sources, duplicates or records "
                               "not sought in the other-methods arm; see --format json"))
    lines = prisma_mod.incomplete(counts)
    if lines:
        err_console.print(Text("Incomplete: records still pending at some stages (not counted as excluded):"))
        for line in lines:
            err_console.print(Text(f"  {line}"))


# ----------------------------------------------------------------------------- study links

study_app = typer.Typer(help="Group reports (records) of one study: PRISMA counts studies and reports.", no_args_is_help=True)
app.add_typer(study_app, name="study")


@study_app.command("link")
def study_link_cmd(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="Record ids of reports of the same study (two or more).")],
    by: Annotated[str | None, typer.Option("--by", help="Who links them (kept in the history).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the study as JSON.")] = False,
) -> None:
    """Link records as reports of one study (with every report already linked to any of them).

    The study is named by its lowest record id. Idempotent; the history is kept.
    """
    result = studies_mod.link(store(ctx), ids, by=by)
    if as_json:
        console.print_json(json.dumps({"study_id": result.study_id, "reports": list(result.members), "changed": list(result.changed)}))
        return
    console.print(Text(f"Study {result.study_id}: reports {', '.join(map(str, result.members))}"
                       + ("" if result.changed else " (already linked; nothing changed)")))


@study_app.command("unlink")
def study_unlink_cmd(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="Record ids to take out of their studies.")],
    by: Annotated[str | None, typer.Option("--by", help="Who unlinks them (kept in the history).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the unlinked records as JSON.")] = False,
) -> None:
    """Take records out of their studies; each becomes a study of its own (a study left with one report
    is dissolved)."""
    done = studies_mod.unlink(store(ctx), ids, by=by)
    if as_json:
        console.print_json(json.dumps({"unlinked": done}))
        return
    console.print(Text(f"Unlinked records {', '.join(map(str, done))}"))


@study_app.command("list")
def study_list_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Studies with more than one report, with their reports (record id, year, title)."""
    found = studies_mod.studies(store(ctx))
    if as_json:
        console.print_json(json.dumps([{"study_id": s.study_id, "reports": [
            {"record_id": r.record_id, "year": r.year, "title": r.title} for r in s.reports]} for s in found]))
        return
    if not found:
        console.print("No studies with several reports; link them with `litmap study link ID ID...`.")
        return
    table = Table("study", "record", "year", "title", title=f"{len(found)} studies with several reports")
    for s in found:
        for i, r in enumerate(s.reports):
            table.add_row(str(s.study_id) if i == 0 else "", str(r.record_id), str(r.year or ""), Text(safe(r.title, 100)))
    console.print(table)


# ----------------------------------------------------------------------------- removals

@app.command("exclude-automatic")
def exclude_automatic_cmd(
    ctx: typer.Context,
    ids: Annotated[list[int] | None, typer.Argument(help="Record ids to remove before screening.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="CSV file with a record_id (or id) column, optionally reason.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (e.g. 'RobotSearch: not an RCT'); a reason column in --file wins.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="The tool (or person) that marked them.")] = None,
    other: Annotated[bool, typer.Option("--other", help="Removed for other reasons, not by an automation tool.")] = False,
    undo: Annotated[bool, typer.Option("--undo", help="Put the records back into screening.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Remove records before screening: marked ineligible by an automation tool (default) or, with
    --other, removed for other reasons. They leave title/abstract screening and appear in PRISMA's
    "records removed before screening" box. Duplicates are skipped (already counted as duplicates).
    """
    if bool(ids) == bool(file):
        raise typer.BadParameter("give record ids or --file FILE.csv (one of them)", param_hint="--file")
    if undo and (reason or by):
        raise typer.BadParameter("--undo takes no --reason or --by", param_hint="--undo")
    items = removals_mod.read_ids(file) if file else [removals_mod.Item(i) for i in ids or []]
    kind = "other" if other else "automation"
    db = store(ctx)
    if undo:
        result = removals_mod.undo(db, items, kind=kind)
    else:
        result = removals_mod.remove(db, items, kind=kind, reason=reason, by=by)
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
        return
    what = "automation tools" if kind == "automation" else "other reasons"
    if undo:
        console.print(Text(f"Put back into screening: {plural(len(result.removed), 'record')} (removal for {what} undone); "
                           f"{len(result.unchanged)} had no such removal"))
    else:
        console.print(Text(f"Removed before screening ({what}): {plural(len(result.removed), 'record')}; "
                           f"{len(result.unchanged)} already removed"))
    if result.duplicates:
        err_console.print(Text(f"Skipped {len(result.duplicates)} duplicate records (already counted as duplicates): "
                               + ", ".join(map(str, result.duplicates[:20])) + (" ..." if len(result.duplicates) > 20 else "")))
