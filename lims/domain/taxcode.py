"""Vietnamese enterprise tax codes (mã số thuế).

A tax code has ten digits — two for the province that issued it, seven of sequence and a check
digit — and a branch (đơn vị phụ thuộc) adds ``-`` and three digits. The check digit N10 of the
digits N1…N9 is ``10 − (31·N1 + 29·N2 + 23·N3 + 19·N4 + 17·N5 + 13·N6 + 7·N7 + 5·N8 + 3·N9) mod 11``;
a code whose remainder gives 10 is never issued.
"""

from __future__ import annotations

import re
import unicodedata

from lims.domain.errors import DomainError
from lims.errors import N_

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_PATTERN = re.compile(r"(\d{10})(?:-(\d{3}))?")


class InvalidTaxCode(DomainError, ValueError):
    template = N_("Tax code %(code)s is not valid.")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or ``None`` when no valid code can start with them.

    >>> check_digit("010010910")
    6
    >>> check_digit("030058856")
    9
    """
    total = sum(w * int(d) for w, d in zip(WEIGHTS, first_nine, strict=True))
    digit = 10 - total % 11
    return None if digit == 10 else digit


def normalise_tax_code(text: str) -> str:
    """Validate a tax code and return it in canonical form (digits, ``-`` before a branch suffix).

    >>> normalise_tax_code(" 0100109106 ")
    '0100109106'
    >>> normalise_tax_code("0100109106-001")
    '0100109106-001'
    >>> normalise_tax_code("0100109107")
    Traceback (most recent call last):
    ...
    lims.domain.taxcode.InvalidTaxCode: Tax code 0100109107 is not valid: the check digit should be 6.
    """
    code = unicodedata.normalize("NFC", text).strip().replace(" ", "")
    match = _PATTERN.fullmatch(code)
    if match is None:
        raise InvalidTaxCode(
            N_("Tax code %(code)s is not valid: expected 10 digits, or 10 digits, '-' and 3 digits."),
            code=code or "''",
        )
    main, branch = match.groups()
    expected = check_digit(main[:9])
    if expected is None:
        raise InvalidTaxCode(
            N_("Tax code %(code)s is not valid: no tax code is issued with these first nine digits."),
            code=code,
        )
    if int(main[9]) != expected:
        raise InvalidTaxCode(
            N_("Tax code %(code)s is not valid: the check digit should be %(digit)s."),
            code=code,
            digit=expected,
        )
    if branch == "000":
        raise InvalidTaxCode(N_("Tax code %(code)s is not valid: branch number 000 is not used."), code=code)
    return code
