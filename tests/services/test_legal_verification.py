"""Legal verification (issue 17): designation, officer cards, stamp stock and outcomes, on both backends.

Every bad input of the issue is refused with nothing half-saved: a verification outside the designated
scope or after the designation expired, an officer whose card expired (or never covered the type), a stamp
outside stock or already used; a failed verification gives a notice and no certificate.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import (
    Certificate,
    CertificateCounter,
    JobState,
    Notification,
    StampUse,
    StoredFile,
    VerificationFailureNotice,
)
from lims.services.access import legal
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.certificates import issue as svc
from lims.services.certificates import stamps
from lims.services.common.storage import DatabaseStorage
from lims.services.customers.permitted_use import not_permitted_since
from lims.services.jobs import jobs
from tests.factories import make_user
from tests.services import certsetup, jobsetup


def _issue(session: Session, setup: Any, job: Any, stamp: str | None, **kw: Any) -> Certificate:
    return certsetup.issue(
        session, job, setup.signatory, stamp_number=stamp, now=kw.pop("now", certsetup.ISSUED_AT), **kw
    )


def _counts(session: Session) -> tuple[int, int, int, int]:
    """Certificates, numbers taken, stored files, stamps used: all unchanged after a refusal."""
    return (
        session.scalar(select(func.count()).select_from(Certificate)) or 0,
        session.scalar(select(func.coalesce(func.sum(CertificateCounter.last_number), 0))) or 0,
        session.scalar(select(func.count()).select_from(StoredFile)) or 0,
        session.scalar(select(func.count()).select_from(StampUse)) or 0,
    )


def _pdftotext(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


# --------------------------------------------------------------------------------------------- pass


def test_verification_certificate_carries_the_legal_content(session: Session) -> None:
    """pdftotext of the certificate: ĐLVN procedure (not the lab's code), officer and card, stamp number,
    designation (not the accreditation) and the validity from the type's cycle (done-when of issue 17)."""
    setup = certsetup.lab(session)
    setup.lab.accreditation_number = "VILAS 000"
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    cert = _issue(session, setup, job, "HN-25-000150")
    text = " ".join(_pdftotext(svc.stored_bytes(DatabaseStorage(session), cert, "pdf")).split())
    for expected in (
        "ĐLVN 14:2009",  # the ĐLVN procedure of Cân bàn (catalogue)
        "ĐẠT yêu cầu kỹ thuật đo lường theo ĐLVN 14:2009",
        setup.technician.full_name,  # who performed it
        "KĐV-0001 (Tổng cục TĐC)",  # and the card that authorised them
        "HN-25-000150",
        "125/QĐ-TĐC",  # designation as a verification body
        "Có hiệu lực đến / Valid until 2026-06-01",  # 2025-06-02 + 12 months − 1 day
        "Mức cân lớn nhất (Max) 30 kg",
        "Số độ chia kiểm (n = Max/e) 6000",  # 30 kg / 0,005 kg
        "Cấp chính xác / Accuracy class III",
    ):
        assert expected in text, expected
    assert "VER-NAWI-R76" not in text and "VILAS" not in text
    use = session.scalar(select(StampUse).where(StampUse.certificate_id == cert.id))
    assert use is not None and (use.number, use.outcome, use.used_on) == (150, "affixed", date(2025, 6, 3))


@pytest.mark.parametrize(("asked", "until"), [(6, date(2025, 12, 1)), (24, date(2026, 6, 1))])
def test_validity_follows_the_cycle_and_is_never_longer(session: Session, asked: int, until: date) -> None:
    """Asked 6 months: 2025-06-02 + 6 months − 1 day = 2025-12-01; asked 24: capped at the 12-month cycle."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76", verification_months=asked)
    assert _issue(session, setup, job, "HN-25-000101").valid_until == until


# --------------------------------------------------------------------------------------------- stamps


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        ("HN-25-000200", "not in the laboratory's stock"),  # one past the batch
        ("HN-24-000150", "not in the laboratory's stock"),  # another series
        ("HN-25", "not a stamp number"),
        ("", "stamp"),
    ],
)
def test_a_stamp_outside_stock_is_refused_and_nothing_is_issued(
    session: Session, stamp: str, message: str
) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    before = _counts(session)
    with pytest.raises((stamps.StampRefused, svc.CertificateError), match=message):
        _issue(session, setup, job, stamp)
    assert _counts(session) == before and job.state == JobState.APPROVED


def test_a_stamp_already_used_or_voided_is_refused(session: Session) -> None:
    setup = certsetup.lab(session)
    first, second = (certsetup.approved_job(session, setup, "VER-NAWI-R76") for _ in range(2))
    cert = _issue(session, setup, first, "HN-25-000120")
    before = _counts(session)
    with pytest.raises(stamps.StampRefused, match=f"already used \\(certificate {cert.number}\\)"):
        _issue(session, setup, second, "HN-25-000120")
    assert _counts(session) == before and second.state == JobState.APPROVED
    stamps.spoil(
        session,
        "HN-25-000121",
        stamps.Outcome.DAMAGED,
        "Rách khi bóc",
        on=date(2025, 6, 3),
        actor=setup.signatory,
    )
    with pytest.raises(stamps.StampRefused, match="damaged or voided"):
        _issue(session, setup, second, "HN-25-000121")
    with pytest.raises(stamps.StampRefused, match="reason"):
        stamps.spoil(
            session, "HN-25-000122", stamps.Outcome.VOIDED, "  ", on=date(2025, 6, 3), actor=setup.signatory
        )
    assert _issue(session, setup, second, "HN-25-000122").stamp_number == "HN-25-000122"


def test_overlapping_batch_is_refused_and_balance_and_register_count_every_stamp(session: Session) -> None:
    setup = certsetup.lab(session)
    with pytest.raises(stamps.StampRefused, match="overlap"):
        stamps.receive_batch(
            session,
            stamps.BatchInput(setup.lab.id, "hn-25", 150, 250, date(2025, 6, 1), "BB-18"),
            actor=setup.signatory,
        )
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    cert = _issue(session, setup, job, "HN-25-000100")
    stamps.spoil(
        session,
        "HN-25-000199",
        stamps.Outcome.VOIDED,
        "Hết hạn sử dụng tem",
        on=date(2025, 6, 4),
        actor=setup.signatory,
    )
    (row,) = stamps.balance(session, on=date(2025, 6, 30))
    # 100 received (100…199) − 1 affixed − 1 voided = 98 in stock
    assert (row.received, row.affixed, row.damaged, row.voided, row.remaining) == (100, 1, 0, 1, 98)
    (early,) = stamps.balance(session, on=date(2025, 6, 3))
    assert early.remaining == 99  # the voided stamp was recorded on 2025-06-04
    assert stamps.next_unused(session, on=date(2025, 6, 30)) == "HN-25-000101"
    assert stamps.next_unused(session, on=date(2025, 4, 30)) is None  # received on 2025-05-01
    lines = stamps.register(session, start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert [(x.stamp, x.outcome.value, x.certificate) for x in lines] == [
        ("HN-25-000100", "affixed", cert.number),
        ("HN-25-000199", "voided", ""),
    ]
    assert lines[0].customer == job.enterprise.name and job.instrument.serial_number in lines[0].instrument


def test_register_prints_as_xlsx_for_the_authority(session: Session) -> None:
    from openpyxl import load_workbook

    from lims.reports.stamp_register import render_stamp_register_xlsx

    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    _issue(session, setup, job, "HN-25-000100")
    start, end = date(2025, 6, 1), date(2025, 6, 30)
    data = render_stamp_register_xlsx(
        lab_name=setup.lab.name_vi,
        start=start,
        end=end,
        lines=stamps.register(session, start=start, end=end),
        balances=stamps.balance(session, on=end),
    )
    book = load_workbook(io.BytesIO(data))
    register, balance = book.worksheets
    cells = [str(c.value) for row in register.iter_rows() for c in row if c.value is not None]
    assert "HN-25-000100" in cells and "Đã dán / Affixed" in cells
    values = [c.value for row in balance.iter_rows() for c in row]
    assert 99 in values and 100 in values


# --------------------------------------------------------------------------------------------- designation


def test_verification_outside_the_designated_scope_is_refused_when_work_starts(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "VER-NAWI-R76", legal_instrument_type="can-dia")
    jobs.record_intake(session, job.id, jobs.Intake("ok", "—"), expected_version=job.version)
    now = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    jobsetup.move(session, job, "received", setup.technician, now=now)
    with pytest.raises(
        legal.NotDesignatedRefused, match="Cân đĩa is outside the laboratory's designated scope"
    ):
        jobsetup.move(session, job, "in_progress", setup.technician, now=now)
    assert job.state == JobState.RECEIVED


def test_issuing_after_the_designation_expired_is_refused(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    before = _counts(session)
    late = datetime.combine(jobsetup.DESIGNATED[1] + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with pytest.raises(legal.NotDesignatedRefused, match="expired on 28 Feb 2029"):
        _issue(session, setup, job, "HN-25-000101", now=late)
    assert _counts(session) == before and job.state == JobState.APPROVED


def test_designation_records_are_validated(session: Session) -> None:
    setup = jobsetup.build(session)
    bad = [
        legal.DesignationInput(setup.lab.id, "", date(2025, 1, 1), "TĐC", ("can-ban",), date(2026, 1, 1)),
        legal.DesignationInput(setup.lab.id, "1/QĐ", date(2025, 1, 1), "TĐC", (), date(2026, 1, 1)),
        legal.DesignationInput(
            setup.lab.id, "1/QĐ", date(2025, 1, 1), "TĐC", ("thuoc-cuon",), date(2026, 1, 1)
        ),
        legal.DesignationInput(setup.lab.id, "1/QĐ", date(2025, 1, 1), "TĐC", ("can-ban",), date(2024, 1, 1)),
    ]
    for data in bad:
        with pytest.raises(legal.LegalRecordInvalid):
            legal.record_designation(session, data, actor=setup.signatory)
    assert len(legal.designations(session, setup.lab.id)) == 1


# --------------------------------------------------------------------------------------------- officers


def test_an_officer_whose_card_expired_is_refused_at_the_transition(session: Session) -> None:
    setup = jobsetup.build(session)
    (card,) = legal.cards(session, setup.technician.id)
    card.valid_until = date(2025, 5, 31)  # expired the day before the work
    session.flush()
    job = jobsetup.new_job(session, setup, "VER-NAWI-R76")
    with pytest.raises(legal.OfficerCardRefused, match="expired on 31 May 2025") as refused:
        jobsetup.start(session, setup, job)
    assert refused.value.template.startswith("The verification officer card of %(person)s expired")
    assert job.state == JobState.RECEIVED


def test_a_signatory_without_a_card_for_the_type_may_not_approve(session: Session) -> None:
    setup = jobsetup.build(session)
    other = make_user(session, setup.signatory.role)
    from lims.services.access import authorisations

    authorisations.grant(
        session,
        authorisations.Grant(
            other.id, "VER-NAWI-R76", authorisations.da.AuthorisedRole.SIGN, date(2025, 1, 1), "TR-1"
        ),
    )
    legal.add_card(
        session,
        legal.CardInput(
            other.id, "KĐV-0999", "Tổng cục TĐC", ("ap-ke-lo-xo",), date(2024, 1, 1), date(2028, 1, 1)
        ),
        actor=setup.signatory,
    )
    job = _measured_and_reviewed(session, setup)
    with pytest.raises(legal.OfficerCardRefused, match="does not cover Cân bàn"):
        jobsetup.sign(session, job, other, meaning="Phê duyệt", now=certsetup.MEASURED_AT)
    assert job.state == JobState.REVIEWED


def test_cards_are_checked_as_they_stood_on_the_day(session: Session) -> None:
    """A card revoked after the verification still covers it (the history as it was on the day); revoked
    before, it does not."""
    setup = jobsetup.build(session)
    (card,) = legal.cards(session, setup.technician.id)
    assert legal.require_officer(session, setup.technician, "can-ban", on=date(2025, 6, 2)).id == card.id
    legal.revoke_card(session, card.id, on=date(2025, 7, 1), reason="Chuyển công tác")
    assert legal.require_officer(session, setup.technician, "can-ban", on=date(2025, 6, 2)).id == card.id
    with pytest.raises(legal.OfficerCardRefused, match="revoked on 1 Jul 2025"):
        legal.require_officer(session, setup.technician, "can-ban", on=date(2025, 7, 1))
    with pytest.raises(legal.LegalRecordInvalid, match="reason"):
        legal.revoke_card(session, card.id, on=date(2025, 7, 2), reason=" ")


def test_a_card_is_recorded_once(session: Session) -> None:
    setup = jobsetup.build(session)
    with pytest.raises(legal.LegalRecordInvalid, match="already recorded"):
        legal.add_card(
            session,
            legal.CardInput(
                setup.reviewer.id,
                "KĐV-0001",
                "Tổng cục TĐC",
                ("can-ban",),
                date(2024, 1, 1),
                date(2028, 1, 1),
            ),
            actor=setup.signatory,
        )


# --------------------------------------------------------------------------------------------- fail


def _measured_and_reviewed(session: Session, setup: Any, *, offset_kg: float = 0.0) -> Any:
    """A scale verification measured (the last point ``offset_kg`` off) and reviewed."""
    job = jobsetup.started_job(session, setup, "VER-NAWI-R76")
    jobsetup.record_scale_tests(session, setup, job, now=certsetup.MEASURED_AT)
    points = measurements.test_points(job)
    for index, nominal in enumerate(points):
        shift = offset_kg if index == len(points) - 1 else 0.0
        readings = [f"{nominal + shift:.6g}"] * 2
        jobsetup.save_point(
            session,
            job,
            PointInput(
                index,
                readings,
                f"{nominal:.6g}",
                certsetup.ENVIRONMENT["VER-NAWI-R76"],
                weighing={"added": [jobsetup.CHANGE_POINT_KG] * 2},
            ),
            setup.technician,
            now=certsetup.MEASURED_AT,
        )
    jobsetup.measure_and_review(session, setup, job, now=certsetup.MEASURED_AT)
    return job


def test_a_failed_verification_gives_a_notice_and_no_certificate(session: Session, tmp_path: Path) -> None:
    setup = certsetup.lab(session)
    job = _measured_and_reviewed(session, setup, offset_kg=0.5)  # +0,5 kg at 30 kg: far beyond the MPE
    jobsetup.sign(session, job, setup.signatory, meaning="Phê duyệt", now=certsetup.MEASURED_AT)
    before = _counts(session)
    with pytest.raises(svc.CertificateError, match="did not pass verification"):
        _issue(session, setup, job, "HN-25-000110")
    assert _counts(session) == before
    notice = certsetup.failure_notice(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    assert notice.number == "TB-KĐ-2025-00001" and job.state == JobState.ISSUED
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0  # no certificate
    assert session.scalar(select(func.count()).select_from(StampUse)) == 0  # and no stamp
    assert not_permitted_since(session, [job.instrument_id]) == {job.instrument_id: date(2025, 6, 2)}
    pdf = DatabaseStorage(session).get(notice.pdf_key)
    # an issued document: signed (PAdES) like a certificate, and the stored bytes are the signed ones
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    signed = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature Validation: Signature is Valid." in signed and "Total document signed" in signed, signed
    assert "ETSI.CAdES.detached" in signed
    assert hashlib.sha256(pdf).hexdigest() == notice.pdf_sha256
    text = " ".join(_pdftotext(pdf).split())
    for expected in (
        "THÔNG BÁO KẾT QUẢ KIỂM ĐỊNH KHÔNG ĐẠT",
        "TB-KĐ-2025-00001",
        "ĐLVN 14:2009",
        "Sai số vượt sai số lớn nhất cho phép theo ĐLVN 14:2009 tại: 30 kg",
        "Không phù hợp",
        "không được phép sử dụng",
        "KĐV-0001",
        "125/QĐ-TĐC",
    ):
        assert expected in text, expected
    told = session.scalars(
        select(Notification).where(
            Notification.enterprise_id == job.enterprise_id, Notification.kind == "verification_failed"
        )
    ).all()
    assert [n.params["number"] for n in told] == ["TB-KĐ-2025-00001"]
    # and never "certificate issued" for a job that has none
    states = session.scalars(
        select(Notification).where(
            Notification.enterprise_id == job.enterprise_id, Notification.kind == "job_state"
        )
    ).all()
    assert "certificate issued" not in [n.params["status"] for n in states]


def test_a_passing_verification_gets_no_notice(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    with pytest.raises(svc.CertificateError, match="passed at every point"):
        certsetup.failure_notice(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    assert session.scalar(select(func.count()).select_from(VerificationFailureNotice)) == 0
    assert job.state == JobState.APPROVED


def test_a_later_pass_makes_the_instrument_permitted_again(session: Session) -> None:
    setup = certsetup.lab(session)
    failed = _measured_and_reviewed(session, setup, offset_kg=0.5)
    jobsetup.sign(session, failed, setup.signatory, meaning="Phê duyệt", now=certsetup.MEASURED_AT)
    certsetup.failure_notice(session, failed, setup.signatory, now=certsetup.ISSUED_AT)
    assert failed.instrument_id in not_permitted_since(session, [failed.instrument_id])
    repaired = certsetup.approved_job(session, setup, "VER-NAWI-R76")  # the same instrument, after repair
    assert repaired.instrument_id == failed.instrument_id
    _issue(session, setup, repaired, "HN-25-000111", now=certsetup.ISSUED_AT + timedelta(days=1))
    assert not_permitted_since(session, [failed.instrument_id]) == {}


def test_an_amended_verification_certificate_keeps_its_stamp_and_validity(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    cert = _issue(session, setup, job, "HN-25-000130")
    new = svc.amend_certificate(
        session,
        cert.number,
        setup.signatory,
        "Sửa số sản xuất",
        storage=DatabaseStorage(session),
        settings=certsetup.SETTINGS,
        now=certsetup.ISSUED_AT + timedelta(days=2),
    )
    assert (new.stamp_number, new.valid_until) == (cert.stamp_number, cert.valid_until)
    uses = session.scalars(select(StampUse)).all()
    assert [(u.number, u.certificate_id) for u in uses] == [(130, cert.id)]  # one stamp, the original's


def test_a_key_that_cannot_sign_refuses_the_notice_with_nothing_issued(session: Session) -> None:
    """The notice is signed like a certificate: a wrong passphrase (or an expired key) issues nothing — no
    notice row, the TB-KĐ number given back, no stored file, the job still approved."""
    import dataclasses

    from certificates.signing import SigningIdentity
    from lims.services.certificates.signing_keys import SigningRefused, SigningSettings
    from tests import pkitools

    setup = certsetup.lab(session)
    job = _measured_and_reviewed(session, setup, offset_kg=0.5)
    jobsetup.sign(session, job, setup.signatory, meaning="Phê duyệt", now=certsetup.MEASURED_AT)
    wrong = SigningIdentity(pkitools.identity().pkcs12, b"not the passphrase", source="lab.p12")
    settings = dataclasses.replace(
        certsetup.SETTINGS, signing=SigningSettings(lab=wrong, trust_roots=(pkitools.root_der(),))
    )
    before = _counts(session)
    with pytest.raises(SigningRefused, match="passphrase is wrong"):
        certsetup.failure_notice(session, job, setup.signatory, now=certsetup.ISSUED_AT, settings=settings)
    assert _counts(session) == before and job.state == JobState.APPROVED
    assert session.scalar(select(func.count()).select_from(VerificationFailureNotice)) == 0
    notice = certsetup.failure_notice(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    assert notice.number == "TB-KĐ-2025-00001"  # the number was given back
