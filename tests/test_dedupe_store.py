"""Deduplication on a real store: the special cases set, traps, decisions, unmerge, invariants, CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from litmap.dedupe import review
from litmap.dedupe.clusters import check_invariant
from litmap.dedupe.run import run
from litmap.ingest import RECORD_COLUMNS, _row
from litmap.records import Record, normalise, split_authors
from litmap.store import now, open_store, write

FIX = Path(__file__).parent / "fixtures" / "dedupe"


def load_rows(db, rows: list[dict], *, unique: bool = False, name: str = "test") -> int:
    """Insert records as an import would (the CSV reader is another module's job)."""
    with write(db):
        source_id = db["sources"].insert({"name": name, "kind": "database", "format": "csv", "imported_at": now(),
                                          "unique_within": int(unique)}).last_pk
        out = []
        for k, row in enumerate(rows, 1):
            rec = Record(raw=row, source_key=row.get("ID"), type=row.get("ENTRYTYPE"), title=row.get("title"),
                         abstract=row.get("abstract"), authors=split_authors(row.get("author") or ""), year=row.get("year"),
                         journal=row.get("journal") or row.get("booktitle"), volume=row.get("volume"),
                         issue=row.get("issue") or row.get("number"), pages=row.get("pages"), doi=row.get("doi"))
            out.append(_row(source_id, k, normalise(rec)))
        db.conn.executemany(f"insert into records ({', '.join(RECORD_COLUMNS)}) values ({', '.join('?' * len(RECORD_COLUMNS))})", out)
    return source_id


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def groups_by_key(db) -> set[frozenset[str]]:
    keys = dict(db.execute("select id, source_key from records").fetchall())
    groups: dict[int, set[str]] = {}
    for rid, dup in db.execute("select id, duplicate_of from records"):
        groups.setdefault(dup or rid, set()).add(keys[rid])
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def state(db) -> dict[int, int | None]:
    return dict(db.execute("select id, duplicate_of from records").fetchall())


@pytest.fixture
def special(empty_store):
    load_rows(empty_store, read_csv(FIX / "special_cases_records.csv"))
    return empty_store


def test_special_cases_match_gold(special):
    run(special)
    gold = {frozenset(r["merged_ids"].split(";")) for r in read_csv(FIX / "special_cases_merged.csv")}
    assert groups_by_key(special) == gold
    assert not check_invariant(state(special))


def test_stroke_sample_chinese_tag_and_journal_case(empty_store):
    load_rows(empty_store, read_csv(FIX / "stroke_head20.csv"))
    run(empty_store)
    found = groups_by_key(empty_store)
    assert frozenset({"id_0000001", "id_0000002"}) in found   # "[Chinese]" tag
    assert frozenset({"id_0000003", "id_0000004"}) in found   # "Diabetes & metabolism" vs "& Metabolism"


def test_dry_run_changes_nothing(special):
    result = run(special, dry_run=True)
    assert result.merged_pairs > 0
    assert all(v is None for v in state(special).values())
    assert special.execute("select count(*) from dedupe_pairs").fetchone()[0] == 0


ARTICLE = {"title": "Effects of mindfulness training on anxiety in adolescents: a randomised trial",
           "author": "Smith, J. and Jones, K.", "year": "2015", "journal": "Journal of Anxiety", "volume": "12",
           "pages": "100-110", "doi": "10.1000/anx.1"}


def test_doi_equality_alone_never_merges(empty_store):
    other = {**ARTICLE, "title": "Abstracts of the 12th congress on sleep", "author": "", "pages": "S1"}
    load_rows(empty_store, [ARTICLE, other])
    run(empty_store)
    assert all(v is None for v in state(empty_store).values())


def test_erratum_and_reply_are_not_merged_but_queued(empty_store):
    erratum = {**ARTICLE, "title": "Erratum: " + ARTICLE["title"], "pages": "100-110", "doi": ""}
    reply = {**ARTICLE, "title": ARTICLE["title"] + " [Reply]", "doi": ""}
    load_rows(empty_store, [ARTICLE, erratum, reply])
    run(empty_store)
    assert all(v is None for v in state(empty_store).values())
    queued = review.pairs(empty_store, "queued")
    assert queued and {p.rule for p in queued} == {"queue:kind"}


def test_variants_from_different_databases_merge(empty_store):
    variant = {**ARTICLE, "title": ARTICLE["title"].upper() + ". [Review] [33 refs]", "author": "SmithJ. and JonesK.",
               "year": "2015.0", "journal": "J Anxiety", "pages": "100-10", "doi": ""}
    load_rows(empty_store, [ARTICLE, variant])
    result = run(empty_store)
    assert result.merged_pairs == 1
    assert state(empty_store) == {1: None, 2: 1} or state(empty_store) == {1: 2, 2: None}


def test_unique_source_is_never_merged_within(empty_store):
    load_rows(empty_store, [ARTICLE, dict(ARTICLE)], unique=True)
    run(empty_store)
    assert all(v is None for v in state(empty_store).values())
    load_rows(empty_store, [dict(ARTICLE)], name="second database")
    run(empty_store)  # incremental: the new record joins one of them, not both
    dups = [r for r, d in state(empty_store).items() if d is not None]
    assert len(dups) == 1 and not check_invariant(state(empty_store))


def test_incremental_run_compares_only_new_records(special):
    first = run(special)
    again = run(special)
    assert again.mode == "incremental" and again.new_records == 0 and again.candidates == 0
    load_rows(special, [ARTICLE, dict(ARTICLE)], name="update")
    third = run(special)
    assert third.new_records == 2 and third.merged_pairs == 1
    assert first.records + 2 == third.records


def test_unmerge_rejects_pairs_and_later_runs_respect_it(special):
    run(special)
    before = state(special)
    dup = next(r for r, d in before.items() if d is not None)
    review.unmerge(special, dup, by="ann")
    assert state(special)[dup] is None
    run(special, full=True)
    assert state(special)[dup] is None
    rejected = review.pairs(special, "rejected")
    assert rejected and all(dup in (p.record_a["id"], p.record_b["id"]) for p in rejected)
    events = special.execute("select count(*) from dedupe_events where action = 'unmerge' and record_id = ?", [dup]).fetchone()[0]
    assert events == 1


def test_decide_same_then_different_then_undo(special):
    run(special)
    queued = review.pairs(special, "queued")
    target = queued[0]
    a, b = target.record_a["id"], target.record_b["id"]
    review.decide(special, target.id, "same", by="ann")
    roots = {r: d or r for r, d in state(special).items()}
    assert roots[a] == roots[b]
    review.decide(special, target.id, "different", by="bob")
    roots = {r: d or r for r, d in state(special).items()}
    assert roots[a] != roots[b]
    review.undo(special, target.id, by="bob")
    assert review.pair(special, target.id).status == "queued"


def test_decide_same_refused_for_unique_source(empty_store):
    load_rows(empty_store, [ARTICLE, {**ARTICLE, "doi": "", "pages": ""}], unique=True)
    load_rows(empty_store, [{**ARTICLE, "title": ARTICLE["title"] + " (protocol)", "doi": ""}], name="other")
    run(empty_store)
    with write(empty_store):
        empty_store.conn.execute("insert into dedupe_pairs (record_a, record_b, rule, status) values (1, 2, 'queue:similar', 'queued')")
    pair_id = empty_store.execute("select id from dedupe_pairs where record_a = 1 and record_b = 2").fetchone()[0]
    with pytest.raises(Exception, match="declared unique"):
        review.decide(empty_store, pair_id, "same", by="ann")
    assert review.pair(empty_store, pair_id).status == "queued"


TITLES = ["Mindfulness for anxiety in teens", "Exercise and depression in older adults: a cohort study",
          "Sleep hygiene education for students", "Erratum: Sleep hygiene education for students"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(TITLES), st.sampled_from(["Smith, J.", "Smith J", "Lee, K."]),
                          st.sampled_from(["2015", "2016", ""]), st.sampled_from(["", "10.1/a", "10.1/b"])), min_size=2, max_size=12))
