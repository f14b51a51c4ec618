"""`litmap dedupe` and its subcommands: find duplicates, explain, review, decide, unmerge."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from litmap.cli.app import app, console, err_console, plural, store
from litmap.dedupe import review as lib
from litmap.dedupe.rules import RULES
from litmap.dedupe.run import run
from litmap.text import safe

dedupe_app = typer.Typer(
    invoke_without_command=True, no_args_is_help=False, rich_markup_mode=None,
    help="Find and merge duplicate records; review uncertain pairs.",
)
app.add_typer(dedupe_app, name="dedupe")

_KEYS = "[s]ame  [d]ifferent  s[k]ip  [u]ndo  [q]uit"


@dedupe_app.callback()
def dedupe_cmd(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and report, change nothing.")] = False,
    full: Annotated[bool, typer.Option("--all", help="Compare all records again, not only those new since the last run.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Find duplicates: merge confident ones, queue uncertain pairs for `litmap dedupe review`.

    Only records imported since the last run are compared (against all records) unless --all.
    Pairs decided by a human, or taken apart by `unmerge`, keep their decision.
    """
    if ctx.invoked_subcommand is not None:
        return
    db = store(ctx)
    result = run(db, dry_run=dry_run, full=full, progress=None if as_json else (lambda m: err_console.print(Text(m))))
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
        return
    prefix = "Dry run (nothing written): " if dry_run else ""
    console.print(Text(
        f"{prefix}{result.records} records ({result.new_records} compared, {result.mode}), "
        f"{result.candidates} candidate pairs: {result.merged_pairs} pairs merged, {result.queued_pairs} queued for review "
        f"({plural(result.questions, 'question')}); "
        f"{plural(result.groups, 'duplicate group')}, {plural(result.duplicates, 'record')} marked duplicate ({result.seconds:.2f} s)"
    ))
    for rule, count in sorted(result.by_rule.items(), key=lambda kv: -kv[1]):
        console.print(Text(f"  {rule:<18} {count:>6}  {RULES[rule]}"))
    if result.questions and not dry_run:
        err_console.print(Text("Review the queued pairs with: litmap dedupe review --reviewer NAME"))


