"""Benchmark: `litmap prisma` on a large store (default 1,000,000 records, two votes each).

Builds the store by SQL (executemany) in a temporary directory, then times the library call (compute +
check + record) and the real CLI. Prints figures; never asserts.

    .venv/bin/python benchmarks/bench_prisma.py [--records N] [--keep PATH]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from litmap.reports.prisma import compute, prisma
from litmap.store import open_store, write

KINDS = [("Scopus", "database"), ("Web of Science", "database"), ("ClinicalTrials.gov", "register"), ("Citations", "citation")]


def build(path: Path, n: int) -> None:
    db = open_store(path)
    at = "2024-01-01T00:00:00+00:00"
    with write(db):
        for i, (name, kind) in enumerate(KINDS, 1):
            db.execute("insert into sources (id, name, kind, format, imported_at) values (?, ?, ?, 'ris', ?)", [i, name, kind, at])
    batch = 100_000
    for start in range(1, n + 1, batch):
        ids = range(start, min(n, start + batch - 1) + 1)
        records, votes, retrievals, removals = [], [], [], []
        for rid in ids:
            source = 1 + (rid % 10 > 5) + (rid % 10 == 9) + (rid % 100 == 0)
            dup = rid - 1 if rid % 20 == 0 else None  # 5% duplicates
            records.append((rid, source, rid, f"Title {rid}", dup))
            if dup:
                continue
            if rid % 97 == 0:
                removals.append((f"m{rid}", rid, "automation" if rid % 2 else "other", at))
                continue
            ta_in = rid % 10 == 1
            for who in ("ann", "bob"):
                decision = "include" if ta_in or (who == "bob" and rid % 50 == 3) else "exclude"
                votes.append((f"{rid}{who}t", rid, "title-abstract", who, decision, None, at))
            if ta_in:
                retrievals.append((f"r{rid}", rid, 0 if rid % 31 == 0 else 1, at))
                for who in ("ann", "bob"):
                    ft_in = rid % 3 == 0
                    votes.append((f"{rid}{who}f", rid, "full-text", who, "include" if ft_in else "exclude",
                                  None if ft_in else ("wrong population", "wrong design")[rid % 2], at))
        with write(db):
            db.conn.executemany("insert into records (id, source_id, position, title, raw, duplicate_of) values (?, ?, ?, ?, '{}', ?)", records)
            db.conn.executemany("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)", votes)
            db.conn.executemany("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, ?, ?)", retrievals)
            db.conn.executemany("insert into removals (uid, record_id, kind, created_at) values (?, ?, ?, ?)", removals)
    db.execute("analyze")
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="Build (or reuse) the store at this path.")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = args.keep or Path(tmp.name) / "bench.db"
    if not path.exists():
        t = time.perf_counter()
        build(path, args.records)
        print(f"built store: {args.records:,} records in {time.perf_counter() - t:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    db = open_store(path)
    votes = db.execute("select count(*) from decisions").fetchone()[0]
    print(f"store: {db.execute('select count(*) from records').fetchone()[0]:,} records, {votes:,} votes")
    t = time.perf_counter()
    c = compute(db)
    print(f"compute(): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    prisma(db)
    print(f"prisma() (compute + check + record the run): {time.perf_counter() - t:.2f} s")
    print(f"  screened {c.records_screened:,}, excluded {c.records_excluded:,}, sought {c.dbr_sought_reports:,}, "
          f"assessed {c.dbr_assessed:,}, reports included {c.new_reports:,}, pending {sum(sum(v.values()) for v in c.pending.values()):,}")
    db.close()
    exe = Path(sys.executable).with_name("litmap")
    for fmt in ("text", "csv", "svg"):
        t = time.perf_counter()
        proc = subprocess.run([str(exe), "--db", str(path), "prisma", "--format", fmt], capture_output=True)
        print(f"CLI `litmap prisma --format {fmt}`: {time.perf_counter() - t:.2f} s (exit {proc.returncode})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB (this process), {child:.0f} MB (CLI)")


if __name__ == "__main__":
    main()
