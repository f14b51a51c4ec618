"""`litmap codebook`, `code`, `codings`, `map`: coding included studies and mapping the evidence."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from litmap.cli.app import app, console, err_console, store
from litmap.coding import agreement as agreement_mod
from litmap.coding import codings as codings_mod
from litmap.coding.codebook import current_codebook, load_codebook, require_codebook
from litmap.coding.session import HELP, CodingSession, View
from litmap.errors import LitmapError
from litmap.screening.outcomes import FT, stage_name
from litmap.text import safe

codebook_app = typer.Typer(help="Load and show the codebook (the dimensions studies are coded on).", no_args_is_help=True)
code_app = typer.Typer(help="Code included records: interactively with --reviewer, or with the subcommands.")
codings_app = typer.Typer(help="Move codings in and out of spreadsheets (CSV).", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
app.add_typer(code_app, name="code")
app.add_typer(codings_app, name="codings")

StageOpt = Annotated[str, typer.Option("--stage", help="Code/map the records included at this stage: full-text (ft) or title-abstract (ta).")]


def _fmt(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


# ---------------------------------------------------------------------------------- codebook

@codebook_app.command("load")
def codebook_load(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The codebook TOML file (see screening/codebook.toml).")],
) -> None:
    """Validate a codebook file and make it the current codebook (earlier versions are kept)."""
    result = load_codebook(store(ctx, create=True), path)
    book = result.codebook
    verb = "Loaded" if result.changed else "Unchanged:"
    console.print(Text(f"{verb} codebook {book.id} from {path}: {book.title} ({len(book.dimensions)} dimensions: {', '.join(book.keys())})"))
    if result.orphans:
        listed = ", ".join(f"{k} ({n})" for k, n in sorted(result.orphans.items()))
        err_console.print(Text(f"Warning: codings kept for values this codebook lacks (not mapped): {listed}"))


@codebook_app.command("show")
def codebook_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the codebook as JSON.")] = False,
) -> None:
    """Print the current codebook: dimensions, types, explanations and codes."""
    book = require_codebook(store(ctx))
    if as_json:
        console.print_json(json.dumps({
            "id": book.id, "title": book.title, "version": book.version, "file": book.file, "loaded_at": book.loaded_at,
            "dimensions": [{"key": d.key, "label": d.label, "type": d.type, "multiple": d.multiple, "explanation": d.explanation,
                            "codes": [{"key": c.key, "label": c.label, "description": c.description, "parent": c.parent} for c in d.codes]}
                           for d in book.dimensions]}))
        return
    console.print(Text(f"{book.title}  (codebook {book.id}, loaded {(book.loaded_at or '')[:19]} from {book.file})", style="bold"))
    if book.description:
        console.print(Text(book.description))
    for d in book.dimensions:
        console.print()
        console.print(Text.assemble((d.key, "bold cyan"), "  ", (d.label, "bold"), f"  [{d.kind}]"))
        if d.explanation:
            console.print(Text("  " + d.explanation, style="dim"))
        for c in d.codes:
            line = Text("    " + "  " * c.depth)
            line.append(c.key, style="cyan")
            line.append(f"  {c.label}")
            if c.description:
                line.append(f" — {c.description}", style="dim")
            console.print(line)


# ---------------------------------------------------------------------------------- code

def _read_line(session: CodingSession, interactive: bool) -> str | None:
    if not interactive:
        line = sys.stdin.readline()
        return None if line == "" else line.rstrip("\n")
    try:
        import readline

        def completer(text: str, state: int) -> str | None:
            options = session.completions(text)
            return options[state] if state < len(options) else None

        readline.set_completer(completer)
        readline.set_completer_delims(",")
        readline.parse_and_bind("tab: complete")
    except ImportError:  # pragma: no cover - readline is missing on some platforms
        pass
    try:
        return input("> ")
    except EOFError:
        return None


def _show(view: View) -> None:
    if view.done:
        if view.message:
            console.print(Text(view.message))
        return
    rec = view.record
    assert rec is not None and view.dimension is not None
    if view.new_record:
        console.rule(Text(f"Record {view.position} of {view.total} · id {rec.id}"))
        console.print(Text(safe(rec.title) or "(no title)", style="bold"))
        meta = "; ".join(x for x in (safe(", ".join(rec.authors[:4]) + (" et al." if len(rec.authors) > 4 else "")),
                                     str(rec.year or ""), safe(rec.journal)) if x)
        if meta:
            console.print(Text(meta, style="dim"))
        console.print(Text(safe(rec.abstract) or "(no abstract)"))
        for note in rec.notes:
            console.print(Text("Your note: " + safe(note), style="yellow"))
    dim = view.dimension
    if view.new_dimension:
        console.print()
        console.print(Text.assemble((f"[{view.step}/{view.steps}] ", "dim"), (dim.label, "bold cyan"), f"  ({dim.kind})"))
        if dim.explanation:
            console.print(Text(dim.explanation, style="dim"))
        for i, c in enumerate(dim.codes, 1):
            console.print(Text(f"  {i:>2}. " + "  " * c.depth + c.label))
    if view.saved is not None and view.new_dimension:
        console.print(Text("saved: " + (", ".join(dim.display(v) for v in view.saved) or "nothing applies"), style="green"))
    if dim.multiple and view.selection != (view.saved or []):
        console.print(Text("selected: " + (", ".join(dim.display(v) for v in view.selection) or "none") + "  (Enter saves)", style="magenta"))
    if view.matches:
        console.print(Text("matches: " + "  ".join(f"{i}. {m}" if dim.type == "country" else m for i, m in enumerate(view.matches, 1))))
    if view.message:
        console.print(Text(view.message, style="yellow"))


@code_app.callback(invoke_without_command=True)
def code_main(
    ctx: typer.Context,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Your name as coder (interactive coding).")] = None,
    stage: StageOpt = FT,
    record: Annotated[int | None, typer.Option("--record", help="Start at (or recode) this record id.")] = None,
) -> None:
    """Code the included records one by one; every answer is saved at once and coding resumes where you stopped.

    Numbers or names choose codes, Enter saves, :u undoes, :b goes back, :s skips a record, :q quits.
    Countries and codes complete from a prefix (ken -> Kenya (KE)). With dual coding you see only your own codes.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not reviewer:
        raise LitmapError("interactive coding needs --reviewer NAME (or use a subcommand: set, conflicts, resolve, agreement, status)")
    session = CodingSession(store(ctx), reviewer, stage=stage_name(stage), record_id=record)
    interactive = sys.stdin.isatty()
    console.print(Text(f"Coding as {reviewer}: {len(session.queue)} records included at {stage_name(stage)}. {HELP}", style="dim"))
    view = session.view()
    _show(view)
    while not view.done:
        line = _read_line(session, interactive)
        if line is None:
            console.print(Text("End of input; every answer so far is saved."))
            return
        view = session.handle(line)
        _show(view)


