"""Importing files into the store: provenance, idempotency, one transaction, search and show."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BIB_2000 = CORPUS / "scopus-2000.bib"  # 19 real Scopus records (MIT, see corpus/README.md)


def test_import_records_provenance(litmap, empty_store):
    result = litmap.ok("import", BIB_2000, "--source", "Scopus", "--query", "cyberpsychology", "--searched", "2018-06-01")
    assert "Imported 19 records" in result.stdout
    src = next(empty_store.query("select * from sources"))
    assert (src["name"], src["kind"], src["format"], src["records"], src["query"], src["searched_on"]) == (
        "Scopus", "database", "bibtex", 19, "cyberpsychology", "2018-06-01")
    assert len(src["sha256"]) == 64
    rec = next(empty_store.query("select * from records where source_key = 'Finn2000785'"))
    assert rec["title"].startswith("Victimization online")
    assert rec["year"] == 2000 and rec["position"] >= 1
    raw = json.loads(rec["raw"])
    assert "references" in raw or "abstract" in raw  # every original field is kept


def test_same_file_twice_is_refused_unless_forced(litmap, tmp_path):
    litmap.ok("import", BIB_2000)
    again = litmap("import", BIB_2000)
    assert again.exit_code == 1
    assert again.stderr.startswith(f"Error: {BIB_2000}: already imported as source 1")
    assert "--force" in again.stderr
    forced = litmap.ok("import", BIB_2000, "--force", "--json")
    assert json.loads(forced.stdout)[0]["source_id"] == 2


def test_one_bad_file_imports_nothing(litmap, empty_store, tmp_path):
    empty = tmp_path / "empty.ris"
    empty.write_text("")
    result = litmap("import", BIB_2000, empty)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {empty}: the file is empty; export the search results again\n"
    assert empty_store.execute("select count(*) from sources").fetchone()[0] == 0
    assert empty_store.execute("select count(*) from records").fetchone()[0] == 0


def test_unknown_kind_and_format_are_errors(litmap):
    assert litmap("import", BIB_2000, "--kind", "friends").exit_code == 1
    bad = litmap("import", BIB_2000, "--format", "docx")
    assert bad.exit_code == 1 and "unknown format 'docx'" in bad.stderr


def test_gzip_is_read_transparently(litmap, tmp_path):
    import gzip

    gz = tmp_path / "scopus-2000.bib.gz"
    with open(BIB_2000, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert "Imported 19 records" in litmap.ok("import", gz).stdout


def test_search_and_show(litmap):
    litmap.ok("import", BIB_2000)
    found = json.loads(litmap.ok("search", "victimization", "--json").stdout)
    assert any(r["title"].startswith("Victimization online") for r in found)
    shown = litmap.ok("show", str(found[0]["id"]))
    assert "Victimization online" in shown.stdout and "scopus-2000.bib" in shown.stdout
    missing = litmap("show", "9999")
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: record 9999 not found")
    none = litmap.ok("search", "zebrafish")
    assert none.stdout == "" and "No record matches 'zebrafish'" in none.stderr
    text = litmap.ok("search", "victimization").stdout
    assert "Victimization online" in text
    bad_query = litmap("search", '"unbalanced')
    assert bad_query.exit_code == 1 and bad_query.stderr.startswith("Error: cannot search")


def test_sources_json(litmap):
    litmap.ok("import", BIB_2000, "--source", "Scopus")
    rows = json.loads(litmap.ok("sources", "--json").stdout)
    assert rows[0]["records"] == 19 and rows[0]["canonical"] == 19 and rows[0]["name"] == "Scopus"


def test_full_text_index_built_batch_by_batch_holds_every_record_once(empty_store, tmp_path, monkeypatch):
    """The index is filled after each batch of rows: every record in it once, across batches and
    across sources (a second file's batches must not index the first's rows again)."""
    from litmap import ingest

    monkeypatch.setattr(ingest, "BATCH", 7)
    ris = tmp_path / "many.ris"
    ris.write_text("".join(f"TY  - JOUR\nTI  - Record number {i} about zebrafish\nPY  - 2001\nER  - \n\n" for i in range(50)))
    ingest.import_files(empty_store, [BIB_2000, ris])
    total = empty_store.execute("select count(*) from records").fetchone()[0]
    assert total == 69
    assert empty_store.execute("select count(*) from records_fts_docsize").fetchone()[0] == total
    hits = [r[0] for r in empty_store.execute("select rowid from records_fts where records_fts match 'zebrafish'")]
    assert len(hits) == len(set(hits)) == 50
    assert empty_store.execute("insert into records_fts(records_fts) values('integrity-check')") is not None
