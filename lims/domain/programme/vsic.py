"""The Vietnamese economic sector classification (VSIC 2018) and the plans' priority sectors as its codes.

The list is ``vsic-2018.json`` beside this module: sections (level 1) and divisions (level 2) of Decision
27/2018/QĐ-TTg, Appendix I, transcribed from memory and marked so in the file. An enterprise's sector is a
division code or a finer code (up to five digits, e.g. 2630); it belongs to a priority sector when one of
that sector's codes is a prefix of it — matching by code, never by the words an enterprise typed
(issue 20: a pharmaceuticals company was queued as 'dịch vụ logistics'; 'Điện tử' matched nothing).

>>> division("2630").name_vi
'Sản xuất sản phẩm điện tử, máy vi tính và sản phẩm quang học'
>>> check_code(" 52 10 ")
'5210'
>>> check_code("99999")
Traceback (most recent call last):
...
lims.domain.programme.vsic.UnknownSectorCode: 99999 is not a code of the VSIC 2018 divisions in the list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from lims.domain.errors import DomainError
from lims.errors import N_


class UnknownSectorCode(DomainError, ValueError):
    template = N_("%(code)s is not a code of the VSIC 2018 divisions in the list.")

    def __init__(self, code: str) -> None:
        super().__init__(code=code)


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # two digits
    section: str  # one letter
    name_vi: str


@dataclass(frozen=True, slots=True)
class PrioritySector:
    """A plan's priority sector in its own words, with the VSIC codes that make it up."""

    name_vi: str
    codes: tuple[str, ...]

    def covers(self, code: str) -> bool:
        """
        >>> PrioritySector("dịch vụ logistics", ("52",)).covers("5210"), PrioritySector("x", ("52",)).covers("2100")
        (True, False)
        """
        return any(code.startswith(prefix) for prefix in self.codes)


@cache
def _data() -> dict[str, object]:
    text = resources.files("lims.domain.programme").joinpath("vsic-2018.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


@cache
def divisions() -> tuple[Division, ...]:
    """Every division of the list, in code order."""
    rows = _data()["divisions"]
    assert isinstance(rows, list)
    return tuple(Division(r["code"], r["section"], r["name_vi"]) for r in rows)


def source() -> str:
    """The document the list is taken from, as the file states it."""
    return str(_data()["source"])


def division(code: str) -> Division:
    """The division (first two digits) a code belongs to."""
    wanted = code[:2]
    for item in divisions():
        if item.code == wanted:
            return item
    raise UnknownSectorCode(code)


def check_code(raw: str) -> str:
    """A sector code as typed ('52 10', '5210') reduced to its digits; refused unless it has 2–5 digits and
    its division is in the list."""
    code = re.sub(r"\s+", "", raw or "")
    if not re.fullmatch(r"\d{2,5}", code):
        raise UnknownSectorCode(code or "—")
    division(code)
    return code
