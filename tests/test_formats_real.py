"""Every real export of /work/shared/data/formats imports through the CLI with the record count of
its manifest, and is detected as the manifest's format (all formats, not only the tagged ones)."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import SHARED_DATA, needs_shared

FORMATS = SHARED_DATA / "formats"

# manifest format name -> litmap's format name
FORMAT_NAMES = {
    "endnote_xml": "endnote-xml", "endnote_tagged": "refer", "crossref_json": "crossref",
    "openalex_json": "openalex", "csljson": "csljson", "wos": "wos",
}

# Where the manifest's independent count is a counting shortcut, not the number of records.
CORRECTIONS = {
    # The manifest counted `%0` lines, but 4 of the 6 blank-line-separated records of the AIS
    # export have no `%0` (Refer makes it optional); CoLRev's own expected result for this file
    # (tests/review_manager/3_packages_search/data/ais_enl_result.bib) holds all 6 records.
    "endnote_tagged/colrev__ais_enl.txt": 6,
}


def manifest() -> list[dict[str, str]]:
    if not (FORMATS / "manifest.csv").exists():
        return []
    with open(FORMATS / "manifest.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def expected_format(row: dict[str, str]) -> str:
    fmt = FORMAT_NAMES.get(row["format"], row["format"])
    if fmt == "wos" and row["file"].endswith(".txt") and "\t" in (FORMATS / row["file"]).read_text("utf-8-sig")[:200]:
        return "csv"  # the tab-delimited WoS export is read by the CSV reader
    return fmt


ROWS = manifest()


@needs_shared
@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_real_export_imports_with_its_record_count(litmap, row):
    path = FORMATS / row["file"]
    result = litmap("import", path, "--json")
    assert result.exit_code == 0, f"{row['file']}: exit {result.exit_code}: {result.stderr}"
    (imported,) = json.loads(result.stdout)
    assert imported["format"] == expected_format(row)
    assert imported["records"] == CORRECTIONS.get(row["file"], int(row["records"]))
    assert imported["skipped"] == []


@needs_shared
def test_manifest_is_complete():
    assert len(ROWS) >= 61
