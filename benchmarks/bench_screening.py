"""Benchmark: agreement, status and conflicts on 100,000 records x 2 reviewers (target < 1 s each).

Builds a synthetic store by SQL executemany (records need no text for these numbers), two reviewers
voting on every record at title/abstract with ~5% disagreements and ~2% maybes, and full text on the
agreed includes; then times the library calls and the real CLI (a fresh process each, as a user
runs it). Usage: .venv/bin/python benchmarks/bench_screening.py [N]
"""

from __future__ import annotations

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

from litmap.store import now, open_store, write  # noqa: E402


def build(path: Path, n: int) -> None:
    rng = random.Random(42)
    db = open_store(path)
    stamp = now()
    with write(db):
        db.execute("insert into sources (id, name, format, sha256, imported_at, records) values (1, 'synthetic', 'ris', 'bench', ?, ?)", [stamp, n])
        db.conn.executemany("insert into records (id, source_id, position, title, year, raw) values (?, 1, ?, ?, 2020, '{}')",
                            ((i, i, f"Synthetic record {i}") for i in range(1, n + 1)))
        votes = []
        ft = []
        for i in range(1, n + 1):
            truth = "include" if rng.random() < 0.1 else "exclude"
            other = {"include": "exclude", "exclude": "include"}[truth]
            a = truth
            b = other if rng.random() < 0.05 else truth
            if rng.random() < 0.02:
                a = "maybe"
            votes.append((uuid.uuid4().hex, i, "title-abstract", "ann", a, stamp))
            votes.append((uuid.uuid4().hex, i, "title-abstract", "bob", b, stamp))
            if a == b == "include":
                ft.append(i)
        db.conn.executemany("insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, ?, ?, ?, ?)", votes)
        # Half of the title/abstract conflicts resolved (to include, so they reach full text too);
        # some retrievals first failed and were retried (latest row wins).
        resolved = [v[1] for v, w in zip(votes[::2], votes[1::2]) if v[4] != w[4] and rng.random() < 0.5]
        db.conn.executemany("insert into resolutions (uid, record_id, stage, decision, resolved_by, created_at) values (?, ?, 'title-abstract', 'include', 'lead', ?)",
                            ((uuid.uuid4().hex, i, stamp) for i in resolved))
        ft += resolved
        db.conn.executemany("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, 0, ?)",
                            ((uuid.uuid4().hex, i, stamp) for i in ft[::10]))
        db.conn.executemany("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, 1, ?)",
                            ((uuid.uuid4().hex, i, stamp) for i in ft))
        fv = []
        for i in ft:
            reason = rng.choice(["wrong population", "wrong design"])
            fv.append((uuid.uuid4().hex, i, "full-text", "ann", "exclude" if rng.random() < 0.5 else "include", reason, stamp))
            fv.append((uuid.uuid4().hex, i, "full-text", "bob", "exclude" if rng.random() < 0.5 else "include", reason, stamp))
        db.conn.executemany("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)", fv)
    db.execute("analyze")
    db.close()


def timed(label: str, fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"  {label:<48} {best * 1000:8.0f} ms")
    return best


def library(path: Path) -> None:
    from litmap.screening import agreement, outcomes

    db = open_store(path, create=False)
    print("library (best of 3):")
    for stage in ("ta", "ft"):
        timed(f"agreement --stage {stage}", lambda: agreement.agreement(db, stage))
    try:
        from litmap.screening import conflicts as conflicts_mod  # the other helper's module, if present
    except ImportError:
        conflicts_mod = None
    try:
        from litmap.screening import status as status_mod
    except ImportError:
        status_mod = None
    for stage in ("ta", "ft"):
        timed(f"outcomes.status_counts {stage}", lambda: outcomes.status_counts(db, stage))
        timed(f"outcomes.outcomes (conflicts = filter) {stage}",
              lambda: [o for o in outcomes.outcomes(db, stage) if o.status == "conflict"])
    if status_mod is not None and hasattr(status_mod, "status"):
        timed("status.status", lambda: status_mod.status(db))
    if conflicts_mod is not None and hasattr(conflicts_mod, "conflicts"):
        for stage in ("ta", "ft"):
            timed(f"conflicts.conflicts {stage}", lambda: list(conflicts_mod.conflicts(db, stage)))
    result = agreement.agreement(db, "ta")
    t = result.overall
    print(f"  (ta: n={t.n}, agreement={t.percent_agreement:.3f}, kappa={t.cohen_kappa:.3f}, AC1={t.gwet_ac1:.3f}, "
          f"alpha={result.krippendorff_alpha:.3f}; status {outcomes.status_counts(db, 'ta')})")
    db.close()


def cli(path: Path) -> None:
    exe = ROOT / ".venv" / "bin" / "litmap"
    commands = [["agreement"], ["agreement", "--json"], ["agreement", "--stage", "ft"], ["status"], ["conflicts", "--json"],
                ["conflicts", "--stage", "ft", "--json"], ["--help"]]
    print("CLI (a fresh process each, best of 3; includes ~interpreter start-up, see --help):")
    for args in commands:
        def run(args=args):
            proc = subprocess.run([str(exe), "--db", str(path), *args], capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.strip())
        try:
            timed("litmap " + " ".join(args), run)
        except RuntimeError as exc:
            why = "no such command in this build" if "No such command" in str(exc) else str(exc).splitlines()[-1][:60]
            print(f"  litmap {' '.join(args):<41} not available ({why})")


def merge_timing(path: Path, tmp: Path) -> None:
    """A co-reviewer's copy with a third reviewer's 100,000 votes, merged in (then again: nothing new)."""
    import shutil
    import sqlite3

    from litmap.screening.merge import merge

    copy = tmp / "copy.db"
    with sqlite3.connect(path) as a, sqlite3.connect(copy) as b:
        a.backup(b)
    db = open_store(copy, create=False)
    stamp = now()
    with write(db):
        db.conn.executemany("insert into decisions (uid, record_id, stage, reviewer, decision, created_at) values (?, ?, 'title-abstract', 'cat', ?, ?)",
                            ((uuid.uuid4().hex, i, "include" if i % 9 == 0 else "exclude", stamp) for i, in db.execute("select id from records")))
    db.close()
    work = tmp / "work.db"
    shutil.copy(path, work)
    db = open_store(work, create=False)
    print("merge (library, one run each):")
    t0 = time.perf_counter()
    result = merge(db, copy)
    print(f"  merge of a copy with {result.added['decisions']:,} new votes{'':<14} {(time.perf_counter() - t0) * 1000:8.0f} ms")
    t0 = time.perf_counter()
    again = merge(db, copy)
    print(f"  the same merge again (adds {again.total}){'':<21} {(time.perf_counter() - t0) * 1000:8.0f} ms")
    from litmap.screening import agreement

    timed("agreement ta, 3 reviewers (pooled + alpha)", lambda: agreement.agreement(db, "ta"))
    db.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(path, n)
        print(f"built {n:,} records x 2 reviewers in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
        library(path)
        cli(path)
        merge_timing(path, Path(tmp))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process)")


if __name__ == "__main__":
    main()
