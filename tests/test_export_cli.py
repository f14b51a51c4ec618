"""`litmap export` through the real CLI: formats, stdout, codes, errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import bibtexparser
import pytest
import rispy

from litmap.store import open_store
from test_export import _build

CODEBOOK = """
[codebook]
title = "Test map"

[dimensions.theme]
label = "Theme"
type = "choice"
multiple = true

[dimensions.theme.codes.prevention]
label = "Prevention"

[dimensions.theme.codes.prevention.codes.education]
label = "Education programmes"

[dimensions.theme.codes.detection]
label = "Detection"

[dimensions.form]
label = "Form of abuse"
type = "choice"

[dimensions.form.codes.grooming]
label = "Grooming"

[dimensions.form.codes.sextortion]
label = "Sextortion"
"""


@pytest.fixture
def screened(db_path: Path, litmap):
    _build(db_path)
    return litmap


@pytest.fixture
def coded(screened, db_path: Path, tmp_path: Path):
    from litmap.coding.codebook import load_codebook
    from litmap.coding.codings import set_code

    book = tmp_path / "codebook.toml"
    book.write_text(CODEBOOK, encoding="utf-8")
    db = open_store(db_path)
    load_codebook(db, book)
    set_code(db, 1, "theme", ["prevention"], "ann")
    set_code(db, 1, "form", ["grooming"], "ann")
    set_code(db, 7, "theme", ["education", "detection"], "ann")
    set_code(db, 3, "form", ["sextortion"], "ann")
    db.close()
    return screened


def test_format_from_suffix_and_summary_on_stderr(screened, tmp_path):
    for name, check in (("refs.bib", "@article{smith2019nudging,"), ("refs.ris", "TY  - JOUR"),
                        ("refs.csv", "litmap_id,key,type,title"), ("refs.json", '"id": "smith2019nudging"')):
        out = tmp_path / name
        result = screened.ok("export", out)
        assert result.stdout == ""
        assert result.stderr.startswith(f"Exported 7 records to {out} (")
        assert check in out.read_text(encoding="utf-8-sig")


def test_stdout_with_dash(screened):
    result = screened.ok("export", "-", "--format", "ris")
    assert len(rispy.loads(result.stdout)) == 7
    assert result.stderr == "Exported 7 records (ris)\n"


def test_selection_options(screened):
    result = screened.ok("export", "-", "--format", "bibtex", "--stage", "ta", "--status", "included")
    assert [e.key for e in bibtexparser.parse_string(result.stdout).entries] == ["smith2019nudging", "smith2019thesis"]
    result = screened.ok("export", "-", "-f", "csv", "--all")
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 8
    result = screened.ok("export", "-", "-f", "csljson", "--stage", "ft", "--status", "excluded")
    assert [i["custom"]["litmap-id"] for i in json.loads(result.stdout)] == [1]


def test_status_without_stage_is_a_usage_error(screened):
    result = screened("export", "-", "--format", "ris", "--status", "included")
    assert result.exit_code == 2
    assert "--status" in result.stderr and "needs --stage" in result.stderr


def test_unknown_format(screened, tmp_path):
    result = screened("export", tmp_path / "x.bib", "--format", "endnote")
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown export format 'endnote'; use one of: bibtex, ris, csv, csljson\n"
    result = screened("export", tmp_path / "refs.txt")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'refs.txt'}: cannot tell the format from the suffix '.txt'")
    result = screened("export", "-")
    assert result.exit_code == 1
    assert result.stderr == "Error: writing to stdout (-) needs --format; use one of: bibtex, ris, csv, csljson\n"


def test_unwritable_out(screened, tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "refs.bib"
    result = screened("export", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}: cannot write (No such file or directory)")
    result = screened("export", tmp_path, "--format", "ris")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path}: is a directory; name a file to export to\n"


def test_missing_store(litmap, tmp_path):
    result = litmap("export", tmp_path / "x.bib")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "no litmap store here" in result.stderr


def test_code_without_codebook(screened):
    result = screened("export", "-", "--format", "ris", "--code", "theme=prevention")
    assert result.exit_code == 1
    assert result.stderr == "Error: no codebook loaded; run litmap codebook load FILE\n"
    result = screened("export", "-", "--format", "ris", "--code", "theme")
    assert result.exit_code == 2 and "DIMENSION=VALUE" in result.stderr


def test_codes_in_every_format(coded, tmp_path):
    bib = bibtexparser.parse_string(coded.ok("export", "-", "-f", "bibtex").stdout)
    first = {e.key: e for e in bib.entries}["smith2019nudging"]
    assert first["litmap-codes"] == "theme=prevention; form=grooming"
    assert first["keywords"].endswith("; theme=prevention; form=grooming")
    ris = rispy.loads(coded.ok("export", "-", "-f", "ris").stdout)
    assert ris[0]["keywords"][-2:] == ["theme=prevention", "form=grooming"]
    rows = list(csv.DictReader(io.StringIO(coded.ok("export", "-", "-f", "csv").stdout)))
    assert list(rows[0])[-2:] == ["theme", "form"]
    by_id = {r["litmap_id"]: r for r in rows}
    assert (by_id["1"]["theme"], by_id["1"]["form"]) == ("prevention", "grooming")
    assert by_id["7"]["theme"] == "education; detection"
    assert (by_id["2"]["theme"], by_id["2"]["form"]) == ("", "")
    items = json.loads(coded.ok("export", "-", "-f", "csljson").stdout)
    assert items[0]["custom"]["litmap-codes"] == {"theme": ["prevention"], "form": ["grooming"]}
    assert "codes: theme=prevention; form=grooming" in items[0]["note"]


@pytest.mark.parametrize(("codes", "expected"), [
    (["theme=prevention"], [1, 7]),          # a parent code keeps its sub-codes (education)
    (["theme=Detection"], [7]),              # a label names a code
    (["theme=prevention", "form=grooming"], [1]),  # dimensions must all match
    (["form=grooming", "form=sextortion"], [1, 3]),  # values of one dimension are alternatives
])
def test_code_filter(coded, codes, expected):
    args = [a for c in codes for a in ("--code", c)]
    rows = csv.DictReader(io.StringIO(coded.ok("export", "-", "-f", "csv", *args).stdout))
    assert [int(r["litmap_id"]) for r in rows] == expected


def test_code_filter_errors(coded):
    result = coded("export", "-", "-f", "csv", "--code", "colour=red")
    assert result.exit_code == 1
    assert result.stderr == "Error: --code colour=red: no dimension 'colour'; the codebook has: theme, form\n"
    result = coded("export", "-", "-f", "csv", "--code", "form=bullying")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: dimension 'form': no code 'bullying'")


def test_help_text(litmap):
    result = litmap.ok("export", "--help")
    assert "Export records with their screening outcome, codes and provenance." in result.stdout
    for option in ("--format", "--stage", "--status", "--code", "--all"):
        assert option in result.stdout
