"""Benchmark: `litmap map` over 100,000 coded, included records.

Builds a store with 100,000 records included at title/abstract and full text (two include votes at
each stage, a retrieval), coded by one coder on theme (1-3 codes), form (0-2 codes), country (0-3)
and design, all with bulk SQL inserts; then times the real CLI (in-process, as a user runs it) for
`map theme form`, `map theme region --format svg` and `map design --by year`, and the library call.
Run: .venv/bin/python benchmarks/bench_map.py [N]
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from litmap.cli import app  # noqa: E402
from litmap.coding.codebook import load_codebook, require_codebook  # noqa: E402
from litmap.reports.maps import crosstab  # noqa: E402
from litmap.store import now, open_store, write  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def build(path: Path) -> None:
    db = open_store(path)
    load_codebook(db, ROOT / "screening" / "codebook.toml")
    book = require_codebook(db)
    themes = [c.key for c in book.dimension("theme").codes]
    forms = [c.key for c in book.dimension("form").codes]
    designs = [c.key for c in book.dimension("design").codes]
    countries = ["KE", "UG", "GB", "US", "BR", "IN", "PH", "ZA", "AU", "DE", "TH", "MX", "NG", "JP", "FR", "SE"]
    rng = random.Random(1)
    t = now()
    with write(db):
        source = db["sources"].insert({"name": "bench", "format": "ris", "imported_at": t}).last_pk
        db.conn.executemany(
            "insert into records (id, source_id, position, title, year, raw) values (?, ?, ?, ?, ?, '{}')",
            ((i, source, i, f"Study {i}", 1995 + i % 30) for i in range(1, N + 1)))
        db.conn.executemany(
            "insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, ?, ?, 'include', ?)",
            ((uuid.uuid4().hex, i, stage, rev, t) for i in range(1, N + 1) for stage in ("title-abstract", "full-text") for rev in ("r1", "r2")))
        db.conn.executemany("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, 1, ?)",
                            ((uuid.uuid4().hex, i, t) for i in range(1, N + 1)))

        def rows():
            for i in range(1, N + 1):
                for dim, values in (("theme", sorted(rng.sample(themes, rng.randint(1, 3)))), ("form", sorted(rng.sample(forms, rng.randint(0, 2)))),
                                    ("country", sorted(rng.sample(countries, rng.randint(0, 3)))), ("design", [rng.choice(designs)])):
                    yield (uuid.uuid4().hex, i, dim, json.dumps(values), "ana", t)

        db.conn.executemany("insert into codings (uid, record_id, dimension, value, coder, created_at) values (?, ?, ?, ?, ?, ?)", rows())
    db.execute("analyze")
    db.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(path)
        print(f"built {N:,} included, coded records ({4 * N:,} codings) in {time.perf_counter() - t0:.1f} s")
        runner = CliRunner()
        for args in (["map", "theme", "form"], ["map", "theme", "form", "--format", "csv"],
                     ["map", "theme", "region", "--format", "svg", "--out", str(Path(tmp) / "m.svg")],
                     ["map", "design", "--by", "year", "--format", "json"]):
            t0 = time.perf_counter()
            result = runner.invoke(app, ["--db", str(path), *args], env={"COLUMNS": "160"})
            elapsed = time.perf_counter() - t0
            assert result.exit_code == 0, result.stderr
            print(f"litmap {' '.join(args[:4]):<40} {elapsed:.3f} s")
        db = open_store(path)
        t0 = time.perf_counter()
        tab = crosstab(db, "theme", "form")
        total = time.perf_counter() - t0
        print(f"crosstab(theme, form) library call {total:.3f} s; {tab.studies:,} studies counted")
        # Breakdown: the included set is the screening outcome query (litmap/screening/outcomes.py);
        # the agreed codes as the map reads them (stored JSON, from coding_tallies).
        from litmap.coding.codings import agreed_values, included_sql

        t0 = time.perf_counter()
        db.execute(included_sql("full-text"), {"required": 2}).fetchall()
        inc = time.perf_counter() - t0
        t0 = time.perf_counter()
        agreed_values(db, ["form", "theme"])
        agr = time.perf_counter() - t0
        print(f"  of which: included set (outcomes.py, full text) {inc:.3f} s; agreed codes {agr:.3f} s; counting {max(0.0, total - inc - agr):.3f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