def test_root_invariant_and_unmerge_restores(tmp_path_factory, rows):
    db = open_store(tmp_path_factory.mktemp("h") / "s.db")
    load_rows(db, [{"title": t, "author": a, "year": y, "doi": d} for t, a, y, d in rows])
    run(db)
    current = state(db)
    assert not check_invariant(current)
    for root in {d for d in current.values() if d is not None}:
        assert current[root] is None
        review.unmerge(db, root, by="prop")
    assert all(v is None for v in state(db).values())
    db.close()


def test_cli_dedupe_explain_pairs_decide(litmap, db_path):
    db = open_store(db_path)
    load_rows(db, read_csv(FIX / "special_cases_records.csv"))
    db.close()
    out = litmap.ok("dedupe", "--json")
    summary = json.loads(out.stdout)
    assert summary["records"] == 12 and summary["duplicates"] == 3
    text = litmap.ok("dedupe", "explain", "2").stdout
    assert "Duplicate of 1" in text or "group: 1, 2" in text or "Canonical; group: 1" in text
    listed = json.loads(litmap.ok("dedupe", "pairs", "--status", "queued", "--json").stdout)
    assert listed and all(p["status"] == "queued" for p in listed)
    csv_out = litmap.ok("dedupe", "pairs", "--csv").stdout.splitlines()
    assert csv_out[0].startswith("pair,status,rule")
    decided = json.loads(litmap.ok("dedupe", "decide", str(listed[0]["id"]), "different", "--json").stdout)
    assert decided["after"] == "different"
    bad = litmap("dedupe", "decide", "9999", "same")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: pair 9999 not found")


