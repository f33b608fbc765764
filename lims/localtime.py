"""Stored instants shown as the laboratory's local date and time, in the reader's language.

Every instant is stored in UTC (a naive value read back from SQLite is UTC too). People read it in the
laboratory's time zone (``LIMS_TIMEZONE``, default Asia/Ho_Chi_Minh) so that a certificate authorised at
06:30 in Hà Nội is dated that day and not the day before, and an audit trail or job history reads as the
wall clock at the bench did (ISO/IEC 17025:2017 7.5.1 and 8.4: records identify when an activity took
place). A Vietnamese reader sees ``dd/MM/yyyy`` and a 24-hour clock as Vietnamese documents write them; an
English reader sees Babel's medium date and short time for English.

This module is the one owner of that conversion and of the date and time patterns: the web layer's Jinja
filters, the command line's human output and the reports all call it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_datetime_format

from lims.errors import ConfigurationError

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"  # Việt Nam (ICT, UTC+07:00, no daylight saving)
# Vietnamese administrative documents write the day first with slashes, and the 24-hour clock.
VI_DATE = "dd/MM/yyyy"
VI_TIME = "HH:mm"
VI_TIME_SECONDS = "HH:mm:ss"


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
    return "vi" if str(locale).split("_")[0].split("-")[0] == "vi" else str(locale)


def format_lab_date(value: date | datetime | None, *, locale: str, zone: tzinfo) -> str:
    """A calendar date; an instant is first converted to the lab's zone, so it lands on the local day.

    >>> format_lab_date(datetime(2026, 3, 1, 17, 30), locale="vi", zone=lab_zone())
    '02/03/2026'
    >>> format_lab_date(date(2026, 3, 2), locale="en", zone=lab_zone())
    'Mar 2, 2026'
    """
    if value is None:
        return ""
    day = to_lab_time(value, zone).date() if isinstance(value, datetime) else value
    if _language(locale) == "vi":
        return format_date(day, VI_DATE, locale="vi")
    return format_date(day, "medium", locale=locale)


def format_lab_time(value: datetime | None, *, locale: str, zone: tzinfo, seconds: bool = False) -> str:
    """The wall-clock time of an instant in the lab's zone (24-hour in Vietnamese).

    >>> format_lab_time(datetime(2026, 3, 1, 17, 30, 5), locale="vi", zone=lab_zone(), seconds=True)
    '00:30:05'
    """
    if value is None:
        return ""
    local = to_lab_time(value, zone)
    if _language(locale) == "vi":
        return format_time(local, VI_TIME_SECONDS if seconds else VI_TIME, tzinfo=zone, locale="vi")
    return format_time(local, "medium" if seconds else "short", tzinfo=zone, locale=locale)


def format_lab_datetime(value: datetime | None, *, locale: str, zone: tzinfo, seconds: bool = False) -> str:
    """Date and time of an instant in the lab's zone, joined as the locale joins them.

    >>> format_lab_datetime(datetime(2026, 3, 1, 17, 30), locale="vi", zone=lab_zone())
    '02/03/2026 00:30'
    """
    if value is None:
        return ""
    day = format_lab_date(value, locale=locale, zone=zone)
    clock = format_lab_time(value, locale=locale, zone=zone, seconds=seconds)
    if _language(locale) == "vi":
        return f"{day} {clock}"
    return str(get_datetime_format("medium", locale=locale)).replace("{1}", day).replace("{0}", clock)
