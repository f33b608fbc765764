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


def test_an_authorisation_refusal_from_the_service_names_each_lapse_in_the_readers_language(app: Flask) -> None:
    """What a job step raises (the service's AuthorisationRefused around the domain's refusal): each lapsed
    grant with its date as pages print it, never the English text with ISO dates."""
    from flask import session

    from lims.domain.authorisation import Authorisation, require_authorised
    from lims.services.access.authorisations import AuthorisationRefused

    grants = [
        Authorisation("ktv.lan", "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2025, 1, 10), "TR-12",
                      expires_on=date(2026, 1, 9)),
        Authorisation("ktv.lan", "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2026, 12, 20), "TR-40"),
    ]  # fmt: skip
    try:
        require_authorised(grants, "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2026, 12, 6))
    except NotAuthorised as exc:
        refused = AuthorisationRefused(exc)
    assert "expired on 2026-01-09" in str(refused)  # the command line and logs keep the English text
    with app.test_request_context():
        vietnamese = error_text(refused)
    assert vietnamese == (
        "ktv.lan không có ủy quyền còn hiệu lực để thực hiện theo quy trình CAL-PG-DKD vào ngày 06/12/2026: "
        "đã hết hạn ngày 09/01/2026; chỉ được cấp từ ngày 20/12/2026."
    )
    with app.test_request_context():
        session["language"] = "en"
        english = error_text(refused)
    assert english == (
        "ktv.lan holds no valid authorisation to perform procedure CAL-PG-DKD on 6 Dec 2026: "
        "expired on 9 Jan 2026; granted only from 20 Dec 2026."
    )
    with app.test_request_context():
        held = error_text(AuthorisationRefused(NotAuthorised(
            "ktv.lan", "CAL-PG-DKD", AuthorisedRole.SIGN, date(2026, 12, 6), "x", held=("perform", "review"))))
    assert held.endswith(": chỉ có quyền: thực hiện, xem xét.")


def test_characteristics_a_standard_lacks_are_named_in_the_users_language(app: Flask) -> None:
    from flask import session

    from lims.services.jobs.standard_choices import StandardUnsuitable

    refusal = StandardUnsuitable("Standard %(asset)s lacks what this role needs: %(missing)s.",
                                 lacking=("stability", "uniformity"), asset="CDL-NH-001",
                                 missing="stability, uniformity")
    with app.test_request_context():
        vietnamese = error_text(refusal)
    assert vietnamese == "Chuẩn CDL-NH-001 thiếu đặc tính mà vai trò này cần: độ ổn định, độ đồng đều."
    with app.test_request_context():
        session["language"] = "en"
        english = error_text(refusal)
    assert english == "Standard CDL-NH-001 lacks what this role needs: stability, uniformity."


def test_every_quantity_procedures_name_has_a_vietnamese_label(app: Flask) -> None:
    from flask_babel import gettext

    from lims.domain.procedure_files import load_procedures
    from lims.services.demo.jobs import CMC
    from lims.web.templating import QUANTITY_LABELS

    named = {p.quantity for p in load_procedures()} | {row[0] for row in CMC}
    assert named - set(QUANTITY_LABELS) == set()  # "DC voltage", "mass", … each has a label
    with app.test_request_context():
        untranslated = {q for q in named if gettext(QUANTITY_LABELS[q]) == QUANTITY_LABELS[q]}
    assert untranslated == set()
    with app.test_request_context():
        assert gettext(QUANTITY_LABELS["DC voltage"]) == "Điện áp một chiều"
