"""Server-rendered SVG of a :class:`~lims.domain.control_chart.ControlChart` (no JavaScript).

Accessibility: the root has ``role="img"`` with ``aria-labelledby`` pointing at a ``<title>`` and a
``<desc>`` that states the limits and the signals in words; flagged points differ by shape (diamond) as well
as colour, and every point carries its own ``<title>`` (date, value, rules). All text is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from lims.domain.calibration_points import InvalidRecord

if TYPE_CHECKING:  # pragma: no cover - types only; keeps this module free of a runtime import cycle
    from lims.domain.control_chart import ControlChart, RunRule

_LIMIT_COLOUR = "#b00020"
_CENTRE_COLOUR = "#1f4e79"
_POINT_COLOUR = "#1f4e79"
_ZONE_COLOUR = "#9aa5b1"


def _num(value: float) -> str:
    return f"{value:.6g}"


def _iso(day: date) -> str:
    return day.isoformat()


def _rule(rule: RunRule) -> str:
    return rule.description


def _source(code: str) -> str:
    return code.replace("_", " ")


@dataclass(frozen=True, slots=True)
class ChartWording:
    """Every text the chart draws (``str.format`` templates) and how it writes numbers, days and rules.

    English with ISO dates and a point as decimal sign by default; the web layer passes the reader's
    language and the lab's conventions, since the domain stays free of the message catalogue.
    """

    checks: str = "{count} intermediate checks"
    period: str = " from {first} to {last}"
    limits: str = ". Centre line {centre} {unit}, control limits {lower} to {upper} {unit} ({source}). "
    flagged: str = "{count} point(s) flagged for review: "
    none_flagged: str = "No point flagged."
    no_check: str = "No check recorded"
    point_flagged: str = " (flagged for review: {rules})"
    legend: str = "● check   ◆ flagged for review ({count})   dotted: ±1σ, ±2σ"
    number: Callable[[float], str] = _num
    day: Callable[[date], str] = _iso
    rule: Callable[[RunRule], str] = _rule
    source: Callable[[str], str] = _source


ENGLISH = ChartWording()


def _coord(value: float) -> str:
    return f"{value:.2f}"


def _ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Round tick values (steps of 1, 2 or 5 × 10ⁿ, about five ticks) with matching decimals."""
    raw = (high - low) / 5
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    decimals = max(0, -math.floor(math.log10(step)))
    first = math.ceil(low / step)
    ticks = []
    k = first
    while k * step <= high:
        ticks.append((k * step, f"{k * step:.{decimals}f}"))
        k += 1
    return ticks