def test_cli_review_keys_saved_and_resumable(litmap, db_path):
    db = open_store(db_path)
    load_rows(db, read_csv(FIX / "special_cases_records.csv"))
    db.close()
    litmap.ok("dedupe")
    questions = [q for q, _ in review.open_questions(open_store(db_path))]
    assert len(questions) >= 2
    queued = [{"id": q} for q in questions]
    out = litmap.ok("dedupe", "review", "--reviewer", "ann", input="dkq")
    assert f"Pair {queued[0]['id']}" in out.stdout and "[s]ame" in out.stdout
    after = {p["id"]: p["status"] for p in json.loads(litmap.ok("dedupe", "pairs", "--json").stdout)}
    assert after[queued[0]["id"]] == "different"          # saved at once
    assert after[queued[1]["id"]] == "queued"             # skipped
    out = litmap.ok("dedupe", "review", "--reviewer", "ann", input="duq")
    assert "back in the queue" in out.stdout              # u took back the "d" just given
    after = {p["id"]: p["status"] for p in json.loads(litmap.ok("dedupe", "pairs", "--json").stdout)}
    assert after[queued[1]["id"]] == "queued"
    out2 = litmap.ok("dedupe", "review", "--reviewer", "ann", input="d" * (len(queued) + 1))
    assert "No more queued pairs" in out2.stdout
    assert review.open_questions(open_store(db_path)) == []


def test_one_question_per_pair_of_groups(empty_store):
    """Two copies of an abstract against two copies of a similar one: four queued pairs, one question;
    answering it settles all four."""
    base = {"title": "Exenatide mitigated diet-induced vascular aging and atherosclerotic plaque growth in ApoE-deficient mice",
            "author": "Wang, Y. and Parlevliet, E. T. and Geerling, J. J.", "year": "2013", "journal": "Diabetologia"}
    rows = [{**base, "ID": f"a{k}", "volume": "56", "pages": "S12"} for k in (1, 2)]  # two meetings' supplements
    rows += [{**base, "ID": f"b{k}", "volume": "57", "pages": "S340"} for k in (1, 2)]
    load_rows(empty_store, rows)
    result = run(empty_store)
    assert groups_by_key(empty_store) == {frozenset({"a1", "a2"}), frozenset({"b1", "b2"})}
    assert result.queued_pairs == 4 and result.questions == 1
    (question, covers), = review.open_questions(empty_store)
    assert covers == 4
    review.decide(empty_store, question, "different", by="ann")
    assert review.open_questions(empty_store) == []
    assert review.next_queued(empty_store) == (None, 0)
    review.undo(empty_store, question, by="ann")
    assert [q for q, _ in review.open_questions(empty_store)] == [question]
    review.decide(empty_store, question, "same", by="ann")
    assert groups_by_key(empty_store) == {frozenset({"a1", "a2", "b1", "b2"})}
    assert review.open_questions(empty_store) == []


def test_cli_unique_and_unmerge(litmap, db_path):
    db = open_store(db_path)
    load_rows(db, [ARTICLE, dict(ARTICLE)])
    db.close()
    litmap.ok("dedupe")
    assert "1 record unmerged" in litmap.ok("dedupe", "unique", "1").stdout
    litmap.ok("dedupe", "unique", "1", "--off")
    out = litmap("dedupe", "unmerge", "1")
    assert out.exit_code == 1 and "nothing to unmerge" in out.stderr


# Real pairs from the cytology_screening gold set (bib-dedupe benchmark data, MIT; see
# tests/fixtures/dedupe/README.md): true duplicates that earlier runs left apart.
ERRATUM_NOTE = [
    {"ID": "id_0000105", "title": "Evaluating the risk of cervical precancer with a combination of cytologic, virologic, and visual methods",
     "author": "Wang, S S and Walker, J L and Schiffman, M and Solomon, D", "year": "2005",
     "journal": "Cancer Epidemiology Biomarkers and Prevention", "volume": "14", "pages": "2665-2668"},
    {"ID": "id_0000106", "title": "Evaluating the risk of cervical precancer with a combination of cytologic, virologic, and visual "
     "methods.[Erratum appears in Cancer Epidemiol Biomarkers Prev. 2006 Jan;15(1):187]",
     "author": "Wang, S S and Walker, J L and Schiffman, M and Solomon, D", "year": "2005",
     "journal": "Cancer Epidemiology, Biomarkers & Prevention", "volume": "14", "pages": "2665-2668"},
]
LAST_PAGE_ONLY = [
    {"ID": "id_0001290", "title": "Prior knowledge of HPV status improves detection of CIN2+ by cytology screening",
     "author": "Benoy, I H and Vanden Broeck, D and Ruymbeke, M J and Sahebali, S and Arbyn, M and Bogers, J J and Temmerman, M and Depuydt, C E",
     "year": "2011", "journal": "American Journal of Obstetrics and Gynecology", "volume": "205", "pages": "569"},
    {"ID": "id_0001291", "title": "Prior knowledge of HPV status improves detection of CIN2+ by cytology screening",
     "author": "Benoy, I H and Vanden Broeck, D and Ruymbeke, M J and Sahebali, S and Arbyn, M and Bogers, J J and Temmerman, M and Depuydt, C E",
     "year": "2011", "journal": "American Journal of Obstetrics & Gynecology", "volume": "205", "pages": "567-569"},
]


