"""Server-rendered SVG chart of a room's logged conditions: temperature and relative humidity with the room's
limits (ISO/IEC 17025:2017 6.3.3: conditions monitored and recorded). No JavaScript.

Two panels share the time axis: temperature above, relative humidity below. Limits are dashed red lines; a
sample outside them is drawn as a diamond (shape as well as colour). The root has ``role="img"`` with a
``<title>`` and a ``<desc>`` stating the limits, the number of samples and how many lie outside, in the
reader's words (:class:`RoomChartWording`). Times are given already in lab local time by the caller (as hours
since the start of the period and preformatted tick labels), so this module knows no time zone. A pause in the
log longer than ``gap_s`` breaks the line: a missing stretch is never drawn as if measured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from lims.domain.calibration_points import InvalidRecord
from lims.domain.control_chart_svg import _ticks

_LIMIT = "#b00020"
_LINE = {"temperature": "#1f4e79", "humidity": "#2e7d32"}


def _num(value: float) -> str:
    return f"{value:.6g}"


@dataclass(frozen=True, slots=True)
class RoomSample:
    """One logged value at ``t_s`` seconds after the start of the charted period."""

    t_s: float
    value: float
    label: str  # the sample's local time as the reader writes it (the point's tooltip)


@dataclass(frozen=True, slots=True)
class RoomChartWording:
    title: str = "Room conditions"
    temperature: str = "Temperature (°C)"
    humidity: str = "Relative humidity (%rh)"
    no_samples: str = "No conditions logged in this period"
    summary: str = "{samples} samples; {outside} outside the limits"
    limits: str = "limits {low} to {high}"
    no_limit: str = "no limit"
    number: Callable[[float], str] = _num


ENGLISH = RoomChartWording()


def _panel(
    out: list[str], kind: str, samples: Sequence[RoomSample], limits: tuple[float | None, float | None],
    *, top: float, height: float, left: float, width: float, span_s: float, gap_s: float, caption: str,
    wording: RoomChartWording,
) -> int:
    low_lim, high_lim = limits
    values = [s.value for s in samples] + [v for v in limits if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad

    def y(v: float) -> float:
        return top + height * (high - v) / (high - low)

    def x(t: float) -> float:
        return left + width * t / span_s

    out.append(f'<text x="{left:.2f}" y="{top - 8:.2f}" font-size="12">{escape(caption)}</text>')
    out.append(f'<rect x="{left:.2f}" y="{top:.2f}" width="{width:.2f}" height="{height:.2f}" fill="none" '
               'stroke="#9aa5b1"/>')
    for value, _text in _ticks(low, high):
        out.append(f'<line x1="{left - 4:.2f}" x2="{left:.2f}" y1="{y(value):.2f}" y2="{y(value):.2f}" '
                   'stroke="#555"/>')
        out.append(f'<text x="{left - 6:.2f}" y="{y(value) + 4:.2f}" font-size="11" text-anchor="end">'
                   f'{escape(wording.number(value))}</text>')
    for limit in (low_lim, high_lim):
        if limit is not None:
            out.append(f'<line class="limit" x1="{left:.2f}" x2="{left + width:.2f}" y1="{y(limit):.2f}" '
                       f'y2="{y(limit):.2f}" stroke="{_LIMIT}" stroke-dasharray="6 4"/>')
    runs: list[list[RoomSample]] = []
    for sample in samples:
        if not runs or sample.t_s - runs[-1][-1].t_s > gap_s:
            runs.append([])
        runs[-1].append(sample)
    for run in runs:
        if len(run) > 1:
            path = " ".join(f"{x(s.t_s):.2f},{y(s.value):.2f}" for s in run)
            out.append(f'<polyline points="{path}" fill="none" stroke="{_LINE[kind]}" stroke-width="1.5"/>')
    outside = 0
    for sample in samples:
        off = (low_lim is not None and sample.value < low_lim) or (high_lim is not None and sample.value > high_lim)
        tip = f"<title>{escape(sample.label)}: {escape(wording.number(sample.value))}</title>"
        cx, cy = x(sample.t_s), y(sample.value)
        if off:
            outside += 1
            out.append(f'<path class="outside" d="M{cx:.2f},{cy - 5:.2f} L{cx + 5:.2f},{cy:.2f} '
                       f'L{cx:.2f},{cy + 5:.2f} L{cx - 5:.2f},{cy:.2f} Z" fill="{_LIMIT}">{tip}</path>')
        elif len(samples) <= 300:
            out.append(f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="2" fill="{_LINE[kind]}">{tip}</circle>')
    return outside


def render_room_svg(
    temperature: Sequence[RoomSample],
    humidity: Sequence[RoomSample],
    *,
    temperature_limits: tuple[float | None, float | None],
    humidity_limits: tuple[float | None, float | None],
    span_s: float,
    time_ticks: Sequence[tuple[float, str]],
    gap_s: float,
    wording: RoomChartWording = ENGLISH,
    width: int = 720,
    height: int = 440,
    id_prefix: str = "room",
) -> str:
    """SVG text of the chart, ready to embed inline.

    >>> t = [RoomSample(0, 22.5, "08:00"), RoomSample(60, 28.4, "08:01"), RoomSample(600, 23.0, "08:10")]
    >>> svg = render_room_svg(t, [], temperature_limits=(18.0, 28.0), humidity_limits=(None, 80.0),
    ...                       span_s=3600, time_ticks=[(0, "08:00"), (1800, "08:30")], gap_s=180)
    >>> svg.count('class="outside"'), svg.count("<polyline"), svg.count('class="limit"')
    (1, 1, 3)
    >>> "3 samples; 1 outside the limits" in svg and "<script" not in svg
    True
    """
    if span_s <= 0:
        raise InvalidRecord("span_s", "the charted period must be positive")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise InvalidRecord("id_prefix", "must be a letter followed by letters, digits, '-' or '_'")
    left, right, top, bottom, between = 64.0, 24.0, 36.0, 40.0, 44.0
    plot_w = width - left - right
    panel_h = (height - top - bottom - between) / 2

    def limit_text(limits: tuple[float | None, float | None]) -> str:
        if limits == (None, None):
            return wording.no_limit
        low = "—" if limits[0] is None else wording.number(limits[0])
        high = "—" if limits[1] is None else wording.number(limits[1])
        return wording.limits.format(low=low, high=high)

    body: list[str] = []
    outside = _panel(body, "temperature", temperature, temperature_limits, top=top, height=panel_h, left=left,
                     width=plot_w, span_s=span_s, gap_s=gap_s,
                     caption=f"{wording.temperature} — {limit_text(temperature_limits)}", wording=wording)
    second = top + panel_h + between
    outside += _panel(body, "humidity", humidity, humidity_limits, top=second, height=panel_h, left=left,
                      width=plot_w, span_s=span_s, gap_s=gap_s,
                      caption=f"{wording.humidity} — {limit_text(humidity_limits)}", wording=wording)
    axis_y = second + panel_h
    for t, text in time_ticks:
        tx = left + plot_w * t / span_s
        body.append(f'<line x1="{tx:.2f}" x2="{tx:.2f}" y1="{axis_y:.2f}" y2="{axis_y + 4:.2f}" stroke="#555"/>')
        body.append(f'<text x="{tx:.2f}" y="{axis_y + 16:.2f}" font-size="11" text-anchor="middle">'
                    f'{escape(text)}</text>')
    count = len(temperature) + len(humidity)
    summary = (wording.summary.format(samples=count, outside=outside) if count else wording.no_samples)
    desc = (f"{wording.temperature}: {limit_text(temperature_limits)}. {wording.humidity}: "
            f"{limit_text(humidity_limits)}. {summary}")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id_prefix}-t {id_prefix}-d" '
            f'font-family="DejaVu Sans, sans-serif">'
            f'<title id="{id_prefix}-t">{escape(wording.title)}</title><desc id="{id_prefix}-d">{escape(desc)}</desc>'
            f'<text x="{left:.2f}" y="{height - 6:.2f}" font-size="11">{escape(summary)}</text>')
    return head + "".join(body) + "</svg>"