@code_app.command("set")
def code_set(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="Record id.")],
    dimension: Annotated[str, typer.Argument(help="Dimension key (see `litmap codebook show`).")],
    values: Annotated[list[str] | None, typer.Argument(help="Codes, countries, a number, year or text; none means 'nothing applies'.")] = None,
    reviewer: Annotated[str, typer.Option("--reviewer", help="Coder name.")] = "",
    stage: StageOpt = FT,
) -> None:
    """Set one coder's answer for one record and dimension (for scripts)."""
    db = store(ctx)
    if not reviewer:
        raise LitmapError("code set needs --reviewer NAME")
    stored = codings_mod.set_code(db, record_id, dimension, values or [], reviewer, stage=stage_name(stage))
    dim = require_codebook(db).dimension(dimension)
    console.print(Text(f"record {record_id} {dim.key}: {', '.join(dim.display(v) for v in stored) or 'nothing applies'} ({reviewer})"))


@code_app.command("conflicts")
def code_conflicts(
    ctx: typer.Context,
    dimension: Annotated[str | None, typer.Option("--dimension", help="Only this dimension.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List records and dimensions where the coders' answers differ and nobody resolved them."""
    db = store(ctx)
    found = codings_mod.conflicts(db, dimension)
    if as_json:
        console.print_json(json.dumps([{"record_id": c.record_id, "dimension": c.dimension, "title": c.title, "values": c.values} for c in found]))
        return
    if not found:
        console.print("No coding conflicts.")
        return
    book = require_codebook(db)
    table = Table("record", "dimension", "coder", "answer", "title")
    for c in found:
        dim = book.dimension(c.dimension) if c.dimension in book.keys() else None
        for i, (coder, values) in enumerate(sorted(c.values.items())):
            shown = ", ".join(dim.display(v) if dim else v for v in values) or "nothing applies"
            table.add_row(str(c.record_id) if i == 0 else "", c.dimension if i == 0 else "", Text(coder), Text(shown),
                          Text(safe(c.title, 60)) if i == 0 else "")
    console.print(table)
    err_console.print(f"{len(found)} conflicts; resolve with `litmap code resolve ID DIMENSION VALUE... --by NAME`")


@code_app.command("resolve")
def code_resolve(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="Record id.")],
    dimension: Annotated[str, typer.Argument(help="Dimension key.")],
    values: Annotated[list[str] | None, typer.Argument(help="The agreed value(s); none means 'nothing applies'.")] = None,
    by: Annotated[str, typer.Option("--by", help="Name of the person resolving.")] = "",
) -> None:
    """Record the agreed answer for a conflict (kept apart from the coders' own codings)."""
    db = store(ctx)
    if not by:
        raise LitmapError("code resolve needs --by NAME")
    stored = codings_mod.resolve(db, record_id, dimension, values or [], by)
    dim = require_codebook(db).dimension(dimension)
    console.print(Text(f"resolved record {record_id} {dim.key}: {', '.join(dim.display(v) for v in stored) or 'nothing applies'} (by {by})"))


@code_app.command("agreement")
def code_agreement(
    ctx: typer.Context,
    dimension: Annotated[str | None, typer.Option("--dimension", help="Only this dimension, with kappa per code.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Agreement between coders per dimension (Krippendorff's alpha; Cohen's kappa per code), on raw codings."""
    results = agreement_mod.agreement(store(ctx), dimension)
    if as_json:
        console.print_json(json.dumps([{
            "dimension": r.dimension, "type": r.kind, "coders": list(r.coders), "records": r.records, "agree": r.agree,
            "percent_agreement": r.percent, "alpha": r.alpha, "alpha_metric": r.metric, "pair": list(r.pair) if r.pair else None,
            "codes": [{"code": c.code, "a": c.a, "b": c.b, "c": c.c, "d": c.d, "kappa": c.kappa, "percent": c.percent, "pabak": c.pabak}
                      for c in r.per_code]} for r in results]))
        return
    table = Table("dimension", "type", "records (2+ coders)", "same answer", "alpha", "band", "metric")
    for r in results:
        table.add_row(r.dimension, r.kind, str(r.records), f"{r.agree} ({_fmt(r.percent and r.percent * 100, 0)}%)" if r.records else "0",
                      _fmt(r.alpha), agreement_mod.band(r.alpha), r.metric)
    console.print(table)
    for r in results:
        if r.per_code and (dimension or len(results) == 1):
            codes = Table("code", "both", f"{r.pair[0]} only" if r.pair else "a only", f"{r.pair[1]} only" if r.pair else "b only",
                          "neither", "agreement", "kappa", "PABAK", title=f"{r.label}: Cohen's kappa per code")
            for c in r.per_code:
                codes.add_row(Text(c.label), str(c.a), str(c.b), str(c.c), str(c.d), _fmt(c.percent), _fmt(c.kappa), _fmt(c.pabak))
            console.print(codes)


@code_app.command("status")
def code_status(
    ctx: typer.Context,
    stage: StageOpt = FT,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """How many included records each coder has coded, how many are agreed, how many conflict."""
    p = codings_mod.progress(store(ctx), stage_name(stage))
    if as_json:
        console.print_json(json.dumps({"included": p.included, "coded": p.coded, "agreed": p.agreed, "conflicts": p.conflicts, "dual": p.dual}))
        return
    console.print(f"{p.included} records included at {stage_name(stage)}; {'dual' if p.dual else 'single'} coding")
    for coder, n in p.coded.items():
        console.print(Text(f"  {coder}: {n} of {p.included} fully coded"))
    console.print(f"  agreed on every dimension: {p.agreed}; records with conflicts: {p.conflicts}")


# ---------------------------------------------------------------------------------- codings

@codings_app.command("import")
def codings_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV with record_id, (coder,) and one column per dimension; ';' between values, '-' for none.")],
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Coder of every row (else a coder column is needed).")] = None,
    stage: StageOpt = FT,
) -> None:
    """Import codings from a spreadsheet (all rows or none; unchanged answers are not duplicated)."""
    result = codings_mod.import_csv(store(ctx), path, reviewer, stage=stage_name(stage))
    console.print(Text(f"Imported {result.written} answers from {path} ({result.rows} rows; {result.unchanged} unchanged)"
                       + (f" by {', '.join(sorted(result.coders))}" if result.coders else "")))


@codings_app.command("export")
def codings_export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV file to write.")],
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Export this coder's own answers (a template to fill) instead of the agreed codes.")] = None,
    stage: StageOpt = FT,
) -> None:
    """Export the included records with their agreed codes (or one coder's) as CSV, one column per dimension."""
    n = codings_mod.export_csv(store(ctx), path, reviewer, stage_name(stage))
    console.print(Text(f"Wrote {n} records to {path}"))


# ---------------------------------------------------------------------------------- map

def _heat(count: int, maximum: int) -> str:
    if count <= 0 or maximum <= 0:
        return "grey50"
    level = min(4, int(4 * count / maximum + 0.999) - 1) if maximum else 0
    return ("black on #deebf7", "black on #9ecae1", "white on #4292c6", "white on #2171b5", "white on #08306b")[max(0, level)]


@app.command("map")
def map_cmd(
    ctx: typer.Context,
    rows: Annotated[str, typer.Argument(help="Dimension for the rows (e.g. theme).")],
    cols: Annotated[str | None, typer.Argument(help="Dimension for the columns (e.g. form), or year, region, subregion.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Columns over time or place: year (publication year) or country.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table (terminal heat map), csv, json, svg or html.")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    stage: StageOpt = FT,
    rollup: Annotated[bool, typer.Option("--rollup", help="Count studies coded with a sub-code under its parent codes too.")] = False,
    title: Annotated[str | None, typer.Option("--title", help="Title of the SVG/HTML map.")] = None,
) -> None:
    """Evidence map: included studies counted by two dimensions (or one, --by year|country).

    Studies with several codes of a dimension count once in each code (the output says so).
    """
    from litmap.reports import map_svg, maps

    if cols and by:
        raise typer.BadParameter("give either COLS or --by, not both", param_hint="--by")
    if by and by not in ("year", "country"):
        raise typer.BadParameter("use year or country", param_hint="--by")
    if fmt not in ("table", "csv", "json", "svg", "html"):
        raise typer.BadParameter("use table, csv, json, svg or html", param_hint="--format")
    db = store(ctx)
    if by == "country":
        country = require_codebook(db).country_dimension()
        if country is None:
            raise LitmapError("--by country needs a country dimension in the codebook")
        cols = country.key
    tab = maps.crosstab(db, rows, cols or by, stage=stage_name(stage), rollup=rollup)
    if fmt == "table":
        text = _render_table(tab)
        if out:
            with open(out, "w", encoding="utf-8") as fh:
                from rich.console import Console

                Console(file=fh, width=200, no_color=True).print(text)
            err_console.print(Text(f"Wrote {out}"))
        else:
            console.print(text)
            if text.columns and console.measure(text).minimum > console.width:
                err_console.print("The map is wider than the terminal; see it whole with --format html --out map.html, or --format csv.")
            for note in tab.notes:
                console.print(Text("Note: " + note, style="dim"))
        return
    data = {"csv": tab.to_csv, "json": tab.to_json, "svg": lambda: map_svg.to_svg(tab, title),
            "html": lambda: map_svg.to_html(tab, title)}[fmt]()
    if out:
        out.write_text(data, encoding="utf-8")
        err_console.print(Text(f"Wrote {fmt} map ({len(tab.rows)} x {len(tab.cols)}, {tab.studies} studies) to {out}"))
    else:
        sys.stdout.write(data if data.endswith("\n") else data + "\n")


def _render_table(tab) -> Table:
    # Columns are headed by their short values (code keys, ISO codes, years), or by numbers when
    # even those do not fit the terminal; the caption spells out what the headers stand for.
    def widths(headers: list[str]) -> int:
        top = max((c for row in tab.counts for c in row), default=0)
        return sum(max(len(h) + 2, len(str(top)) + 2, 3) + 1 for h in headers)

    headers = [safe(v, 16) for v, _, _ in tab.cols]
    numbered = widths(headers) > console.width - 30 and len(tab.cols) > 1
    if numbered:
        headers = [str(i) for i in range(1, len(tab.cols) + 1)]
    caption = "; ".join(f"{h} = {safe(label)}" for h, (v, label, _) in zip(headers, tab.cols) if label != h and v != "studies")
    table = Table(title=f"{tab.title} — included studies ({tab.stage}): {tab.studies} of {tab.included}",
                  title_justify="left", caption=caption or None, caption_justify="left", padding=(0, 0))
    room = console.width - widths(headers) - (10 if len(tab.cols) > 1 else 0) - 4
    table.add_column(Text(f" {tab.row_axis} \\ {tab.col_axis} "), no_wrap=True, overflow="ellipsis",
                     max_width=max(16, min(50, room)), min_width=16)
    for header in headers:
        table.add_column(Text(f" {header} "), justify="right", no_wrap=True, min_width=max(len(header) + 2, 3))
    if len(tab.cols) > 1:
        table.add_column(" studies ", justify="right", style="bold", min_width=9)
    maximum = tab.maximum
    for (_, label, depth), counts, total in zip(tab.rows, tab.counts, tab.row_totals):
        cells = [Text(f" {n} ", style=_heat(n, maximum)) for n in counts]
        table.add_row(Text(" " + "  " * depth + safe(label) + " "), *cells, *([f"{total} "] if len(tab.cols) > 1 else []))
    if len(tab.cols) > 1:
        table.add_row(Text(" studies ", style="bold"), *[f"{n} " for n in tab.col_totals], f"{tab.studies} ")
    return table
