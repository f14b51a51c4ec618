"""Screening commands: init, protocol, decide, decisions, fulltext, conflicts, resolve, unblind, status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text
from typer.core import TyperGroup

from litmap.cli.app import app, console, err_console, plural, print_json, store
from litmap.errors import StoreError
from litmap.screening import conflicts as conflicts_mod
from litmap.screening import decisions as decisions_mod
from litmap.screening import fulltext as fulltext_mod
from litmap.screening import protocol as protocol_mod
from litmap.screening import status as status_mod
from litmap.screening.outcomes import TA, stage_name
from litmap.text import safe

STAGE_HELP = "title-abstract (ta) or full-text (ft)."


# ---------------------------------------------------------------- init and protocol

@app.command("init")
def init_cmd(
    ctx: typer.Context,
    protocol: Annotated[Path | None, typer.Option("--protocol", help="The review protocol (TOML), e.g. screening/protocol.toml.")] = None,
) -> None:
    """Create a new review store (at --db), with its protocol if given.

    Refuses a store that exists already (use `litmap protocol load` to change its protocol).
    """
    state = ctx.find_root().obj
    path = Path(getattr(state, "db_path", "litmap.db"))
    if path.exists() and path.stat().st_size > 0:
        raise StoreError(f"{path}: a store exists here already; use `litmap protocol load FILE` to change its protocol, "
                         "or pass another --db")
    if protocol is not None:
        # Validate before creating anything: a bad protocol leaves no half-made store behind.
        protocol_mod.parse_protocol(protocol_mod.read_protocol_file(protocol), str(protocol))
    db = store(ctx, create=True)
    console.print(Text(f"Created the review store {path}"))
    if protocol is not None:
        result = protocol_mod.load_protocol(db, protocol)
        _protocol_summary(result.protocol)


def _protocol_summary(p: protocol_mod.Protocol) -> None:
    console.print(Text(f"Protocol {p.file} (version {p.id}): {p.title or 'untitled'}"))
    who = ", ".join(p.reviewers) or "anyone"
    adj = ", ".join(p.adjudicators) or ("any reviewer" if p.reviewers else "anyone")
    console.print(Text(f"  reviewers: {who}; adjudicators: {adj}; votes per record: {p.votes_required}"
                       + (f"; calibration sample: {p.calibration_sample}" if p.calibration_sample else "")))
    console.print(Text(f"  criteria: {plural(len(p.inclusion), 'inclusion')}, {plural(len(p.exclusion), 'exclusion')}; "
                       f"keywords: {len(p.include_keywords)} include, {len(p.exclude_keywords)} exclude; "
                       f"full-text reasons: {len(p.ft_reasons) or 'free text'}"))


protocol_app = typer.Typer(help="The review protocol: criteria, keywords, reasons, reviewers.", no_args_is_help=True)
app.add_typer(protocol_app, name="protocol")


@protocol_app.command("load")
def protocol_load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The protocol TOML file.")],
) -> None:
    """Validate a protocol file and make it the current protocol (earlier versions are kept)."""
    result = protocol_mod.load_protocol(store(ctx), file)
    if not result.changed:
        console.print(Text(f"{file}: same as the current protocol (version {result.protocol.id}); nothing changed"))
    _protocol_summary(result.protocol)
    for reason, n in result.unknown_reasons.items():
        err_console.print(Text(f"Warning: {plural(n, 'full-text vote')} give the reason {safe(reason)!r}, "
                               "which this protocol does not list; those votes are kept as they are"))


@protocol_app.command("show")
def protocol_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the protocol as JSON.")] = False,
) -> None:
    """Print the current protocol (criteria, keywords, reasons, team)."""
    p = protocol_mod.current_protocol(store(ctx))
    if p is None:
        if as_json:
            print_json(None)
            return
        console.print("No protocol loaded: two votes per record, anyone may resolve, free-text reasons. "
                      "Load one with `litmap protocol load FILE`.")
        return
    if as_json:
        print_json(p.as_dict())
        return
    console.print(Text(p.title or "Untitled protocol", style="bold"))
    if p.question:
        console.print(Text(f"Question: {p.question}"))
    for label, items in (("Include if", p.inclusion), ("Exclude if", p.exclusion),
                         ("Title/abstract reasons", p.ta_reasons), ("Full-text reasons", p.ft_reasons)):
        if items:
            console.print(Text(f"{label}:"))
            for i, item in enumerate(items, 1):
                console.print(Text(f"  {i}. {item}"))
    if p.include_keywords or p.exclude_keywords:
        line = Text("Keywords: ")
        line.append(", ".join(p.include_keywords), style="green")
        if p.exclude_keywords:
            line.append(" | ")
            line.append(", ".join(p.exclude_keywords), style="red")
        console.print(line)
    _protocol_summary(p)


@protocol_app.command("history")
def protocol_history(ctx: typer.Context,
                     as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Every protocol version loaded into this store, oldest first."""
    rows = protocol_mod.protocol_history(store(ctx))
    if as_json:
        print_json(rows)
        return
    table = Table("version", "loaded at", "file", title="Protocol versions")
    for r in rows:
        table.add_row(str(r["id"]), r["loaded_at"], Text(safe(r["file"] or "")))
    console.print(table)


