"""PRISMA 2020 counts rendered: the boxes' text (shared by every format), json, csv, mermaid, rich text.

The csv is the template of the PRISMA2020 R package and Shiny app (Haddaway, McGuinness, Pritchard;
https://github.com/prisma-flowdiagram/PRISMA2020, inst/extdata/PRISMA.csv, MIT licence, Copyright 2020
Neal R Haddaway): its header, its rows in its order, its columns unchanged except `n`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from litmap.reports.prisma import LIST_KEYS, PrismaCounts, list_text
from litmap.text import safe

# The PRISMA2020 R package's template (see the module docstring for its origin and licence), with
# "\n" line ends here; the file itself and to_csv() use CRLF.
TEMPLATE = (
    "data,node,box,description,boxtext,tooltips,url,n\n"
    "NA,node4,prevstud,Grey title box; Previous studies,Previous studies,Grey title box; Previous studies,prevstud.html,0\n"
    "previous_studies,node5,box1,Studies included in previous version of review,Studies included in previous version of review,Studies included in previous version of review,previous_studies.html,0\n"
    "previous_reports,NA,box1,Reports of studies included in previous version of review,Reports of studies included in previous version of review,NA,previous_reports.html,0\n"
    "NA,node6,newstud,Yellow title box; Identification of new studies via databases and registers,Identification of new studies via databases and registers,Yellow title box; Identification of new studies via databases and registers,newstud.html,0\n"
    "database_results,node7,box2,Records identified from: Databases,Databases,Records identified from: Databases and Registers,database_results.html,0\n"
    'database_specific_results,NA,box2,Records identified from: specific databases,Specific Databases,NA,database_results.html,"Database 1, xxx; Database 2, xxx; Database 3, xxx"\n'
    "register_results,NA,box2,Records identified from: Registers,Registers,NA,NA,0\n"
    'register_specific_results,NA,box2,Records identified from: specific registers,Specific Registers,NA,database_results.html,"Register 1, xxx; Register 2, xxx; Register 3, xxx"\n'
    "NA,node16,othstud,Grey title box; Identification of new studies via other methods,Identification of new studies via other methods,Grey title box; Identification of new studies via other methods,othstud.html,0\n"
    'website_results,node17,box11,Records identified from: Websites,Websites,"Records identified from: Websites, Organisations and Citation Searching",website_results.html,0\n'
    "organisation_results,,box11,Records identified from: Organisations,Organisations,NA,NA,0\n"
    "citations_results,NA,box11,Records identified from: Citation searching,Citation searching,NA,NA,0\n"
    "duplicates,node8,box3,Duplicate records,Duplicate records,Duplicate records,duplicates.html,0\n"
    "excluded_automatic,NA,box3,Records marked as ineligible by automation tools,Records marked as ineligible by automation tools,NA,NA,0\n"
    "excluded_other,NA,box3,Records removed for other reasons,Records removed for other reasons,NA,NA,0\n"
    "records_screened,node9,box4,Records screened (databases and registers),Records screened,Records screened (databases and registers),records_screened.html,0\n"
    "records_excluded,node10,box5,Records excluded (databases and registers),Records excluded,Records excluded (databases and registers),records_excluded.html,0\n"
    "dbr_sought_reports,node11,box6,Reports sought for retrieval (databases and registers),Reports sought for retrieval,Reports sought for retrieval (databases and registers),dbr_sought_reports.html,0\n"
    "dbr_notretrieved_reports,node12,box7,Reports not retrieved (databases and registers),Reports not retrieved,Reports not retrieved (databases and registers),dbr_notretrieved_reports.html,0\n"
    "other_sought_reports,node18,box12,Reports sought for retrieval (other),Reports sought for retrieval,Reports sought for retrieval (other),other_sought_reports.html,0\n"
    "other_notretrieved_reports,node19,box13,Reports not retrieved (other),Reports not retrieved,Reports not retrieved (other),other_notretrieved_reports.html,0\n"
    "dbr_assessed,node13,box8,Reports assessed for eligibility (databases and registers),Reports assessed for eligibility,Reports assessed for eligibility (databases and registers),dbr_assessed.html,0\n"
    'dbr_excluded,node14,box9,"Reports excluded (databases and registers): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (databases and registers),dbrexcludedrecords.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"\n'
    "other_assessed,node20,box14,Reports assessed for eligibility (other),Reports assessed for eligibility,Reports assessed for eligibility (other),other_assessed.html,0\n"
    'other_excluded,node21,box15,"Reports excluded (other): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (other),other_excluded.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"\n'
    "new_studies,node15,box10,New studies included in review,New studies included in review,New studies included in review,new_studies.html,0\n"
    "new_reports,NA,box10,Reports of new included studies,Reports of new included studies,NA,NA,0\n"
    "total_studies,node22,box16,Total studies included in review,Total studies included in review,Total studies included in review,total_studies.html,0\n"
    "total_reports,NA,box16,Reports of total included studies,Reports of total included studies,NA,NA,0\n"
    "identification,node1,identification,Blue identification box,Identification,Blue identification box,identification.html,0\n"
    "screening,node2,screening,Blue screening box,Screening,Blue screening box,screening.html,0\n"
    "included,node3,included,Blue included box,Included,Blue included box,included.html,0\n"
)
# Template rows whose `data` equals a box name rather than a count: their n stays as in the template.
_LAYOUT_ROWS = {"NA", "identification", "screening", "included"}


def to_json(c: PrismaCounts) -> str:
    return json.dumps(c.as_dict(), indent=2, ensure_ascii=False) + "\n"


def csv_value(c: PrismaCounts, key: str) -> str:
    """The `n` cell of the PRISMA2020 csv for `key` (lists as `Name, n; Name, n`; an empty list as 0)."""
    value = c.value(key)
    if key in LIST_KEYS:
        return list_text(value) or "0"
    return str(value or 0)


def to_csv(c: PrismaCounts) -> str:
    """The PRISMA2020 template with litmap's numbers in its `n` column (nothing else changes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # the template's line ends (CRLF)
    for i, row in enumerate(csv.reader(io.StringIO(TEMPLATE))):
        if i and row[0] not in _LAYOUT_ROWS:
            row[-1] = csv_value(c, row[0])
        writer.writerow(row)
    return out.getvalue()


