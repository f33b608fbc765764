"""File downloads: the one place that writes ``Content-Disposition`` (RFC 6266 with RFC 5987 ``filename*``).

Every route that sends a file builds its response with :func:`file_response`. The header carries an ASCII
``filename`` for old clients and the exact name (Vietnamese letters included) as ``filename*=UTF-8''…``;
the header value itself is pure ASCII, so WSGI servers that refuse non-latin-1 headers (gunicorn closes the
connection) never see a Vietnamese letter in it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from urllib.parse import quote

from flask import Response

_ASCII_FOR = {"Đ": "D", "đ": "d"}  # no Unicode decomposition: NFKD alone would drop them
_UNSAFE_IN_NAME = "/\\"


def exact_name(filename: str) -> str:
    """The name a user should see: NFC, no path separators and no control characters.

    >>> exact_name("KĐ/2026\\x00-1.pdf")
    'KĐ_2026-1.pdf'
    """
    text = unicodedata.normalize("NFC", filename)
    text = "".join("_" if c in _UNSAFE_IN_NAME else c for c in text if unicodedata.category(c)[0] != "C")
    return text.strip() or "download"


def ascii_fallback(filename: str) -> str:
    """``filename`` spelt in plain ASCII for old clients: accents dropped, Đ → D, unsafe characters → _.

    >>> ascii_fallback("ĐL-2026/Cân điện tử.pdf")
    'DL-2026_Can dien tu.pdf'
    """
    text = "".join(_ASCII_FOR.get(c, c) for c in exact_name(filename))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c.isalnum() or c in " .-_()" else "_" for c in text).strip() or "download"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="ASCII"; filename*=UTF-8''percent-encoded`` (RFC 6266 §4.3: the second wins
    where understood). The returned value is pure ASCII.

    >>> content_disposition("KĐ-2026-00007.pdf")
    'attachment; filename="KD-2026-00007.pdf"; filename*=UTF-8\\'\\'K%C4%90-2026-00007.pdf'
    >>> content_disposition("a b.pdf", inline=True)
    'inline; filename="a b.pdf"; filename*=UTF-8\\'\\'a%20b.pdf'
    """
    kind = "inline" if inline else "attachment"
    encoded = quote(exact_name(filename), safe="")
    return f"{kind}; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"


def file_response(
    data: bytes,
    *,
    filename: str,
    mimetype: str,
    inline: bool = False,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A response carrying ``data`` as a download named ``filename`` (any Unicode; see the module docstring)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
