"""A small server-rendered SVG bar chart of an indicator's yearly figures (no script, readable by screen readers).

>>> svg = trend_svg([(2023, 40.0), (2024, 60.0)], title="Lượt người")
>>> svg.startswith('<svg') and 'role="img"' in svg and "<title>Lượt người</title>" in svg
True
>>> svg.count("<rect")
2
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD = 320, 140, 24


def trend_svg(yearly: Sequence[tuple[int, float]], *, title: str, share: bool = False) -> str:
    """Bars for each year, scaled to the largest figure; shares are labelled in per cent."""
    top = max((value for _, value in yearly), default=0.0) or 1.0
    slot = (WIDTH - 2 * PAD) / max(len(yearly), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="trend">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (year, value) in enumerate(yearly):
        height = (HEIGHT - 2 * PAD) * value / top
        x = PAD + index * slot + slot * 0.15
        y = HEIGHT - PAD - height
        label = f"{100 * value:.1f}%" if share else f"{value:g}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" fill="#2f6fad">'
            f"<title>{year}: {label}</title></rect>"
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle">{year}</text>'
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
