"""Benchmark of the interactive screen: time from a key press to the next record drawn.

A 100,000-record store (titles and abstracts cycled from the real Nagtegaal 2019 screening set when
../shared/data is present, synthetic otherwise) in which a first reviewer has voted on every record;
a second reviewer then presses 500 keys (include/exclude/maybe, with an undo every 25 keys). Each
timing covers: the vote's write transaction, finding and loading the next record, building the
screen and rendering it to a 100x40 rich Console writing to a StringIO.

Run: .venv/bin/python benchmarks/bench_screen.py [--records N] [--keys N]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litmap.screening.session import ScreeningSession  # noqa: E402
from litmap.screening.view import render_screen  # noqa: E402
from litmap.store import now, open_store, write  # noqa: E402

NAGTEGAAL = ROOT.parent / "shared" / "data" / "screening" / "Nagtegaal_2019.csv"


def texts() -> list[tuple[str, str]]:
    if NAGTEGAAL.exists():
        with open(NAGTEGAAL, encoding="utf-8", newline="") as fh:
            rows = [(r["title"], r["abstract"]) for r in csv.DictReader(fh) if r["title"]]
        if rows:
            return rows
    rng = random.Random(1)
    words = "children online risk survey adolescents internet exposure study results method sample".split()
    return [(" ".join(rng.choices(words, k=10)).capitalize(), " ".join(rng.choices(words, k=220))) for _ in range(2000)]


def build(path: Path, n: int) -> None:
    db = open_store(path)
    pool = texts()
    stamp = now()
    with write(db):
        db.execute("insert into sources (name, kind, file, format, imported_at, records) values ('bench', 'database', 'bench.ris', 'ris', ?, ?)", [stamp, n])
        authors = json.dumps(["Mitchell, Kimberly J.", "Finkelhor, David", "Wolak, Janis"])
        keywords = json.dumps(["internet", "children", "survey"])
        db.conn.executemany(
            "insert into records (source_id, position, source_key, title, abstract, authors, year, journal, keywords, raw) "
            "values (1, ?, ?, ?, ?, ?, ?, 'Journal of Adolescent Health', ?, '{}')",
            ((i, f"k{i}", pool[i % len(pool)][0], pool[i % len(pool)][1], authors, 1990 + i % 30, keywords) for i in range(1, n + 1)),
        )
        decisions = ("include", "exclude", "exclude", "exclude", "maybe")
        db.conn.executemany(
            "insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, 'title-abstract', 'bob', ?, ?)",
            ((uuid.uuid4().hex, i, decisions[i % 5], stamp) for i in range(1, n + 1)),
        )
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(path, args.records)
        print(f"store: {args.records:,} records, {args.records:,} votes by a first reviewer, built in {time.perf_counter() - t0:.1f} s")

        db = open_store(path)
        t0 = time.perf_counter()
        session = ScreeningSession(db, "alice", "title-abstract")
        start = time.perf_counter() - t0
        print(f"session start (protocol, queue of {len(session.items):,} records, counts): {start * 1000:.0f} ms")

        out = io.StringIO()
        console = Console(file=out, width=100, height=40, force_terminal=True, color_system="truecolor")
        t0 = time.perf_counter()
        console.print(render_screen(session.screen(), console))
        print(f"first screen drawn: {(time.perf_counter() - t0) * 1000:.1f} ms")

        rng = random.Random(7)
        timings: list[float] = []
        for n in range(args.keys):
            key = "u" if n % 25 == 24 else rng.choice("iiieeeeeem")
            t0 = time.perf_counter()
            session.press(key)
            console.print(render_screen(session.screen(), console))
            timings.append((time.perf_counter() - t0) * 1000)
            out.seek(0)
            out.truncate()
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(0.95 * len(timings)) - 1]
        print(f"key press -> next record drawn over {len(timings)} keys: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (target p95 < 50 ms)")
        votes = db.execute("select count(*) from current_votes where reviewer = 'alice'").fetchone()[0]
        print(f"alice's standing votes after the run: {votes}; decisions rows: {db.execute('select count(*) from decisions').fetchone()[0]:,}")
        print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        db.close()


if __name__ == "__main__":
    main()