# ----------------------------------------------------------------------------- the boxes' text

def n(value: int) -> str:
    return f"(n = {value:,})"


@dataclass(frozen=True, slots=True)
class Box:
    """One box of the diagram: a first line (the heading) and further lines (details, indented)."""

    key: str
    lines: tuple[str, ...]


def boxes(c: PrismaCounts) -> dict[str, Box]:
    """The text of every box the diagram shows for these counts (keys used by every renderer).

    Left arm: identified, removed, screened, excluded, sought, notretrieved, assessed, ftexcluded;
    right arm (when used): other_identified, other_notes (if any), other_sought, other_notretrieved,
    other_assessed, other_ftexcluded; included; for updated reviews previous and total.
    """
    out: dict[str, Box] = {}

    def add(key: str, *lines: str) -> None:
        out[key] = Box(key, tuple(safe(line) for line in lines if line is not None))

    def named(items: tuple[tuple[str, int], ...]) -> list[str]:
        return [f"  {name} {n(k)}" for name, k in items]

    def pending(stage: str, label: str) -> list[str]:
        total = c.pending_total(stage)
        if not total:
            return []
        detail = ", ".join(f"{k:,} {s}" for s, k in c.pending.get(stage, {}).items())
        return [f"{label} {n(total)}: {detail}"]

    if c.updated_review:
        add("previous", f"Studies included in previous version of review {n(c.previous_studies or 0)}",
            f"Reports of studies included in previous version of review {n(c.previous_reports or 0)}")
    specific_db = named(c.database_specific_results) if len(c.database_specific_results) > 1 else []
    specific_reg = named(c.register_specific_results) if len(c.register_specific_results) > 1 else []
    db_names = "" if specific_db or not c.database_specific_results else f": {c.database_specific_results[0][0]}"
    reg_names = "" if specific_reg or not c.register_specific_results else f": {c.register_specific_results[0][0]}"
    add("identified", "Records identified from:", f"Databases{db_names} {n(c.database_results)}", *specific_db,
        f"Registers{reg_names} {n(c.register_results)}", *specific_reg)
    add("removed", "Records removed before screening:", f"Duplicate records removed {n(c.duplicates)}",
        f"Records marked as ineligible by automation tools {n(c.excluded_automatic)}",
        f"Records removed for other reasons {n(c.excluded_other)}")
    add("screened", f"Records screened {n(c.records_screened)}")
    split = [f"  by a human {n(c.records_excluded_human)}", f"  by automation tools {n(c.records_excluded_automation)}"] \
        if c.records_excluded_automation else []
    add("excluded", f"Records excluded {n(c.records_excluded)}", *split, *pending("records_screened", "Screening pending"))
    add("sought", f"Reports sought for retrieval {n(c.dbr_sought_reports)}")
    add("notretrieved", f"Reports not retrieved {n(c.dbr_notretrieved_reports)}", *pending("dbr_retrieval", "Retrieval pending"))
    add("assessed", f"Reports assessed for eligibility {n(c.dbr_assessed)}")
    reasons = named(c.dbr_excluded)
    add("ftexcluded", "Reports excluded:" if reasons else f"Reports excluded {n(0)}", *reasons,
        *pending("dbr_assessed", "Assessment pending"))
    if c.other_arm_used:
        add("other_identified", "Records identified from:", f"Websites {n(c.website_results)}",
            f"Organisations {n(c.organisation_results)}", f"Citation searching {n(c.citations_results)}",
            f"Other sources {n(c.other_results)}" if c.other_results else None)
        notes = [f"Duplicates of records already identified {n(c.other_duplicates)}" if c.other_duplicates else None,
                 f"Removed before screening {n(c.other_removed)}" if c.other_removed else None,
                 f"Not sought after title/abstract {n(c.other_not_sought)}" if c.other_not_sought else None,
                 *pending("other_sought_reports", "Decision to seek pending")]
        if any(notes):
            add("other_notes", "Records not sought:", *notes)
        add("other_sought", f"Reports sought for retrieval {n(c.other_sought_reports)}")
        add("other_notretrieved", f"Reports not retrieved {n(c.other_notretrieved_reports)}",
            *pending("other_retrieval", "Retrieval pending"))
        add("other_assessed", f"Reports assessed for eligibility {n(c.other_assessed)}")
        reasons = named(c.other_excluded)
        add("other_ftexcluded", "Reports excluded:" if reasons else f"Reports excluded {n(0)}", *reasons,
            *pending("other_assessed", "Assessment pending"))
    if c.updated_review:
        add("included", f"New studies included in review {n(c.new_studies)}", f"Reports of new included studies {n(c.new_reports)}")
        add("total", f"Total studies included in review {n(c.total_studies)}", f"Reports of total included studies {n(c.total_reports)}")
    else:
        add("included", f"Studies included in review {n(c.new_studies)}", f"Reports of included studies {n(c.new_reports)}")
    return out


