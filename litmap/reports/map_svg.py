"""The evidence gap map as a self-contained SVG or HTML file (no scripts, fonts or links to fetch).

Layout is computed from estimated text widths: row labels wrap to a fixed width, column labels wrap
under a column width when there are few columns and are rotated when there are many, so labels never
run into each other or into the cells. Shading uses a sequential palette with a legend of the count
bands; empty cells (the gaps) are drawn pale with a 0.
"""

from __future__ import annotations

import html
import math
import textwrap

from litmap.reports.maps import CrossTab

# ColorBrewer "Blues" (Cynthia Brewer, Apache-2.0 licensed scheme), light to dark.
PALETTE = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
EMPTY = "#f7f7f7"
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
CHAR = 0.62  # conservative average glyph width per font-size unit (DejaVu Sans is wide)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _width(text: str, size: float) -> float:
    return len(text) * size * CHAR


def _wrap(text: str, chars: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, max(4, chars), break_long_words=True, break_on_hyphens=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, chars - 1)].rstrip() + "…"
    return lines


def bands(maximum: int) -> list[tuple[int, int]]:
    """Count bands (low, high) for the legend and the shading, one per palette colour at most."""
    if maximum <= 0:
        return []
    if maximum <= len(PALETTE):
        return [(n, n) for n in range(1, maximum + 1)]
    step = math.ceil(maximum / len(PALETTE))
    return [(lo, min(lo + step - 1, maximum)) for lo in range(1, maximum + 1, step)]


