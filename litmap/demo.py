"""The worked example review, end to end, on a fresh store: what `litmap demo` runs.

Every step is a real litmap command run on the example corpus (`corpus/`) with the example
protocol, codebook and example decisions (`screening/`). Decisions that name records by their key
in the export (BibTeX key) are turned into litmap record ids here, at run time, so the commands
shown are exactly the ones a user would type.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from litmap.errors import LitmapError

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SCREENING = ROOT / "screening"
EXAMPLES = SCREENING / "example-decisions"


@dataclass(frozen=True)
class Step:
    """One command line of the demo (without --db), or a rule to make them from the store."""

    title: str
    args: list[str] = field(default_factory=list)
    expand: Callable[[Database], list[list[str]]] | None = None


def prepare(folder: Path, *, corpus: Path = CORPUS, screening: Path = SCREENING) -> Path:
    """Create the review folder with copies of the protocol and codebook; return the store path.

    Refuses a folder that already holds a litmap store, so a demo never touches earlier work.
    """
    for needed in (corpus, screening / "protocol.toml", screening / "codebook.toml", screening / "example-decisions"):
        if not needed.exists():
            raise LitmapError(f"{needed}: missing; run `litmap demo` from a litmap checkout (it needs corpus/ and screening/)")
    db = folder / "litmap.db"
    if db.exists():
        raise LitmapError(f"{db}: a review is already there; name a new folder, e.g. `litmap demo review-2`")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("protocol.toml", "codebook.toml"):
        shutil.copyfile(screening / name, folder / name)
    return db


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _ids_by_key(db: Database) -> dict[str, int]:
    return {key: rid for rid, key in db.execute("select id, source_key from records where source_key is not null order by id desc")}


def dedupe_decisions(path: Path) -> Callable[[Database], list[list[str]]]:
    """`litmap dedupe decide PAIR same|different` for each queued pair the example file decides."""

    def expand(db: Database) -> list[list[str]]:
        ids = _ids_by_key(db)
        wanted = {}
        for row in _rows(path):
            a, b = ids.get(row["source_key_a"]), ids.get(row["source_key_b"])
            if a and b:
                wanted[frozenset((a, b))] = row["decision"]
        commands = []
        for pair_id, a, b in db.execute("select id, record_a, record_b from dedupe_pairs where status = 'queued' order by id"):
            decision = wanted.get(frozenset((a, b)))
            if decision:
                commands.append(["dedupe", "decide", str(pair_id), decision, "--reviewer", "lead"])
        return commands

    return expand


def resolutions(path: Path, stage: str) -> Callable[[Database], list[list[str]]]:
    """`litmap resolve ID DECISION --by lead` for each record the example file resolves."""

    def expand(db: Database) -> list[list[str]]:
        ids = _ids_by_key(db)
        commands = []
        for row in _rows(path):
            if row["source_key"] not in ids:
                raise LitmapError(f"{path}: no record with key {row['source_key']!r} in the store")
            command = ["resolve", str(ids[row["source_key"]]), row["decision"], "--by", "lead", "--stage", stage]
            if row.get("reason"):
                command += ["--reason", row["reason"]]
            if row.get("note"):
                command += ["--note", row["note"]]
            commands.append(command)
        return commands

    return expand


def steps(folder: Path, *, corpus: Path = CORPUS, examples: Path = EXAMPLES) -> Iterator[Step]:
    """The demo's command lines in order."""
    bibs = sorted(str(p) for p in corpus.glob("scopus-*.bib"))
    ex = lambda name: str(examples / name)  # noqa: E731
    out = lambda name: str(folder / name)  # noqa: E731
    yield Step("Start a review with its protocol", ["init", "--protocol", out("protocol.toml")])
    yield Step("Import the search results: nine yearly Scopus exports", ["import", *bibs, "--source", "Scopus"])
    yield Step("What came in", ["sources"])
    yield Step("Find duplicates: confident ones merge, uncertain pairs wait for a person", ["dedupe"])
    yield Step("The pairs waiting for a person", ["dedupe", "pairs", "--status", "queued"])
    yield Step("The lead decides them (example decisions)", expand=dedupe_decisions(examples / "dedupe.csv"))
    yield Step("Two reviewers screen titles and abstracts independently (example decisions)",
               ["decisions", "import", ex("ta-ana.csv"), "--reviewer", "ana", "--stage", "ta"])
    yield Step("", ["decisions", "import", ex("ta-ben.csv"), "--reviewer", "ben", "--stage", "ta"])
    yield Step("How well they agree (on their raw, independent votes)", ["agreement", "--stage", "ta"])
    yield Step("Where they disagree", ["conflicts", "--stage", "ta"])
    yield Step("The adjudicator resolves each conflict", expand=resolutions(examples / "ta-resolutions.csv", "ta"))
    yield Step("Full texts sought and retrieved (one could not be found)", ["fulltext", "import", ex("retrieval.csv")])
    yield Step("Full-text screening, exclusions with reasons from the protocol",
               ["decisions", "import", ex("ft-ana.csv"), "--reviewer", "ana", "--stage", "ft"])
    yield Step("", ["decisions", "import", ex("ft-ben.csv"), "--reviewer", "ben", "--stage", "ft"])
    yield Step("Full-text conflicts: two excludes with different reasons count too", ["conflicts", "--stage", "ft"])
    yield Step("", expand=resolutions(examples / "ft-resolutions.csv", "ft"))
    yield Step("Where the review stands", ["status"])
    yield Step("Load the codebook", ["codebook", "load", out("codebook.toml")])
    yield Step("Code the included studies (example codings)", ["codings", "import", ex("codings.csv"), "--reviewer", "ana"])
    yield Step("Evidence map: theme by form of abuse", ["map", "theme", "form"])
    yield Step("", ["map", "theme", "form", "--format", "html", "--out", out("map.html")])
    yield Step("Studies by year", ["map", "theme", "--by", "year"])
    yield Step("PRISMA 2020 flow, counted from the store", ["prisma"])
    yield Step("", ["prisma", "--format", "svg", "--out", out("prisma.svg")])
    yield Step("", ["prisma", "--format", "csv", "--out", out("prisma.csv")])
    yield Step("Coded bibliography of the included studies, in four formats",
               ["export", out("included.bib"), "--stage", "ft", "--status", "included"])
    yield Step("", ["export", out("included.ris"), "--stage", "ft", "--status", "included"])
    yield Step("", ["export", out("included.csv"), "--stage", "ft", "--status", "included"])
    yield Step("", ["export", out("included.json"), "--stage", "ft", "--status", "included"])
