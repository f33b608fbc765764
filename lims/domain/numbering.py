"""Certificate and job number patterns: validate, format and parse.

A pattern is a :meth:`str.format` template with a small, fixed set of fields:

``{seq}``
    the running number (mandatory). Optional zero padding, e.g. ``{seq:05d}``.
``{year}``
    the four-digit year the counter belongs to.
``{yy}``
    the last two digits of that year (read back as 20yy).

ISO/IEC 17025:2017 7.8.2.1 d) asks for a *unique identification* of every report; uniqueness and the absence
of gaps are guaranteed by the service that allocates ``seq`` (a counter row locked in the issuing
transaction);
this module is the pure part: it turns ``(year, seq)`` into the printed number and back, and refuses patterns
that could not be read back unambiguously.

Literal text may contain letters (any script, so ``KĐ`` works), digits and ``- _ . /``. Whitespace and other
punctuation are refused because the number appears in file names and in the public verification URL.
Every pattern and number is NFC-normalised first, so a number typed on a keyboard that produces decomposed
Vietnamese still matches.

>>> p = NumberPattern("KĐ-{year}-{seq:05d}")
>>> p.format(year=2026, seq=42)
'KĐ-2026-00042'
>>> p.parse("KĐ-2026-00042")
ParsedNumber(year=2026, seq=42)
>>> format_number("HC{yy}/{seq:04d}", year=2026, seq=7)
'HC26/0007'
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from lims.domain.errors import DomainError

__all__ = [
    "DEFAULT_CALIBRATION_PATTERN",
    "DEFAULT_IN_HOUSE_PATTERN",
    "DEFAULT_VERIFICATION_PATTERN",
    "CertificateNumberError",
    "NumberPattern",
    "NumberPatternError",
    "ParsedNumber",
    "format_number",
    "parse_number",
    "validate_pattern",
]

DEFAULT_CALIBRATION_PATTERN = "HC-{year}-{seq:05d}"
DEFAULT_VERIFICATION_PATTERN = "KĐ-{year}-{seq:05d}"
#: in-house calibration certificates of the lab's own standards (nội bộ), a series of their own
DEFAULT_IN_HOUSE_PATTERN = "NB-{year}-{seq:05d}"

_KNOWN_FIELDS = ("seq", "year", "yy")
_SEQ_SPEC = re.compile(r"(?:0([1-9])d?|d?)\Z")
_LITERAL_PUNCTUATION = frozenset("-_./")
_MIN_YEAR, _MAX_YEAR = 1000, 9999
_MAX_PATTERN_CHARS = 64


class NumberPatternError(DomainError, ValueError):
    """The number pattern cannot be used; ``pattern`` is the offending text."""

    def __init__(self, pattern: str, reason: str) -> None:
        self.pattern, self.reason = pattern, reason
        super().__init__(f"number pattern {pattern!r}: {reason}")


class CertificateNumberError(DomainError, ValueError):
    """A number does not fit its pattern, or a value to format is out of range."""

    def __init__(self, field_name: str, value: object, reason: str) -> None:
        self.field_name, self.value, self.reason = field_name, value, reason
        super().__init__(f"{field_name} {value!r}: {reason}")


class ParsedNumber(NamedTuple):
    """What :meth:`NumberPattern.parse` reads back; ``year`` is ``None`` for patterns without a year."""

    year: int | None
    seq: int


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _check_literal(pattern: str, literal: str) -> None:
    for char in literal:
        if char.isalnum() or char in _LITERAL_PUNCTUATION:
            continue
        raise NumberPatternError(
            pattern, f"character {char!r} is not allowed (use letters, digits and - _ . /)"
        )


@dataclass(frozen=True, slots=True)
class NumberPattern:
    """A validated number pattern (see the module docstring for the fields).

    >>> NumberPattern("HC-{year}")
    Traceback (most recent call last):
    ...
    lims.domain.numbering.NumberPatternError: number pattern 'HC-{year}': must contain {seq}
    >>> NumberPattern("HC-{month}-{seq}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lims.domain.numbering.NumberPatternError: number pattern 'HC-{month}-{seq}': unknown field {month}; ...
    """

    text: str
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _seq_width: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise NumberPatternError(repr(self.text), "must be text")
        text = _nfc(self.text)
        object.__setattr__(self, "text", text)
        if not text:
            raise NumberPatternError(text, "is empty")
        if len(text) > _MAX_PATTERN_CHARS:
            raise NumberPatternError(text, f"is longer than {_MAX_PATTERN_CHARS} characters")
        try:
            parts = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise NumberPatternError(text, f"unbalanced braces ({exc})") from None
        regex, seen, seq_width = [], set[str](), 0
        previous_was_field = False
        for literal, name, spec, conversion in parts:
            if literal:
                _check_literal(text, literal)
                regex.append(re.escape(literal))
                previous_was_field = False
            if name is None:
                continue
            if name not in _KNOWN_FIELDS:
                shown = f"{{{name}}}" if name else "{}"
                raise NumberPatternError(
                    text,
                    f"unknown field {shown}; known fields: " + ", ".join(f"{{{f}}}" for f in _KNOWN_FIELDS),
                )
            if name in seen or (name in ("year", "yy") and {"year", "yy"} & seen):
                raise NumberPatternError(text, f"field {{{name}}} repeats the year or sequence")
            if conversion:
                raise NumberPatternError(text, f"conversion !{conversion} is not allowed")
            if previous_was_field:
                raise NumberPatternError(text, "two fields must be separated by literal text")
            seen.add(name)
            previous_was_field = True
            if name == "seq":
                match = _SEQ_SPEC.match(spec or "")
                if match is None:
                    raise NumberPatternError(
                        text,
                        f"format {{seq:{spec}}} is not allowed; use {{seq}} "
                        "or zero padding such as {seq:05d}",
                    )
                seq_width = int(match.group(1) or 0)
                regex.append(r"(?P<seq>\d+)")
            else:
                if spec:
                    raise NumberPatternError(
                        text, f"format {{{name}:{spec}}} is not allowed; write {{{name}}}"
                    )
                regex.append(r"(?P<year>\d{4})" if name == "year" else r"(?P<yy>\d{2})")
        if "seq" not in seen:
            raise NumberPatternError(text, "must contain {seq}")
        object.__setattr__(self, "_regex", re.compile("".join(regex) + r"\Z"))
        object.__setattr__(self, "_seq_width", seq_width)

    @property
    def has_year(self) -> bool:
        """Whether the counter restarts every year (the pattern shows the year).

        >>> NumberPattern("HC-{seq}").has_year
        False
        """
        return self._regex.groupindex.keys() & {"year", "yy"} != set()

    def format(self, *, year: int, seq: int) -> str:
        """The number for running number ``seq`` in ``year``.

        >>> NumberPattern("HC-{year}-{seq:05d}").format(year=2026, seq=123456)
        'HC-2026-123456'
        >>> NumberPattern("HC-{year}-{seq:05d}").format(year=2026, seq=0)
        Traceback (most recent call last):
        ...
        lims.domain.numbering.CertificateNumberError: seq 0: must be a whole number of at least 1
        """
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise CertificateNumberError("seq", seq, "must be a whole number of at least 1")
        if isinstance(year, bool) or not isinstance(year, int) or not _MIN_YEAR <= year <= _MAX_YEAR:
            raise CertificateNumberError("year", year, f"must be a year between {_MIN_YEAR} and {_MAX_YEAR}")
        return self.text.format(seq=seq, year=year, yy=f"{year % 100:02d}")

    def parse(self, number: str) -> ParsedNumber:
        """Read ``(year, seq)`` back from a number; only the exact output of :meth:`format` is accepted.

        >>> NumberPattern("HC{yy}-{seq:03d}").parse("HC26-017")
        ParsedNumber(year=2026, seq=17)
        >>> NumberPattern("HC-{year}-{seq:05d}").parse("HC-2026-042")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lims.domain.numbering.CertificateNumberError: number 'HC-2026-042': does not match the pattern ...
        """
        if not isinstance(number, str):
            raise CertificateNumberError("number", number, "must be text")
        number = _nfc(number.strip())
        match = self._regex.match(number)
        if match is None:
            raise CertificateNumberError("number", number, f"does not match the pattern {self.text!r}")
        groups = match.groupdict()
        seq_text = groups["seq"]
        seq = int(seq_text)
        canonical = len(seq_text) == max(self._seq_width, len(str(seq))) and seq >= 1
        if not canonical:
            raise CertificateNumberError("number", number, f"does not match the pattern {self.text!r}")
        year: int | None = None
        if groups.get("year") is not None:
            year = int(groups["year"])
        elif groups.get("yy") is not None:
            year = 2000 + int(groups["yy"])
        if year is not None and not _MIN_YEAR <= year <= _MAX_YEAR:
            raise CertificateNumberError("number", number, f"year {year} is out of range")
        return ParsedNumber(year, seq)

    def matches(self, number: str) -> bool:
        """Whether ``number`` is a number of this pattern.

        >>> NumberPattern("KĐ-{year}-{seq:05d}").matches("KĐ-2026-00001")
        True
        """
        try:
            self.parse(number)
        except CertificateNumberError:
            return False
        return True


def validate_pattern(pattern: str) -> str:
    """Check a pattern and return it NFC-normalised; raise :class:`NumberPatternError` otherwise.

    >>> validate_pattern("HC-{year}-{seq:05d}")
    'HC-{year}-{seq:05d}'
    >>> validate_pattern("HC {seq}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lims.domain.numbering.NumberPatternError: number pattern 'HC {seq}': character ' ' is not allowed ...
    """
    return NumberPattern(pattern).text


def format_number(pattern: str, *, year: int, seq: int) -> str:
    """Format ``seq`` of ``year`` with ``pattern`` (ISO/IEC 17025:2017 7.8.2.1 d, unique identification).

    >>> format_number("KĐ-{year}-{seq:05d}", year=2026, seq=1)
    'KĐ-2026-00001'
    """
    return NumberPattern(pattern).format(year=year, seq=seq)


def parse_number(pattern: str, number: str) -> ParsedNumber:
    """Read ``(year, seq)`` from ``number`` written with ``pattern``.

    >>> year, seq = parse_number("HC-{year}-{seq:05d}", "HC-2026-00042")
    >>> (year, seq)
    (2026, 42)
    """
    return NumberPattern(pattern).parse(number)
