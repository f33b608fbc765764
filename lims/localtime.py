"""Stored instants shown as the laboratory's local date and time, in the reader's language.

Every instant is stored in UTC (a naive value read back from SQLite is UTC too). People read it in the
laboratory's time zone (``LIMS_TIMEZONE``, default Asia/Ho_Chi_Minh) so that a certificate authorised at
06:30 in Hà Nội is dated that day and not the day before, and an audit trail or job history reads as the
wall clock at the bench did (ISO/IEC 17025:2017 7.5.1 and 8.4: records identify when an activity took
place). A Vietnamese reader sees ``dd/MM/yyyy`` and a 24-hour clock as Vietnamese documents write them; an
English reader sees British English (Babel ``en_GB``): day before month and a 24-hour clock, "24 Nov 2026,
15:30", never the US "Nov 24, 2026, 3:30 PM". The readers are staff and enterprise customers in Việt Nam,
whose own dates are day-first and whose date inputs already read dd/mm/yyyy in English; a month-first date
beside them is a misreading waiting to happen. A sentence may ask for the ``long`` style, "24 November 2026".

This module is the one owner of that conversion and of the date and time patterns: the web layer's Jinja
filters, the command line's human output, the reports and the domain's drafted letters (customer notices)
all call it. Nothing else formats a date for people to read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_datetime_format

from lims.errors import ConfigurationError

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"  # Việt Nam (ICT, UTC+07:00, no daylight saving)
# Vietnamese administrative documents write the day first with slashes, and the 24-hour clock.
VI_DATE = "dd/MM/yyyy"
VI_TIME = "HH:mm"
VI_TIME_SECONDS = "HH:mm:ss"
# English is written the British (and international) way: day-month-year and the 24-hour clock.
EN_LOCALE = "en_GB"

DateStyle = Literal["medium", "long"]


@lru_cache(maxsize=16)
def lab_zone(name: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """The IANA time zone ``name``; an unknown name is a :class:`ConfigurationError` naming the setting.

    >>> lab_zone("Asia/Ho_Chi_Minh").key
    'Asia/Ho_Chi_Minh'
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"LIMS_TIMEZONE must be an IANA time zone such as Asia/Ho_Chi_Minh, not {name!r}"
        ) from None


def to_lab_time(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` (UTC when naive, as stored) as the wall-clock time in ``zone``.

    >>> to_lab_time(datetime(2026, 3, 1, 17, 30), lab_zone()).isoformat()
    '2026-03-02T00:30:00+07:00'
    """
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def _language(locale: str) -> str:
    """The Babel locale a reader's language is formatted in: Vietnamese, or British English for English.

    >>> _language("vi_VN"), _language("en"), _language("en_US")
    ('vi', 'en_GB', 'en_GB')
    """
    language = str(locale).replace("-", "_").split("_")[0]
    if language == "vi":
        return "vi"
    if language == "en":
        return EN_LOCALE
    return str(locale)


def format_lab_date(
    value: date | datetime | None, *, locale: str, zone: tzinfo, style: DateStyle = "medium"
) -> str:
    """A calendar date; an instant is first converted to the lab's zone, so it lands on the local day.

    ``style="long"`` spells the month out in English, for a date inside a sentence (a letter to a customer);
    Vietnamese writes ``dd/MM/yyyy`` in both styles, as its administrative letters do.

    >>> format_lab_date(datetime(2026, 3, 1, 17, 30), locale="vi", zone=lab_zone())
    '02/03/2026'
    >>> format_lab_date(date(2026, 3, 2), locale="en", zone=lab_zone())
    '2 Mar 2026'
    >>> format_lab_date(date(2026, 11, 24), locale="en", zone=lab_zone(), style="long")
    '24 November 2026'
    >>> format_lab_date(date(2026, 11, 24), locale="vi", zone=lab_zone(), style="long")
    '24/11/2026'
    """
    if value is None:
        return ""
    day = to_lab_time(value, zone).date() if isinstance(value, datetime) else value
    language = _language(locale)
    if language == "vi":
        return format_date(day, VI_DATE, locale="vi")
    return format_date(day, style, locale=language)


def format_lab_time(value: datetime | None, *, locale: str, zone: tzinfo, seconds: bool = False) -> str:
    """The wall-clock time of an instant in the lab's zone, on the 24-hour clock in both languages.

    >>> format_lab_time(datetime(2026, 3, 1, 17, 30, 5), locale="vi", zone=lab_zone(), seconds=True)
    '00:30:05'
    >>> format_lab_time(datetime(2026, 3, 1, 8, 30, 5), locale="en", zone=lab_zone())
    '15:30'
    """
    if value is None:
        return ""
    local = to_lab_time(value, zone)
    language = _language(locale)
    if language == "vi":
        return format_time(local, VI_TIME_SECONDS if seconds else VI_TIME, tzinfo=zone, locale="vi")
    return format_time(local, "medium" if seconds else "short", tzinfo=zone, locale=language)


def format_lab_datetime(value: datetime | None, *, locale: str, zone: tzinfo, seconds: bool = False) -> str:
    """Date and time of an instant in the lab's zone, joined as the locale joins them.

    >>> format_lab_datetime(datetime(2026, 3, 1, 17, 30), locale="vi", zone=lab_zone())
    '02/03/2026 00:30'
    >>> format_lab_datetime(datetime(2026, 11, 24, 8, 30), locale="en", zone=lab_zone())
    '24 Nov 2026, 15:30'
    """
    if value is None:
        return ""
    day = format_lab_date(value, locale=locale, zone=zone)
    clock = format_lab_time(value, locale=locale, zone=zone, seconds=seconds)
    language = _language(locale)
    if language == "vi":
        return f"{day} {clock}"
    return str(get_datetime_format("medium", locale=language)).replace("{1}", day).replace("{0}", clock)
