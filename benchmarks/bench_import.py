"""Import speed and memory: litmap's whole import against the bare parsers (rispy, bibtexparser).

    .venv/bin/python benchmarks/bench_import.py [--sizes 20000,100000] [--regenerate]

Generates realistic RIS and BibTeX files (authors, 150-250 word abstracts, keywords, DOIs, some
LaTeX accents) into benchmarks/out/ (deterministic, reused when present), then for each file runs,
each in a fresh subprocess:
  parse   the bare parser on the same file: `rispy.load` (RIS) or `bibtexparser.parse_file` (BibTeX);
  import  `litmap.ingest.import_files` into a fresh store (reading, normalising, storing, FTS index).
Times are measured inside the child (interpreter start excluded, same for both), fastest of
`--repeat` runs; peak memory (highest over the runs) is the largest resident set of any process of
the run, read by a wrapper process with `resource.getrusage(RUSAGE_CHILDREN)`. The wrapper makes
itself a child subreaper (Linux), so litmap's parser worker processes, orphaned when the import
exits, are reaped and counted too, in memory and in CPU: `main cpu` is the import process's CPU
time during the import, `all cpu` that of every process of the run (interpreter starts included).
The machine may be shared: CPU time that other processes used during a run is reported when it is
large enough to distort the figures. Targets: import <= 1.5x bare parse; BibTeX import faster than
bibtexparser; peak memory of the import flat from 20k to 100k records.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
PY = sys.executable

_WORDS = (
    "child online safety risk exposure adolescent internet sexual solicitation grooming cyberbullying "
    "victimisation prevalence survey cohort school parent mediation platform social media harm abuse "
    "exploitation detection intervention prevention education wellbeing mental health depression anxiety "
    "self-harm disclosure peer support policy regulation moderation reporting trust privacy behaviour "
    "gender age longitudinal cross-sectional qualitative interview focus group meta-analysis review "
    "evidence outcome effect association factor model measure scale validation sample participants "
    "results methods conclusions background objective design setting analysis significant"
).split()
_FAMILY = (
    "Smith Jones Müller García Rossi Nguyen Kim Wang Li Zhang Kowalski Novak Silva Santos Johansson "
    "Andersen van der Berg de Vries O'Brien Ahmed Khan Patel Cohen Dubois Martin Bernard Moreau Fischer "
    "Weber Schneider Ivanova Petrov Tanaka Sato Suzuki Okafor Mensah Haddad Costa Ferreira"
).split()
_GIVEN = "Anna John Maria David Sarah Michael Laura James Emma Peter Olga Luis Mei Hiroshi Amara Kofi Noor Lena".split()
_JOURNALS = (
    "Child Abuse & Neglect", "Computers in Human Behavior", "Journal of Adolescent Health",
    "Cyberpsychology, Behavior, and Social Networking", "New Media & Society", "Pediatrics",
    "Journal of Youth and Adolescence", "Aggression and Violent Behavior", "Trauma, Violence, & Abuse",
    "Journal of Interpersonal Violence", "BMC Public Health", "PLOS ONE",
)
_LATEX = {"Müller": "M{\\\"u}ller", "García": "Garc{\\'\\i}a"}


def _records(n: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(n):
        year = rng.randint(1995, 2024)
        authors = [(rng.choice(_FAMILY), rng.choice(_GIVEN) + (" " + rng.choice("ABCDEJKLMR") + "." if rng.random() < 0.4 else ""))
                   for _ in range(rng.randint(1, 8))]
        title = " ".join(rng.choices(_WORDS, k=rng.randint(8, 18))).capitalize()
        abstract = ". ".join(" ".join(rng.choices(_WORDS, k=rng.randint(12, 25))).capitalize() for _ in range(rng.randint(6, 11))) + "."
        first = rng.randint(1, 900)
        yield {
            "i": i, "year": year, "authors": authors, "title": title, "abstract": abstract,
            "journal": rng.choice(_JOURNALS), "volume": str(rng.randint(1, 120)), "issue": str(rng.randint(1, 12)),
            "sp": str(first), "ep": str(first + rng.randint(3, 25)), "doi": f"10.{rng.randint(1000, 9999)}/j.bench.{year}.{i:06d}",
            "keywords": rng.sample(_WORDS, rng.randint(3, 7)), "issn": f"{rng.randint(1000, 9999)}-{rng.randint(100, 999)}X",
        }


def write_ris(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for r in _records(n):
            lines = ["TY  - JOUR"]
            lines += [f"AU  - {fam}, {given}" for fam, given in r["authors"]]
            lines += [f"TI  - {r['title']}", f"T2  - {r['journal']}", f"PY  - {r['year']}", f"VL  - {r['volume']}",
                      f"IS  - {r['issue']}", f"SP  - {r['sp']}", f"EP  - {r['ep']}", f"DO  - {r['doi']}",
                      f"SN  - {r['issn']}", f"AB  - {r['abstract']}"]
            lines += [f"KW  - {k}" for k in r["keywords"]]
            lines += [f"UR  - https://doi.org/{r['doi']}", "LA  - English", "DB  - Scopus", "ER  - ", ""]
            fh.write("\n".join(lines) + "\n")


def write_bib(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for r in _records(n):
            names = " and ".join(f"{_LATEX.get(fam, fam)}, {given}" for fam, given in r["authors"])
            key = f"{r['authors'][0][0].lower().replace(' ', '')}{r['year']}_{r['i']}"
            fh.write(
                f"@article{{{key},\n  author = {{{names}}},\n  title = {{{r['title']}}},\n"
                f"  journal = {{{r['journal']}}},\n  year = {{{r['year']}}},\n  volume = {{{r['volume']}}},\n"
                f"  number = {{{r['issue']}}},\n  pages = {{{r['sp']}--{r['ep']}}},\n  doi = {{{r['doi']}}},\n"
                f"  issn = {{{r['issn']}}},\n  abstract = {{{r['abstract']}}},\n  keywords = {{{', '.join(r['keywords'])}}},\n"
                f"  url = {{https://doi.org/{r['doi']}}},\n  language = {{English}},\n  month = jan,\n}}\n\n"
            )


# ------------------------------------------------------------------------------------ child modes


def child_parse(fmt: str, path: str) -> None:
    start = time.perf_counter()
    if fmt == "ris":
        import rispy
        with open(path, encoding="utf-8") as fh:
            n = len(rispy.load(fh))
    else:
        import bibtexparser
        n = len(bibtexparser.parse_file(path).entries)
    print(json.dumps({"seconds": time.perf_counter() - start, "records": n}))


def child_import(path: str, db: str) -> None:
    sys.path.insert(0, str(ROOT))
    from litmap.ingest import import_files
    from litmap.store import open_store
    store = open_store(Path(db))
    start, cpu = time.perf_counter(), time.process_time()
    results = import_files(store, [Path(path)])
    print(json.dumps({"seconds": time.perf_counter() - start, "main_cpu": time.process_time() - cpu, "records": results[0].records}))


def child_phases(fmt: str, path: str, db: str) -> None:
    """Where an import's time goes, phase by phase in one process (serial, no overlap)."""
    sys.path.insert(0, str(ROOT))
    from litmap import formats, ingest
    from litmap.records import normalise
    from litmap.store import open_store, write
    t0 = time.perf_counter()
    if hasattr(formats.reader(fmt), "rows"):  # the reader makes the stored rows in its workers
        stored = list(ingest.read_stored(Path(path), fmt, "utf-8"))
        t1 = t2 = time.perf_counter()
        rows = [(1, i, *r) for i, r in enumerate(stored, 1)]
    else:
        recs = list(formats.read(Path(path), fmt, "utf-8"))
        t1 = time.perf_counter()
        if not getattr(formats.reader(fmt), "NORMALISED", False):
            recs = [normalise(r, latex=fmt in formats.LATEX_FORMATS) for r in recs]
        t2 = time.perf_counter()
        rows = [ingest._row(1, i, r) for i, r in enumerate(recs, 1)]
    t3 = time.perf_counter()
    store = open_store(Path(db))
    with write(store):
        store["sources"].insert({"id": 1, "name": "bench", "kind": "database", "file": path, "format": fmt, "sha256": "x",
                                 "imported_at": "now", "records": 0, "unique_within": 0})
        t4 = time.perf_counter()
        store.conn.executemany(ingest._INSERT, rows)
        t5 = time.perf_counter()
        store.conn.execute("insert into records_fts (rowid, title, abstract, keywords) select id, title, abstract, keywords from records")
        t6 = time.perf_counter()
    print(json.dumps({"read": t1 - t0, "normalise": t2 - t1, "rows": t3 - t2, "insert": t5 - t4, "fts": t6 - t5, "seconds": t6 - t0, "records": len(rows)}))