DBR_TITLE = "Identification of studies via databases and registers"
OTHER_TITLE = "Identification of studies via other methods"
PREVIOUS_TITLE = "Previous studies"

# (stage, left main, left side, right main, right side) rows of the diagram, top to bottom.
ROWS = (
    ("Identification", "identified", "removed", "other_identified", "other_notes"),
    ("Screening", "screened", "excluded", None, None),
    ("Screening", "sought", "notretrieved", "other_sought", "other_notretrieved"),
    ("Screening", "assessed", "ftexcluded", "other_assessed", "other_ftexcluded"),
    ("Included", "included", None, None, None),
)


# ----------------------------------------------------------------------------- mermaid

def _mm(text: str) -> str:
    """Text for a quoted mermaid label: entity codes for the characters mermaid would parse."""
    out = []
    for ch in text:
        out.append(f"#{ord(ch)};" if ch in '"#<>&`[]{}|' else ch)
    return "".join(out).replace("  ", "&nbsp;&nbsp;")


def to_mermaid(c: PrismaCounts) -> str:
    """A mermaid `flowchart TD` of the diagram (for Markdown documents)."""
    b = boxes(c)
    lines = ["flowchart TD"]

    def node(key: str) -> str:
        return f'  {key}["{"<br/>".join(_mm(line) for line in b[key].lines)}"]'

    lines.append(f'  subgraph dbr["{_mm(DBR_TITLE)}"]')
    lines += ["  " + node(k) for k in ("identified", "removed", "screened", "excluded", "sought", "notretrieved", "assessed", "ftexcluded")]
    lines.append("  end")
    if "other_identified" in b:
        lines.append(f'  subgraph other["{_mm(OTHER_TITLE)}"]')
        lines += ["  " + node(k) for k in ("other_identified", "other_notes", "other_sought", "other_notretrieved",
                                            "other_assessed", "other_ftexcluded") if k in b]
        lines.append("  end")
    if "previous" in b:
        lines.append(f'  subgraph prev["{_mm(PREVIOUS_TITLE)}"]')
        lines.append("  " + node("previous"))
        lines.append("  end")
    lines.append(node("included"))
    if "total" in b:
        lines.append(node("total"))
    edges = [("identified", "screened"), ("identified", "removed"), ("screened", "excluded"), ("screened", "sought"),
             ("sought", "notretrieved"), ("sought", "assessed"), ("assessed", "ftexcluded"), ("assessed", "included")]
    if "other_identified" in b:
        if "other_notes" in b:
            edges.append(("other_identified", "other_notes"))
        edges += [("other_identified", "other_sought"), ("other_sought", "other_notretrieved"),
                  ("other_sought", "other_assessed"), ("other_assessed", "other_ftexcluded"), ("other_assessed", "included")]
    if "total" in b:
        edges += [("included", "total"), ("previous", "total")]
    lines += [f"  {a} --> {z}" for a, z in edges]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- rich text

