"""Compiling the message catalogues (``make`` does it at install; tests and tools call it when stale)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def stale_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """The ``messages.po`` files whose ``messages.mo`` is missing or older."""
    stale = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po)
    return stale


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Write every ``messages.mo`` older than its ``messages.po``; return the files written."""
    written = []
    for po in stale_catalogues(directory):
        mo = po.with_suffix(".mo")
        with po.open("rb") as source:
            catalogue = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalogue)
        written.append(mo)
    return written