# ---------------------------------------------------------------- votes

@app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    record: Annotated[int, typer.Argument(help="litmap's record id.")],
    decision: Annotated[str, typer.Argument(help="include, exclude or maybe.")],
    reviewer: Annotated[str, typer.Option("--reviewer", "-r", envvar="LITMAP_REVIEWER", help="Your name as reviewer.")],
    stage: Annotated[str, typer.Option("--stage", help=STAGE_HELP)] = TA,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required to exclude at full text: a protocol reason, its number or text).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with the vote.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the vote as JSON.")] = False,
) -> None:
    """Record one vote (the scriptable form of `litmap screen`). Votes are appended: the latest counts."""
    d = decisions_mod.decide(store(ctx), record, decision, reviewer=reviewer, stage=stage, reason=reason, note=note)
    if as_json:
        print_json({"record_id": d.record_id, "stage": d.stage, "reviewer": d.reviewer,
                                       "decision": d.decision, "reason": d.reason, "previous": d.previous,
                                       "votes": d.votes, "required": d.required})
        return
    msg = f"Record {d.record_id} at {d.stage}: {d.reviewer} votes {d.decision}" + (f" ({d.reason})" if d.reason else "")
    if d.previous:
        msg += f" (was {d.previous})"
    console.print(Text(msg + f"; {d.votes} of {d.required} votes in"))


decisions_app = typer.Typer(help="Votes in bulk: import a reviewer's CSV, export every vote.", no_args_is_help=True)
app.add_typer(decisions_app, name="decisions")


@decisions_app.command("import")
def decisions_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with record_id or source_key, decision, and optional reason, note.")],
    reviewer: Annotated[str, typer.Option("--reviewer", "-r", help="Whose votes these are.")],
    stage: Annotated[str, typer.Option("--stage", help=STAGE_HELP)] = TA,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Import one reviewer's votes from a CSV: all or nothing, errors name the line.

    Decisions may be written include/exclude/maybe, yes/no, 1/0; rows without a decision are skipped;
    rows equal to the reviewer's current vote add nothing (importing twice is harmless).
    """
    r = decisions_mod.import_decisions(store(ctx), file, reviewer=reviewer, stage=stage)
    if as_json:
        print_json({"file": r.file, "stage": r.stage, "reviewer": r.reviewer, "added": r.added,
                                       "changed": r.changed, "unchanged": r.unchanged, "blank": r.blank,
                                       "via_duplicate": r.via_duplicate})
        return
    parts = ", ".join(f"{n} {d}" for d, n in r.added.items())
    console.print(Text(f"{file}: {plural(r.total, 'vote')} by {r.reviewer} at {r.stage} ({parts})"))
    if r.changed:
        console.print(Text(f"  {r.changed} of them replace an earlier, different vote of {r.reviewer} (kept in the history)"))
    if r.unchanged:
        console.print(Text(f"  {plural(r.unchanged, 'row')} equal to {r.reviewer}'s current vote: nothing added"))
    if r.via_duplicate:
        console.print(Text(f"  {plural(r.via_duplicate, 'row')} naming a merged duplicate: the vote went to the record it was merged into"))
    if r.blank:
        console.print(Text(f"  {plural(r.blank, 'row')} without a decision skipped"))


@decisions_app.command("export")
def decisions_export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Output CSV ('-' for stdout).")],
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", "-r", help="Only this reviewer.")] = None,
) -> None:
    """Write every vote ever cast (the full history, withdrawals as `undo` rows) to a CSV."""
    n = decisions_mod.export_decisions(store(ctx), file, stage=stage, reviewer=reviewer)
    if str(file) != "-":
        console.print(Text(f"Wrote {plural(n, 'vote row')} to {file}"))


# ---------------------------------------------------------------- full texts

class _FulltextGroup(TyperGroup):
    """`litmap fulltext ID... --retrieved` runs the `set` command: a record id is not a command name."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and args[0].lstrip("-").isdigit():
            args = ["set", *args]
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0].isdigit():
            args = ["set", *args]
        return super().parse_args(ctx, args)


