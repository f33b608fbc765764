"""The QR code of the verification URL: reportlab's encoder and flowable with a faster choice of mask."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCode

from certificates.errors import CertificateDataError

__all__ = ["FastMaskQRCode", "mask_penalty", "qr_flowable"]

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


class FastMaskQRCode(qrencoder.QRCode):  # type: ignore[misc]
    """reportlab's encoder with a faster choice of mask; the chosen mask and the symbol are unchanged.

    In test mode the format information is blank, so two masks differ only on the data modules, where
    each mask is an XOR: the symbol is laid out once and the eight candidates are derived from it.
    """

    def getBestMaskPattern(self) -> int:  # reportlab API
        self.makeImpl(True, 0)
        base = [list(row) for row in self.modules]
        positions = list(self.dataPosIterator())
        first = qrencoder.QRUtil.getMask(0)
        best, pattern = 0, 0
        for candidate in range(8):
            mask = qrencoder.QRUtil.getMask(candidate)
            modules = [list(row) for row in base]
            for col, row in positions:
                if first(row, col) != mask(row, col):
                    modules[row][col] = not modules[row][col]
            penalty = mask_penalty(modules)
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
    code.qr.__class__ = FastMaskQRCode  # same encoder, faster mask selection
    return code
