"""A date in a notification is written in the reader's language when the page is drawn, not when stored."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from lims.errors import N_
from lims.models import Notification
from lims.services.common.notifications import stored_param
from lims.web.notifications.views import notification_text

MSGID = N_("Your request %(number)s is scheduled for %(date)s.")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "24/11/2026"), ("en", "Your request YC-2026-0001 is scheduled for 24 Nov 2026.")],
)
def test_a_stored_date_reads_in_the_readers_language(app: Flask, language: str, expected: str) -> None:
    note = Notification(
        msgid=MSGID, params={"number": "YC-2026-0001", "date": stored_param(date(2026, 11, 24))}
    )
    with app.test_request_context(f"/?lang={language}"):
        text = notification_text(note)
    assert expected in text and "2026-11-24" not in text


def test_an_older_row_with_the_date_as_text_shows_it_as_stored(app: Flask) -> None:
    note = Notification(msgid=MSGID, params={"number": "YC-2026-0001", "date": "24/11/2026"})
    with app.test_request_context("/?lang=en"):
        assert notification_text(note) == "Your request YC-2026-0001 is scheduled for 24/11/2026."