@pytest.mark.parametrize("pair", [ERRATUM_NOTE, LAST_PAGE_ONLY], ids=["erratum-appears-in-note", "last-page-only"])
def test_real_duplicates_with_a_note_or_a_short_page_field_merge(empty_store, pair):
    load_rows(empty_store, pair)
    run(empty_store)
    assert groups_by_key(empty_store) == {frozenset(r["ID"] for r in pair)}


@pytest.mark.parametrize("other", [{"volume": ""}, {"volume": "206"}, {"author": "Benoy, I H and Depuydt, C E"},
                                   {"year": "2012"}, {"journal": "Gynecologic Oncology"}],
                         ids=["no-volume", "other-volume", "other-authors", "other-year", "other-journal"])
def test_a_different_first_page_still_vetoes(empty_store, other):
    """Pages that contradict (571-575: neither the start nor the end of 567-569) keep a pair apart
    unless title, every author, journal, volume and year agree (the `same-volume` rule)."""
    a, b = ({**r} for r in LAST_PAGE_ONLY)
    b.update(pages="571-575", **other)
    load_rows(empty_store, [a, b])
    run(empty_store)
    assert groups_by_key(empty_store) == set()


def test_pages_alone_do_not_veto_an_otherwise_identical_citation(empty_store):
    a, b = ({**r} for r in LAST_PAGE_ONLY)
    b["pages"] = "571-575"
    load_rows(empty_store, [a, b])
    run(empty_store)
    assert groups_by_key(empty_store) == {frozenset({"id_0001290", "id_0001291"})}
    (rule,) = empty_store.execute("select rule from dedupe_pairs").fetchone()
    assert rule == "same-volume"


# More real pairs from the gold sets (stroke, cytology_screening, digital_work; bib-dedupe benchmark
# data, MIT): each a true duplicate that an earlier rule set left apart.
def _rec(id_, title, author, year, journal, volume="", pages="", doi="", number=""):
    return {"ID": id_, "title": title, "author": author, "year": year, "journal": journal, "volume": volume,
            "pages": pages, "doi": doi, "number": number}


