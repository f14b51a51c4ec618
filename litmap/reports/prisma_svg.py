"""The PRISMA 2020 flow diagram as a standalone SVG, laid out by litmap (no graphviz, no browser).

Layout: a stage bar on the left (Identification / Screening / Included), the databases-and-registers
arm (main boxes, and side boxes for what leaves the flow), the other-methods arm when it is used, and
for updated reviews a previous-studies column and a total box. Text is wrapped with a conservative
estimate of Helvetica/Arial glyph widths so that no line leaves its box; `layout()` returns the
geometry so tests can check that nothing overlaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from litmap.reports.prisma import PrismaCounts
from litmap.reports.prisma_render import DBR_TITLE, OTHER_TITLE, PREVIOUS_TITLE, Box, boxes

FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"
SIZE = 13.0
TITLE_SIZE = 14.0
LINE = 17.0
PAD = 10.0
INDENT = 12.0
MAIN_W = 250.0
SIDE_W = 290.0
ARROW_GAP = 50.0  # between a main box and its side box
ARM_GAP = 40.0
ROW_GAP = 36.0
BAR_W = 30.0
MARGIN = 12.0

_TOKENS = re.compile(r"\(n = [\d,]+\)\S*|\S+")
_NARROW = set("il.,:;'|!()[]{}/ -jtfIr")
_WIDE = set("mwMW@%")


def text_width(text: str, size: float = SIZE, bold: bool = False) -> float:
    """Estimated rendered width (px) of `text` in Helvetica/Arial: generous, so wrapped text fits."""
    units = 0.0
    for ch in text:
        if ch in _NARROW:
            units += 0.31
        elif ch in _WIDE:
            units += 0.9
        elif ch.isupper():
            units += 0.7
        elif ch.isdigit():
            units += 0.56
        else:
            units += 0.55
    return units * size * (1.08 if bold else 1.0)


def wrap(text: str, width: float, size: float = SIZE, bold: bool = False) -> list[str]:
    """Greedy word wrap to `width` px; "(n = 1,234)" stays on one line; a word longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for word in _TOKENS.findall(text):
        while text_width(word, size, bold) > width:  # cut an over-long word
            cut = len(word)
            while cut > 1 and text_width(word[:cut], size, bold) > width:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class TextLine:
    x: float
    y: float  # baseline
    text: str
    size: float = SIZE
    bold: bool = False
    anchor: str = "start"
    rotate: bool = False

    def bbox(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the estimated ink box (horizontal lines only)."""
        w = text_width(self.text, self.size, self.bold)
        x0 = self.x - (w / 2 if self.anchor == "middle" else 0)
        return (x0, self.y - self.size * 0.8, x0 + w, self.y + self.size * 0.25)


@dataclass
class Rect:
    key: str
    x: float
    y: float
    w: float
    h: float
    fill: str = "#ffffff"
    stroke: str = "#000000"
    lines: list[TextLine] = field(default_factory=list)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w


@dataclass
class Layout:
    width: float
    height: float
    rects: list[Rect]
    arrows: list[list[tuple[float, float]]]  # polylines; the last point carries the arrow head

    def rect(self, key: str) -> Rect:
        return next(r for r in self.rects if r.key == key)


def _box_lines(box: Box, width: float) -> list[tuple[str, bool, float]]:
    """(text, bold, indent) lines of a box wrapped to `width`."""
    out: list[tuple[str, bool, float]] = []
    for i, raw in enumerate(box.lines):
        bold = i == 0
        indent = INDENT if raw.startswith("  ") else 0.0
        for part in wrap(raw.strip(), width - 2 * PAD - indent, SIZE, bold):
            out.append((part, bold, indent))
    return out


def _height(lines: list[tuple[str, bool, float]]) -> float:
    return len(lines) * LINE + 2 * PAD - (LINE - SIZE) + 4


def layout(c: PrismaCounts) -> Layout:
    """Place every box, header, stage bar and arrow of the diagram for these counts."""
    b = boxes(c)
    other = "other_identified" in b
    previous = "previous" in b
    x = MARGIN + BAR_W + 14
    prev_x = x
    if previous:
        x += MAIN_W + ARM_GAP
    lm_x, ls_x = x, x + MAIN_W + ARROW_GAP
    rm_x = ls_x + SIDE_W + ARM_GAP
    rs_x = rm_x + MAIN_W + ARROW_GAP
    width = (rs_x + SIDE_W if other else ls_x + SIDE_W) + MARGIN
    columns = {"lm": (lm_x, MAIN_W), "ls": (ls_x, SIDE_W), "rm": (rm_x, MAIN_W), "rs": (rs_x, SIDE_W), "pv": (prev_x, MAIN_W)}

    rects: list[Rect] = []
    y = MARGIN
    # Arm headers.
    headers = [("hdr_dbr", lm_x, ls_x + SIDE_W - lm_x, DBR_TITLE, "#ffd966")]
    if other:
        headers.append(("hdr_other", rm_x, rs_x + SIDE_W - rm_x, OTHER_TITLE, "#d9d9d9"))
    if previous:
        headers.append(("hdr_prev", prev_x, MAIN_W, PREVIOUS_TITLE, "#d9d9d9"))
    header_lines = {k: wrap(t, w - 2 * PAD, TITLE_SIZE, True) for k, _, w, t, _ in headers}
    header_h = max(len(v) for v in header_lines.values()) * (TITLE_SIZE + 4) + 2 * PAD
    for key, hx, hw, _title, fill in headers:
        r = Rect(key, hx, y, hw, header_h, fill=fill, stroke="#7f7f7f")
        ty = y + (header_h - len(header_lines[key]) * (TITLE_SIZE + 4)) / 2 + TITLE_SIZE
        for line in header_lines[key]:
            r.lines.append(TextLine(hx + hw / 2, ty, line, TITLE_SIZE, True, "middle"))
            ty += TITLE_SIZE + 4
        rects.append(r)
    y += header_h + 18

    # Box rows: (stage, {column: box key}).
    rows: list[tuple[str, dict[str, str]]] = [
        ("Identification", {"lm": "identified", "ls": "removed", "rm": "other_identified", "rs": "other_notes", "pv": "previous"}),
        ("Screening", {"lm": "screened", "ls": "excluded"}),
        ("Screening", {"lm": "sought", "ls": "notretrieved", "rm": "other_sought", "rs": "other_notretrieved"}),
        ("Screening", {"lm": "assessed", "ls": "ftexcluded", "rm": "other_assessed", "rs": "other_ftexcluded"}),
        ("Included", {"lm": "included"}),
    ]
    if "total" in b:
        rows.append(("Included", {"lm": "total"}))
    min_stage = {s: text_width(s, TITLE_SIZE, True) + 2 * PAD for s in ("Identification", "Screening", "Included")}
    stage_span: dict[str, list[float]] = {}
    placed: dict[str, Rect] = {}
    for stage, cells in rows:
        wrapped = {col: _box_lines(b[key], columns[col][1]) for col, key in cells.items() if key in b}
        row_h = max(_height(lines) for lines in wrapped.values())
        n_rows = sum(1 for s, _ in rows if s == stage)
        row_h = max(row_h, min_stage[stage] / n_rows - ROW_GAP * (n_rows - 1) / n_rows)
        for col, lines in wrapped.items():
            bx, bw = columns[col]
            bh = _height(lines)
            by = y + (row_h - bh) / 2
            r = Rect(cells[col], bx, by, bw, bh)
            ty = by + PAD + SIZE
            for text, bold, indent in lines:
                r.lines.append(TextLine(bx + PAD + indent, ty, text, SIZE, bold))
                ty += LINE
            rects.append(r)
            placed[cells[col]] = r
        span = stage_span.setdefault(stage, [y, y + row_h])
        span[1] = y + row_h
        y += row_h + ROW_GAP
    height = y - ROW_GAP + MARGIN

    # Stage bars (rotated labels).
    for stage, (y0, y1) in stage_span.items():
        r = Rect(f"stage_{stage.lower()}", MARGIN, y0, BAR_W, y1 - y0, fill="#c5d9f1", stroke="#4f81bd")
        r.lines.append(TextLine(MARGIN + BAR_W / 2 + TITLE_SIZE * 0.35, (y0 + y1) / 2, stage, TITLE_SIZE, True, "middle", rotate=True))
        rects.append(r)

    # Arrows.
    arrows: list[list[tuple[float, float]]] = []

    def down(a: str, z: str) -> None:
        if a in placed and z in placed:
            arrows.append([(placed[a].cx, placed[a].bottom), (placed[z].cx, placed[z].y)])

    def side(a: str, z: str) -> None:
        if a in placed and z in placed:
            y_mid = max(placed[a].y, placed[z].y) + min(placed[a].h, placed[z].h) / 2
            arrows.append([(placed[a].right, y_mid), (placed[z].x, y_mid)])

    for a, z in (("identified", "screened"), ("screened", "sought"), ("sought", "assessed"), ("assessed", "included"),
                 ("other_identified", "other_sought"), ("other_sought", "other_assessed"), ("included", "total")):
        down(a, z)
    for a, z in (("identified", "removed"), ("screened", "excluded"), ("sought", "notretrieved"), ("assessed", "ftexcluded"),
                 ("other_identified", "other_notes"), ("other_sought", "other_notretrieved"),
                 ("other_assessed", "other_ftexcluded")):
        side(a, z)
    if "other_assessed" in placed:
        oa, inc = placed["other_assessed"], placed["included"]
        arrows.append([(oa.cx, oa.bottom), (oa.cx, inc.cy), (inc.right, inc.cy)])
    if "previous" in placed and "total" in placed:
        pv, tot = placed["previous"], placed["total"]
        arrows.append([(pv.cx, pv.bottom), (pv.cx, tot.cy), (tot.x, tot.cy)])
    return Layout(width, height, rects, arrows)


def _arrow(points: list[tuple[float, float]]) -> str:
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return f'<polyline points="{path}" fill="none" stroke="#000" stroke-width="1.3" marker-end="url(#head)"/>'


def to_svg(c: PrismaCounts) -> str:
    """The diagram as a standalone SVG document (UTF-8 text)."""
    lay = layout(c)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="{escape(FONT, {chr(34): "&quot;"})}">',
        "<title>PRISMA 2020 flow diagram</title>",
        '<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#000"/></marker></defs>',
        f'<rect x="0" y="0" width="{lay.width:.0f}" height="{lay.height:.0f}" fill="#ffffff"/>',
    ]
    for r in lay.rects:
        radius = 6 if r.key.startswith(("hdr_", "stage_")) else 0
        out.append(f'<g id="{escape(r.key)}"><rect x="{r.x:.1f}" y="{r.y:.1f}" width="{r.w:.1f}" height="{r.h:.1f}" '
                   f'rx="{radius}" fill="{r.fill}" stroke="{r.stroke}" stroke-width="1.2"/>')
        for t in r.lines:
            attrs = f'x="{t.x:.1f}" y="{t.y:.1f}" font-size="{t.size:g}"'
            if t.bold:
                attrs += ' font-weight="bold"'
            if t.anchor != "start":
                attrs += f' text-anchor="{t.anchor}"'
            if t.rotate:
                attrs += f' transform="rotate(-90 {t.x:.1f} {t.y:.1f})"'
            out.append(f"<text {attrs}>{escape(t.text)}</text>")
        out.append("</g>")
    out += [_arrow(points) for points in lay.arrows]
    out.append("</svg>")
    return "\n".join(out) + "\n"
