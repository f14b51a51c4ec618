#!/usr/bin/env python3
"""Rebuild corpus/scopus-*.bib from the public Cyberpsychology Scopus export (provenance record).

Usage: python3 corpus/select.py ../shared/data/corpus-candidates/cyberpsychology-scopus

Entries are copied byte for byte (nothing edited, nothing invented). Selection, deterministic:
1. every record whose title, abstract or keywords mention children/adolescents/youth AND a
   risk/abuse/sexual/safety/victimisation term (the records the example review is about);
2. the real look-alike and shared-DOI records that make deduplication work (named below);
3. every 9th of the remaining records, in file order, as the off-topic bulk a broad search brings.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TOPIC_A = re.compile(r"\b(child|children|adolescen|youth|teen|minor|kids|young people|juvenile|youngster)", re.I)
TOPIC_B = re.compile(r"(sexual|pornograph|solicit|predator|grooming|abuse|exploit|harass|cyberbull|bully|victim|risk|safety|stranger)", re.I)
# Real look-alikes in this export: one true duplicate (Finn 2000), errata and a proceedings volume
# sharing one DOI, yearly columns with the same title, and papers with near-identical titles.
TRAPS = {
    "Finn2000785", "Finn2000243", "NoAuthor2006113", "Rizzo2006113", "Orzack2007160", "Lemmens2007160",
    "Ko2008527", "Shin2008527", "Riva2006374", "Korte2007865", "Riva2007321", "Riva2008250", "Riva2008127",
    "Wiederhold2000909", "Wiederhold2002183", "Wiederhold2004267", "Wiederhold2005297", "Wiederhold2006651",
    "Noyes2005233", "Noyes2006351", "Amichai-Hamburger2007880", "Kaynar2008361", "Chuang2005255", "Tsai200816",
}
ENTRY = re.compile(r"^@\w+\{([^,]*),\n.*?\n\}\n", re.S | re.M)


def field(body: str, name: str) -> str:
    match = re.search(r"^" + name + r"=\{(.*?)\},?$", body, re.M)
    return match.group(1) if match else ""


def main(src: Path, out: Path) -> None:
    rest = 0
    for path in sorted(src.glob("b*.bib")):
        text = path.read_text(encoding="utf-8")
        kept = []
        for match in ENTRY.finditer(text):
            body, key = match.group(0), match.group(1)
            blob = " ".join(field(body, f) for f in ("title", "abstract", "keywords"))
            if key in TRAPS or (TOPIC_A.search(blob) and TOPIC_B.search(blob)):
                kept.append(body)
                continue
            rest += 1
            if rest % 9 == 0:
                kept.append(body)
        year = path.stem[1:]
        (out / f"scopus-{year}.bib").write_text("\n" + "\n".join(kept), encoding="utf-8")
        print(f"scopus-{year}.bib: {len(kept)} records", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent)
