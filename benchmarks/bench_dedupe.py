"""Deduplication on the gold-standard sets (bib-dedupe / ASySD benchmark, CoLRev, MIT).

    .venv/bin/python benchmarks/bench_dedupe.py [SET ...] [--loader cli|direct] [--misses N]

Each set is imported into a fresh store (through the CLI `litmap import` when the CSV reader is
there, else through a small direct loader), `litmap dedupe` runs, and the result is compared with
`merged_record_ids.csv`. Record-level counting as bib-dedupe: in each true group one record is kept
and the others are duplicates; TP = records marked duplicate whose root is truly the same work,
FP = records marked duplicate wrongly, FN = true duplicates left canonical, TN = the rest.
Pairwise precision/recall/F1 are over all pairs within automatic groups vs the gold groups.
Queued: pairs queued for a human (q%: of records) and the questions they make (one per pair of groups
with queued pairs between them: what `litmap dedupe review` asks; qq%: of records).
Time is end to end (import + dedupe) and dedupe alone; memory is this process's peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import resource
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litmap.records import Record, normalise, split_authors  # noqa: E402
from litmap.store import open_store, write, now  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "dedup"
SETS = ["special_cases", "stroke", "cytology_screening", "diabetes", "neuroimaging", "digital_work", "depression"]
BIB_DEDUPE = {  # published record-level sensitivity and time measured on this machine (s)
    "stroke": (0.9936, 7.1), "cytology_screening": (0.9922, 11.4), "diabetes": (1.0, 16.5),
    "neuroimaging": (0.9946, 24.9), "digital_work": (0.9973, 68.3), "depression": (0.9913, None),
}
csv.field_size_limit(1 << 30)


def records_file(name: str) -> Path:
    for candidate in ("records_pre_merged.csv", "records_pre_merged.csv.gz"):
        if (DATA / name / candidate).exists():
            return DATA / name / candidate
    raise SystemExit(f"{name}: no records file in {DATA / name}")


def gold_groups(name: str) -> list[list[str]]:
    with open(DATA / name / "merged_record_ids.csv", newline="") as fh:
        return [row["merged_ids"].split(";") for row in csv.DictReader(fh)]


def direct_load(db, path: Path) -> None:
    """Insert the gold CSV rows as records (used only while litmap has no CSV reader)."""
    from litmap.ingest import RECORD_COLUMNS, _row

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as fh, write(db):
        source_id = db["sources"].insert({"name": path.parent.name, "kind": "database", "file": str(path), "format": "csv", "imported_at": now()}).last_pk
        rows = []
        for position, row in enumerate(csv.DictReader(fh), 1):
            rec = Record(
                raw=row, source_key=row.get("ID"), type=row.get("ENTRYTYPE"), title=row.get("title"),
                abstract=row.get("abstract"), authors=split_authors(row.get("author") or ""), year=row.get("year"),
                journal=row.get("journal") or row.get("booktitle"), volume=row.get("volume"), issue=row.get("number"),
                pages=row.get("pages"), doi=row.get("doi"), isbn=row.get("isbn"),
            )
            rows.append(_row(source_id, position, normalise(rec)))
        db.conn.executemany(f"insert into records ({', '.join(RECORD_COLUMNS)}) values ({', '.join('?' * len(RECORD_COLUMNS))})", rows)
        db.conn.execute("update sources set records = ? where id = ?", [len(rows), source_id])


def cli_load(db_path: Path, path: Path) -> None:
    from typer.testing import CliRunner

    from litmap.cli import app

    result = CliRunner().invoke(app, ["--db", str(db_path), "import", str(path), "--format", "csv"])
    if result.exit_code != 0:
        raise SystemExit(f"import failed: {result.output}")


def evaluate(db, gold: list[list[str]]) -> dict[str, float]:
    key_of, root_of = {}, {}
    for rid, key, dup in db.execute("select id, source_key, duplicate_of from records"):
        key_of[rid] = key
        root_of[rid] = dup
    group_of: dict[str, int] = {}
    for g, members in enumerate(gold):
        for m in members:
            group_of[m] = g
    truth = lambda x: group_of.get(x, ("single", x))  # noqa: E731
    tp = fp = fn = tn = 0
    kept_groups: set = set()
    # A true group keeps one record: the canonical ones. Count per record.
    canon_per_group: dict = {}
    for rid, root in root_of.items():
        if root is None:
            canon_per_group.setdefault(truth(key_of[rid]), []).append(rid)
    for rid, root in root_of.items():
        if root is not None:
            if truth(key_of[rid]) == truth(key_of[root]) and not isinstance(truth(key_of[rid]), tuple):
                tp += 1
            else:
                fp += 1
    for g, canon in canon_per_group.items():
        if isinstance(g, tuple):
            tn += len(canon)
        else:
            fn += len(canon) - 1
            tn += 1
    del kept_groups
    # Pairwise, over automatic groups.
    auto: dict[int, list[str]] = {}
    for rid, root in root_of.items():
        auto.setdefault(root or rid, []).append(key_of[rid])
    found_pairs = {tuple(sorted(p)) for members in auto.values() for p in combinations(members, 2)}
    gold_pairs = {tuple(sorted(p)) for members in gold for p in combinations(members, 2)}
    hit = len(found_pairs & gold_pairs)
    precision = hit / len(found_pairs) if found_pairs else 1.0
    recall = hit / len(gold_pairs) if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "TP": tp, "FP": fp, "FN": fn, "TN": tn,
        "sensitivity": tp / (tp + fn) if tp + fn else 1.0, "specificity": tn / (tn + fp) if tn + fp else 1.0,
        "precision": precision, "recall": recall, "F1": f1,
    }


def misses(db, gold: list[list[str]], limit: int) -> None:
    """Print false merges and a sample of missed duplicates, for honest reporting and tuning."""
    rows = {r[0]: r for r in db.execute("select id, source_key, duplicate_of, title, authors, year, journal, volume, pages, doi from records")}
    by_key = {r[1]: r for r in rows.values()}
    group_of = {m: g for g, members in enumerate(gold) for m in members}
    for r in rows.values():
        if r[2] is not None and (group_of.get(r[1], -1) != group_of.get(rows[r[2]][1], -2)):
            print("FALSE MERGE", r[1], rows[r[2]][1], file=sys.stderr)
            print("   ", r[3:], "\n   ", rows[r[2]][3:], file=sys.stderr)
    shown = 0
    for members in gold:
        roots = {by_key[m][2] or by_key[m][0] for m in members if m in by_key}
        if len(roots) > 1 and shown < limit:
            shown += 1
            print("MISSED", members, file=sys.stderr)
            for m in members:
                rid = by_key[m][0]
                pair = db.execute("select rule, status, scores from dedupe_pairs where record_a = ? or record_b = ? limit 1", [rid, rid]).fetchone()
                print("   ", by_key[m][3:], pair and pair[:2], file=sys.stderr)


def run_set(name: str, loader: str, show: int) -> dict[str, object]:
    from litmap.dedupe.run import run

    path = records_file(name)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        if loader == "cli":
            cli_load(db_path, path)
            db = open_store(db_path)
        else:
            db = open_store(db_path)
            direct_load(db, path)
        t1 = time.perf_counter()
        result = run(db)
        t2 = time.perf_counter()
        gold = gold_groups(name)
        scores = evaluate(db, gold)
        if show:
            misses(db, gold, show)
        records = result.records
        db.close()
    return {"set": name, "records": records, **scores, "queued": result.queued_pairs,
            "queued_pct": 100 * result.queued_pairs / max(records, 1), "questions": result.questions,
            "questions_pct": 100 * result.questions / max(records, 1), "candidates": result.candidates,
            "dedupe_s": t2 - t1, "total_s": t2 - t0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "by_rule": result.by_rule}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=SETS)
    parser.add_argument("--loader", choices=("auto", "cli", "direct"), default="auto")
    parser.add_argument("--misses", type=int, default=0, help="print false merges and N missed groups to stderr")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    loader = args.loader
    if loader == "auto":
        loader = "cli" if (ROOT / "litmap" / "formats" / "csv.py").exists() else "direct"
    header = f"{'set':<19}{'records':>8}{'TP':>7}{'FP':>4}{'FN':>5}{'TN':>7}{'sens':>8}{'spec':>7}{'bibdd':>7}{'P':>7}{'R':>7}{'F1':>7}{'queued':>8}{'q%':>6}{'quest':>6}{'qq%':>6}{'dedupe s':>9}{'total s':>8}{'10x?':>6}{'RSS MB':>8}"
    out = []
    print(f"loader: {loader}", file=sys.stderr)
    print(header)
    for name in args.sets:
        row = run_set(name, loader, args.misses)
        out.append(row)
        target_sens, bib_time = BIB_DEDUPE.get(name, (None, None))
        fast = "-" if bib_time is None else ("yes" if row["total_s"] < bib_time / 10 else "NO")
        if name == "depression":
            fast = "yes" if row["total_s"] < 60 else "NO"
        print(f"{name:<19}{row['records']:>8}{row['TP']:>7}{row['FP']:>4}{row['FN']:>5}{row['TN']:>7}{row['sensitivity']:>8.4f}"
              f"{row['specificity']:>7.3f}{(target_sens or 0):>7.4f}{row['precision']:>7.3f}{row['recall']:>7.3f}{row['F1']:>7.3f}"
              f"{row['queued']:>8}{row['queued_pct']:>6.2f}{row['questions']:>6}{row['questions_pct']:>6.2f}{row['dedupe_s']:>9.2f}{row['total_s']:>8.2f}{fast:>6}{row['peak_rss_mb']:>8.0f}", flush=True)
    if args.json:
        print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
