"""Every user-facing string has a Vietnamese translation, NFC-normalised."""

from __future__ import annotations

import unicodedata
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}


def _extracted() -> set[str]:
    ids: set[str] = set()
    method_map = [("lims/**.py", "python"), ("lims/web/templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def _catalogue() -> dict[str, str]:
    """msgid → msgstr; a plural entry (ngettext) by its singular id and its one Vietnamese form."""
    data = (ROOT / "lims/web/translations/vi/LC_MESSAGES/messages.po").read_bytes()
    found: dict[str, str] = {}
    for m in read_po(BytesIO(data)):
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else str(m.id[0])
        text = m.string if isinstance(m.string, str) else (str(m.string[0]) if m.string else "")
        found[key] = text
    return found


def test_every_message_is_translated_to_vietnamese() -> None:
    catalogue = _catalogue()
    missing = sorted(m for m in _extracted() if not catalogue.get(m))
    assert missing == [], "run `make messages` and translate these in vi/messages.po"


def test_translations_are_nfc_and_keep_placeholders() -> None:
    import re

    for msgid, text in _catalogue().items():
        assert unicodedata.is_normalized("NFC", text), msgid
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", text)), msgid
