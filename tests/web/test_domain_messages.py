"""Errors raised by the pure domain reach the user in Vietnamese, built from the error's attributes."""

from __future__ import annotations

from datetime import date

from flask import Flask

from lims.domain.authorisation import AuthorisedRole, NotAuthorised
from lims.domain.guard import Refusal, StandardRefused
from lims.domain.traceability import FindingKind
from lims.domain.workflow import IllegalTransition, State
from lims.web.i18n import error_text


def test_illegal_transition_in_vietnamese(app: Flask) -> None:
    with app.test_request_context():
        text = error_text(IllegalTransition(State.RECEIVED, State.APPROVED, (State.IN_PROGRESS, State.ON_HOLD)))
    assert "Công việc không thể chuyển từ trạng thái" in text and "approved" not in text


def test_guard_refusal_names_the_standard_and_the_reason(app: Flask) -> None:
    refusal = Refusal("CDL-NH-002", FindingKind.EXPIRED, "certificate ... was valid until ...", None)
    with app.test_request_context():
        text = error_text(StandardRefused([refusal]))
    assert text == ("Kiểm soát liên kết chuẩn từ chối: chuẩn CDL-NH-002: giấy chứng nhận hiệu chuẩn đã hết "
                    "hiệu lực.")


def test_authorisation_refusal(app: Flask) -> None:
    with app.test_request_context():
        text = error_text(NotAuthorised("ktv.lan", "CAL-PG-DKD", AuthorisedRole.SIGN, date(2026, 11, 2), "no grant"))
    assert "ktv.lan không có ủy quyền còn hiệu lực" in text and "02/11/2026" in text
