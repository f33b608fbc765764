"""Merge Vietnamese translations into the catalogue: ``python tools/add_translations.py FILE.json``.

FILE.json maps English message ids to their Vietnamese text. Existing entries are replaced, the rest kept;
every text is NFC-normalised. Run ``make messages`` first to see which ids are missing.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parents[1] / "lims/web/translations/vi/LC_MESSAGES/messages.po"


def main(path: str) -> None:
    additions = json.loads(Path(path).read_text(encoding="utf-8"))
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    for msgid, text in additions.items():
        if msgid in catalogue:
            catalogue[msgid].string = unicodedata.normalize("NFC", text)
            catalogue[msgid].flags.discard("fuzzy")
        else:
            catalogue.add(msgid, unicodedata.normalize("NFC", text))
    with CATALOGUE.open("wb") as handle:
        write_po(handle, catalogue, no_location=True, width=120)
    print(f"{len(additions)} translations merged into {CATALOGUE}")


if __name__ == "__main__":
    main(sys.argv[1])
