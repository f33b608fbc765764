"""Verification stamps (tem kiểm định) as a numbered, controlled stock.

Stamps are issued to the lab by the authority in batches: a series and a range of consecutive numbers
(Circular 23/2013/TT-BKHCN on verification marks, as amended; the form of the stamp is set by the
authority — from memory, not checked against the text). A stamp number is written ``SERIES-NNNNNN``: the
series as printed on the stamp, then the number with the batch's digits.

>>> batch = StampRange("HN-26", 1201, 1300, digits=6)
>>> batch.format(1234), batch.count
('HN-26-001234', 100)
>>> parse_stamp("hn-26 001234")
('HN-26', 1234)
>>> batch.contains(*parse_stamp("HN-26-001301"))
False
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lims.domain.errors import DomainError
from lims.errors import N_

_SEPARATED = re.compile(r"^(?P<series>.+?)[\s-]+(?P<number>\d{4,})$")
_JOINED = re.compile(r"^(?P<series>.*[^\d\s-])(?P<number>\d{4,})$")


class InvalidStamp(DomainError, ValueError):
    """A stamp number or range that cannot be read (the message says what was expected)."""


def parse_stamp(text: str) -> tuple[str, int]:
    """Series and number of a stamp number as printed (spaces, hyphen, case forgiven).

    The number is the last group of at least four digits (printed stamps carry six or seven), so a series
    may itself end in digits (``HN-26``).

    >>> parse_stamp("ĐN-26-000017"), parse_stamp("A0017")
    (('ĐN-26', 17), ('A', 17))
    >>> parse_stamp("HN-26")
    Traceback (most recent call last):
    ...
    lims.domain.legal.stamps.InvalidStamp: 'HN-26' is not a stamp number: write the series then the number, e.g. HN-26-001234
    """
    clean = unicodedata.normalize("NFC", text.strip()).upper()
    match = _SEPARATED.match(clean) or _JOINED.match(clean)
    if not match:
        raise InvalidStamp(
            f"{text.strip()!r} is not a stamp number: write the series then the number, e.g. HN-26-001234"
        )
    return match.group("series").strip(" -"), int(match.group("number"))


def normalise_series(series: str) -> str:
    """The series as stored: NFC, upper case, no surrounding spaces or hyphens."""
    return unicodedata.normalize("NFC", series).strip(" -").upper()


@dataclass(frozen=True, slots=True)
class StampRange:
    """A batch's consecutive numbers ``first``…``last`` of one series."""

    series: str
    first: int
    last: int
    digits: int = 6

    def __post_init__(self) -> None:
        if not normalise_series(self.series):
            raise InvalidStamp(
                N_("The stamp batch could not be recorded: the series printed on the stamps is required.")
            )
        if self.first < 1 or self.last < self.first:
            raise InvalidStamp(
                N_(
                    "The stamp batch could not be recorded: %(first)s–%(last)s is not a range of stamp numbers."
                ),
                first=self.first,
                last=self.last,
            )
        if not 4 <= self.digits <= 12 or len(str(self.last)) > self.digits:
            raise InvalidStamp(
                N_("The stamp batch could not be recorded: %(digits)s digits cannot print number %(last)s."),
                digits=self.digits,
                last=self.last,
            )

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def contains(self, series: str, number: int) -> bool:
        return normalise_series(series) == normalise_series(self.series) and self.first <= number <= self.last

    def overlaps(self, other: StampRange) -> bool:
        """True when both batches share a number of the same series.

        >>> StampRange("A", 1, 100).overlaps(StampRange("a", 100, 200)), StampRange("A", 1, 99).overlaps(StampRange("A", 100, 200))
        (True, False)
        """
        same = normalise_series(self.series) == normalise_series(other.series)
        return same and self.first <= other.last and other.first <= self.last

    def format(self, number: int) -> str:
        return f"{normalise_series(self.series)}-{number:0{self.digits}d}"