TRANSLATED_WITH_LANGUAGE_NOTE = [  # MEDLINE's bracketed translated title followed by "[Russian]"
    _rec("id_0000141", "[Cognitive disorders and its correction in the acute period of ischemic stroke]. [Russian]",
         "Prokopenko, S. V. and Mozheiko, E. I. and Levin, O. S. and Koriagina, T. D.", "2012",
         "Zhurnal nevrologii i psikhiatrii imeni S.S. Korsakova / Ministerstvo zdravookhraneniia", "112", "35-39", number="8 Pt 2"),
    _rec("id_0000142", "[Cognitive disorders and its correction in the acute period of ischemic stroke]",
         "Prokopenko, S. V. and Mozheiko, E. Iu and Levin, O. S. and Koriagina, T. D.", "2012",
         "Zhurnal Nevrologii i Psikhiatrii Imeni S.S. Korsakova", "112", "35-39", number="8 Pt 2"),
]
DIGITS_SPACED_DIFFERENTLY = [  # "(non-HPV16/18) prophy" vs "(non-HPV 16/18) proph", both cut off
    _rec("id_0000203", "Persistent high-risk human papillomavirus (HPV) infections as surrogate endpoints of progressive "
         "cervical disease. Potential new endpoint for efficacy studies with new-generation (non-HPV16/18) prophy",
         "Syrjanen, K", "2011", "European Journal of Gynaecological Oncology", "32", "17-33"),
    _rec("id_0000204", "Persistent high-risk human papillomavirus (HPV) infections as surrogate endpoints of progressive "
         "cervical disease. Potential new endpoint for efficacy studies with new-generation (non-HPV 16/18) proph",
         "Syrjanen, K", "2011", "European Journal of Gynaecological Oncology", "32", "17-33"),
]
ARTICLE_NUMBER_VS_PRINT_PAGES = [  # BMJ's e-locator "a1754" vs the print pages; a group author at the end
    _rec("id_0001040", "Long term predictive values of cytology and human papillomavirus testing in cervical cancer "
         "screening: Joint European cohort study", "Dillner, J and Rebolj, M and Birembaut, P and Petry, K.-U.", "2008", "BMJ",
         "337", "969-972"),
    _rec("id_0001041", "Long term predictive values of cytology and human papillomavirus testing in cervical cancer "
         "screening: joint European cohort study", "Dillner, J and Rebolj, M and Birembaut, P and Petry, K U and "
         "Joint European, Cohort Study", "2008", "BMJ", "337", "a1754"),
]
GROUP_AUTHOR = [  # a study group as author in one database, its chair in another
    _rec("id_0000912", "Results of a randomized trial on the management of cytology interpretations of atypical squamous "
         "cells of undetermined significance", "Group, ASCUS-LSIL Traige Study (ALTS)", "2003",
         "American Journal of Obstetrics & Gynecology", "188", "1383-1392"),
    _rec("id_0000248", "Results of a randomized trial on the management of cytology interpretations of atypical squamous "
         "cells of undetermined significance", "Solomon, D", "2003", "American Journal of Obstetrics and Gynecology", "188",
         "1383-1392"),
]
NAMES_SWAPPED = [  # given names exported as family names, "Research & Politics" vs "and"
    _rec("id_3006749", "Anomalous responses on Amazon Mechanical Turk: An Indian perspective",
         "William, O’Brochta and Sunita, Parikh", "2021", "Research & Politics", "8", doi="10.1177/20531680211016971", number="2"),
    _rec("id_2006706", "Anomalous responses on Amazon Mechanical Turk: An Indian perspective",
         "O’Brochta, W. and Parikh, S.", "2021", "Research and Politics", "8", doi="10.1177/20531680211016971", number="2"),
]
AUTHORS_GARBLED = [  # two authors run together into one name by an export; everything else identical
    _rec("id_3006862", "Managing a Virtual Project Team: Offshoring Technical Services in the Philippines",
         "Crayon, Christopher and Gyurcsak, Sally Ann and Patton, Tatiana and Steigerwald, Amanda", "2017",
         "International Journal of Global Business", "10", "37--46", number="1"),
    _rec("id_0006863", "Managing a Virtual Project Team: Offshoring Technical Services in the Philippines",
         "Crayon, Christopher and Tatiana Patton, Sally Ann Gyurcsak and Steigerwald, Amanda", "2017",
         "International Journal of Global Business", "10", "37--46", number="1"),
]
CHINESE_NAMES_TURNED = [  # "Tong, H" in one database is "Hua, T" in another (DNACIC trial)
    _rec("a", "DNA ploidy cytometry testing for cervical cancer screening in China (DNACIC Trial): a prospective "
         "randomized, controlled trial", "Tong, H and Shen, R and Wang, Z and Kan, Y and Yang, J and Guo, X and "
         "Group, Mass Cervical Cancer Screening Regimen", "2009", "Clinical Cancer Research", "15", "6438-6445"),
    _rec("b", "DNA ploidy cytometry testing for cervical cancer screening in China (DNACIC Trial): A prospective "
         "randomized, controlled trial", "Hua, T and Rong, S and Wang, Z and Kan, Y and Jie, Y and Guo, X", "2009",
         "Clinical Cancer Research", "15", "6438-6445"),
]


def _changed(pair, **fields):
    a, b = ({**r} for r in pair)
    b.update(fields)
    return [a, b]


