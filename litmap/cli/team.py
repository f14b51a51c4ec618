"""Team commands: agreement statistics and merging another copy of the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

from litmap.cli.app import app, console, err_console, store
from litmap.coding.agreement import band
from litmap.screening import agreement as agreement_mod
from litmap.screening import merge as merge_mod
from litmap.screening.outcomes import TA


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


@app.command("agreement")
def agreement_cmd(
    ctx: typer.Context,
    stage: Annotated[str, typer.Option("--stage", help="title-abstract (ta) or full-text (ft).")] = TA,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON (keys overall, pairs, notes).")] = False,
) -> None:
    """Agreement between screeners on their raw votes (never resolutions): per pair and overall.

    Percent agreement, Cohen's kappa with its Landis-Koch band, PABAK and Gwet's AC1 ("maybe" counts
    as include), and Krippendorff's alpha (nominal) across all reviewers.
    """
    result = agreement_mod.agreement(store(ctx), stage)
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
        return
    title = f"Agreement at {result.stage} (raw votes; maybe = include)"
    caption = "A only / B only: the first / second reviewer of the pair includes, the other excludes"
    rows = [(" & ".join(p.reviewers), p.table) for p in result.pairs]
    if result.pooled:
        rows.append(("all pairs (pooled)", result.overall))
    stats = ("records", "both incl.", "A only", "B only", "both excl.", "agreement", "kappa", "band", "PABAK", "AC1")
    cells = [
        (f"{t.n} pairs" if label == "all pairs (pooled)" else str(t.n), str(t.a), str(t.b), str(t.c), str(t.d),
         _pct(t.percent_agreement), _fmt(t.cohen_kappa), t.band, _fmt(t.pabak), _fmt(t.gwet_ac1))
        for label, t in rows
    ]
    table = Table("reviewers", *stats, title=title, caption=caption)
    for (label, _), values in zip(rows, cells):
        table.add_row(Text(label), *values)
    if rows and console.measure(table, options=console.options.update_width(10_000)).maximum > console.width:
        # Too wide for this terminal: one column per pair of reviewers, one row per statistic.
        table = Table("", *(Column(Text(label), justify="right") for label, _ in rows), title=title, caption=caption)
        for k, name in enumerate(stats):
            table.add_row(name, *(values[k] for values in cells))
    console.print(table)
    alpha = result.krippendorff_alpha
    console.print(Text(f"Krippendorff's alpha (nominal, {len(result.reviewers)} reviewers, {result.records} records with 2+ votes): "
                       f"{_fmt(alpha)} ({band(alpha)})"))
    for note in result.notes:
        err_console.print(Text(f"Note: {note}"))


@app.command("merge")
def merge_cmd(
    ctx: typer.Context,
    other: Annotated[Path, typer.Argument(help="Another copy of this review's store (e.g. a co-reviewer's laptop copy).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would come in; change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Bring another copy's votes, resolutions, retrievals, notes, removals, unblindings and codings in.

    Matched by row uid: idempotent (merging twice adds nothing), nothing here is overwritten, all in
    one transaction. A copy of a different corpus is refused.
    """
    result = merge_mod.merge(store(ctx), other, dry_run=dry_run)
    if as_json:
        console.print_json(json.dumps({"other": result.other, "dry_run": result.dry_run, "added": result.added,
                                       "already_here": result.present, "older_vote_records": list(result.older)}))
        return
    verb = "Would bring in" if dry_run else "Brought in"
    parts = [f"{n} {table}" for table, n in result.added.items() if n]
    console.print(Text(f"{verb} {result.total} rows from {other}" + (f": {', '.join(parts)}" if parts else " (nothing new)")))
    already = sum(result.present.values())
    if already:
        console.print(Text(f"{already} rows of that copy were already here"))
    if result.older:
        ids = ", ".join(map(str, result.older[:10])) + (" ..." if len(result.older) > 10 else "")
        n = len(result.older)
        err_console.print(Text(f"Warning: {n} record{'s' if n != 1 else ''} got a vote older than the same reviewer's later vote here "
                               f"(record{'s' if n != 1 else ''} {ids}); the merged vote is now their latest row: check them and vote again if needed"))
    if result.skipped_tables:
        err_console.print(Text(f"Note: not merged (this store has no such tables): {', '.join(result.skipped_tables)}"))