_WRAPPER = (
    "import ctypes, json, os, resource, subprocess, sys\n"
    "def busy():  # CPU seconds the whole machine spent not idle (Linux)\n"
    "    try:\n"
    "        with open('/proc/stat') as fh: v = [int(x) for x in fh.readline().split()[1:]]\n"
    "    except OSError: return None\n"
    "    return (sum(v) - v[3] - v[4]) / os.sysconf('SC_CLK_TCK')\n"
    "try: ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphaned workers become ours\n"
    "except (AttributeError, OSError): pass\n"
    "before = busy()\n"
    "out = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "while True:  # reap the worker processes (and forkserver) the child left behind\n"
    "    try: os.wait()\n"
    "    except ChildProcessError: break\n"
    "after = busy()\n"
    "if out.returncode: sys.stderr.write(out.stderr); sys.exit(out.returncode)\n"
    "res = json.loads(out.stdout.strip().splitlines()[-1])\n"
    "ru, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)\n"
    "res['rss_mb'] = ru.ru_maxrss / 1024\n"
    "res['all_cpu'] = ru.ru_utime + ru.ru_stime\n"
    "if before is not None: res['other_cpu'] = max(0.0, after - before - res['all_cpu'] - me.ru_utime - me.ru_stime)\n"
    "print(json.dumps(res))\n"
)