# From the neuroimaging and digital_work gold sets (MIT).
RADIOLABEL_NOTATION = [  # MEDLINE "[18F]" vs Web of Science "F-18"
    _rec("id_0000594", "Diagnosis of pseudoprogression in patients with glioblastoma using O-(2-[18F]fluoroethyl)-l-tyrosine PET",
         "Galldiks, N. and Dunkl, V. and Stoffels, G.", "2015", "European Journal of Nuclear Medicine and Molecular Imaging",
         "42", "685-695", "10.1007/s00259-014-2959-4", "5"),
    _rec("id_0001738", "Diagnosis of pseudoprogression in patients with glioblastoma using O-(2- F-18 fluoroethyl)-L-tyrosine PET",
         "Galldiks, N. and Dunkl, V. and Stoffels, G.", "2015", "European Journal of Nuclear Medicine and Molecular Imaging",
         "42", "685-695", "10.1007/s00259-014-2959-4", "5"),
]
WRONG_DOI = [  # one database attached another work's DOI; everything else is the same citation
    _rec("id_0001531", "Neurodevelopmental effects of the FMR-1 full mutation in humans",
         "Reiss, A. L. and Abrams, M. T. and Greenlaw, R. and Freund, L. and Denckla, M. B.", "1995", "Nature Medicine", "1",
         "159-167", "10.1038/nm0295-159", "2"),
    _rec("id_0003056", "Neurodevelopmental effects of the FMR-1 full mutation in humans",
         "Reiss, A. L. and Abrams, M. T. and Greenlaw, R. and Freund, L. and Denckla, M. B.", "1995", "Nature Medicine", "1",
         "159-167", "10.4161/onci.29029", "2"),
]
KIND_PREFIX_SAME_DOI = [  # "Editorial: " added by one database, same DOI, volume and pages
    _rec("id_0000011", "‘Shine bright like a diamond!’: is research on high-functioning ADHD at last entering the mainstream?",
         "Lesch, K. P.", "2018", "Journal of Child Psychology and Psychiatry and Allied Disciplines", "59", "191-192",
         "10.1111/jcpp.12887", "3"),
    _rec("id_0001540", "Editorial: 'Shine bright like a diamond!': is research on high-functioning ADHD at last entering the mainstream?",
         "Lesch, K. P.", "2018", "Journal of Child Psychology and Psychiatry", "59", "191-192", "10.1111/jcpp.12887", "3"),
]
ROMAN_PAGES = [
    _rec("id_0001274", "Preface", "du Plessis, A. J.", "2009", "Clinics in Perinatology", "36", "xiii-xv", "10.1016/j.clp.2009.07.006", "3"),
    _rec("id_0002950", "Preface", "du Plessis, A. J.", "2009", "Clinics in Perinatology", "36", "xiii-xv", number="3"),
]
SICI_DOI = [  # an old Wiley DOI with "<...>", HTML-escaped in one export
    _rec("a", "Cognitive behavioral and neuroanatomical assessment of two unrelated male children expressing FRAXE",
         "Abrams, M. T.", "1997", "American Journal of Medical Genetics - Neuropsychiatric Genetics", "74", "73-81",
         "10.1002/(SICI)1096-8628(19970221)74:1&lt;73::AID-AJMG16&gt;3.0.CO;2-O"),
    _rec("b", "Cognitive behavioral and neuroanatomical assessment of two unrelated male children expressing FRAXE",
         "Abrams, M. T. and Doheny, K. F. and Mazzocco, M. M.", "1997", "American Journal of Medical Genetics", "74", "73-81",
         "10.1002/(sici)1096-8628(19970221)74:1<73::aid-ajmg16>3.0.co;2-o"),
]
RECURRING_COLUMN = [  # the same column title in two issues of one volume: two items
    _rec("id_1003361", "Remarks from MIS Quarterly Editor - Editor's Comments", "Lee, Allen S.", "2000", "MIS Quarterly", "24", number="1"),
    _rec("id_1003362", "Remarks from MIS Quarterly Editor - Editor's Comments", "Lee, Allen S.", "2000", "MIS Quarterly", "24", number="2"),
]


# From the depression gold set (MIT): Embase/Ovid exports against MEDLINE ones.
YEAR_IN_PAGES = [
    _rec("id_0002960", "Alterations in hippocampal calcium-binding neurons induced by stress models of depression: a preliminary assessment",
         "NowakB.ZadroznaM.OssowskaG.Sowa-KucmaM.GrucaP.PappM.DybalaM.PilcA.NowakG.", "2010", "Pharmacol.Rep.", "62",
         "1204-1210", number="6"),
    _rec("id_0070815", "Alterations in hippocampal calcium-binding neurons induced by stress models of depression: A preliminary assessment",
         "NowakB.ZadroznaM.OssowskaG.Sowa-KucmaM.GrucaP.PappM.DybalaM.PilcA.NowakG.", "2010", "Pharmacological Reports", "62",
         "2010", number="6"),
]
ISSUE_IN_PAGES_SAME_DOI = [
    _rec("id_0011712", "Chronic stress causes amygdala hyperexcitability in rodents", "RosenkranzJ.A.VenheimE.R.PadivalM.", "2010",
         "Biol.Psychiatry", "67", "1128-1136", "S0006-3223(10)00128-9 [pii];10.1016/j.biopsych.2010.02.008 [doi]", "12"),
    _rec("id_0072476", "Chronic Stress Causes Amygdala Hyperexcitability in Rodents", "RosenkranzJ.A.VenheimE.R.PadivalM.", "2010",
         "Biological psychiatry", "67", "15", "http://dx.doi.org/10.1016/j.biopsych.2010.02.008", "12"),
]
GENERATIONAL_SUFFIX_AND_OVID_CITATION = [  # "BarryIII, H."; volume only inside the Ovid source field (authors as the CSV reader splits them)
    _rec("id_0018529", "Discriminative disinhibitory and depressant effects of several anticonvulsants",
         "Krimmer, E.C. and BarryH.IIIAlvinJ.D.", "1982", "Psychopharmacology (Berl)", "78", "28-32", number="1"),
    _rec("id_0073416", "Discriminative disinhibitory and depressant effects of several anticonvulsants",
         "Krimmer, E.C. and BarryIII, H. and Alvin, J.D.", "1982", "Psychopharmacology.78 (1) ()(pp 28-32) 1982.Date of Publication: 1982.",
         "", "28-32", number="1"),
]


