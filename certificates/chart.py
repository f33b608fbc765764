"""The error chart: errors with ±U bars against the ±MPE limits, versus the nominal value.

A flowable that draws vector graphics straight onto the reportlab canvas. reportlab's ``LinePlot`` widget
draws the same picture but spends about 20 ms building and validating a hundred shape objects; this one takes
about 2 ms, which is a fifth of the budget of a whole certificate (docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from certificates.errors import CertificateDataError
from certificates.fonts import REGULAR
from certificates.formatting import is_finite_number
from certificates.wording import nfc

__all__ = ["ChartPoint", "ErrorChart", "nice_ticks"]

ERROR_COLOUR = colors.HexColor("#1f4e79")
MPE_COLOUR = colors.HexColor("#c00000")
GRID_COLOUR = colors.HexColor("#d9d9d9")


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One point, every value in the series unit; ``mpe`` is the ± limit or None."""

    nominal: float
    error: float
    expanded_uncertainty: float
    mpe: float | None


def nice_ticks(low: float, high: float, *, target: int = 5) -> list[float]:
    """Round tick values covering [low, high], steps of 1, 2, 2.5 or 5 × 10ⁿ.

    >>> nice_ticks(-0.021, 0.021)
    [-0.02, -0.01, 0.0, 0.01, 0.02]
    >>> nice_ticks(0, 200)
    [0.0, 50.0, 100.0, 150.0, 200.0]
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        raise CertificateDataError("chart", f"cannot place ticks on [{low}, {high}]")
    raw = (high - low) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first = math.ceil(low / step - 1e-9)
    ticks = []
    value = first
    while value * step <= high + step * 1e-9:
        ticks.append(round(value * step, 12) + 0.0)
        value += 1
    return ticks


def _label(value: float, decimal_separator: str) -> str:
    text = f"{value:.6g}"
    return "0" if text in ("0", "-0") else text.replace(".", decimal_separator)


class ErrorChart(Flowable):  # type: ignore[misc]
    """Errors (joined markers) with vertical ±U bars; ±MPE as dashed red lines when every point has one.

    >>> chart = ErrorChart([ChartPoint(0, 0.001, 0.002, 0.01), ChartPoint(100, -0.002, 0.002, 0.01)],
    ...                    x_label="m / g", y_label="E / g", legend=("E ± U", "±MPE"))
    >>> chart.wrap(400, 800)
    (400.0, 170.0)
    """

    def __init__(
        self,
        points: Sequence[ChartPoint],
        *,
        x_label: str,
        y_label: str,
        legend: tuple[str, str],
        width_pt: float = 400.0,
        height_pt: float = 170.0,
        decimal_separator: str = ",",
    ) -> None:
        super().__init__()
        if not points:
            raise CertificateDataError("chart", "needs at least one point")
        for index, p in enumerate(points):
            values = (p.nominal, p.error, p.expanded_uncertainty, 0.0 if p.mpe is None else p.mpe)
            if not all(is_finite_number(v) for v in values):
                raise CertificateDataError(f"chart.points[{index}]", "values must be finite numbers")
        self.points = sorted(points, key=lambda p: p.nominal)
        self.x_label, self.y_label, self.legend = nfc(x_label), nfc(y_label), tuple(nfc(t) for t in legend)
        self.width, self.height, self.decimal_separator = float(width_pt), float(height_pt), decimal_separator

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def _ranges(self) -> tuple[list[float], list[float]]:
        xs = [p.nominal for p in self.points]
        ys = (
            [0.0]
            + [p.error - p.expanded_uncertainty for p in self.points]
            + [p.error + p.expanded_uncertainty for p in self.points]
        )
        if self.with_mpe:
            ys += [float(p.mpe) for p in self.points if p.mpe is not None]
            ys += [-float(p.mpe) for p in self.points if p.mpe is not None]
        x_low, x_high = min(xs), max(xs)
        if x_high == x_low:
            x_low, x_high = x_low - (abs(x_low) or 1.0), x_high + (abs(x_high) or 1.0)
        y_low, y_high = min(ys), max(ys)
        if y_high == y_low:
            y_low, y_high = y_low - 1.0, y_high + 1.0
        pad = 0.06 * (y_high - y_low)
        x_ticks, y_ticks = nice_ticks(x_low, x_high), nice_ticks(y_low - pad, y_high + pad)
        return (
            [min(x_low, x_ticks[0]), max(x_high, x_ticks[-1]), *x_ticks],
            [min(y_low - pad, y_ticks[0]), max(y_high + pad, y_ticks[-1]), *y_ticks],
        )

    @property
    def with_mpe(self) -> bool:
        """Whether the MPE lines are drawn (every point has an MPE)."""
        return all(p.mpe is not None for p in self.points)

    def draw(self) -> None:
        canvas = self.canv
        (x0, x1, *x_ticks), (y0, y1, *y_ticks) = self._ranges()
        left, bottom, right, top = 58.0, 42.0, self.width - 10.0, self.height - 6.0

        def sx(x: float) -> float:
            return left + (x - x0) / (x1 - x0) * (right - left)

        def sy(y: float) -> float:
            return bottom + (y - y0) / (y1 - y0) * (top - bottom)

        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setLineWidth(0.4)
        canvas.setStrokeColor(GRID_COLOUR)
        for x in x_ticks:
            canvas.line(sx(x), bottom, sx(x), top)
            canvas.drawCentredString(sx(x), bottom - 10, _label(x, self.decimal_separator))
        for y in y_ticks:
            canvas.line(left, sy(y), right, sy(y))
            canvas.drawRightString(left - 4, sy(y) - 2.5, _label(y, self.decimal_separator))
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.8)
        canvas.line(left, bottom, right, bottom)
        canvas.line(left, bottom, left, top)
        if self.with_mpe:
            canvas.setStrokeColor(MPE_COLOUR)
            canvas.setDash(4, 2)
            for sign in (1.0, -1.0):
                path = canvas.beginPath()
                for index, p in enumerate(self.points):
                    point = (sx(p.nominal), sy(sign * float(p.mpe or 0.0)))
                    path.moveTo(*point) if index == 0 else path.lineTo(*point)
                canvas.drawPath(path, stroke=1, fill=0)
            canvas.setDash()
        canvas.setStrokeColor(ERROR_COLOUR)
        canvas.setFillColor(ERROR_COLOUR)
        path = canvas.beginPath()
        for index, p in enumerate(self.points):
            point = (sx(p.nominal), sy(p.error))
            path.moveTo(*point) if index == 0 else path.lineTo(*point)
        canvas.drawPath(path, stroke=1, fill=0)
        for p in self.points:
            x, low, high = (
                sx(p.nominal),
                sy(p.error - p.expanded_uncertainty),
                sy(p.error + p.expanded_uncertainty),
            )
            canvas.line(x, low, x, high)
            canvas.line(x - 2.5, low, x + 2.5, low)
            canvas.line(x - 2.5, high, x + 2.5, high)
            canvas.circle(x, sy(p.error), 1.8, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(REGULAR, 7.5)
        canvas.drawCentredString((left + right) / 2, bottom - 22, self.x_label)
        canvas.saveState()
        canvas.translate(12, (bottom + top) / 2)
        canvas.rotate(90)
        canvas.drawCentredString(0, 0, self.y_label)
        canvas.restoreState()
        self._draw_legend(left)
        canvas.restoreState()

    def _draw_legend(self, left: float) -> None:
        canvas = self.canv
        canvas.setFont(REGULAR, 7)
        canvas.setStrokeColor(ERROR_COLOUR)
        canvas.setFillColor(ERROR_COLOUR)
        canvas.line(left, 5, left + 16, 5)
        canvas.circle(left + 8, 5, 1.8, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.drawString(left + 20, 2.5, self.legend[0])
        if self.with_mpe:
            start = left + 40 + stringWidth(self.legend[0], REGULAR, 7)
            canvas.setStrokeColor(MPE_COLOUR)
            canvas.setDash(4, 2)
            canvas.line(start, 5, start + 16, 5)
            canvas.setDash()
            canvas.drawString(start + 20, 2.5, self.legend[1])
