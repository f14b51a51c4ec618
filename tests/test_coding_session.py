"""The interactive coding screen driven through the real CLI with fed keys (stdin is not a TTY)."""

from __future__ import annotations

import json
import uuid

from coding_support import add_records, include, included_store
from litmap.coding.codings import CodingConfig, coder_codes, current_codes
from litmap.store import now, open_store, write

ALL_DIMENSIONS = [
    "1 3",        # theme: toggle legal, prevention
    "",           # save
    "grooming",   # form: toggle by name
    "",
    "",           # actors: nothing applies
    "soc, 6",     # technology: "soc" is not a number list -> names; "6" is a name that matches nothing
]


def run(litmap, reviewer: str, keys: list[str], *extra):
    return litmap.ok("code", "--reviewer", reviewer, *extra, input="\n".join(keys) + "\n")


def test_code_one_record_fully_and_resume(litmap, db_path):
    db, ids = included_store(db_path, 2)
    db.close()
    keys = [
        "1 3", "",                # theme
        "grooming", "",           # form
        "",                       # actors: nothing applies
        "soc", "mob", "",         # technology: social media, mobile
        "ken", "united", "2", "", # country: Kenya, then pick the 2nd match of "united"
        "1",                      # design: survey (one choice saves at once)
        "2012",                   # data_year
        "350",                    # sample_size
        "Schools in Nairobi",     # notes
        ":q",
    ]
    out = run(litmap, "ana", keys).stdout
    assert "Record 1 of 2 · id 1" in out and "Study 1" in out and "Abstract of Study 1." in out
    assert "[1/9] Theme  (several choices)" in out
    assert "selected: Legal frameworks, Prevention and behaviour change  (Enter saves)" in out
    assert "matches: 1. United Arab Emirates (AE)  2. United Kingdom (GB)" in out
    assert "quit; every answer so far is saved" in out
    db = open_store(db_path)
    mine = coder_codes(db, "ana")[ids[0]]
    assert mine == {
        "theme": ["legal", "prevention"], "form": ["grooming"], "actors": [], "technology": ["social-media", "mobile"],
        "country": ["GB", "KE"], "design": ["survey"], "data_year": ["2012"], "sample_size": ["350"],
        "notes": ["Schools in Nairobi"],
    }
    # Resuming starts at the next record that is not fully coded.
    again = run(litmap, "ana", [":q"]).stdout
    assert "Record 2 of 2 · id 2" in again and "Record 1 of 2" not in again


def test_undo_back_skip_and_errors(litmap, db_path):
    db, ids = included_store(db_path, 2)
    db.close()
    out = run(litmap, "ana", ["2", "", ":u", "4", "", "99", ":b", "", ":s", ":q"]).stdout
    assert "saved Theme: Law enforcement policy and practice" in out
    assert "undone: Theme of record 1" in out
    assert "saved Theme: Victim support and response" in out
    assert "no code number 99; choose 1-10" in out
    assert "kept" not in out.split("undone")[0]
    assert "skipped record 1" in out and "Record 2 of 2 · id 2" in out
    db = open_store(db_path)
    assert coder_codes(db, "ana") == {ids[0]: {"theme": ["victims"]}}
    # Undo appended a row restoring "no answer"; history is complete.
    values = [r[0] for r in db.execute("select value from codings order by id")]
    assert values == ['["enforcement"]', None, '["victims"]']


def test_blind_dual_coding_and_notes(litmap, db_path):
    db, ids = included_store(db_path, 1)
    with write(db):
        db["notes"].insert({"uid": uuid.uuid4().hex, "record_id": ids[0], "stage": "full-text", "reviewer": "ben",
                            "text": "check the sample", "created_at": now()})
        db["notes"].insert({"uid": uuid.uuid4().hex, "record_id": ids[0], "stage": "full-text", "reviewer": "ana",
                            "text": "ana's private note", "created_at": now()})
    db.close()
    run(litmap, "ana", ["7", "", ":q"])
    out = run(litmap, "ben", [":q"]).stdout
    assert "Industry and technology responses" in out  # listed as a choice
    assert "saved:" not in out  # but ana's answer is not shown to ben
    assert "Your note: check the sample" in out and "private note" not in out


def test_record_text_is_data_not_markup(litmap, db_path):
    db = open_store(db_path)
    [rid] = add_records(db, ["[bold red]Grooming[/bold red] \x1b[31mred\x1b[0m online"])
    include(db, [rid])
    from litmap.coding.codebook import load_codebook
    from coding_support import CODEBOOK

    load_codebook(db, CODEBOOK)
    db.close()
    out = run(litmap, "ana", [":q"]).stdout
    assert "[bold red]Grooming[/bold red] red online" in out
    assert "\x1b" not in out


def test_title_abstract_stage_and_nothing_included(litmap, db_path):
    db = open_store(db_path)
    [rid] = add_records(db, ["Scoping study"])
    include(db, [rid], stages=("title-abstract",))
    from litmap.coding.codebook import load_codebook
    from coding_support import CODEBOOK

    load_codebook(db, CODEBOOK)
    db.close()
    none = litmap("code", "--reviewer", "ana", input=":q\n")
    assert none.exit_code == 1
    assert none.stderr == "Error: no records are included at full-text; screen first, or use --stage title-abstract\n"
    out = litmap.ok("code", "--reviewer", "ana", "--stage", "ta", input="5\n\n").stdout
    assert "Record 1 of 1 · id 1" in out
    assert "End of input; every answer so far is saved." in out
    db = open_store(db_path)
    assert current_codes(db, config=CodingConfig(False, (), 2)) == {rid: {"theme": ["prevalence"]}}


def test_all_done_message(litmap, db_path):
    db, ids = included_store(db_path, 1)
    from litmap.coding.codebook import require_codebook
    from litmap.coding.codings import set_code

    for dim in require_codebook(db).dimensions:
        set_code(db, ids[0], dim.key, [], "ana")
    db.close()
    out = litmap.ok("code", "--reviewer", "ana", input="").stdout
    assert "all 1 included records are coded by ana" in out
    need = litmap("code")
    assert need.exit_code == 1 and need.stderr.startswith("Error: interactive coding needs --reviewer NAME")