fulltext_app = typer.Typer(
    cls=_FulltextGroup, no_args_is_help=True,
    help="Full texts of the reports sought: `litmap fulltext ID --retrieved [--file PATH]`, "
         "`litmap fulltext ID --not-retrieved [--reason TEXT]`, `fulltext import FILE.csv`, `fulltext list`.",
)
app.add_typer(fulltext_app, name="fulltext")


@fulltext_app.command("set")
def fulltext_set(
    ctx: typer.Context,
    records: Annotated[list[int], typer.Argument(help="Record ids (included at title/abstract).")],
    retrieved: Annotated[bool | None, typer.Option("--retrieved/--not-retrieved", help="Whether the full text was obtained.")] = None,
    file: Annotated[str | None, typer.Option("--file", help="Where the full text is (a path or URL).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it could not be retrieved.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who retrieved it.")] = None,
) -> None:
    """Record whether the full texts of records were retrieved (only retrieved ones are screened at full text)."""
    if retrieved is None:
        raise typer.BadParameter("say --retrieved or --not-retrieved")
    n = fulltext_mod.set_retrieval(store(ctx), records, retrieved=retrieved, file=file, reason=reason, by=by)
    state = "retrieved" if retrieved else "not retrieved"
    console.print(Text(f"{plural(n, 'report')} marked {state}: {', '.join(map(str, records))}"))


@fulltext_app.command("import")
def fulltext_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with record_id or source_key, retrieved (yes/no), file, reason.")],
    by: Annotated[str | None, typer.Option("--by", help="Who retrieved them.")] = None,
) -> None:
    """Record retrieval of many full texts from a CSV: all or nothing, errors name the line."""
    r = fulltext_mod.import_retrievals(store(ctx), file, by=by)
    console.print(Text(f"{file}: {r.retrieved} retrieved, {r.not_retrieved} not retrieved"
                       + (f", {r.unchanged} unchanged" if r.unchanged else "")))


