"""Random flows (hypothesis): the boxes equal an independent count of the generated flow, and the
diagram's arithmetic holds."""

from __future__ import annotations

import uuid
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litmap.reports.prisma import DBR_KINDS, NO_REASON, check, compute
from litmap.store import now, open_store, write

KINDS = ("database", "register", "website", "organisation", "citation", "other")
DECISIONS = st.sampled_from([None, "include", "exclude", "maybe"])
REASONS = st.sampled_from([None, "wrong population", "wrong design"])

record = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS),
    "dup": st.integers(min_value=-3, max_value=40),  # >= 0: duplicate of an earlier canonical record (if any)
    "removal": st.sampled_from([None, None, None, "automation", "other", "both"]),
    "ta": st.tuples(DECISIONS, DECISIONS),
    "ta_res": st.sampled_from([None, None, None, "include", "exclude"]),
    "retrievals": st.lists(st.sampled_from([0, 1]), max_size=2),
    "ft": st.tuples(st.tuples(DECISIONS, REASONS), st.tuples(DECISIONS, REASONS)),
    "ft_res": st.sampled_from([None, None, None, "include", "exclude"]),
    "link": st.integers(min_value=0, max_value=6),  # 0: no study link; else a study group
})


def status(votes: list[tuple[str, str | None]], resolution: str | None, ft: bool) -> str:
    if resolution:
        return resolution + "d"
    if not votes:
        return "unscreened"
    decisions = {d for d, _ in votes}
    reasons = {r or "" for _, r in votes}
    if len(decisions) > 1 or (ft and len(reasons) > 1):
        return "conflict"
    if len(votes) < 2:
        return "awaiting"
    return "conflict" if "maybe" in decisions else next(iter(decisions)) + "d"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, min_size=1, max_size=30))
def test_random_flows_add_up_and_match_an_independent_count(flow):
    db = open_store(":memory:")
    expected: Counter[str] = Counter()
    reasons: dict[bool, Counter[str]] = {False: Counter(), True: Counter()}
    pending: Counter[str] = Counter()
    included: list[tuple[int, int]] = []
    canonical: list[int] = []
    with write(db):
        for kind in KINDS:
            db.execute("insert into sources (name, kind, format, imported_at) values (?, ?, 'ris', ?)", [kind.title(), kind, now()])
        sid = {kind: i + 1 for i, kind in enumerate(KINDS)}
        for rid, r in enumerate(flow, 1):
            other = r["kind"] not in DBR_KINDS
            dup_of = canonical[r["dup"] % len(canonical)] if r["dup"] >= 0 and canonical else None
            db.execute("insert into records (id, source_id, position, raw, duplicate_of) values (?, ?, ?, '{}', ?)",
                       [rid, sid[r["kind"]], rid, dup_of])
            expected[f"identified_{other}"] += 1
            if dup_of is not None:
                expected[f"duplicates_{other}"] += 1
                continue
            canonical.append(rid)
            kinds = {"automation": ["automation"], "other": ["other"], "both": ["other", "automation"], None: []}[r["removal"]]
            for k in kinds:
                db.execute("insert into removals (uid, record_id, kind, created_at) values (?, ?, ?, ?)", [uuid.uuid4().hex, rid, k, now()])
            if kinds:
                expected[f"removed_{'automation' if 'automation' in kinds else 'other'}_{other}"] += 1
                continue

            def vote(stage, who, decision, reason=None):
                db.execute("insert into decisions (uid, record_id, stage, reviewer, decision, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)",
                           [uuid.uuid4().hex, rid, stage, who, decision, reason, now()])

            def resolve(stage, decision, reason=None):
                db.execute("insert into resolutions (uid, record_id, stage, decision, reason, resolved_by, created_at) values (?, ?, ?, ?, ?, 'lead', ?)",
                           [uuid.uuid4().hex, rid, stage, decision, reason, now()])

            ta_votes = [(d, None) for d in r["ta"] if d]
            for who, d in zip(("ann", "bob"), r["ta"]):
                if d:
                    vote("title-abstract", who, d)
            if r["ta_res"]:
                resolve("title-abstract", r["ta_res"])
            ta = status(ta_votes, r["ta_res"], False)
            expected[f"screened_{other}"] += 1
            if ta != "included":
                expected[f"ta_{ta}_{other}"] += 1
                if ta not in ("excluded",):
                    pending[f"ta_{other}"] += 1
                continue
            expected[f"sought_{other}"] += 1
            for ok in r["retrievals"]:
                db.execute("insert into retrievals (uid, record_id, retrieved, created_at) values (?, ?, ?, ?)", [uuid.uuid4().hex, rid, ok, now()])
            if not r["retrievals"]:
                pending[f"retrieval_{other}"] += 1
                continue
            if r["retrievals"][-1] == 0:
                expected[f"notretrieved_{other}"] += 1
                continue
            expected[f"assessed_{other}"] += 1
            ft_votes = [(d, reason) for d, reason in r["ft"] if d]
            for who, (d, reason) in zip(("ann", "bob"), r["ft"]):
                if d:
                    vote("full-text", who, d, reason)
            res_reason = "wrong outcome" if r["ft_res"] == "exclude" else None
            if r["ft_res"]:
                resolve("full-text", r["ft_res"], res_reason)
            ft = status(ft_votes, r["ft_res"], True)
            if ft == "excluded":
                reason = res_reason if r["ft_res"] else ft_votes[0][1]
                reasons[other][reason or NO_REASON] += 1
            elif ft == "included":
                included.append((rid, r["link"]))
            else:
                pending[f"ft_{other}"] += 1
        groups: dict[int, list[int]] = {}
        for rid, group in included:
            if group:
                groups.setdefault(group, []).append(rid)
        for members in groups.values():
            if len(members) > 1:
                db.conn.executemany("insert into study_links (record_id, study_id, action, created_at) values (?, ?, 'link', ?)",
                                    [(m, min(members), now()) for m in members])
    c = compute(db)
    check(c)
    e = expected
    assert c.dbr_identified == e["identified_False"] and c.other_identified == e["identified_True"]
    assert c.duplicates == e["duplicates_False"] and c.other_duplicates == e["duplicates_True"]
    assert (c.excluded_automatic, c.excluded_other) == (e["removed_automation_False"], e["removed_other_False"])
    assert c.other_removed == e["removed_automation_True"] + e["removed_other_True"]
    assert c.records_screened == e["screened_False"]
    assert c.records_excluded == e["ta_excluded_False"] and c.other_not_sought == e["ta_excluded_True"]
    assert c.pending_total("records_screened") == pending["ta_False"] and c.pending_total("other_sought_reports") == pending["ta_True"]
    assert (c.dbr_sought_reports, c.other_sought_reports) == (e["sought_False"], e["sought_True"])
    assert (c.dbr_notretrieved_reports, c.other_notretrieved_reports) == (e["notretrieved_False"], e["notretrieved_True"])
    assert (c.pending_total("dbr_retrieval"), c.pending_total("other_retrieval")) == (pending["retrieval_False"], pending["retrieval_True"])
    assert (c.dbr_assessed, c.other_assessed) == (e["assessed_False"], e["assessed_True"])
    assert dict(c.dbr_excluded) == dict(reasons[False]) and dict(c.other_excluded) == dict(reasons[True])
    assert (c.pending_total("dbr_assessed"), c.pending_total("other_assessed")) == (pending["ft_False"], pending["ft_True"])
    assert c.new_reports == len(included)
    linked = sum(len(m) - 1 for m in groups.values() if len(m) > 1)
    assert c.new_studies == len(included) - linked <= c.new_reports
    db.close()
