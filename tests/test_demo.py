"""The README's main command: the example review end to end, and its protocol and example decisions."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litmap.cli import app
from litmap.screening.protocol import parse_protocol

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "screening" / "example-decisions"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo") / "review"
    result = CliRunner().invoke(app, ["demo", str(folder)], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    return folder, result.stdout


def _counts(folder: Path) -> dict:
    result = CliRunner().invoke(app, ["--db", str(folder / "litmap.db"), "prisma", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_demo_runs_every_step_and_leaves_the_review(demo):
    folder, out = demo
    for step in ("$ litmap init --protocol", "$ litmap import", "$ litmap dedupe", "$ litmap decisions import",
                 "$ litmap agreement", "$ litmap conflicts --stage ta", "$ litmap resolve", "$ litmap fulltext import",
                 "$ litmap conflicts --stage ft", "$ litmap status", "$ litmap codebook load", "$ litmap codings import",
                 "$ litmap map theme form", "$ litmap prisma", "$ litmap export"):
        assert step in out, step
    for name in ("litmap.db", "prisma.svg", "prisma.csv", "map.html", "included.bib", "included.ris", "included.csv",
                 "included.json", "protocol.toml", "codebook.toml"):
        assert (folder / name).stat().st_size > 0, name
    assert "Error" not in out


def test_demo_counts_follow_from_the_example_files(demo):
    """The PRISMA boxes of the demo equal counts computed here from the corpus and example CSVs."""
    folder, _ = demo
    boxes = _counts(folder)
    keys = {}
    for bib in sorted((ROOT / "corpus").glob("scopus-*.bib")):
        keys.update({line.split("{", 1)[1].split(",", 1)[0]: bib for line in bib.read_text(encoding="utf-8").splitlines()
                     if line.startswith("@")})
    same = [r for r in csv.DictReader(open(EXAMPLES / "dedupe.csv", encoding="utf-8")) if r["decision"] == "same"]
    ta = {}
    for name in ("ta-ana.csv", "ta-ben.csv"):
        for r in csv.DictReader(open(EXAMPLES / name, encoding="utf-8")):
            ta.setdefault(r["source_key"], []).append(r["decision"])
    resolved_ta = {r["source_key"]: r["decision"] for r in csv.DictReader(open(EXAMPLES / "ta-resolutions.csv", encoding="utf-8"))}
    included_ta = {k for k, v in ta.items() if resolved_ta.get(k, v[0] if len(set(v)) == 1 else None) == "include"}
    retrieved = {r["source_key"]: r["retrieved"] for r in csv.DictReader(open(EXAMPLES / "retrieval.csv", encoding="utf-8"))}
    assert boxes["database_results"] == len(keys) == 279
    assert boxes["duplicates"] == len(same) == 1
    assert boxes["records_screened"] == 279 - len(same)
    assert boxes["dbr_sought_reports"] == len(included_ta) == len(retrieved)
    assert boxes["dbr_notretrieved_reports"] == sum(v == "no" for v in retrieved.values())
    codings = list(csv.DictReader(open(EXAMPLES / "codings.csv", encoding="utf-8")))
    assert boxes["new_studies"] == len(codings) == 10


def test_demo_refuses_a_folder_holding_a_review(demo):
    folder, _ = demo
    result = CliRunner().invoke(app, ["demo", str(folder)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "already there" in result.stderr
    # The existing review is untouched.
    with sqlite3.connect(folder / "litmap.db") as conn:
        assert conn.execute("select count(*) from decisions").fetchone()[0] > 0


def test_example_protocol_is_valid_and_lists_every_reason_the_examples_use():
    protocol = parse_protocol((ROOT / "screening" / "protocol.toml").read_text(encoding="utf-8"))
    assert protocol.reviewers == ("ana", "ben") and protocol.adjudicators == ("lead",) and protocol.votes_required == 2
    used = set()
    for name in ("ft-ana.csv", "ft-ben.csv", "ft-resolutions.csv"):
        used |= {r["reason"] for r in csv.DictReader(open(EXAMPLES / name, encoding="utf-8")) if r["reason"]}
    assert used and used <= set(protocol.ft_reasons)


def test_dev_py_picks_a_free_demo_folder(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    assert dev.free_folder("litmap-demo") == "litmap-demo"
    (tmp_path / "litmap-demo").mkdir()
    (tmp_path / "litmap-demo" / "litmap.db").write_bytes(b"")
    assert dev.free_folder("litmap-demo") == "litmap-demo-2"


def test_dev_py_without_a_command_prints_usage():
    result = subprocess.run([sys.executable, str(ROOT / "dev.py"), "nope"], capture_output=True, text=True)
    assert result.returncode == 2 and "dev.py demo" in result.stderr
