"""The TrueType fonts shipped with the package (DejaVu Sans, full Vietnamese coverage) and their registration.

reportlab's standard fonts (Helvetica…) and its bundled Vera lack ă, ơ, ư, đ and the stacked tone marks,
so every string is drawn in DejaVu Sans, embedded and subset in the PDF. Licence: ``fonts/LICENSE``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

__all__ = ["BOLD", "FONT_DIR", "ITALIC", "REGULAR", "register_fonts"]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}
_lock = threading.Lock()


def register_fonts() -> None:
    """Register the three faces and the family (so ``<b>`` and ``<i>`` work in paragraphs); idempotent.

    >>> register_fonts(); register_fonts()
    >>> from reportlab.pdfbase.pdfmetrics import getRegisteredFontNames
    >>> REGULAR in getRegisteredFontNames()
    True
    """
    with _lock:
        registered = set(pdfmetrics.getRegisteredFontNames())
        for name, file_name in _FILES.items():
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file_name)))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
