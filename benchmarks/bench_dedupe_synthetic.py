"""Scale test: deduplicate a synthetic corpus with realistic duplicate noise.

    .venv/bin/python benchmarks/bench_dedupe_synthetic.py [N]   (default 1,000,000 records)

Works get random titles (from a 5,000-word vocabulary, 6-18 words), 1-8 authors, a journal, year,
volume, pages, a DOI for 60%. About 13% of records are database re-exports of another with noise:
upper case, "[Review] [33 refs]" or a language tag, MEDLINE author forms ("Smith JA"), abbreviated
journal, compressed page ranges, a dropped DOI or abstract. Records go straight into the store (the
import path is benchmarked elsewhere); then `dedupe` runs and sensitivity/false merges are counted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litmap.dedupe.run import run  # noqa: E402
from litmap.store import now, open_store, write  # noqa: E402

rng = random.Random(42)
SYL = ["ka", "lo", "mi", "ne", "ra", "to", "vi", "su", "pe", "da", "fo", "gu", "ha", "ji", "ze", "bo", "ly", "xe", "qu", "wi"]
WORDS = list({"".join(rng.choice(SYL) for _ in range(rng.randint(2, 4))) for _ in range(6000)})[:5000]
SURNAMES = list({"".join(rng.choice(SYL) for _ in range(rng.randint(2, 3))).capitalize() for _ in range(30000)})
JOURNALS = [("Journal of " + " ".join(w.capitalize() for w in rng.sample(WORDS, rng.randint(1, 3)))) for _ in range(3000)]


def work(k: int) -> dict:
    n_auth = rng.randint(1, 8)
    authors = [f"{rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLMNPRST')}. {rng.choice('ABCDEFGHJKLMNPRST')}." for _ in range(n_auth)]
    start = rng.randint(1, 3000)
    return {
        "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize(),
        "authors": authors, "year": rng.randint(1990, 2024), "journal": rng.choice(JOURNALS),
        "volume": str(rng.randint(1, 120)), "issue": str(rng.randint(1, 12)), "pages": f"{start}-{start + rng.randint(3, 20)}",
        "doi": f"10.{rng.randint(1000, 9999)}/x{k}" if rng.random() < 0.6 else None,
        "abstract": " ".join(rng.choice(WORDS) for _ in range(60)) if rng.random() < 0.7 else None,
    }


def noisy(w: dict) -> dict:
    d = dict(w)
    r = rng.random()
    if r < 0.3:
        d["title"] = d["title"].upper()
    elif r < 0.5:
        d["title"] = d["title"] + ". [Review] [33 refs]"
    elif r < 0.6:
        d["title"] = d["title"] + " [German]"
    if rng.random() < 0.5:
        d["authors"] = [a.split(",")[0] + " " + a.split(",")[1].replace(".", "").replace(" ", "") for a in d["authors"]]
    if rng.random() < 0.4:
        d["journal"] = " ".join(w[:4] for w in d["journal"].replace("of ", "").split())
    if rng.random() < 0.5 and "-" in d["pages"]:
        a, b = d["pages"].split("-")
        d["pages"] = f"{a}-{b[-2:]}" if len(b) > 2 and len(a) == len(b) else d["pages"]
    if rng.random() < 0.3:
        d["doi"] = None
    if rng.random() < 0.3:
        d["abstract"] = None
    return d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="records to generate (default 1,000,000)")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "synthetic.db")
        t0 = time.perf_counter()
        truth = []
        with write(db):
            source = db["sources"].insert({"name": "synthetic", "kind": "database", "format": "synthetic", "imported_at": now()}).last_pk
            rows, works = [], []
            for k in range(n):
                if works and rng.random() < 0.13:
                    origin = rng.randrange(len(works))
                    rec = noisy(works[origin])
                    truth.append(truth[works[origin]["pos"]])
                else:
                    rec = work(k)
                    rec["pos"] = k
                    works.append(rec)
                    truth.append(k)
                rows.append((source, k + 1, rec["title"], rec["abstract"], json.dumps(rec["authors"]), rec["year"], rec["journal"],
                             rec["volume"], rec["issue"], rec["pages"], rec["doi"], "{}", "article"))
                if len(rows) >= 50_000:
                    db.conn.executemany("insert into records (source_id, position, title, abstract, authors, year, journal, volume, issue, pages, doi, raw, type) values (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
                    rows = []
            db.conn.executemany("insert into records (source_id, position, title, abstract, authors, year, journal, volume, issue, pages, doi, raw, type) values (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            del works, rows
        t1 = time.perf_counter()
        print(f"generated {n} records in {t1 - t0:.1f} s", flush=True)
        result = run(db, progress=lambda m: print(f"  {time.perf_counter() - t1:7.1f} s  {m}", flush=True))
        t2 = time.perf_counter()
        tp = fp = 0
        for rid, dup in db.execute("select id, duplicate_of from records where duplicate_of is not null"):
            if truth[rid - 1] == truth[dup - 1]:
                tp += 1
            else:
                fp += 1
        true_dups = n - len(set(truth))
        print(f"records {n}  true duplicates {true_dups}  TP {tp}  FP {fp}  sensitivity {tp / max(true_dups, 1):.4f}  "
              f"queued {result.queued_pairs}  candidates {result.candidates}  dedupe {t2 - t1:.1f} s  "
              f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