def colour(count: int, scale: list[tuple[int, int]]) -> str:
    if count <= 0 or not scale:
        return EMPTY
    n = len(scale)
    for i, (lo, hi) in enumerate(scale):
        if lo <= count <= hi:
            # Spread few bands over the whole palette so a map with max 3 still has contrast.
            return PALETTE[round(i * (len(PALETTE) - 1) / max(1, n - 1))] if n > 1 else PALETTE[len(PALETTE) // 2]
    return PALETTE[-1]


def _ink(fill: str) -> str:
    dark = PALETTE.index(fill) >= 4 if fill in PALETTE else False
    return "#ffffff" if dark else "#1a1a1a"


def to_svg(tab: CrossTab, title: str | None = None) -> str:
    """The map as a standalone SVG document."""
    title = title or tab.title
    label_size, cell_size, small = 13, 13, 11
    pad = 24
    ncols = max(1, len(tab.cols))
    scale = bands(tab.maximum)
    # Row labels: wrapped at 34 characters, indented by depth.
    row_chars = 34
    row_lines = [_wrap(("  " * d) + lab, row_chars, 3) for _, lab, d in tab.rows] or [[""]]
    row_label_w = max(_width(line, label_size) for lines in row_lines for line in lines) + 16
    row_label_w = max(row_label_w, _width("Studies (any column)", label_size) + 16)
    # Columns: wrapped horizontally when few, rotated when many.
    rotated = ncols > 12
    if rotated:
        col_w = 40.0
        col_lines = [[_wrap(lab, 28, 1)[0]] for _, lab, _ in tab.cols]
        header_h = max((_width(l[0], label_size) for l in col_lines), default=40) * math.sin(math.radians(55)) + 30
    else:
        # Wide enough for the longest word of any label, so words are not broken.
        longest = max((len(w) for _, lab, _ in tab.cols for w in lab.split()), default=8)
        col_w = min(170.0, max(112.0, longest * label_size * CHAR + 14))
        chars = int((col_w - 10) / (label_size * CHAR))
        col_lines = [_wrap(lab, chars, 7) for _, lab, _ in tab.cols]
        header_h = max(len(l) for l in col_lines) * (label_size + 3) + 18
    total_w = 72.0
    row_hs = [max(34.0, len(lines) * (label_size + 3) + 12) for lines in row_lines]
    # Title and notes wrap to the drawing width.
    grid_x = pad + row_label_w
    grid_w = ncols * col_w + total_w
    width = max(grid_x + grid_w + pad, 640)
    title_lines = _wrap(title, int((width - 2 * pad) / (18 * CHAR)), 3)
    note_chars = int((width - 2 * pad) / (small * CHAR))
    note_lines = [line for note in tab.notes for line in _wrap(note, note_chars, 4)]
    subtitle = f"Included studies ({tab.stage}): {tab.studies} coded of {tab.included}. Numbers are counts of studies."
    sub_lines = _wrap(subtitle, note_chars, 2)
    y = pad
    out: list[str] = []
    for line in title_lines:
        y += 22
        out.append(f'<text x="{pad}" y="{y}" font-size="18" font-weight="bold">{_e(line)}</text>')
    for line in sub_lines:
        y += 16
        out.append(f'<text x="{pad}" y="{y}" font-size="{small + 1}" fill="#444">{_e(line)}</text>')
    y += 14
    # Axis captions.
    out.append(f'<text x="{pad}" y="{y + header_h - 8}" font-size="{small}" font-weight="bold" fill="#444">'
               f'{_e(_wrap(tab.row_axis + " ↓  " + tab.col_axis + " →", int(row_label_w / (small * CHAR)), 1)[0])}</text>')
    # Column headers.
    for i, lines in enumerate(col_lines):
        cx = grid_x + i * col_w + col_w / 2
        if rotated:
            bx, by = cx + 4, y + header_h - 6
            out.append(f'<text x="{bx:.1f}" y="{by:.1f}" font-size="{label_size}" transform="rotate(-55 {bx:.1f} {by:.1f})">{_e(lines[0])}</text>')
        else:
            top = y + header_h - 8 - (len(lines) - 1) * (label_size + 3)
            spans = "".join(f'<tspan x="{cx:.1f}" y="{top + k * (label_size + 3):.1f}">{_e(t)}</tspan>' for k, t in enumerate(lines))
            out.append(f'<text text-anchor="middle" font-size="{label_size}">{spans}</text>')
    tx = grid_x + ncols * col_w + total_w / 2
    out.append(f'<text x="{tx:.1f}" y="{y + header_h - 8:.1f}" text-anchor="middle" font-size="{label_size}" font-weight="bold">Studies</text>')
    y += header_h
    grid_top = y
    # Rows.
    for r, ((_, label, _), lines, h) in enumerate(zip(tab.rows, row_lines, row_hs)):
        if r % 2 == 0:
            out.append(f'<rect x="{pad}" y="{y:.1f}" width="{row_label_w - 6:.1f}" height="{h:.1f}" fill="#fafafa"/>')
        first = y + h / 2 - (len(lines) - 1) * (label_size + 3) / 2 + label_size * 0.35
        spans = "".join(f'<tspan x="{pad + 6}" y="{first + k * (label_size + 3):.1f}">{_e(t)}</tspan>' for k, t in enumerate(lines))
        out.append(f'<text font-size="{label_size}" xml:space="preserve">{spans}</text>')
        for c, (_, col_label, _) in enumerate(tab.cols):
            n = tab.counts[r][c]
            fill = colour(n, scale)
            x = grid_x + c * col_w
            out.append(f'<g><title>{_e(label)} × {_e(col_label)}: {n} stud{"y" if n == 1 else "ies"}</title>'
                       f'<rect x="{x + 2:.1f}" y="{y + 2:.1f}" width="{col_w - 4:.1f}" height="{h - 4:.1f}" rx="3" fill="{fill}" stroke="#d0d0d0" stroke-width="0.5"/>'
                       f'<text x="{x + col_w / 2:.1f}" y="{y + h / 2 + cell_size * 0.35:.1f}" text-anchor="middle" font-size="{cell_size}" '
                       f'fill="{_ink(fill) if n else "#b0b0b0"}">{n}</text></g>')
        out.append(f'<text x="{tx:.1f}" y="{y + h / 2 + cell_size * 0.35:.1f}" text-anchor="middle" font-size="{cell_size}" font-weight="bold">{tab.row_totals[r]}</text>')
        y += h
    # Column totals.
    out.append(f'<line x1="{pad}" y1="{y + 2:.1f}" x2="{grid_x + grid_w:.1f}" y2="{y + 2:.1f}" stroke="#999" stroke-width="0.8"/>')
    y += 4
    out.append(f'<text x="{pad + 6}" y="{y + 20:.1f}" font-size="{label_size}" font-weight="bold">Studies (any row)</text>')
    for c, total in enumerate(tab.col_totals):
        out.append(f'<text x="{grid_x + c * col_w + col_w / 2:.1f}" y="{y + 20:.1f}" text-anchor="middle" font-size="{cell_size}" font-weight="bold">{total}</text>')
    out.append(f'<text x="{tx:.1f}" y="{y + 20:.1f}" text-anchor="middle" font-size="{cell_size}" font-weight="bold">{tab.studies}</text>')
    y += 56
    # Legend.
    out.append(f'<text x="{pad}" y="{y:.1f}" font-size="{small + 1}" font-weight="bold">Studies per cell</text>')
    lx, ly = pad + _width("Studies per cell", small + 1) + 16, y - 13
    swatches = [(EMPTY, "0 (gap)")] + [(colour(lo, scale), str(lo) if lo == hi else f"{lo}–{hi}") for lo, hi in scale]
    for fill, text in swatches:
        w = _width(text, small) + 30
        if lx + w > width - pad:
            lx, ly = pad, ly + 22
        out.append(f'<rect x="{lx:.1f}" y="{ly:.1f}" width="18" height="16" rx="2" fill="{fill}" stroke="#bbb" stroke-width="0.5"/>'
                   f'<text x="{lx + 24:.1f}" y="{ly + 12.5:.1f}" font-size="{small}">{_e(text)}</text>')
        lx += w + 8
    y = ly + 36
    for line in note_lines:
        out.append(f'<text x="{pad}" y="{y:.1f}" font-size="{small}" fill="#444">{_e(line)}</text>')
        y += 15
    height = y + pad
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'font-family="{FONT}" role="img" aria-label="{_e(title)}">'
            f'<title>{_e(title)}</title><rect width="100%" height="100%" fill="#ffffff"/>')
    return head + "\n".join(out) + "</svg>\n"


