"""Vector graphics for certificates: the error chart with U bars against the MPE, and the QR code.

Both are :class:`reportlab.graphics.shapes.Drawing` objects, so they can be placed as flowables and stay
vector (sharp when printed, small in the file).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCode
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Group, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.validators import isAnything, isColor

from certificates.errors import CertificateDataError
from certificates.fonts import REGULAR, register_fonts
from certificates.wording import nfc

__all__ = ["ErrorBarPlot", "error_chart", "qr_flowable"]

ERROR_COLOUR = colors.HexColor("#1f4e79")
MPE_COLOUR = colors.HexColor("#c00000")


class ErrorBarPlot(LinePlot):  # type: ignore[misc]
    """A :class:`LinePlot` that also draws vertical bars ``(x, y − U, y + U)`` with caps."""

    _attrMap = AttrMap(
        BASE=LinePlot,
        error_bars=AttrMapValue(isAnything, desc="(x, y, half width) per bar"),
        bar_colour=AttrMapValue(isColor, desc="colour of the bars"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.error_bars: list[tuple[float, float, float]] = []
        self.bar_colour = ERROR_COLOUR

    def draw(self) -> Group:
        group = super().draw()  # configures the axes, so their scale() is usable below
        x_axis, y_axis = self.xValueAxis, self.yValueAxis
        cap = 2.5
        for x, y, half_width in self.error_bars:
            px, low, high = x_axis.scale(x), y_axis.scale(y - half_width), y_axis.scale(y + half_width)
            for line in (
                Line(px, low, px, high),
                Line(px - cap, low, px + cap, low),
                Line(px - cap, high, px + cap, high),
            ):
                line.strokeColor, line.strokeWidth = self.bar_colour, 0.8
                group.add(line)
        return group


def _limits(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    span = high - low or abs(high) or 1.0
    return low - 0.08 * span, high + 0.08 * span


def error_chart(
    nominal: Sequence[float],
    error: Sequence[float],
    expanded_uncertainty: Sequence[float],
    mpe: Sequence[float | None],
    *,
    x_label: str,
    y_label: str,
    legend: Sequence[str],
    width_pt: float = 480.0,
    height_pt: float = 190.0,
) -> Drawing:
    """Errors with ±U bars against ±MPE limits, all in the series unit, versus the nominal value.

    ``legend`` gives the three captions (error with U, +MPE, −MPE). MPE lines are drawn only when every
    point has an MPE.

    >>> d = error_chart([0, 50, 100], [0.01, -0.02, 0.03], [0.02, 0.02, 0.03], [0.1, 0.1, 0.1],
    ...                 x_label="m / g", y_label="E / g", legend=["E ± U", "+MPE", "−MPE"])
    >>> (d.width, d.height)
    (480.0, 190.0)
    """
    register_fonts()
    n = len(nominal)
    if n == 0 or not n == len(error) == len(expanded_uncertainty) == len(mpe):
        raise CertificateDataError(
            "chart", "nominal, error, expanded_uncertainty and mpe need one value per point"
        )
    points = sorted(zip(nominal, error, expanded_uncertainty, mpe, strict=True), key=lambda p: p[0])
    with_mpe = all(m is not None for _, _, _, m in points)
    plot = ErrorBarPlot()
    plot.x, plot.y = 58.0, 46.0
    plot.width, plot.height = width_pt - plot.x - 12.0, height_pt - plot.y - 10.0
    data = [[(x, e) for x, e, _, _ in points]]
    y_values = [e - u for _, e, u, _ in points] + [e + u for _, e, u, _ in points] + [0.0]
    if with_mpe:
        data.append([(x, float(m)) for x, _, _, m in points])  # type: ignore[arg-type]
        data.append([(x, -float(m)) for x, _, _, m in points])  # type: ignore[arg-type]
        y_values += [float(m) for *_, m in points] + [-float(m) for *_, m in points]  # type: ignore[arg-type]
    plot.data = data
    plot.error_bars = [(x, e, u) for x, e, u, _ in points]
    plot.lines[0].strokeColor, plot.lines[0].strokeWidth = ERROR_COLOUR, 0.8
    plot.lines[0].symbol = makeMarker(
        "FilledCircle", size=4, fillColor=ERROR_COLOUR, strokeColor=ERROR_COLOUR
    )
    for index in (1, 2):
        plot.lines[index].strokeColor, plot.lines[index].strokeWidth = MPE_COLOUR, 1.0
        plot.lines[index].strokeDashArray = (4, 2)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = _limits([x for x, *_ in points])
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = _limits(y_values)
    plot.xValueAxis.joinAxisMode = "bottom"
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = REGULAR, 7
        axis.avoidBoundFrac = 0
        axis.gridStrokeColor, axis.gridStrokeWidth, axis.visibleGrid = colors.HexColor("#d9d9d9"), 0.4, 1
    plot.yValueAxis.labelTextFormat = _tick_format
    plot.xValueAxis.labelTextFormat = _tick_format
    drawing = Drawing(width_pt, height_pt, initialFontName=REGULAR, initialFontSize=7)
    drawing.add(plot)
    drawing.add(
        String(plot.x + plot.width / 2, 14, nfc(x_label), fontName=REGULAR, fontSize=7.5, textAnchor="middle")
    )
    y_caption = String(0, 0, nfc(y_label), fontName=REGULAR, fontSize=7.5, textAnchor="middle")
    rotated = Group(y_caption)
    rotated.translate(10, plot.y + plot.height / 2)
    rotated.rotate(90)
    drawing.add(rotated)
    key = Legend()
    key.x, key.y, key.fontName, key.fontSize = plot.x, 2, REGULAR, 7
    key.alignment, key.columnMaximum, key.dx, key.dy, key.deltax = "right", 1, 10, 6, 150
    pairs = [(ERROR_COLOUR, nfc(legend[0]))]
    if with_mpe:
        pairs.append((MPE_COLOUR, nfc(legend[1]) + " / " + nfc(legend[2])))
    key.colorNamePairs = pairs
    drawing.add(key)
    return drawing


def _tick_format(value: float) -> str:
    text = f"{value:.6g}"
    return "0" if text in ("-0", "0") else text.replace(".", ",")


_FINDER_LIKE = re.compile("10111010000")
_LONG_RUN = re.compile("0{5,}|1{5,}")


def mask_penalty(modules: Sequence[Sequence[bool]]) -> int:
    """The mask penalty of :meth:`reportlab...qrencoder.QRUtil.getLostPoint`, computed on strings and ints.

    Same four rules and the same scores as reportlab (runs of five or more, 2 × 2 blocks, finder-like
    patterns, dark-module balance; cf. ISO/IEC 18004 mask evaluation), so the same mask is chosen and the
    symbol is identical, about ten times faster. tests/certificates/test_graphics.py proves the equality.

    >>> mask_penalty([[True] * 5] * 5)  # 10 runs of 5 (3 each), 16 blocks (3 each), all dark (100)
    178
    """
    rows = ["".join("1" if m else "0" for m in row) for row in modules]
    columns = ["".join(column) for column in zip(*rows, strict=True)]
    score = sum(len(m.group()) - 2 for line in rows + columns for m in _LONG_RUN.finditer(line))
    width = len(rows[0])
    full = (1 << (width - 1)) - 1
    bits = [int(row, 2) for row in rows]
    for upper, lower in itertools.pairwise(bits):
        same = ~(upper ^ lower) & ~(upper ^ (upper >> 1)) & ~(lower ^ (lower >> 1)) & full
        score += 3 * same.bit_count()
    # reportlab compares column tuples with a list in its rule 3, so only rows ever score; do the same
    score += 40 * sum(len(_FINDER_LIKE.findall(line[:-1])) for line in rows)
    dark = sum(row.count("1") for row in rows)
    return score + 10 * (abs(100 * dark // (width * len(rows)) - 50) // 5)


class _FastMaskQRCode(qrencoder.QRCode):  # type: ignore[misc]
    def getBestMaskPattern(self) -> int:
        best, pattern = 0, 0
        for candidate in range(8):
            self.makeImpl(True, candidate)
            penalty = mask_penalty(self.modules)
            if candidate == 0 or penalty < best:
                best, pattern = penalty, candidate
        return pattern


def qr_flowable(url: str, *, size_pt: float) -> QrCode:
    """A QR code (error correction level M) for ``url``, ``size_pt`` points square including its quiet zone.

    reportlab's :class:`QrCode` flowable paints the modules straight onto the canvas, which is about ten
    times faster than the equivalent shapes drawing.

    >>> qr_flowable("https://lims.example.vn/verify/HC-2026-00042", size_pt=72).wrap(500, 500)
    (72, 72)
    """
    if not url:
        raise CertificateDataError("verification_url", "must not be empty")
    code = QrCode(url, width=size_pt, height=size_pt, qrLevel="M", qrBorder=4)
    code.qr.__class__ = _FastMaskQRCode  # same encoder, faster mask selection
    return code
