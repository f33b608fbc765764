"""The Jinja date, datetime and time filters: stored UTC shown on the lab's clock in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from lims.config import Settings
from lims.db import Database

LATE = datetime(2026, 6, 30, 22, 30, 15)  # UTC, as stored: 05:30 next day in Hà Nội, 00:30 next day in Berlin
TEMPLATE = "{{ at|date }} | {{ at|datetime }} | {{ at|datetime(seconds=True) }} | {{ at|time }} | {{ day|date }}"


def _render(app: Flask, language: str) -> str:
    with app.test_request_context(f"/?lang={language}"):
        return render_template_string(TEMPLATE, at=LATE, day=date(2026, 6, 30))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", "01/07/2026 | 01/07/2026 05:30 | 01/07/2026 05:30:15 | 05:30 | 30/06/2026"),
        ("en", "1 Jul 2026 | 1 Jul 2026, 05:30 | 1 Jul 2026, 05:30:15 | 05:30 | 30 Jun 2026"),
    ],
)
def test_filters_in_the_default_zone(app: Flask, language: str, expected: str) -> None:
    assert _render(app, language) == expected


def test_filters_follow_lims_timezone_with_daylight_saving(
    database: Database, tmp_path: Path, db_url: str
) -> None:
    from lims.app import create_app

    settings = Settings(instance_path=tmp_path / "instance", database_url=db_url, timezone="Europe/Berlin")
    app = create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE": database, "SETTINGS": settings})
    # 30 June is summer time in Berlin (CEST, UTC+02:00): 22:30 UTC is 00:30 on 1 July.
    assert _render(app, "vi") == "01/07/2026 | 01/07/2026 00:30 | 01/07/2026 00:30:15 | 00:30 | 30/06/2026"
    with app.test_request_context("/?lang=vi"):  # in winter (CET, UTC+01:00) the same clock time is 23:30
        assert render_template_string("{{ at|datetime }}", at=datetime(2026, 12, 30, 22, 30)) == "30/12/2026 23:30"


def test_anything_else_reads_empty(app: Flask) -> None:
    with app.test_request_context("/"):
        assert render_template_string("[{{ x|date }}{{ x|datetime }}{{ x|time }}]", x=None) == "[]"
        assert render_template_string("[{{ d|time }}]", d=date(2026, 1, 1)) == "[]"


def test_machine_readable_instant_carries_its_offset(app: Flask) -> None:
    with app.test_request_context("/"):
        assert render_template_string("{{ at|iso_instant }}", at=LATE) == "2026-07-01T05:30:15+07:00"
