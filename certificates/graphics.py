"""The QR code of the verification URL: reportlab's encoder and flowable with a faster choice of mask."""

from __future__ import annotations

import functools
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
    return _penalty(["".join("1" if m else "0" for m in row) for row in modules])


def _penalty(rows: list[str]) -> int:
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


@functools.lru_cache(maxsize=8 * 40)
def _mask_rows(size: int, pattern: int) -> tuple[int, ...]:
    """Row bitmasks (leftmost module = highest bit) where mask ``pattern`` inverts a module."""
    mask = qrencoder.QRUtil.getMask(pattern)
    return tuple(sum(1 << (size - 1 - c) for c in range(size) if mask(r, c)) for r in range(size))


class FastMaskQRCode(qrencoder.QRCode):  # type: ignore[misc]
    """reportlab's encoder with a faster choice of mask; the chosen mask and the symbol are unchanged.

    In test mode the format information is blank, so two masks differ only on the data modules, where
    each mask is an XOR: the symbol is laid out once as row integers and the eight candidates are derived
    from it with cached mask rows.
    """

    def getBestMaskPattern(self) -> int:  # reportlab API
        self.makeImpl(True, 0)
        size = self.moduleCount
        base = [int("".join("1" if m else "0" for m in row), 2) for row in self.modules]
        data = [0] * size
        for col, row in self.dataPosIterator():
            data[row] |= 1 << (size - 1 - col)
        first = _mask_rows(size, 0)
        best, pattern = 0, 0
        for candidate in range(8):
            other = _mask_rows(size, candidate)
            rows = [b ^ (d & (f ^ o)) for b, d, f, o in zip(base, data, first, other, strict=True)]
            penalty = _penalty([format(r, f"0{size}b") for r in rows])
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