@fulltext_app.command("list")
def fulltext_list(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option("--state", help="Only: retrieved, not-retrieved or awaiting.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The reports sought (included at title/abstract) and whether each full text was retrieved."""
    rows = fulltext_mod.retrievals(store(ctx))
    if state:
        wanted = state.replace("-", " ").lower()
        if wanted not in ("retrieved", "not retrieved", "awaiting"):
            raise typer.BadParameter("use retrieved, not-retrieved or awaiting", param_hint="--state")
        rows = [r for r in rows if r.state == wanted]
    if as_json:
        print_json([{"record_id": r.record_id, "title": r.title, "state": r.state, "file": r.file,
                                        "reason": r.reason, "at": r.at} for r in rows])
        return
    table = Table(title=f"Reports sought ({len(rows)})")
    table.add_column("id", justify="right")
    table.add_column("state", no_wrap=True)
    table.add_column("file / reason", max_width=40)
    table.add_column("title", min_width=20)
    for r in rows:
        table.add_row(str(r.record_id), r.state, Text(safe(r.file or r.reason or "")), Text(safe(r.title or "")))
    console.print(table)


# ---------------------------------------------------------------- conflicts and resolution

@app.command("conflicts")
def conflicts_cmd(
    ctx: typer.Context,
    stage: Annotated[str, typer.Option("--stage", help=STAGE_HELP)] = TA,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many in the table (0: all); --json lists all.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list (record_id, stage, title, kind, votes).")] = False,
) -> None:
    """Records whose votes differ (at full text also two excludes with different reasons; a maybe is a conflict)."""
    found = conflicts_mod.conflicts(store(ctx), stage)
    if as_json:
        print_json([c.as_dict() for c in found])
        return
    if not found:
        console.print(Text(f"No conflicts at {stage_name(stage)}."))
        return
    shown = found if limit <= 0 else found[:limit]
    table = Table("id", "title", "kind", "votes", title=f"Conflicts at {stage_name(stage)} ({len(found)})")
    for c in shown:
        votes = Text()
        for i, v in enumerate(c.votes):
            if i:
                votes.append("\n")
            votes.append(f"{v.reviewer}: ")
            votes.append(v.decision, style={"include": "green", "exclude": "red"}.get(v.decision, "yellow"))
            if v.reason:
                votes.append(f" ({safe(v.reason)})")
        title = safe(c.title or "") + (f" ({c.year})" if c.year else "")
        table.add_row(str(c.record_id), Text(title), c.kind, votes)
    console.print(table)
    if len(shown) < len(found):
        console.print(Text(f"... and {len(found) - len(shown)} more (--limit 0 shows all; --json lists them for scripts)"))
    console.print(Text("Resolve each with `litmap resolve ID include|exclude --by NAME`, or all of them in turn "
                       "with `litmap resolve --interactive --by NAME`."))


@app.command("resolve")
def resolve_cmd(
    ctx: typer.Context,
    record: Annotated[int | None, typer.Argument(help="litmap's record id (not with --interactive).")] = None,
    decision: Annotated[str | None, typer.Argument(help="include or exclude.")] = None,
    by: Annotated[str, typer.Option("--by", help="The adjudicator (a protocol adjudicator).")] = "",
    stage: Annotated[str, typer.Option("--stage", help=STAGE_HELP)] = TA,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required to exclude at full text).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with the resolution.")] = None,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Go through the conflicts on screen, all votes side by side.")] = False,
) -> None:
    """Settle a record's outcome at a stage (usually a conflict). The latest resolution counts."""
    if not by:
        raise typer.BadParameter("give the adjudicator's name", param_hint="--by")
    db = store(ctx)
    if interactive:
        if record is not None:
            raise typer.BadParameter("--interactive goes through all conflicts; leave out the record id")
        from litmap.cli.screen import resolve_cli

        resolve_cli(db, by, stage_name(stage))
        return
    if record is None or decision is None:
        raise typer.BadParameter("give a record id and include or exclude (or --interactive)")
    r = conflicts_mod.resolve(db, record, stage, decision, by=by, reason=reason, note=note)
    was = "" if r.before == "conflict" else f" (it was {r.before}, not in conflict)"
    console.print(Text(f"Record {r.record_id} at {r.stage}: resolved {r.decision}" + (f" ({r.reason})" if r.reason else "")
                       + f" by {r.by}{was}"))


@app.command("unblind")
def unblind_cmd(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="The lead (a protocol adjudicator).")],
    stage: Annotated[str, typer.Option("--stage", help=STAGE_HELP)] = TA,
) -> None:
    """Let reviewers see each other's votes at a stage (screening is blind until then)."""
    done = conflicts_mod.unblind(store(ctx), stage, by=by)
    console.print(Text(f"{stage_name(stage)} is {'now' if done else 'already'} unblinded"))


# ---------------------------------------------------------------- status

@app.command("status")
def status_cmd(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Where the review stands: per stage, records unscreened, awaiting votes, in conflict, included,
    excluded (and how many of those by resolution); votes per reviewer; full texts retrieved."""
    s = status_mod.status(store(ctx), stage)
    if as_json:
        print_json(s.as_dict())
        return
    # One column per stage, one row per count: fits an 80-column terminal.
    table = Table("records", *(Column(st.stage, justify="right") for st in s.stages),
                  title=f"Screening status ({s.required} votes per record)")
    rows = (("in scope", "in_scope"), ("unscreened", "unscreened"), ("awaiting votes (1+ vote)", "awaiting"),
            ("in conflict", "conflicts"), ("included", "included"), ("excluded", "excluded"))
    for label, key in rows:
        table.add_row(label, *(str(st.counts[key]) for st in s.stages))
    table.add_row("of those, resolved", *(
        f"{st.counts['resolved_included'] + st.counts['resolved_excluded']} "
        f"({st.counts['resolved_included']} incl., {st.counts['resolved_excluded']} excl.)" for st in s.stages))
    console.print(table)
    for st in s.stages:
        if st.retrieval is not None:
            r = st.retrieval
            console.print(Text(f"Full texts: {r['sought']} sought, {r['retrieved']} retrieved, "
                               f"{r['not_retrieved']} not retrieved, {r['awaiting']} awaiting retrieval"))
        if st.reviewers:
            console.print(Text(f"Votes at {st.stage}: " + ", ".join(f"{name} {n}" for name, n in st.reviewers.items())))
