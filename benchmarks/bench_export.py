"""Export benchmark: a store of N records (default 100,000) exported in every format.

Builds the store with SQL inserts (realistic field sizes: 8 authors, a 1,200-character abstract,
keywords; a third of the records screened by two reviewers, a tenth merged as duplicates), then runs
each export in a fresh subprocess and prints wall time, records per second, the output size and the
peak resident memory of that process (ru_maxrss) next to its memory before the export started.

    .venv/bin/python benchmarks/bench_export.py [N]
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("online child safety grooming prevention risk adolescents internet sexual exploitation abuse "
         "victimisation cyberbullying survey cohort trial detection platform moderation policy school "
         "parents education Über ω résumé & 50% under_score").split()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(path: Path, n: int) -> None:
    from litmap.ingest import _INSERT
    from litmap.store import now, open_store

    rng = random.Random(42)
    db = open_store(path)
    stamp = now()
    with db.conn:
        db.execute("insert into sources (name, file, format, imported_at) values ('Scopus', 'bench.ris', 'ris', ?)", [stamp])

        def rows():
            for i in range(1, n + 1):
                title = " ".join(rng.choice(WORDS) for _ in range(12)).capitalize()
                authors = [f"{rng.choice(WORDS).capitalize()}son, {rng.choice('ABCDEFGH')}." for _ in range(8)]
                abstract = " ".join(rng.choice(WORDS) for _ in range(160))
                keywords = [rng.choice(WORDS) for _ in range(6)]
                yield (1, i, None, f"2-s2.0-{i:011d}", rng.choice(("article", "article", "inproceedings", "book")),
                       title, abstract, json.dumps(authors, ensure_ascii=False), rng.randint(1990, 2024),
                       "Computers in Human Behavior", str(rng.randint(1, 80)), str(rng.randint(1, 12)),
                       f"{rng.randint(1, 500)}-{rng.randint(501, 900)}", f"10.1016/j.chb.{i}", None, None,
                       f"https://www.scopus.com/inward/record.uri?eid=2-s2.0-{i}&partnerID=40", json.dumps(keywords),
                       "English", "{}")

        db.conn.executemany(_INSERT, rows())
        db.execute("update records set duplicate_of = id - 1 where id % 10 = 0")
        votes = []
        for rid in range(1, n + 1, 3):
            decision = rng.choice(("include", "exclude", "exclude"))
            for reviewer in ("ann", "bob"):
                votes.append((uuid.uuid4().hex, rid, "title-abstract", reviewer, decision, None, stamp))
        db.conn.executemany(
            "insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)", votes
        )
    db.close()


def one(db_path: str, fmt: str, out: str) -> None:
    """Run in a subprocess: export and print a JSON line of figures."""
    from litmap.export import export_file
    from litmap.store import open_store

    db = open_store(db_path)
    before = _rss_mb()
    start = time.perf_counter()
    result = export_file(db, out, fmt)
    seconds = time.perf_counter() - start
    print(json.dumps({"records": result.records, "seconds": seconds, "rss_before_mb": before, "peak_rss_mb": _rss_mb(),
                      "bytes": Path(out).stat().st_size}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one(*sys.argv[2:5])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        build(db_path, n)
        print(f"built a store of {n:,} records in {time.perf_counter() - start:.1f} s")
        print(f"{'format':<8} {'records':>8} {'seconds':>8} {'rec/s':>8} {'MB out':>7} {'RSS before':>11} {'peak RSS':>9}")
        for fmt, suffix in (("bibtex", ".bib"), ("ris", ".ris"), ("csv", ".csv"), ("csljson", ".json")):
            out = Path(tmp) / f"export{suffix}"
            proc = subprocess.run([sys.executable, __file__, "--one", str(db_path), fmt, str(out)],
                                  capture_output=True, text=True, check=True)
            fig = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{fmt:<8} {fig['records']:>8,} {fig['seconds']:>8.2f} {fig['records'] / fig['seconds']:>8,.0f} "
                  f"{fig['bytes'] / 1e6:>7.1f} {fig['rss_before_mb']:>8.0f} MB {fig['peak_rss_mb']:>6.0f} MB")


if __name__ == "__main__":
    main()