DOI_PREFIX_MOVED = [  # a journal moved from Informa (10.3109) to Taylor & Francis (10.1080): the same suffix
    _rec("id_0014561", "Creatine transporter expression after antidepressant therapy in rats bred for learned helplessness",
         "Lugenbiel, P. and Sartorius, A. and Vollmayr, B. and Schloss, P.", "2010", "World J.Biol.Psychiatry", "11",
         "329-333", "10.1080/15622970903131597"),
    _rec("id_0072835", "Creatine transporter expression after antidepressant therapy in rats bred for learned helplessness",
         "Lugenbiel, P. and Sartorius, A. and Vollmayr, B. and Schloss, P.", "2010", "World Journal of Biological Psychiatry", "11",
         "2010", "10.3109/15622970903131597"),
]


KETAMINE_ABSTRACT = ("The present study investigated the effect of a single anesthetic dose of ketamine a noncompetitive "
                     "N-methyl-D-aspartate (NMDA) glutamate receptor antagonist on behavioral despair an animal model of "
                     "depression. Separate groups of male Wistar rats injected with an anesthetic dose of ketamine (160 mg/kg ip) "
                     "and tested 3 7 or 10 days later")
SAME_ABSTRACT_OTHER_PAGES = [  # depression gold set: MEDLINE 341-344, Embase 349-352, the same abstract
    {**_rec("id_0056701", "Prolonged effect of an anesthetic dose of ketamine on behavioral despair",
            "Yilmaz, A. and Schulz, D. and Aksoy, A. and Canbeyli, R.", "2002", "Pharmacol.Biochem.Behav.", "71", "341-344",
            number="01-Feb"), "abstract": KETAMINE_ABSTRACT},
    {**_rec("id_0078189", "Prolonged effect of an anesthetic dose of ketamine on behavioral despair",
            "Yilmaz, A. and Schulz, D. and Aksoy, A. and Canbeyli, R.", "2002",
            "Pharmacology Biochemistry and Behavior.71 (1-2) ()(pp 349-352) 2002.Date of Publication: 02 Jan 2002.", "",
            "349-352", number="01-Feb"), "abstract": KETAMINE_ABSTRACT},
]


# From the neuroimaging gold set (MIT).
PROCEEDINGS_WITHOUT_VENUE = [  # one export names the EMBC proceedings ("... Conference"), the other no venue at all
    _rec("id_0000776", "Representation of cognitive processes using the minimum spanning tree of local meshes",
         "Firat, O. and Ozay, M. and Onal, I. and Oztekin, I. and Yarman Vural, F. T.", "2013",
         "Conference proceedings : ... Annual International Conference of the IEEE Engineering in Medicine and Biology Society. "
         "IEEE Engineering in Medicine and Biology Society. Conference", "2013", "6780-6783"),
    _rec("id_0000795", "Representation of cognitive processes using the minimum spanning tree of local meshes",
         "Firat, O. and Ozay, M. and Onal, I. and Oztekin, I. and Yarman Vural, F. T.", "2013", "", "", "6780-6783",
         "10.1109/EMBC.2013.6611113"),
]
FIRST_PAGE_MISTYPED = [  # same DOI and last page, "S145" vs "S146" as the first page
    _rec("id_0002137", "Stress vulnerability and epigenetic variation of a suicide biomarker gene molecular regulation and "
         "neuroimaging consequences of ska2", "Clive, M. and Jones, I. and Wilcox, H. and Eaton, W.", "2017", "Biological Psychiatry",
         "81 (10 Supplement 1)", "S145-S146", "10.1016/j.biopsych.2017.02.374", "10"),
    _rec("id_0001596", "Stress Vulnerability and Epigenetic Variation of a Suicide Biomarker Gene Molecular Regulation and "
         "Neuroimaging Consequences of SKA2", "Clive, M. and Jones, I. and Wilcox, H. and Eaton, W.", "2017", "Biological Psychiatry",
         "81", "S146-S146", "10.1016/j.biopsych.2017.02.374", "10"),
]


# From the stroke gold set (MIT): one meeting abstract printed twice in one issue, at e3 and e8-e9.
ABSTRACT_PRINTED_TWICE = [
    _rec("id_0000014", "Amantadine hydrochloride for treatment of symptom's of the posttraumatic confusional state: "
         "A randomized, double-blind, placebo-controlled trial", "Yablon, S. and Sherer, M. and Nakase-Richardson, R. and Todd, N.",
         "2010", "Archives of Physical Medicine and Rehabilitation", "91", "e8-e9", number="10"),
    _rec("id_0000015", "Amantadine hydrochloride for treatment of symptoms of the posttraumatic confusional state: "
         "A randomized, double-blind, placebo-controlled trial", "Yablon, S. and Sherer, M. and Nakase-Richardson, R. and Todd, N.",
         "2010", "Archives of Physical Medicine and Rehabilitation", "91", "e3", number="10"),
]