def measure(*args: str) -> dict:
    """Run this script in a child mode under a wrapper that reads the child's peak RSS."""
    out = subprocess.run([PY, "-c", _WRAPPER, PY, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"child failed: {' '.join(args)}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(runs) -> dict:
    """The fastest run, with the highest peak memory seen over all runs."""
    runs = list(runs)
    fastest = dict(min(runs, key=lambda r: r["seconds"]))
    fastest["rss_mb"] = max(r["rss_mb"] for r in runs)
    return fastest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="20000,100000", help="record counts to generate and measure")
    ap.add_argument("--formats", default="ris,bibtex", help="formats to measure")
    ap.add_argument("--regenerate", action="store_true", help="write the generated files again")
    ap.add_argument("--repeat", type=int, default=2, help="runs per measurement; the fastest counts (the machine is shared)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, *rest = args.child
        {"parse": child_parse, "import": child_import, "phases": child_phases}[mode](*rest)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for fmt in args.formats.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            path = OUT / f"bench_{n // 1000}k.{'ris' if fmt == 'ris' else 'bib'}"
            if args.regenerate or not path.exists():
                t = time.perf_counter()
                (write_ris if fmt == "ris" else write_bib)(path, n)
                print(f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            parse = best(measure("--child", "parse", fmt, str(path)) for _ in range(args.repeat))
            imps = []
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    imps.append(measure("--child", "import", str(path), str(Path(tmp) / "bench.db")))
            imp = best(imps)
            assert imp["records"] == n, (imp, n)
            rows.append((fmt, n, path.stat().st_size / 1e6, parse, imp))
            print(f"{fmt} {n}: parse {parse['seconds']:.2f} s, import {imp['seconds']:.2f} s", file=sys.stderr)
    parser = {"ris": "rispy.load", "bibtex": "bibtexparser.parse_file"}
    print(f"{'format':<7} {'records':>8} {'MB':>5}  {'bare parser':<24} {'parse s':>8} {'parse MB':>9}  {'import s':>8} {'import MB':>9}"
          f" {'main cpu':>8} {'all cpu':>8}  {'import/parse':>12}")
    for fmt, n, mb, parse, imp in rows:
        print(f"{fmt:<7} {n:>8} {mb:>5.0f}  {parser[fmt]:<24} {parse['seconds']:>8.2f} {parse['rss_mb']:>9.0f}  "
              f"{imp['seconds']:>8.2f} {imp['rss_mb']:>9.0f} {imp['main_cpu']:>8.2f} {imp.get('all_cpu', 0):>8.2f}"
              f"  {imp['seconds'] / parse['seconds']:>11.2f}x")
    print("import = litmap.ingest.import_files on a fresh store: read + normalise + insert + full-text index, one transaction.")
    for fmt, n, _, parse, imp in rows:
        for label, run in (("parse", parse), ("import", imp)):
            if run.get("other_cpu", 0) > 0.1 * run["seconds"]:
                print(f"note: other processes used {run['other_cpu']:.1f} CPU s during the fastest {fmt} {n} {label} run; its time is inflated")
    n = max(int(x) for x in args.sizes.split(","))
    print(f"\nWhere the time goes ({n // 1000}k records, phases run one after another in one process, seconds):")
    print(f"{'format':<7} {'read':>6} {'normalise':>9} {'rows':>6} {'insert':>7} {'fts':>6} {'total':>6}")
    for fmt in args.formats.split(","):
        path = OUT / f"bench_{n // 1000}k.{'ris' if fmt == 'ris' else 'bib'}"
        with tempfile.TemporaryDirectory() as tmp:
            ph = measure("--child", "phases", fmt, str(path), str(Path(tmp) / "phases.db"))
        print(f"{fmt:<7} {ph['read']:>6.2f} {ph['normalise']:>9.2f} {ph['rows']:>6.2f} {ph['insert']:>7.2f} {ph['fts']:>6.2f} {ph['seconds']:>6.2f}")
    print("(bibtex, ris: `read` is the parallel reader and includes normalising and making the stored rows"
          " (JSON), done in its worker processes)")


if __name__ == "__main__":
    main()