@dedupe_app.command("explain")
def explain_cmd(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="litmap record id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Explain why a record was merged (or not): its group, the pairs with their scores and rules, history."""
    info = lib.explain(store(ctx), record_id)
    if as_json:
        console.print_json(json.dumps(info, default=str))
        return
    rec = info["record"]
    console.print(Text(f"Record {record_id}: {safe(rec['title'] or '(no title)', 120)} ({rec['year'] or 'n.d.'})"))
    src = info["source"]
    console.print(Text(f"Source {src['id']} ({safe(src['name'])})" + (", declared unique" if src["unique_within"] else "")))
    if info["canonical"]:
        console.print(Text(f"Canonical; group: {', '.join(map(str, info['group']))}" if info["group"] else "Canonical; no duplicates."))
    else:
        console.print(Text(f"Duplicate of {info['root']} (group: {', '.join(map(str, info['group']))})"))
    for p in info["pairs"]:
        other = p["record_b"] if p["record_a"]["id"] == record_id else p["record_a"]
        console.print(Text(f"\npair {p['id']} with record {other['id']}: {p['status']} by rule {p['rule']}"
                           + (f" ({p['decided_by']})" if p["decided_by"] else "")))
        console.print(Text(f"  {p['why']}"))
        scores = p["scores"]
        shown = ", ".join(f"{k} {v}" for k, v in scores.items() if k in ("title", "authors", "journal", "abstract") and v is not None)
        console.print(Text(f"  scores: {shown}; year gap {scores.get('year_gap')}"))
        if p["conflicts"]:
            console.print(Text(f"  contradictions: {'; '.join(p['conflicts'])}"))
    for e in info["events"]:
        what = f"{e['action']}: record {e['record_id']} {e['root_before']} -> {e['root_after']}" if e["action"] != "decide" \
            else f"decide: pair {e['pair_id']} {e['status_before']} -> {e['status_after']}"
        console.print(Text(f"  {e['created_at'][:19]} {what} by {safe(e['by'])}" + (f" ({safe(e['note'])})" if e["note"] else "")))


def _pair_table(p: lib.Pair, index: int, total: int) -> Table:
    table = Table(title=f"Pair {p.id} ({index} of {total} queued) — rule {p.rule}", show_lines=False, expand=True)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column(f"record {p.record_a['id']}", ratio=1)
    table.add_column(f"record {p.record_b['id']}", ratio=1)
    differing = p.differing()
    for field in lib.COMPARED:
        a, b = p.record_a.get(field), p.record_b.get(field)
        if field == "authors":
            a, b = "; ".join(a or []), "; ".join(b or [])
        if not a and not b:
            continue
        style = "bold yellow" if field in differing else ""
        limit = 400 if field == "abstract" else 300
        table.add_row(field, Text(safe(a or "—", limit), style=style), Text(safe(b or "—", limit), style=style))
    return table


@dedupe_app.command("review")
def review_cmd(
    ctx: typer.Context,
    reviewer: Annotated[str, typer.Option("--reviewer", help="Your name, stored with each decision.")],
) -> None:
    """Review queued pairs side by side, one key each: s same, d different, k skip, u undo, q quit.

    Every key is saved at once; run it again to resume where you stopped.
    """
    db = store(ctx)
    skipped: set[int] = set()
    done: list[int] = []
    decided = 0
    while True:
        current, remaining = lib.next_queued(db, skipped)
        if current is None:
            console.print(Text(f"No more queued pairs. {decided} decided in this session; {remaining} still queued."))
            if not done:
                return
            console.print(Text("u undoes the last decision; any other key quits."))
            if (typer.getchar().lower() if sys.stdin else "q") != "u":
                return
            last = done.pop()
            lib.undo(db, last, by=reviewer)
            decided -= 1
            console.print(Text(f"pair {last}: back in the queue"))
            continue
        console.print(_pair_table(current, decided + len(skipped) + 1, remaining + decided))
        console.print(Text(_KEYS))
        key = typer.getchar().lower() if sys.stdin else "q"
        if key in ("s", "d"):
            result = _decide_or_warn(db, current.id, "same" if key == "s" else "different", reviewer)
            if result:
                done.append(current.id)
                decided += 1
                console.print(Text(f"pair {current.id}: {result['after']}"))
        elif key == "k":
            skipped.add(current.id)
        elif key == "u":
            if not done:
                console.print(Text("Nothing to undo in this session."))
                continue
            last = done.pop()
            lib.undo(db, last, by=reviewer)
            decided -= 1
            skipped.discard(last)
            console.print(Text(f"pair {last}: back in the queue"))
        elif key in ("q", "", "\x03", "\x04"):
            console.print(Text(f"Stopped. {decided} decided in this session; {remaining - (1 if current else 0) + 1} still queued."))
            return
        else:
            console.print(Text(f"Unknown key {key!r}; {_KEYS}"))


def _decide_or_warn(db: Any, pair_id: int, decision: str, reviewer: str) -> dict[str, Any] | None:
    from litmap.errors import LitmapError

    try:
        return lib.decide(db, pair_id, decision, by=reviewer)
    except LitmapError as exc:
        err_console.print(Text(f"Not saved: {exc}"))
        return None


@dedupe_app.command("pairs")
def pairs_cmd(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help=f"Only pairs of this status: {', '.join(lib.STATUSES)}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print as CSV.")] = False,
) -> None:
    """List stored pairs (merged, queued, decided) with their rule and main scores."""
    if as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv")
    found = lib.pairs(store(ctx), status)
    if as_json:
        console.print_json(json.dumps([p.as_dict() for p in found], default=str))
        return
    columns = ("pair", "status", "rule", "record_a", "record_b", "title_score", "author_score", "title_a", "title_b")
    rows = [
        (p.id, p.status, p.rule, p.record_a["id"], p.record_b["id"], p.scores.get("title"), p.scores.get("authors"),
         p.record_a.get("title") or "", p.record_b.get("title") or "")
        for p in found
    ]
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return
    # One line per pair: the short columns keep their width, the title takes the rest, cut with "…".
    table = Table(box=None, pad_edge=False, header_style="bold")
    widths = []
    for name in ("pair", "status", "rule", "a", "b", "title", "authors"):
        k = columns.index(_PAIR_COLUMN[name])
        widths.append(max([len(name)] + [len(str(r[k] if r[k] is not None else "")) for r in rows]))
        table.add_column(name, no_wrap=True, justify="right" if name in ("pair", "a", "b") else "left")
    room = max(console.width - sum(widths) - 2 * (len(widths) + 1), 20)  # each column is padded by one space a side
    table.add_column("title of a", no_wrap=True)
    for r in rows:
        table.add_row(*(Text(str(v if v is not None else "")) for v in r[:7]), Text(safe(r[7], room)))
    console.print(table)
    err_console.print(f"{plural(len(rows), 'pair')} (title, authors: similarity scores; --csv or --json for both titles)")


_PAIR_COLUMN = {"pair": "pair", "status": "status", "rule": "rule", "a": "record_a", "b": "record_b",
                "title": "title_score", "authors": "author_score"}


@dedupe_app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    pair_id: Annotated[int, typer.Argument(help="Pair id (from `litmap dedupe pairs`).")],
    decision: Annotated[str, typer.Argument(help="same or different.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who decides (stored with the decision).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Decide one pair: same (merge their groups) or different (never merge them)."""
    result = lib.decide(store(ctx), pair_id, decision, by=reviewer)
    if as_json:
        console.print_json(json.dumps(result))
        return
    console.print(Text(f"pair {pair_id}: {result['before']} -> {result['after']} "
                       f"({plural(result['merged'], 'record')} merged, {result['unmerged']} unmerged)"))


@dedupe_app.command("unmerge")
def unmerge_cmd(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="A merged record (taken out), or a group's root (group dissolved).")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who unmerges (stored in the log).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Take a record out of its duplicate group (or dissolve a group given its root); never merged again."""
    result = lib.unmerge(store(ctx), record_id, by=reviewer)
    if as_json:
        console.print_json(json.dumps(result))
        return
    console.print(Text(f"record {record_id}: {result['unmerged']} records made canonical again, "
                       f"{result['rejected_pairs']} pairs rejected (never merged again)"))


@dedupe_app.command("unique")
def unique_cmd(
    ctx: typer.Context,
    source_id: Annotated[int, typer.Argument(help="Source id (from `litmap sources`).")],
    off: Annotated[bool, typer.Option("--off", help="Allow merges within the source again.")] = False,
) -> None:
    """Declare a source internally unique: its records are never merged with each other."""
    result = lib.set_unique(store(ctx), source_id, not off)
    state = "unique (never merged with each other)" if result["unique_within"] else "no longer declared unique"
    console.print(Text(f"source {source_id} ({safe(result['name'])}): {state}; {plural(result['unmerged'], 'record')} unmerged"))
