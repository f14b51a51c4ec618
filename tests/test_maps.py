"""Evidence maps: counts equal independent counts; table/csv/json/svg/html outputs; layout without overlap."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from coding_support import add_records, include, included_store
from litmap.coding.codebook import require_codebook
from litmap.coding.codings import CodingConfig, set_code
from litmap.coding.countries import BY_ALPHA2
from litmap.reports.map_svg import CHAR, to_svg
from litmap.reports.maps import crosstab

LAYOUT = Path(__file__).parent / "fixtures" / "coding" / "map12x8.toml"
SINGLE = CodingConfig(False, (), 2)
COUNTRIES = ["KE", "UG", "GB", "US", "BR", "IN", "PH", "ZA", "AU", "DE"]


@pytest.fixture
def mapped(db_path):
    """80 included studies coded at random (seeded), plus what was coded, for independent counting."""
    db, ids = included_store(db_path, 80)
    book = require_codebook(db)
    rng = random.Random(11)
    themes = [c.key for c in book.dimension("theme").codes]
    forms = [c.key for c in book.dimension("form").codes]
    truth: dict[int, dict[str, list[str]]] = {}
    for rid in ids[:70]:  # 10 studies stay uncoded
        t = rng.sample(themes, rng.randint(1, 3))
        f = rng.sample(forms, rng.randint(0, 2))
        c = rng.sample(COUNTRIES, rng.randint(0, 3))
        d = [rng.choice(["survey", "qualitative", "review"])]
        for dim, values in (("theme", t), ("form", f), ("country", c), ("design", d)):
            set_code(db, rid, dim, values, "ana", book=book)
        truth[rid] = {"theme": t, "form": f, "country": c, "design": d}
    # A conflict on study 1's theme takes it out of theme maps.
    set_code(db, ids[0], "theme", ["legal"] if "legal" not in truth[ids[0]]["theme"] else ["victims"], "ben", book=book)
    truth[ids[0]].pop("theme")
    # A study excluded at full text is never counted, even when coded.
    [excluded] = add_records(db, ["Excluded study"])
    include(db, [excluded], stages=("title-abstract",))
    set_code(db, excluded, "theme", ["legal"], "ana", book=book)
    yield db, ids, truth
    db.close()


def independent(truth, rows, cols):
    cells, studies = Counter(), set()
    for rid, codes in truth.items():
        for r in set(codes.get(rows, [])):
            for c in set(codes.get(cols, [])):
                cells[(r, c)] += 1
                studies.add(rid)
    return cells, studies


def test_crosstab_counts_equal_independent_counts(mapped):
    db, ids, truth = mapped
    tab = crosstab(db, "theme", "form", config=SINGLE)
    cells, studies = independent(truth, "theme", "form")
    got = {(r, c): tab.counts[i][j] for i, (r, _, _) in enumerate(tab.rows) for j, (c, _, _) in enumerate(tab.cols)}
    assert {k: v for k, v in got.items() if v} == dict(cells)
    assert tab.studies == len(studies) and tab.included == 80
    assert [r for r, _, _ in tab.rows] == [c.key for c in require_codebook(db).dimension("theme").codes]  # gaps kept
    for i, (r, _, _) in enumerate(tab.rows):
        assert tab.row_totals[i] == sum(1 for rid in studies if r in truth[rid]["theme"])
    assert any("count once in each of them" in n for n in tab.notes)


def test_region_counts_each_study_once_per_region(mapped):
    db, ids, truth = mapped
    tab = crosstab(db, "theme", "region", config=SINGLE)
    expected = Counter()
    for rid, codes in truth.items():
        regions = {BY_ALPHA2[c].region for c in codes["country"]}
        for t in codes.get("theme", []):
            for region in regions:
                expected[(t, region)] += 1
    got = {(r, c): tab.counts[i][j] for i, (r, _, _) in enumerate(tab.rows) for j, (c, _, _) in enumerate(tab.cols) if tab.counts[i][j]}
    assert got == dict(expected)
    assert [c for c, _, _ in tab.cols] == ["Africa", "Americas", "Asia", "Europe", "Oceania"]


def test_by_year_and_by_country_and_single_dimension(mapped):
    db, ids, truth = mapped
    years = {r[0]: r[1] for r in db.execute("select id, year from records")}
    tab = crosstab(db, "design", "year", config=SINGLE)
    expected = Counter((codes["design"][0], str(years[rid])) for rid, codes in truth.items())
    got = {(r, c): tab.counts[i][j] for i, (r, _, _) in enumerate(tab.rows) for j, (c, _, _) in enumerate(tab.cols) if tab.counts[i][j]}
    assert got == dict(expected)
    col_years = [int(c) for c, _, _ in tab.cols]
    assert col_years == list(range(min(col_years), max(col_years) + 1))  # no missing years in the axis
    one = crosstab(db, "design", config=SINGLE)
    assert [c for c, _, _ in one.cols] == ["studies"]
    assert dict(zip([r for r, _, _ in one.rows], [row[0] for row in one.counts]))["survey"] == sum(
        1 for c in truth.values() if c["design"] == ["survey"])


def test_rollup_counts_sub_codes_under_parents(tmp_path):
    db, ids = included_store(tmp_path / "r.db", 3)
    set_code(db, ids[0], "form", ["csam-production"], "ana")
    set_code(db, ids[1], "form", ["csam", "csam-distribution"], "ana")
    set_code(db, ids[2], "form", ["grooming"], "ana")
    plain = crosstab(db, "form", config=SINGLE)
    rolled = crosstab(db, "form", rollup=True, config=SINGLE)
    count = lambda tab, code: tab.counts[[r for r, _, _ in tab.rows].index(code)][0]
    assert (count(plain, "csam"), count(rolled, "csam")) == (1, 2)  # study 2 once, not twice
    assert count(rolled, "csam-production") == 1 and count(rolled, "grooming") == 1


def test_cli_formats(litmap, mapped, tmp_path):
    db, ids, truth = mapped
    db.close()
    table = litmap.ok("map", "theme", "form").stdout
    assert "Legal frameworks" in table and "count once in each of them" in table
    rows = list(csv.reader(io.StringIO(litmap.ok("map", "theme", "form", "--format", "csv").stdout)))
    assert rows[0][0] == "theme \\ form" and rows[0][-1] == "studies" and len(rows) == 8 + 2
    data = json.loads(litmap.ok("map", "theme", "--by", "country", "--format", "json").stdout)
    assert data["columns_dimension"] == "country" and {c["value"] for c in data["columns"]} <= set(COUNTRIES)
    out = tmp_path / "map.html"
    r = litmap.ok("map", "theme", "form", "--format", "html", "--out", out)
    assert r.stdout == "" and "Wrote html map (8 x 10" in r.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    both = litmap("map", "theme", "form", "--by", "year")
    assert both.exit_code == 2 and "give either COLS or --by" in both.stderr
    text = litmap("map", "notes")
    assert text.exit_code == 1 and text.stderr == "Error: dimension 'notes' is free text and cannot be mapped; map a choice, country, year or number dimension\n"


def _text_boxes(svg: str):
    """(x0, y0, x1, y1, text) of every horizontal text line, from positions and estimated widths."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    boxes = []
    for el in root.iter(f"{ns}text"):
        if el.get("transform"):
            continue
        size = float(el.get("font-size", 13))
        anchor = el.get("text-anchor", "start")
        parts = [(sp.get("x"), sp.get("y"), sp.text or "") for sp in el.findall(f"{ns}tspan")] or [(el.get("x"), el.get("y"), el.text or "")]
        for x, y, t in parts:
            x, y = float(x), float(y)
            w = len(t) * size * 0.55  # DejaVu Sans averages below 0.55 em; layout reserves CHAR
            x0 = x - w / 2 if anchor == "middle" else x
            boxes.append((x0, y - size * 0.8, x0 + w, y + size * 0.2, t))
    return boxes


def test_svg_12_by_8_has_legend_labels_and_no_overlap(tmp_path):
    db, ids = included_store(tmp_path / "l.db", 40, codebook=LAYOUT)
    book = require_codebook(db)
    rng = random.Random(3)
    themes = [c.key for c in book.dimension("theme").codes]
    forms = [c.key for c in book.dimension("form").codes]
    for rid in ids:
        set_code(db, rid, "theme", rng.sample(themes, 2), "ana", book=book)
        set_code(db, rid, "form", rng.sample(forms, 2), "ana", book=book)
    tab = crosstab(db, "theme", "form", config=SINGLE)
    assert (len(tab.rows), len(tab.cols)) == (12, 8)
    svg = to_svg(tab)
    assert "Studies per cell" in svg and "0 (gap)" in svg
    boxes = _text_boxes(svg)
    words = " ".join(b[4] for b in boxes)
    for _, label, _ in tab.rows + tab.cols:  # every label readable in full (wrapped, not cut)
        assert re.sub(r"\s+", " ", label) in re.sub(r"\s+", " ", words) or all(w in words for w in label.split())
    assert "…" not in words
    overlaps = [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert overlaps == []
    assert CHAR > 0.55  # the layout reserves more width per character than the check assumes
