"""Stored UTC instants read as the lab's local date and time (lims/localtime.py), worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lims.errors import ConfigurationError
from lims.localtime import format_lab_date, format_lab_datetime, format_lab_time, lab_zone, to_lab_time

HANOI = lab_zone("Asia/Ho_Chi_Minh")  # UTC+07:00 all year
BERLIN = lab_zone("Europe/Berlin")  # CET UTC+01:00, CEST UTC+02:00 from the last Sunday of March 01:00 UTC


def test_an_instant_near_midnight_lands_on_the_local_day() -> None:
    # 2026-03-01 17:30 UTC + 7 h = 2026-03-02 00:30 in Hà Nội: the next day.
    late = datetime(2026, 3, 1, 17, 30)
    assert format_lab_date(late, locale="vi", zone=HANOI) == "02/03/2026"
    assert format_lab_datetime(late, locale="vi", zone=HANOI) == "02/03/2026 00:30"
    # 16:59 UTC + 7 h = 23:59 the same day.
    assert format_lab_datetime(datetime(2026, 3, 1, 16, 59), locale="vi", zone=HANOI) == "01/03/2026 23:59"


def test_naive_and_aware_utc_read_the_same() -> None:
    naive, aware = datetime(2026, 3, 1, 17, 30), datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    assert to_lab_time(naive, HANOI) == to_lab_time(aware, HANOI)
    other = datetime(2026, 3, 2, 2, 30, tzinfo=timezone(timedelta(hours=9)))  # 17:30 UTC written in Tokyo
    assert format_lab_datetime(other, locale="vi", zone=HANOI) == "02/03/2026 00:30"


def test_both_languages_are_day_first_and_24_hour() -> None:
    afternoon = datetime(2026, 11, 2, 7, 5, 9)  # 14:05:09 in Hà Nội
    assert format_lab_datetime(afternoon, locale="vi", zone=HANOI, seconds=True) == "02/11/2026 14:05:09"
    assert format_lab_time(afternoon, locale="vi", zone=HANOI) == "14:05"
    # English is British English (en_GB), whatever English variant the reader's setting names
    for english in ("en", "en_GB", "en_US", "en-US"):
        assert format_lab_date(afternoon, locale=english, zone=HANOI) == "2 Nov 2026"
        assert format_lab_datetime(afternoon, locale=english, zone=HANOI) == "2 Nov 2026, 14:05"
        assert format_lab_time(afternoon, locale=english, zone=HANOI, seconds=True) == "14:05:09"


def test_the_long_style_spells_the_month_in_english_only() -> None:
    assert format_lab_date(date(2025, 7, 1), locale="en", zone=HANOI, style="long") == "1 July 2025"
    assert format_lab_date(date(2025, 7, 1), locale="vi", zone=HANOI, style="long") == "01/07/2025"


def test_a_calendar_date_is_never_shifted() -> None:
    assert format_lab_date(date(2026, 1, 1), locale="vi", zone=BERLIN) == "01/01/2026"
    assert format_lab_date(date(2026, 1, 1), locale="vi", zone=HANOI) == "01/01/2026"


def test_a_zone_with_daylight_saving_time() -> None:
    # Berlin switches to CEST on 29 March 2026 at 01:00 UTC: 00:30 UTC reads 01:30 CET, 01:30 UTC reads 03:30.
    assert format_lab_time(datetime(2026, 3, 29, 0, 30), locale="vi", zone=BERLIN) == "01:30"
    assert format_lab_time(datetime(2026, 3, 29, 1, 30), locale="vi", zone=BERLIN) == "03:30"
    # 22:30 UTC on 30 June is 00:30 on 1 July in summer (UTC+02:00) but 23:30 on 30 December in winter.
    assert format_lab_date(datetime(2026, 6, 30, 22, 30), locale="vi", zone=BERLIN) == "01/07/2026"
    assert format_lab_date(datetime(2026, 12, 30, 22, 30), locale="vi", zone=BERLIN) == "30/12/2026"


def test_nothing_reads_empty() -> None:
    assert format_lab_date(None, locale="vi", zone=HANOI) == ""
    assert format_lab_datetime(None, locale="en", zone=HANOI) == ""
    assert format_lab_time(None, locale="vi", zone=HANOI) == ""


def test_an_unknown_zone_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="LIMS_TIMEZONE must be an IANA time zone"):
        lab_zone("Asia/Saigon-City")
    with pytest.raises(ConfigurationError, match="LIMS_TIMEZONE"):
        lab_zone("../etc/passwd")
