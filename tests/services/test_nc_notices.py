"""Evaluation → decision → action (ISO/IEC 17025:2017 7.10.1): amendments and withdrawals started from a
decision, notices drafted from decisions only, sent to the outbox and the customer's bell, delivered."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.config import MailSettings
from lims.models import CertificateStatus, NcDecision, NcNotice, Notification, OutboxMessage, Role
from lims.services.access.laboratory import current_laboratory
from lims.services.certificates import issue as certificates
from lims.services.common.storage import DatabaseStorage
from lims.services.quality import actions, notices
from lims.services.quality import nonconformity as ncs
from tests.factories import make_user
from tests.services import certsetup

NOW = datetime(2025, 7, 2, 3, 0, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def setup_two_jobs(session: Session):  # type: ignore[no-untyped-def]
    setup = certsetup.lab(session)
    issued = []
    for _ in range(2):
        job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
        issued.append(certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT))
    calibrator = setup.standards["CAL-DMM-DCV"]["calibrator"]
    record = ncs.open_record(
        session,
        ncs.NcInput(
            trigger="calibration_out_of_tolerance",
            description="Máy hiệu chuẩn lệch 25 µV tại 10 V khi hiệu chuẩn lại (giới hạn ±12 µV)",
            found_on=date(2025, 7, 1),
            standard_id=calibrator.id,
        ),
        today=date(2025, 7, 1),
    )
    return setup, issued, record


def test_amend_notify_send_and_deliver(session: Session) -> None:
    setup, (first, second), record = setup_two_jobs(session)
    customer = make_user(
        session,
        Role.CUSTOMER,
        enterprise_id=setup.instruments["CAL-DMM-DCV"].enterprise_id,
        language="en",
        email="qa@dienmay.example.vn",
    )
    assert notices.regenerate(session, record.id) == []  # nothing decided: no notice, ever
    view = ncs.assess(session, record.id)
    refs = {a.job.certificate.number: a.ref for a in view.jobs if a.job and a.job.certificate}
    assert set(refs) == {first.number, second.number}

    amend = actions.decide(
        session,
        record.id,
        usage_ref=refs[first.number],
        decision="amend",
        reason="Sai số 25 µV vượt 1/3 MPE tại 10 V: sửa kết quả",
        decided_by_id=setup.reviewer.id,
    )
    actions.decide(
        session,
        record.id,
        usage_ref=refs[second.number],
        decision="no_effect",
        reason="Chỉ đo tại 1 V, sai số chuẩn không đáng kể",
        decided_by_id=setup.reviewer.id,
    )
    [draft] = session.scalars(select(NcNotice).where(NcNotice.nc_id == record.id)).all()
    assert draft.language == "en" and draft.state == "draft"
    assert first.number in draft.body and second.number not in draft.body  # "no effect" is not told
    assert "Calibration certificate" in draft.body and "(being issued)" in draft.body
    with pytest.raises(ncs.NcError):
        ncs.close(session, record.id, note="x", closed_by_id=setup.reviewer.id)

    new = actions.amend_from_decision(
        session,
        amend.id,
        setup.signatory,
        "Sửa sai số tại 10 V",
        storage=DatabaseStorage(session),
        settings=certsetup.SETTINGS,
        now=NOW,
    )
    assert amend.result_certificate_id == new.id and first.status == CertificateStatus.SUPERSEDED
    assert new.amendment_reason is not None and record.number in new.amendment_reason
    assert [r.number for r, _ in ncs.records_citing(session, new.id)] == [record.number]
    assert [r.number for r, _ in ncs.records_citing(session, first.id)] == [record.number]
    # the record now cites the current certificate, never the superseded one
    current = {
        a.job.certificate.number for a in ncs.assess(session, record.id).jobs if a.job and a.job.certificate
    }
    assert current == {new.number, second.number}
    session.refresh(draft)
    assert f"replaced by {new.number}" in draft.body  # redrafted from the changed decision

    sent = notices.send_notice(session, draft.id, reviewer=setup.reviewer, now=NOW)
    assert sent.state == "sent" and notices.delivery_state(session, sent) == "queued"
    bell = session.get(Notification, sent.notification_id)
    assert bell is not None and bell.enterprise_id == customer.enterprise_id
    assert notices.notices_for_customer(session, customer.enterprise_id)[0][0].id == sent.id
    with pytest.raises(ncs.NcError):
        notices.send_notice(session, draft.id, reviewer=setup.reviewer)

    mailer = Recorder()
    settings = MailSettings(server="localhost", sender="lims@lab.example.vn")
    report = notices.deliver_notices(session, mailer, settings, now=NOW)
    assert (report.sent, report.failed) == (1, 0)
    assert notices.delivery_state(session, sent) == "sent"
    assert mailer.sent[0]["Subject"] == sent.subject and mailer.sent[0]["To"] == "qa@dienmay.example.vn"
    assert session.scalar(select(OutboxMessage.kind).where(OutboxMessage.id == sent.outbox_id)) == "nc_notice"

    ncs.return_to_service(
        session, record.id, reason="Hiệu chuẩn lại đạt", effective_on=date(2025, 7, 3), changed_by_id=None
    )
    ncs.close(session, record.id, note="Đã sửa và thông báo", closed_by_id=setup.reviewer.id)
    assert record.state == "closed"


def test_a_changed_decision_after_sending_makes_a_new_draft(session: Session) -> None:
    setup, _, record = setup_two_jobs(session)
    ref = ncs.assess(session, record.id).jobs[0].ref
    actions.decide(session, record.id, usage_ref=ref, decision="notify", reason="Lưu ý", decided_by_id=None)
    [draft] = session.scalars(select(NcNotice)).all()
    assert draft.language == "vi" and "Giấy chứng nhận hiệu chuẩn" in draft.body
    notices.send_notice(session, draft.id, reviewer=setup.reviewer, body="Kính gửi Quý khách, …", now=NOW)
    assert notices.regenerate(session, record.id) == []  # same decisions: nothing new
    actions.decide(session, record.id, usage_ref=ref, decision="recall", reason="Đo lại", decided_by_id=None)
    states = [n.state for n in session.scalars(select(NcNotice).order_by(NcNotice.id))]
    assert states == ["sent", "draft"]
    actions.decide(
        session, record.id, usage_ref=ref, decision="no_effect", reason="Xét lại", decided_by_id=None
    )
    states = [n.state for n in session.scalars(select(NcNotice).order_by(NcNotice.id))]
    assert states == ["sent", "cancelled"]
    decision = session.scalars(select(NcDecision)).one()
    with pytest.raises(ncs.NcError):  # the decision is "no effect": nothing to withdraw
        actions.withdraw_from_decision(
            session, decision.id, setup.signatory, "Thu hồi", now=NOW + timedelta(days=1)
        )
    with pytest.raises(ncs.NcError):  # a reason is needed
        actions.withdraw_from_decision(session, decision.id, setup.signatory, " ")


def test_a_certificate_amended_elsewhere_is_never_cited_again(session: Session) -> None:
    """A job decided "notify" while its certificate was HC-a, then amended for another reason to HC-b: the
    notice names HC-b (the current one), and an amendment decided earlier is made from HC-b, not HC-a."""
    setup, (first, second), record = setup_two_jobs(session)
    refs = {
        a.job.certificate.number: a.ref
        for a in ncs.assess(session, record.id).jobs
        if a.job and a.job.certificate
    }
    actions.decide(
        session,
        record.id,
        usage_ref=refs[first.number],
        decision="notify",
        reason="Lưu ý",
        decided_by_id=None,
    )
    amend = actions.decide(
        session, record.id, usage_ref=refs[second.number], decision="amend", reason="Sửa", decided_by_id=None
    )
    storage = DatabaseStorage(session)
    elsewhere = [
        certificates.amend_certificate(
            session,
            cert.number,
            setup.signatory,
            "Sửa địa chỉ khách hàng",
            storage=storage,
            settings=certsetup.SETTINGS,
            now=NOW,
        )
        for cert in (first, second)
    ]
    assert first.status == second.status == CertificateStatus.SUPERSEDED
    notices.regenerate(session, record.id)
    [draft] = session.scalars(select(NcNotice).where(NcNotice.state == "draft")).all()
    assert elsewhere[0].number in draft.body and first.number not in draft.body
    new = actions.amend_from_decision(
        session,
        amend.id,
        setup.signatory,
        "Sửa kết quả tại 10 V",
        storage=storage,
        settings=certsetup.SETTINGS,
        now=NOW + timedelta(minutes=1),
    )
    assert new.replaces_id == elsewhere[1].id and amend.certificate_id == elsewhere[1].id
    session.refresh(draft)
    assert f"{elsewhere[1].number} " in draft.body and f"thay thế bằng {new.number}" in draft.body
    assert first.number not in draft.body and second.number not in draft.body


VI_DESCRIPTION = "Giấy chứng nhận ghi nhầm độ phân giải của đồng hồ: 0,01 V thay vì 0,001 V"


def _vietnamese(text: str) -> bool:
    """True when the text has a letter only Vietnamese (of the notice's two languages) writes."""
    return any(c in "đĐ" or (c.isalpha() and unicodedata.decomposition(c)) for c in text)


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("trigger", ["certificate_found_wrong", "job_found_wrong"])
def test_a_work_found_wrong_notice_is_composed_in_the_customer_language(
    session: Session, language: str, trigger: str
) -> None:
    """The system writes every sentence in the customer's language from the record's fields; the lab's own
    description (written in Vietnamese here) is only quoted, under a label, never mixed into a sentence."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    issued = certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id, language=language)
    record = ncs.open_record(
        session,
        ncs.NcInput(
            trigger=trigger,
            description=unicodedata.normalize("NFD", VI_DESCRIPTION),  # as a keyboard may send it
            found_on=date(2025, 7, 1),
            job_id=job.id if trigger == "job_found_wrong" else None,
            certificate_id=issued.id if trigger == "certificate_found_wrong" else None,
        ),
        today=date(2025, 7, 1),
    )
    [affected] = [a for a in ncs.assess(session, record.id).jobs if a.job is not None]
    assert affected.job is not None
    actions.decide(
        session,
        record.id,
        usage_ref=affected.ref,
        decision="amend",
        reason="Sửa độ phân giải",
        decided_by_id=setup.reviewer.id,
    )
    [draft] = session.scalars(select(NcNotice).where(NcNotice.nc_id == record.id)).all()
    assert draft.language == language
    body = draft.body
    assert body == unicodedata.normalize("NFC", body)
    label = "Lab's note (as written): " if language == "en" else "Ghi chú của phòng thí nghiệm (nguyên văn): "
    assert f"{label}\u201c{VI_DESCRIPTION}\u201d" in body.splitlines()  # quoted whole, on its own line
    named = job.number if trigger == "job_found_wrong" else issued.number
    if language == "en":
        assert "On 1 July 2025, " in body and named in body
        assert "calibration certificate" in body or "under job" in body
        composed = [line for line in body.splitlines() if not line.startswith(label)]
        lab = current_laboratory(session)
        proper_names = {affected.job.customer, lab.name_vi, lab.name_en or "", lab.address or ""}
        for line in composed:
            for name in proper_names:
                line = line.replace(name, "") if name else line
            assert not _vietnamese(line), line
        assert not _vietnamese(draft.subject.replace(lab.name_en or lab.name_vi, ""))
    else:
        assert "Ngày 01/07/2025" in body and named in body and "có sai sót" in body
        assert "Dear" not in body and "Lab's note" not in body
