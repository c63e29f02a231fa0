"""The HTML page of a report: one self-contained file (inline style, a static SVG chart, no script, nothing loaded
from elsewhere), so it opens from disk, inside the docs site or attached to an e-mail alike."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
.label { display: inline-block; padding: .2rem .6rem; border-radius: .3rem; font-weight: bold; }
.label.public { background: #e3f1e3; color: #1b5e20; }
.label.restricted { background: #b71c1c; color: #fff; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: bold; margin-bottom: .3rem; }
.chart text { font-size: 11px; fill: #333; }
"""
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float | None]]  # (x, y); a y of None is a gap (a withheld value)


def line_chart(title: str, series: Sequence[Series], width: int = 460, height: int = 260) -> str:
    """A static SVG line chart of shares (y in 0..1, shown as percentages) over shared x values; gaps where y is
    None."""
    left, right, top, bottom = 48, 110, 28, 32
    xs = sorted({x for s in series for x, _ in s.points})
    ys = [y for s in series for _, y in s.points if y is not None]
    y_max = max([*ys, 0.0]) or 1.0
    x_min, x_max = (xs[0], xs[-1]) if xs else (0, 1)
    span = (x_max - x_min) or 1

    def px(x: float) -> float:
        return left + (x - x_min) / span * (width - left - right)

    def py(y: float) -> float:
        return height - bottom - y / y_max * (height - top - bottom)

    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="{left}" y="16" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{py(0)}" stroke="#999"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = y_max * fraction
        parts.append(f'<text x="{left - 4}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.0%}</text>')
    whole = [x for x in xs if float(x).is_integer()]  # a tick per whole x (a year when x counts quarters too) ...
    step = max(1, math.ceil(len(whole) * 40 / (width - left - right)))  # ... or every step-th, 40 px apart
    for x in whole[::step]:
        parts.append(f'<text x="{px(x):.1f}" y="{height - 12}" text-anchor="middle">{int(x)}</text>')
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        segment: list[str] = []
        segments: list[list[str]] = [segment]
        for x, y in sorted(one.points, key=lambda point: point[0]):
            if y is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{px(x):.1f},{py(y):.1f}")
            parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{colour}"/>')
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
        legend_y = top + 14 * index + 8
        parts.append(f'<rect x="{width - right + 10}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{width - right + 24}" y="{legend_y + 1}">{escape(one.name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def table(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(str(name))}</th>" for name in header)
    body = "\n".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def page(title: str, access: str, intro: str, sections: Sequence[str]) -> str:
    """The whole page. `access` is 'public' or 'restricted'; it is in the title, a banner and a meta tag."""
    label = "PUBLIC" if access == "public" else "RESTRICTED"
    banner = (
        "Public: protected published values only."
        if access == "public"
        else "RESTRICTED: operational counts for cleared staff and the delivering agencies. Do not publish."
    )
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta name="crosstrack-access" content="{access}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)} ({label})</title>",
            f"<style>{STYLE}</style>",
            "</head><body>",
            f'<p><span class="label {access}">{label}</span> {escape(banner)}</p>',
            f"<h1>{escape(title)}</h1>",
            f"<p>{intro}</p>",
            *sections,
            "</body></html>",
            "",
        ]
    )


def write_report(out_dir: Path, stem: str, write_csv: Callable[[Path], None], html: str) -> list[Path]:
    """`<out_dir>/<stem>.csv` (written by `write_csv`) and `<stem>.html`; their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.html"
    write_csv(csv_path)
    html_path.write_text(html, encoding="utf-8")
    return [csv_path, html_path]
