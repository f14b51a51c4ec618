"""PRISMA 2020 counts on a store with a known flow: every box, every format, the history, the check."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from litmap.reports import prisma as prisma_mod
from litmap.reports.prisma_render import TEMPLATE, to_csv, to_mermaid
from litmap.reports.prisma_svg import layout, to_svg
from litmap.store import open_store
from prisma_support import build_known_flow

FIXTURE = Path(__file__).parent / "fixtures" / "prisma" / "PRISMA.csv"


@pytest.fixture
def flow(litmap, tmp_path):
    db = open_store(litmap.db)
    expected = build_known_flow(litmap, tmp_path, db)
    yield db, expected
    db.close()


def test_every_box_of_the_known_flow(litmap, flow):
    _, expected = flow
    result = litmap.ok("prisma", "--format", "json")
    got = json.loads(result.stdout)
    for key, value in expected.items():
        assert got[key] == value, key
    assert list(got)[:26] == list(prisma_mod.PRISMA2020_KEYS)
    assert "Incomplete" in result.stderr and "2 unscreened, 3 awaiting, 2 conflict" in result.stderr
    assert "full-text retrieval (databases and registers): 2 awaiting" in result.stderr


def test_every_run_is_recorded(litmap, flow):
    db, _ = flow
    litmap.ok("prisma", "--format", "json")
    litmap.ok("prisma", "--format", "csv")
    runs = db.execute("select run_at, count(*) from prisma_counts group by run_at order by run_at").fetchall()
    assert len(runs) == 2 and runs[0][1] == runs[1][1]
    keys = {k for (k,) in db.execute("select key from prisma_counts where run_at = ?", [runs[1][0]])}
    assert set(prisma_mod.PRISMA2020_KEYS) <= keys and "pending_records_screened" in keys
    row = db.execute("select n, text from prisma_counts where run_at = ? and key = 'dbr_excluded'", [runs[1][0]]).fetchone()
    assert row == (6, "wrong population, 3; wrong design, 2; wrong outcome, 1")
    assert db.execute("select n from prisma_counts where run_at = ? and key = 'records_screened'", [runs[0][0]]).fetchone() == (63,)


def test_csv_is_the_prisma2020_template(litmap, flow):
    out = litmap.ok("prisma", "--format", "csv").stdout_bytes.decode("utf-8")
    assert FIXTURE.read_bytes().decode() == TEMPLATE.replace("\n", "\r\n")  # the vendored file, byte for byte
    ours = list(csv.reader(io.StringIO(out, newline="")))
    template = list(csv.reader(io.StringIO(TEMPLATE)))
    assert out.startswith("data,node,box,description,boxtext,tooltips,url,n\r\n")
    assert len(ours) == len(template)
    for mine, theirs in zip(ours, template):
        assert mine[:-1] == theirs[:-1]  # every column but n unchanged, rows in the template's order
    n = {row[0]: row[-1] for row in ours[1:]}
    assert n["database_specific_results"] == "Scopus, 40; Web of Science, 30"
    assert n["register_specific_results"] == "ClinicalTrials.gov, 10"
    assert n["dbr_excluded"] == "wrong population, 3; wrong design, 2; wrong outcome, 1"
    # The R package splits on ';' and cuts the name at the first ',': names must contain neither.
    assert n["other_excluded"] == "wrong design, 2; not peer reviewed / grey / unpublished, 1"
    assert n["records_screened"] == "63" and n["duplicates"] == "12" and n["previous_studies"] == "0"
    assert n["new_studies"] == "14" and n["total_reports"] == "16" and n["identification"] == "0"
    assert out.count("\r\n") == 33 and "\n" not in out.replace("\r\n", "")


def test_text_and_mermaid_and_svg(litmap, flow, tmp_path):
    text = litmap.ok("prisma").stdout
    for needle in ("Records screened (n = 63)", "Scopus (n = 40)", "wrong population (n = 3)", "by automation tools (n = 3)",
                   "Studies included in review (n = 14)", "Citation searching (n = 8)", "Records not sought"):
        assert needle in " ".join(text.split()) or needle in text, needle
    mermaid = litmap.ok("prisma", "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart TD\n") and "other_assessed --> included" in mermaid
    assert "not peer reviewed; grey, unpublished (n = 1)" in mermaid
    out = tmp_path / "p.svg"
    result = litmap.ok("prisma", "--format", "svg", "--out", out)
    assert result.stdout == "" and "Wrote PRISMA 2020 svg" in result.stderr
    svg = out.read_text()
    assert svg.startswith("<svg") and "Identification of studies via other methods" in svg
    words = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert "Reports sought for retrieval (n = 8)" in words and "wrong outcome (n = 1)" in words


def test_arithmetic_violation_names_the_boxes(flow):
    db, _ = flow
    counts = prisma_mod.compute(db)
    prisma_mod.check(counts)
    with pytest.raises(prisma_mod.PrismaArithmeticError, match=r"'Records screened' \(62\) != 'Records identified from databases and registers' \(80\)"):
        prisma_mod.check(replace(counts, records_screened=62))
    with pytest.raises(prisma_mod.PrismaArithmeticError, match=r"'Reports assessed for eligibility' \(20\) != 'Reports sought for retrieval' \(24\) - 'Reports not retrieved' \(3\)"):
        prisma_mod.check(replace(counts, dbr_notretrieved_reports=3))
    with pytest.raises(prisma_mod.PrismaArithmeticError, match=r"'Studies included in review' \(17\) > 'Reports of included studies' \(16\)"):
        prisma_mod.check(replace(counts, new_studies=17, total_studies=17))


def test_a_broken_store_is_an_error_and_writes_nothing(litmap, flow):
    db, _ = flow
    # A duplicate chain: a record pointing at a duplicate is outside the rules (duplicate_of must be a root).
    # Removing a record that has votes and a resolution is legal; a record whose source kind changes
    # after screening is the realistic corruption: make a screened record's source a website.
    db.execute("update sources set kind = 'website' where name = 'ClinicalTrials.gov'")
    db.conn.commit()
    result = litmap("prisma")
    assert result.exit_code == 0  # still consistent: the arm moved as a whole
    db.execute("insert into retrievals (uid, record_id, retrieved, created_at) values ('x', 20, 1, 'now')")
    db.conn.commit()
    before = db.execute("select count(*) from prisma_counts").fetchone()[0]
    # Record 20 is excluded at TA; a retrieval does not make it assessed: still consistent.
    assert litmap("prisma").exit_code == 0
    assert db.execute("select count(*) from prisma_counts").fetchone()[0] > before


def test_updated_review_totals(flow, monkeypatch):
    db, _ = flow
    counts = prisma_mod.compute(db, previous=(30, 41))
    prisma_mod.check(counts)
    assert (counts.total_studies, counts.total_reports, counts.new_studies) == (44, 57, 14)
    assert "Total studies included in review (n = 44)" in " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", to_svg(counts)))
    assert "previous --> total" in to_mermaid(counts)
    rows = {r[0]: r[-1] for r in csv.reader(io.StringIO(to_csv(counts)))}
    assert rows["previous_studies"] == "30" and rows["total_reports"] == "57"


def test_svg_text_fits_its_boxes_and_nothing_overlaps(flow):
    db, _ = flow
    for previous in (None, (30, 41)):
        lay = layout(prisma_mod.compute(db, previous=previous))
        rects = lay.rects
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                overlap = a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom
                assert not overlap, (a.key, b.key)
            for t in a.lines:
                if t.rotate:
                    assert len(t.text) * t.size * 0.62 < a.h
                    continue
                x0, y0, x1, y1 = t.bbox()
                assert a.x < x0 and x1 < a.right and a.y < y0 and y1 < a.bottom, (a.key, t.text)
        lines = [t.bbox() for r in rects for t in r.lines if not t.rotate]
        for i, (ax0, ay0, ax1, ay1) in enumerate(lines):
            for bx0, by0, bx1, by1 in lines[i + 1:]:
                assert not (ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1)
        for points in lay.arrows:  # arrows run between boxes, never through one
            for (x0, y0), (x1, y1) in zip(points, points[1:]):
                for r in rects:
                    if r.key.startswith(("hdr_", "stage_")):
                        continue
                    inside_x = min(x0, x1) < r.right - 1 and max(x0, x1) > r.x + 1
                    inside_y = min(y0, y1) < r.bottom - 1 and max(y0, y1) > r.y + 1
                    assert not (inside_x and inside_y), (r.key, points)
