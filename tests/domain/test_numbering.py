"""Certificate number patterns (ISO/IEC 17025:2017 7.8.2.1 d: unique identification of every report)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lims.domain.errors import DomainError
from lims.domain.numbering import (
    DEFAULT_CALIBRATION_PATTERN,
    DEFAULT_VERIFICATION_PATTERN,
    CertificateNumberError,
    NumberPattern,
    NumberPatternError,
    ParsedNumber,
    format_number,
    parse_number,
    validate_pattern,
)


def test_default_patterns_format_the_issue_examples() -> None:
    assert format_number(DEFAULT_CALIBRATION_PATTERN, year=2026, seq=42) == "HC-2026-00042"
    assert format_number(DEFAULT_VERIFICATION_PATTERN, year=2026, seq=7) == "KĐ-2026-00007"


def test_parse_returns_year_and_sequence() -> None:
    assert parse_number(DEFAULT_CALIBRATION_PATTERN, "HC-2026-00042") == ParsedNumber(2026, 42)
    year, seq = parse_number(DEFAULT_VERIFICATION_PATTERN, "KĐ-2026-00007")
    assert (year, seq) == (2026, 7)


def test_sequence_wider_than_the_padding_still_round_trips() -> None:
    number = format_number(DEFAULT_CALIBRATION_PATTERN, year=2026, seq=123456)
    assert number == "HC-2026-123456"
    assert parse_number(DEFAULT_CALIBRATION_PATTERN, number) == (2026, 123456)


def test_two_digit_year_and_patterns_without_year() -> None:
    assert format_number("HC{yy}/{seq:04d}", year=2026, seq=7) == "HC26/0007"
    assert parse_number("HC{yy}/{seq:04d}", "HC26/0007") == (2026, 7)
    assert parse_number("TTĐL-{seq}", "TTĐL-15") == (None, 15)
    assert not NumberPattern("TTĐL-{seq}").has_year
    assert NumberPattern(DEFAULT_CALIBRATION_PATTERN).has_year


@given(
    year=st.integers(1000, 9999),
    seq=st.integers(1, 10**8),
    pattern=st.sampled_from(
        [
            DEFAULT_CALIBRATION_PATTERN,
            DEFAULT_VERIFICATION_PATTERN,
            "{year}.{seq}",
            "X_{seq:09d}-{year}",
            "HC{yy}/{seq:03d}",
        ]
    ),
)
def test_format_then_parse_is_identity(year: int, seq: int, pattern: str) -> None:
    parsed = parse_number(pattern, format_number(pattern, year=year, seq=seq))
    assert parsed.seq == seq
    assert parsed.year == (2000 + year % 100 if "{yy}" in pattern else year)


def test_decomposed_input_is_normalised_to_nfc() -> None:
    nfd_pattern = unicodedata.normalize("NFD", "HCĐ-Ạ-{year}-{seq:05d}")
    assert validate_pattern(nfd_pattern) == "HCĐ-Ạ-{year}-{seq:05d}"
    number = format_number(nfd_pattern, year=2026, seq=3)
    assert number == unicodedata.normalize("NFC", number)
    assert parse_number("HCĐ-Ạ-{year}-{seq:05d}", unicodedata.normalize("NFD", number)) == (2026, 3)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("HC-{year}", "must contain {seq}"),
        ("HC-{month}-{seq}", "unknown field {month}"),
        ("HC-{0}-{seq}", "unknown field {0}"),
        ("HC-{}-{seq}", "unknown field {}"),
        ("HC {seq}", "character ' '"),
        ("HC#{seq}", "character '#'"),
        ("HC-{seq}-{seq}", "repeats"),
        ("HC-{year}-{yy}-{seq}", "repeats"),
        ("HC-{year}{seq}", "separated by literal text"),
        ("HC-{seq:5d}", "format {seq:5d}"),
        ("HC-{seq:x}", "format {seq:x}"),
        ("HC-{year:04d}-{seq}", "format {year:04d}"),
        ("HC-{seq!r}", "conversion"),
        ("HC-{seq", "unbalanced braces"),
        ("", "is empty"),
        ("H" * 70 + "{seq}", "longer than"),
    ],
)
def test_bad_patterns_are_refused_with_a_clear_reason(pattern: str, reason: str) -> None:
    with pytest.raises(NumberPatternError) as caught:
        NumberPattern(pattern)
    assert reason in str(caught.value)
    assert isinstance(caught.value, DomainError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.pattern == unicodedata.normalize("NFC", pattern)


@pytest.mark.parametrize(
    "number",
    [
        "HC-2026-042",
        "HC-2026-000042",
        "HC-2026-00000",
        "hc-2026-00042",
        "HC-26-00042",
        "HC-2026-00042x",
        "KĐ-2026-00042",
    ],
)
def test_numbers_not_produced_by_the_pattern_are_refused(number: str) -> None:
    with pytest.raises(CertificateNumberError) as caught:
        parse_number(DEFAULT_CALIBRATION_PATTERN, number)
    assert caught.value.field_name == "number"
    assert not NumberPattern(DEFAULT_CALIBRATION_PATTERN).matches(number)


@pytest.mark.parametrize(
    ("year", "seq", "field"),
    [
        (2026, 0, "seq"),
        (2026, -1, "seq"),
        (2026, True, "seq"),
        (999, 1, "year"),
        (10000, 1, "year"),
        (2026, 1.0, "seq"),
    ],
)
def test_out_of_range_values_name_the_field(year: int, seq: int, field: str) -> None:
    with pytest.raises(CertificateNumberError) as caught:
        format_number(DEFAULT_CALIBRATION_PATTERN, year=year, seq=seq)
    assert caught.value.field_name == field
    assert isinstance(caught.value, ValueError)


def test_sequence_first_with_a_slash_is_allowed() -> None:
    assert format_number("{seq:03d}/KĐ-{year}", year=2026, seq=5) == "005/KĐ-2026"
    assert parse_number("{seq:03d}/KĐ-{year}", "005/KĐ-2026") == (2026, 5)