def render_svg(
    chart: ControlChart,
    *,
    width: int = 640,
    height: int = 320,
    id_prefix: str = "cc",
    wording: ChartWording = ENGLISH,
) -> str:
    """SVG text of the chart, ready to embed inline in an HTML page.

    ``id_prefix`` keeps element ids unique when a page embeds several charts.

    >>> from datetime import date
    >>> from lims.domain.control_chart import CheckPoint, build_chart, stated_limits
    >>> chart = build_chart([CheckPoint(date(2025, 1, 1), 1.0)], title="R&D <check>", unit="Ω",
    ...                     limits=stated_limits(1.0, 0.9, 1.1))
    >>> svg = render_svg(chart)
    >>> "R&amp;D &lt;check&gt;" in svg and "<script" not in svg
    True
    >>> vi = ChartWording(no_check="Chưa có lần kiểm tra nào", number=lambda v: f"{v:g}".replace(".", ","),
    ...                   day=lambda d: d.strftime("%d/%m/%Y"))
    >>> svg = render_svg(chart, wording=vi)
    >>> "01/01/2025: 1 Ω" in svg and "UCL 1,1" in svg and "2025-01-01" not in svg
    True
    """
    if width < 320 or height < 200:
        raise InvalidRecord("width", "the chart needs at least 320 × 200 px")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise InvalidRecord("id_prefix", "must be a letter followed by letters, digits, '-' or '_'")
    left, right, top, bottom = 72.0, 118.0, 40.0, 56.0
    plot_w, plot_h = width - left - right, height - top - bottom
    limits, points, unit = chart.limits, chart.points, chart.unit
    values = [p.value for p in points]
    low = min([limits.lower, *values])
    high = max([limits.upper, *values])
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    def x(index: int) -> float:
        if len(points) <= 1:
            return left + plot_w / 2
        return left + plot_w * index / (len(points) - 1)

    w = wording
    reasons: dict[int, list[str]] = {}
    for signal in chart.signals:
        reasons.setdefault(signal.index, []).append(w.rule(signal.rule))

    flagged = len(reasons)
    summary = (
        w.checks.format(count=len(points))
        + (w.period.format(first=w.day(points[0].on), last=w.day(points[-1].on)) if points else "")
        + w.limits.format(
            centre=w.number(limits.centre),
            lower=w.number(limits.lower),
            upper=w.number(limits.upper),
            unit=unit,
            source=w.source(limits.source),
        )
        + (
            w.flagged.format(count=flagged)
            + "; ".join(f"{w.day(points[i].on)} ({', '.join(r)})" for i, r in sorted(reasons.items()))
            if flagged
            else w.none_flagged
        )
    )
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        f'<title id="{id_prefix}-title">{escape(chart.title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(summary)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_coord(left)}" y="22" font-size="14" font-weight="bold">{escape(chart.title)}</text>',
    ]
    out.append('<g class="zones" aria-hidden="true">')
    for k in (-2, -1, 1, 2):
        yy = _coord(y(limits.at_sigma(k)))
        out.append(
            f'<line x1="{_coord(left)}" y1="{yy}" x2="{_coord(left + plot_w)}" y2="{yy}" '
            f'stroke="{_ZONE_COLOUR}" stroke-width="1" stroke-dasharray="2 3"/>'
        )
    out.append("</g>")
    out.append('<g class="limits">')
    for label, value, colour, dash in (
        ("UCL", limits.upper, _LIMIT_COLOUR, ' stroke-dasharray="6 4"'),
        ("CL", limits.centre, _CENTRE_COLOUR, ""),
        ("LCL", limits.lower, _LIMIT_COLOUR, ' stroke-dasharray="6 4"'),
    ):
        line_y = y(value)
        out.append(
            f'<line x1="{_coord(left)}" y1="{_coord(line_y)}" x2="{_coord(left + plot_w)}" '
            f'y2="{_coord(line_y)}" stroke="{colour}" stroke-width="1.5"{dash}/>'
        )
        out.append(
            f'<text x="{_coord(left + plot_w + 6)}" y="{_coord(line_y + 4)}" fill="{colour}">'
            f"{label} {escape(w.number(value))}</text>"
        )
    out.append("</g>")
    out.append('<g class="axes" aria-hidden="true">')
    out.append(
        f'<line x1="{_coord(left)}" y1="{_coord(top)}" x2="{_coord(left)}" '
        f'y2="{_coord(top + plot_h)}" stroke="#333333"/>'
    )
    out.append(
        f'<line x1="{_coord(left)}" y1="{_coord(top + plot_h)}" x2="{_coord(left + plot_w)}" '
        f'y2="{_coord(top + plot_h)}" stroke="#333333"/>'
    )
    for value, _text in _ticks(low, high):
        text = w.number(value) if w.number is not _num else _text
        yy = _coord(y(value))
        out.append(
            f'<line x1="{_coord(left - 4)}" y1="{yy}" x2="{_coord(left)}" y2="{yy}" stroke="#333333"/>'
        )
        out.append(
            f'<text x="{_coord(left - 6)}" y="{yy}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(text)}</text>"
        )
    centre_y = _coord(top + plot_h / 2)
    out.append(
        f'<text x="14" y="{centre_y}" text-anchor="middle" transform="rotate(-90 14 {centre_y})">'
        f"{escape(unit)}</text>"
    )
    if points:
        step = max(1, -(-len(points) // 6))
        shown = list(range(0, len(points), step))
        if shown[-1] != len(points) - 1:  # always label the latest check, without overlapping labels
            if len(points) - 1 - shown[-1] < step * 0.6:
                shown[-1] = len(points) - 1
            else:
                shown.append(len(points) - 1)
        for i in shown:
            out.append(
                f'<text x="{_coord(x(i))}" y="{_coord(top + plot_h + 18)}" text-anchor="middle" '
                f'font-size="10">{escape(w.day(points[i].on))}</text>'
            )
    else:
        out.append(
            f'<text x="{_coord(left + plot_w / 2)}" y="{centre_y}" text-anchor="middle">'
            f"{escape(w.no_check)}</text>"
        )
    out.append("</g>")
    if points:
        path = " ".join(f"{_coord(x(i))},{_coord(y(v))}" for i, v in enumerate(values))
        out.append(
            f'<polyline class="series" points="{path}" fill="none" stroke="#555555" '
            'stroke-width="1" aria-hidden="true"/>'
        )
        out.append('<g class="points">')
        for i, point in enumerate(points):
            cx, cy = x(i), y(point.value)
            label = f"{w.day(point.on)}: {w.number(point.value)} {unit}"
            if i in reasons:
                label += w.point_flagged.format(rules=", ".join(reasons[i]))
                out.append(
                    f'<path class="flagged" d="M {_coord(cx)} {_coord(cy - 6)} L {_coord(cx + 6)} '
                    f'{_coord(cy)} L {_coord(cx)} {_coord(cy + 6)} L {_coord(cx - 6)} {_coord(cy)} Z" '
                    f'fill="{_LIMIT_COLOUR}"><title>{escape(label)}</title></path>'
                )
            else:
                out.append(
                    f'<circle class="check" cx="{_coord(cx)}" cy="{_coord(cy)}" r="3.5" '
                    f'fill="{_POINT_COLOUR}"><title>{escape(label)}</title></circle>'
                )
        out.append("</g>")
    legend_y = _coord(height - 12)
    out.append(
        f'<text x="{_coord(left)}" y="{legend_y}" font-size="11">'
        f"{escape(w.legend.format(count=flagged))}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
