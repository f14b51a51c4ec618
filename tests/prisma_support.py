"""A store with a known PRISMA flow, built through the CLI (import, exclude-automatic, study link) and
direct rows where the screening CLI is another area's (votes, resolutions, retrievals, duplicate_of).

Record ids follow import order: Scopus 1-40, Web of Science 41-70, ClinicalTrials.gov (register)
71-80, citation searching 81-88, a website 89-92, an organisation 93-94.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlite_utils import Database

from litmap.store import now, write

TA, FT = "title-abstract", "full-text"


def ris(path: Path, prefix: str, n: int) -> Path:
    lines = []
    for i in range(1, n + 1):
        lines += ["TY  - JOUR", f"TI  - {prefix} study number {i} on nudging clinicians", f"AU  - Author{i}, A.",
                  f"PY  - {2000 + i % 20}", f"AB  - Abstract {i} of {prefix}.", "ER  - ", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class Votes:
    def __init__(self, db: Database) -> None:
        self.db = db

    def vote(self, rid: int, reviewer: str, decision: str, stage: str = TA, reason: str | None = None) -> None:
        self.db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                        [uuid.uuid4().hex, rid, stage, reviewer, decision, reason, now()])

    def both(self, rids, decision: str, stage: str = TA, reason: str | None = None, reviewers=("ann", "bob")) -> None:
        for rid in rids:
            for who in reviewers:
                self.vote(rid, who, decision, stage, reason)

    def resolve(self, rid: int, decision: str, stage: str = TA, reason: str | None = None) -> None:
        self.db.execute("insert into resolutions (uid, record_id, stage, decision, reason, resolved_by, created_at) values (?, ?, ?, ?, ?, 'lead', ?)",
                        [uuid.uuid4().hex, rid, stage, decision, reason, now()])

    def retrieval(self, rid: int, ok: int) -> None:
        self.db.execute("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, ?, ?)", [uuid.uuid4().hex, rid, ok, now()])


def build_known_flow(litmap, tmp_path: Path, db: Database) -> dict:
    """Build the flow; returns the expected boxes (PRISMA2020 keys, extras and pending)."""
    for name, kind, prefix, n in (("Scopus", "database", "Scopus", 40), ("Web of Science", "database", "WoS", 30),
                                  ("ClinicalTrials.gov", "register", "CTgov", 10), ("Backward citations", "citation", "Cites", 8),
                                  ("WHO website", "website", "WHO", 4), ("Cochrane EPOC", "organisation", "EPOC", 2)):
        litmap.ok("import", ris(tmp_path / f"{prefix}.ris", prefix, n), "--source", name, "--kind", kind)
    with write(db):
        for dup, canon in [(41 + i, 1 + i) for i in range(10)] + [(71, 11), (81, 12), (13, 82)]:
            db.execute("update records set duplicate_of = ? where id = ?", [canon, dup])
    litmap.ok("exclude-automatic", 14, 15, 16, 18, "--by", "RobotSearch", "--reason", "not an RCT")
    litmap.ok("exclude-automatic", 17, 18, "--other", "--reason", "retracted")
    litmap.ok("exclude-automatic", 19)
    litmap.ok("exclude-automatic", 19, "--undo")
    litmap.ok("exclude-automatic", 94, "--other", "--reason", "not a report")

    screened = sorted(set(range(1, 81)) - set(range(41, 51)) - {71, 13} - {14, 15, 16, 17, 18})
    assert len(screened) == 63
    it = iter(screened)

    def take(k: int) -> list[int]:
        return [next(it) for _ in range(k)]

    ta_inc, res_inc, res_exc, conflict, awaiting, unscreened, auto, human_exc = (take(k) for k in (22, 2, 1, 2, 3, 2, 3, 28))
    v = Votes(db)
    with write(db):
        v.both(ta_inc, "include")
        for rid in res_inc + res_exc + conflict:
            v.vote(rid, "ann", "include")
            v.vote(rid, "bob", "exclude")
        for rid in res_inc:
            v.resolve(rid, "include")
        for rid in res_exc:
            v.resolve(rid, "exclude")
        for rid in awaiting:
            v.vote(rid, "ann", "include")
        v.both(auto, "exclude", reviewers=("auto:asreview", "auto:robotreviewer"))
        v.both(human_exc[:-1], "exclude")
        v.vote(human_exc[-1], "auto:asreview", "exclude")  # an automation vote a human confirmed: by a human
        v.vote(human_exc[-1], "bob", "exclude")
        v.vote(unscreened[0], "ann", "include")
        v.vote(unscreened[0], "ann", "undo")  # withdrawn: unscreened again

        sought = ta_inc + res_inc
        retrieved, not_retrieved, no_retrieval = sought[:20], sought[20:22], sought[22:]
        for rid in retrieved:
            v.retrieval(rid, 1)
        v.retrieval(not_retrieved[0], 0)
        v.retrieval(not_retrieved[1], 1)
        v.retrieval(not_retrieved[1], 0)  # the file turned out unusable: the latest row wins
        ft = iter(retrieved)
        ft_inc = [next(ft) for _ in range(12)]
        v.both(ft_inc, "include", FT)
        v.both([next(ft) for _ in range(3)], "exclude", FT, "wrong population")
        v.both([next(ft) for _ in range(2)], "exclude", FT, "wrong design")
        resolved = next(ft)
        v.vote(resolved, "ann", "exclude", FT, "wrong design")
        v.vote(resolved, "bob", "exclude", FT, "wrong outcome")
        v.resolve(resolved, "exclude", FT, "wrong outcome")
        reason_conflict = next(ft)
        v.vote(reason_conflict, "ann", "exclude", FT, "wrong design")
        v.vote(reason_conflict, "bob", "exclude", FT, "wrong population")
        v.vote(next(ft), "ann", "include", FT)  # awaiting the second vote

        # Other methods: canonical 82-88, 89-92, 93 (81 duplicate, 94 removed).
        other = [82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93]
        other_inc, other_exc = other[:8], other[8:10]  # other[10:] not decided: pending
        v.both(other_inc, "include")
        v.both(other_exc, "exclude")
        for rid in other_inc[:7]:
            v.retrieval(rid, 1)
        v.retrieval(other_inc[7], 0)
        v.both(other_inc[:4], "include", FT)
        v.both(other_inc[4:6], "exclude", FT, "wrong design")
        v.both(other_inc[6:7], "exclude", FT, "not peer reviewed; grey, unpublished")
    litmap.ok("study", "link", ft_inc[0], ft_inc[1])
    litmap.ok("study", "link", ft_inc[2], other_inc[0])

    return {
        "database_results": 70, "database_specific_results": [{"name": "Scopus", "n": 40}, {"name": "Web of Science", "n": 30}],
        "register_results": 10, "register_specific_results": [{"name": "ClinicalTrials.gov", "n": 10}],
        "website_results": 4, "organisation_results": 2, "citations_results": 8, "other_results": 0,
        "duplicates": 12, "excluded_automatic": 4, "excluded_other": 1,
        "records_screened": 63, "records_excluded": 32, "records_excluded_human": 29, "records_excluded_automation": 3,
        "dbr_sought_reports": 24, "dbr_notretrieved_reports": 2, "dbr_assessed": 20,
        "dbr_excluded": [{"reason": "wrong population", "n": 3}, {"reason": "wrong design", "n": 2}, {"reason": "wrong outcome", "n": 1}],
        "other_duplicates": 1, "other_removed": 1, "other_not_sought": 2,
        "other_sought_reports": 8, "other_notretrieved_reports": 1, "other_assessed": 7,
        "other_excluded": [{"reason": "wrong design", "n": 2}, {"reason": "not peer reviewed; grey, unpublished", "n": 1}],
        "new_reports": 16, "new_studies": 14, "total_reports": 16, "total_studies": 14,
        "previous_studies": None, "previous_reports": None,
        "pending": {"records_screened": {"unscreened": 2, "awaiting": 3, "conflict": 2},
                    "other_sought_reports": {"unscreened": 2},
                    "dbr_assessed": {"awaiting": 1, "conflict": 1},
                    "dbr_retrieval": {"awaiting": 2}},
    }