def _cell(b: dict[str, Box], key: str | None) -> Text:
    if key is None or key not in b:
        return Text("")
    box = b[key]
    text = Text(box.lines[0], style="bold")
    for line in box.lines[1:]:
        text.append("\n" + line, style="red" if "pending" in line else "")
    return text


def to_rich(c: PrismaCounts) -> RenderableType:
    """The flow as a rich table: one row per PRISMA stage, one column pair per arm."""
    b = boxes(c)
    other = "other_identified" in b
    table = Table(title="PRISMA 2020 flow diagram", show_lines=True, title_justify="left")
    table.add_column("Stage", style="bold cyan", no_wrap=True)
    table.add_column(DBR_TITLE, ratio=3)
    table.add_column("Removed / excluded", ratio=3)
    if other:
        table.add_column(OTHER_TITLE, ratio=3)
        table.add_column("Not sought / excluded", ratio=3)
    if "previous" in b:
        table.add_row("Previous", _cell(b, "previous"), Text(""), *([Text(""), Text("")] if other else []))
    shown = set()
    for stage, lm, ls, rm, rs in ROWS:
        label = "" if stage in shown and stage != "Included" else stage
        shown.add(stage)
        cells = [_cell(b, lm), _cell(b, ls)]
        if other:
            cells += [_cell(b, rm), _cell(b, rs)]
        table.add_row(label, *cells)
    if "total" in b:
        table.add_row("Total", _cell(b, "total"), Text(""), *([Text(""), Text("")] if other else []))
    return Group(table)
