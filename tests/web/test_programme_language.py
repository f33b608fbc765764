"""The programme dashboard in the user's language: English words in English, the report's words in Vietnamese."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext
from sqlalchemy.orm import Session

from lims.domain.programme import Counting, Indicator, load_programme
from lims.models import Role
from lims.reports.programme_text import VERDICT_VI
from lims.services.programme.demo import load_programme_demo
from lims.web.programme.labels import INDICATOR_LABELS, UNIT_LABELS, VERDICT_LABELS
from tests.factories import make_user
from tests.webutil import login

HANOI = load_programme("hanoi-kh16-2022")


def test_vietnamese_translations_are_the_reports_words(app: Flask) -> None:
    with app.test_request_context():
        for indicator in Indicator:
            assert gettext(INDICATOR_LABELS[indicator]) == indicator.label_vi, indicator
            if UNIT_LABELS[indicator] != "%":
                assert gettext(UNIT_LABELS[indicator]) == indicator.unit_vi, indicator
                times = gettext("%(unit)s, each support counted", unit=gettext(UNIT_LABELS[indicator]))
                if indicator is not Indicator.TRAINING_PARTICIPATIONS:
                    assert times == indicator.unit_vi_counted(Counting.TIMES), indicator
        for verdict, label in VERDICT_LABELS.items():
            assert gettext(label) == VERDICT_VI[verdict], verdict


def test_programme_dashboard_in_english_and_in_vietnamese(client: FlaskClient, session: Session) -> None:
    load_programme_demo(session, HANOI.id, 2024)
    login(client, make_user(session, Role.TECHNICIAN).username)
    vietnamese = client.get("/programme/?phase=2021-2025").get_data(as_text=True)
    assert "Lượt người được bồi dưỡng chuyên môn nghiệp vụ về đo lường (lượt người)" in vietnamese
    assert "ít nhất 1.000" in vietnamese
    with client.session_transaction() as state:
        state["language"] = "en"
    english = client.get("/programme/?phase=2021-2025").get_data(as_text=True)
    assert "Participations in professional training on metrology (participations)" in english
    assert "at least 1,000" in english
    for words in ("Lượt người", "ít nhất", "Chưa đạt", "Đạt", "giai đoạn", "cuối năm", "doanh nghiệp"):
        assert words not in english, words
    drill = client.get("/programme/indicator/training_participations?phase=2021-2025").get_data(as_text=True)
    assert "<h1>Participations in professional training on metrology</h1>" in drill