MERGE = {
    "language-note": TRANSLATED_WITH_LANGUAGE_NOTE, "digits-spacing": DIGITS_SPACED_DIFFERENTLY,
    "article-number": ARTICLE_NUMBER_VS_PRINT_PAGES, "group-author": GROUP_AUTHOR, "names-swapped": NAMES_SWAPPED,
    "authors-garbled": AUTHORS_GARBLED, "chinese-names-turned": CHINESE_NAMES_TURNED, "radiolabel": RADIOLABEL_NOTATION,
    "wrong-doi": WRONG_DOI, "kind-prefix-same-doi": KIND_PREFIX_SAME_DOI, "roman-pages": ROMAN_PAGES, "sici-doi": SICI_DOI,
    "year-in-pages": YEAR_IN_PAGES, "issue-in-pages-same-doi": ISSUE_IN_PAGES_SAME_DOI,
    "suffix-and-ovid-citation": GENERATIONAL_SUFFIX_AND_OVID_CITATION, "doi-prefix-moved": DOI_PREFIX_MOVED,
    "same-abstract-other-pages": SAME_ABSTRACT_OTHER_PAGES, "no-venue": PROCEEDINGS_WITHOUT_VENUE,
    "first-page-typo": FIRST_PAGE_MISTYPED, "abstract-printed-twice": ABSTRACT_PRINTED_TWICE,
}
# Each rule's near miss: the same real pair with the one field changed that must keep it apart.
APART = {
    "other-numbers": _changed(DIGITS_SPACED_DIFFERENTLY, title=DIGITS_SPACED_DIFFERENTLY[1]["title"].replace("16/18", "31/45")),
    "article-number-other-volume": _changed(ARTICLE_NUMBER_VS_PRINT_PAGES, volume="338"),
    "garbled-other-issue": _changed(AUTHORS_GARBLED, number="2"),
    "garbled-short-title-other-first-author": [
        {**r, "title": "Managing virtual teams", **({"author": "Smith, John and Patton, Tatiana"} if k else {})}
        for k, r in enumerate(AUTHORS_GARBLED)],
    "garbled-other-pages": _changed(AUTHORS_GARBLED, pages="47--56"),
    "recurring-column": RECURRING_COLUMN,
    "wrong-doi-other-pages": _changed(WRONG_DOI, pages="168-175"),
    "roman-other-last-page": _changed(ROMAN_PAGES, pages="xiii-xiv"),
    "year-in-pages-other-pages": _changed(YEAR_IN_PAGES, pages="1211-1220", number="7"),
    "issue-in-pages-other-doi": _changed(ISSUE_IN_PAGES_SAME_DOI, doi="10.1016/j.biopsych.2010.02.009"),
    "ovid-citation-other-volume": _changed(GENERATIONAL_SUFFIX_AND_OVID_CITATION,
                                           journal="Psychopharmacology.79 (1) ()(pp 28-32) 1982."),
    "doi-prefix-moved-other-suffix": _changed(DOI_PREFIX_MOVED, doi="10.3109/15622970903131598"),
    "same-abstract-but-other": _changed(SAME_ABSTRACT_OTHER_PAGES,
                                        abstract="A different study of ketamine in mice, with other methods and results."),
    "same-abstract-other-volume": _changed(SAME_ABSTRACT_OTHER_PAGES,
                                           journal="Pharmacology Biochemistry and Behavior.72 (1-2) ()(pp 349-352) 2002."),
    "first-page-typo-other-doi": _changed(FIRST_PAGE_MISTYPED, doi="10.1016/j.biopsych.2017.02.375"),
    "printed-twice-other-issue": _changed(ABSTRACT_PRINTED_TWICE, number="11"),
    "printed-twice-other-volume": _changed(ABSTRACT_PRINTED_TWICE, volume="92", year="2011"),
    "printed-twice-other-authors": _changed(ABSTRACT_PRINTED_TWICE, author="Sherer, M. and Yablon, S. and Todd, N."),
    "printed-twice-other-dois": [{**ABSTRACT_PRINTED_TWICE[0], "doi": "10.1016/j.apmr.2010.07.012"},
                                 {**ABSTRACT_PRINTED_TWICE[1], "doi": "10.1016/j.apmr.2010.07.031"}],
    "printed-twice-part-two": _changed(ABSTRACT_PRINTED_TWICE, title=ABSTRACT_PRINTED_TWICE[1]["title"] + " part 2"),
}


@pytest.mark.parametrize("name", MERGE)
def test_real_duplicates_that_need_a_rule_merge(empty_store, name):
    load_rows(empty_store, MERGE[name])
    run(empty_store)
    assert groups_by_key(empty_store) == {frozenset(r["ID"] for r in MERGE[name])}


@pytest.mark.parametrize("name", APART)
def test_near_misses_of_those_rules_stay_apart(empty_store, name):
    load_rows(empty_store, APART[name])
    run(empty_store)
    assert groups_by_key(empty_store) == set()
