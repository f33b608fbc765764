"""A small server-rendered SVG bar chart of an indicator's yearly figures (no script, readable by screen readers).

The chart is drawn at its own size (``width``/``height`` = the view box, one user unit per CSS pixel) so
its labels print at ``FONT_PX`` (12 px, about 9 pt): issue 20 found them shrunk to about 5 px when a
320-unit chart was squeezed into 180 px. The caller formats the figures (the report's own formatter).

>>> svg = trend_svg([(2023, 40.0), (2024, 1500.0)], title="Lượt người", label=lambda v: f"{v:.0f}")
>>> svg.startswith('<svg') and 'role="img"' in svg and "<title>Lượt người</title>" in svg
True
>>> svg.count("<rect"), 'font-size="12"' in svg, ">1500<" in svg, 'width="320"' in svg
(2, True, True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD = 320, 150, 28
FONT_PX = 12


def trend_svg(yearly: Sequence[tuple[int, float]], *, title: str, label: Callable[[float], str]) -> str:
    """Bars for each year, scaled to the largest figure, each labelled with ``label(value)``."""
    top = max((value for _, value in yearly), default=0.0) or 1.0
    slot = (WIDTH - 2 * PAD) / max(len(yearly), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" class="trend">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (year, value) in enumerate(yearly):
        height = (HEIGHT - 2 * PAD) * value / top
        x = PAD + index * slot + slot * 0.15
        y = HEIGHT - PAD - height
        text = escape(label(value))
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" fill="#2f6fad">'
            f"<title>{year}: {text}</title></rect>"
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - 8}" font-size="{FONT_PX}" text-anchor="middle">{year}</text>'
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" font-size="{FONT_PX}" text-anchor="middle">{text}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
