"""`litmap import`, `sources`, `show`, `search`: getting records in and looking at them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from litmap import library
from litmap.cli.app import app, console, err_console, store
from litmap.formats import FORMAT_NAMES
from litmap.ingest import KINDS, import_files
from litmap.text import safe


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Export files (RIS, BibTeX, MEDLINE, WoS, CSV, CSL-JSON, EndNote XML, Refer, Ovid, Crossref/OpenAlex JSON; .gz too).")],
    source: Annotated[str | None, typer.Option("--source", help="Database name (e.g. Scopus); detected when not given.")] = None,
    kind: Annotated[str, typer.Option("--kind", help=f"PRISMA arm: {', '.join(KINDS)}.")] = "database",
    fmt: Annotated[str | None, typer.Option("--format", help=f"Format, when detection is wrong: {', '.join(FORMAT_NAMES)}.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="The search string that produced the export.")] = None,
    searched: Annotated[str | None, typer.Option("--searched", help="Date the search was run (YYYY-MM-DD).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Import a file again as a new source.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the readable records of a file with broken ones.")] = False,
    unique: Annotated[bool, typer.Option("--unique", help="Records of this export are all distinct: never merge them with each other.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import search results: every file in one transaction, each file a source."""
    db = store(ctx, create=True)
    results = import_files(
        db, paths, fmt=fmt, source=source, kind=kind, query=query, searched_on=searched, force=force,
        skip_bad=skip_bad, unique_within=unique,
    )
    if as_json:
        console.print_json(json.dumps([
            {"source_id": r.source_id, "file": r.file, "name": r.name, "format": r.format, "records": r.records,
             "skipped": [b.describe() for b in r.skipped]} for r in results
        ]))
        return
    for r in results:
        line = Text(f"Imported {r.records} records from {r.file} ({r.format}, source {r.source_id}: {r.name})")
        console.print(line)
        if r.skipped:
            err_console.print(Text(f"Skipped {len(r.skipped)} unreadable records in {r.file}: " + "; ".join(b.describe() for b in r.skipped[:5])))


@app.command("sources")
def sources_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the imported sources (files) with their record counts."""
    rows = library.sources(store(ctx))
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("id", "name", "kind", "format", "records", "canonical", "file", "searched", "imported")
    for r in rows:
        table.add_row(
            str(r["id"]), Text(safe(r["name"] or "")), r["kind"], r["format"], str(r["records"]), str(r["canonical"]),
            Text(safe(Path(r["file"] or "").name)), Text(safe(r["searched_on"] or "")), (r["imported_at"] or "")[:10],
        )
    table.add_section()
    table.add_row("", "total", "", "", str(sum(r["records"] for r in rows)), str(sum(r["canonical"] for r in rows)), "", "", "")
    console.print(table)


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="litmap record id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON, with raw fields.")] = False,
) -> None:
    """Show one record with its provenance (source file, database, key) and duplicates."""
    rec = library.record(store(ctx), record_id)
    if as_json:
        console.print_json(json.dumps(rec, default=str))
        return
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key in ("id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "isbn",
                "url", "type", "language", "keywords", "abstract"):
        value = rec.get(key)
        if isinstance(value, list):
            value = "; ".join(value)
        if value not in (None, ""):
            table.add_row(key, Text(safe(value)))
    src = rec["source"]
    table.add_row("source", Text(f"{src['name']} ({src['kind']}), {safe(src['file'])}, {src['format']}, record {rec['position']}"
                                 + (f", line {rec['line']}" if rec.get("line") else "") + (f", key {safe(rec['source_key'])}" if rec.get("source_key") else "")))
    if rec.get("duplicate_of"):
        table.add_row("duplicate of", str(rec["duplicate_of"]))
    if rec.get("duplicates"):
        table.add_row("duplicates", ", ".join(str(d) for d in rec["duplicates"]))
    console.print(table)


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Full-text query over titles, abstracts and keywords (FTS5 syntax).")],
    limit: Annotated[int, typer.Option("--limit", help="Most results to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Search titles, abstracts and keywords."""
    rows = library.search(store(ctx), query, limit=limit)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    if not rows:
        err_console.print(Text(f"No record matches {query!r} (titles, abstracts and keywords; FTS5 query syntax)."))
        return
    table = Table("id", "year", "title", "authors")
    for r in rows:
        table.add_row(str(r["id"]), str(r["year"] or ""), Text(safe(r["title"] or "", 120)), Text(safe("; ".join(r["authors"][:3]), 60)))
    console.print(table)
    err_console.print(f"{len(rows)} results")
