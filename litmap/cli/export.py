"""`litmap export`: write records (with outcome, codes and provenance) as BibTeX, RIS, CSV or CSL-JSON."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.text import Text

from litmap.cli.app import app, err_console, store
from litmap.errors import LitmapError
from litmap.export import FORMATS, STATUS_GROUPS, Selection, export, export_file, infer_format


def _parse_code(value: str) -> tuple[str, str]:
    dim, sep, code = value.partition("=")
    if not sep or not dim.strip() or not code.strip():
        raise typer.BadParameter(f"{value!r} is not DIMENSION=VALUE (e.g. --code theme=prevention)", param_hint="'--code'")
    return dim.strip(), code.strip()


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    out: Annotated[str, typer.Argument(help="File to write (.bib, .ris, .csv, .json), or - for stdout.", metavar="OUT")],
    fmt: Annotated[str | None, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)} (default: from OUT's suffix).")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Keep records in scope of this screening stage: title-abstract (ta) or full-text (ft).")] = None,
    status: Annotated[str | None, typer.Option("--status", help=f"With --stage, keep records with this outcome: {', '.join(STATUS_GROUPS)} (pending = unscreened, awaiting or conflict).")] = None,
    code: Annotated[list[str] | None, typer.Option("--code", help="Keep records coded DIMENSION=VALUE; repeat it: values of one dimension are alternatives, dimensions must all match.", metavar="DIMENSION=VALUE")] = None,
    all_records: Annotated[bool, typer.Option("--all", help="Export every record, duplicates included (default: canonical records only).")] = False,
) -> None:
    """Export records with their screening outcome, codes and provenance.

    Writes the canonical records (duplicates merged into another record are left out unless --all)
    as BibTeX, RIS, CSV or CSL-JSON. A file is written atomically: it appears complete or not at all.
    """
    if status is not None and stage is None:
        raise typer.BadParameter("needs --stage (title-abstract or full-text)", param_hint="'--status'")
    selection = Selection(all_records=all_records, stage=stage, status=status.lower() if status else None,
                          codes=tuple(_parse_code(c) for c in code or ()))
    fmt = infer_format(out, fmt)
    db = store(ctx)
    with _progress() as progress:
        if out == "-":
            result = export(db, sys.stdout, fmt, selection, progress=progress)
            sys.stdout.flush()
        else:
            try:
                result = export_file(db, out, fmt, selection, progress=progress)
            except (OSError, UnicodeError) as exc:
                raise LitmapError(f"{out}: cannot write ({getattr(exc, 'strerror', None) or exc}); check the path and free space") from None
    noun = "record" if result.records == 1 else "records"
    where = "" if out == "-" else f" to {out}"
    err_console.print(Text(f"Exported {result.records} {noun}{where} ({result.format})"))


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int], None] | None]:
    """A count of records written, on stderr when it is a terminal."""
    if not err_console.is_terminal:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("Exporting: {task.completed:,} records"), console=err_console, transient=True) as bar:
        task = bar.add_task("export", total=None)
        yield lambda n: bar.update(task, completed=n)