def to_html(tab: CrossTab, title: str | None = None) -> str:
    """The map as a standalone HTML page: the SVG, the notes, and the counts as an accessible table."""
    title = title or tab.title
    header = "".join(f"<th scope='col'>{_e(lab)}</th>" for _, lab, _ in tab.cols)
    body = "".join(
        f"<tr><th scope='row'>{_e(lab)}</th>" + "".join(f"<td>{n}</td>" for n in counts) + f"<td><b>{total}</b></td></tr>"
        for (_, lab, _), counts, total in zip(tab.rows, tab.counts, tab.row_totals)
    )
    totals = "".join(f"<td><b>{n}</b></td>" for n in tab.col_totals)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>
body {{ font-family: {FONT}; color: #1a1a1a; margin: 24px; }}
figure {{ margin: 0; overflow-x: auto; }}
table {{ border-collapse: collapse; font-size: 13px; margin-top: 12px; }}
th, td {{ border: 1px solid #ddd; padding: 4px 8px; text-align: center; }}
th[scope=row] {{ text-align: left; font-weight: normal; }}
details {{ margin-top: 16px; }}
</style></head>
<body>
<figure>{to_svg(tab, title)}</figure>
<details><summary>Counts as a table</summary>
<table><thead><tr><th>{_e(tab.row_axis)} \\ {_e(tab.col_axis)}</th>{header}<th>Studies</th></tr></thead>
<tbody>{body}<tr><th scope='row'><b>Studies</b></th>{totals}<td><b>{tab.studies}</b></td></tr></tbody></table>
</details>
<p><small>Made with litmap. Counts are included studies ({_e(tab.stage)}); {_e(" ".join(n.rstrip(".") + "." for n in tab.notes))}</small></p>
</body></html>
"""
