"""Download headers: a Content-Disposition that keeps Vietnamese file names (RFC 6266, RFC 5987)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

_ASCII_FOR = {"Đ": "D", "đ": "d"}  # no Unicode decomposition: NFKD alone would drop them


def ascii_fallback(filename: str) -> str:
    """``filename`` spelt in plain ASCII for old clients: accents dropped, Đ → D, unsafe characters → _.

    >>> ascii_fallback("ĐL-2026/Cân điện tử.pdf")
    'DL-2026_Can dien tu.pdf'
    """
    text = "".join(_ASCII_FOR.get(c, c) for c in filename)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c.isalnum() or c in " .-_()" else "_" for c in text) or "download"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="ASCII"; filename*=UTF-8''percent-encoded`` (the second wins where understood)."""
    kind = "inline" if inline else "attachment"
    encoded = quote(unicodedata.normalize("NFC", filename), safe="")
    return f"{kind}; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"
