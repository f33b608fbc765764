"""Issuing, amending and withdrawing certificates (ISO/IEC 17025:2017 7.8), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import io
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pypdf
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates import extract_dcc, read_dcc, validate_dcc
from certificates.metrology import PointResult
from lims.models import (
    Certificate,
    CertificateCounter,
    CertificateStatus,
    JobState,
    JobTransition,
    Role,
    StoredFile,
)
from lims.services.certificates import issue as svc
from lims.services.certificates.settings import certificate_settings
from lims.services.common.storage import DatabaseStorage, sha256_hex
from tests.factories import make_user
from tests.services import certsetup


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def _issue(session: Session, setup: Any, job: Any, **kw: Any) -> Certificate:
    return certsetup.issue(session, job, kw.pop("actor", setup.signatory), now=certsetup.ISSUED_AT, **kw)


def _counts(session: Session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count()).select_from(Certificate)) or 0,
            session.scalar(select(func.coalesce(func.sum(CertificateCounter.last_number), 0))) or 0,
            session.scalar(select(func.count()).select_from(StoredFile)) or 0)


def test_calibration_certificate_carries_the_job_in_vietnamese(session: Session) -> None:
    """7.8.2.1 b, d, e, g, m, o and 7.8.4.1 a: number, lab, customer, item serial, results with U and k,
    signatory; 7.8.6 conformity only because the customer asked; 7.8.2.2 customer-supplied data marked;
    7.8.4.3: no recalibration date because none was asked for."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV", conformity_statement=True,
                                 specification="Fluke 179 ±(0.05 % + 2)",
                                 customer_supplied=["Phạm vi sử dụng: (0 … 20) V"])
    stored_before = _counts(session)[2]
    cert = _issue(session, setup, job)
    assert cert.number == "HC-2025-00001" and cert.status == CertificateStatus.VALID and cert.revision == 0
    assert job.state == JobState.ISSUED
    last = session.scalars(select(JobTransition).where(JobTransition.job_id == job.id)
                           .order_by(JobTransition.id.desc())).first()
    assert last is not None and (last.to_state, last.comment, last.actor_id) == (
        JobState.ISSUED, "HC-2025-00001", setup.signatory.id)
    storage = DatabaseStorage(session)
    pdf, dcc, labels = (svc.stored_bytes(storage, cert, f) for f in ("pdf", "dcc", "labels"))
    assert sha256_hex(pdf) == cert.pdf_sha256 and sha256_hex(dcc) == cert.dcc_sha256
    assert sha256_hex(labels) == cert.labels_sha256 and labels.startswith(b"%PDF-")
    assert _counts(session)[2] == stored_before + 4  # PDF, DCC, the DCC's .p7s, labels
    validate_dcc(dcc)
    assert extract_dcc(pdf) == dcc
    text = _text(pdf)
    for expected in ("GIẤY CHỨNG NHẬN HIỆU CHUẨN", "HC-2025-00001", job.enterprise.name,
                     job.instrument.serial_number, "Nguyễn Thị Thu Hằng", "Phó Giám đốc / Deputy Director",
                     "Điện áp một chiều", "Phạm vi sử dụng: (0 … 20) V", "Số 8 Hoàng Quốc Việt",
                     "https://lims.example.vn/verify/HC-2025-00001", "2025-06-03", "ILAC-G8:09/2019"):
        assert expected in text, expected
    # the approval (the job's electronic signature), in Hà Nội time; never worded as the file's signing time,
    # which is the PAdES signature's (the time of issue)
    assert "Phê duyệt lúc" in text and "2025-06-02 16:00:00+07:00" in text and "Đã ký điện tử lúc" not in text
    assert "hiệu chuẩn lại" not in text.lower()
    imported = read_dcc(dcc)
    assert imported.certificate_number == "HC-2025-00001"
    points = [p for s in imported.series for p in s.points]
    rows = job_rows(session, job.id)  # in the order measured: 0, +10/50/90 %, −90 % (EURAMET cg-15)
    # the DCC states U exactly as every page reports it (one rounding, GUM 7.2.6)
    assert [p.expanded_uncertainty for p in points] == [r.reported().expanded_uncertainty for r in rows]
    assert all(float(p.coverage_factor or 0) == float(r.coverage_factor) for p, r in zip(points, rows, strict=True))


def job_rows(session: Session, job_id: int) -> list[PointResult]:
    from lims.services.bench.measurements import measurements

    return [m.point for m in measurements(session, job_id).values() if m.point is not None]


def test_no_conformity_statement_unless_asked(session: Session) -> None:
    """7.8.6.1: a calibration certificate states conformity only when the customer asked for it."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    text = _text(svc.stored_bytes(DatabaseStorage(session), _issue(session, setup, job), "pdf"))
    assert "ILAC-G8" not in text and "Quy tắc ra quyết định" not in text


def test_recalibration_date_only_when_requested(session: Session) -> None:
    """7.8.4.3: the due date is printed because the customer asked for 12 months."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV", recalibration_months=12)
    text = _text(svc.stored_bytes(DatabaseStorage(session), _issue(session, setup, job), "pdf"))
    assert "2026-06-02" in text


def test_verification_certificate_has_stamp_validity_and_pass(session: Session) -> None:
    """Luật Đo lường art. 16: kiểm định gives pass, stamp number and validity (12 months − 1 day)."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    with pytest.raises(svc.CertificateError, match="stamp"):
        _issue(session, setup, job)
    assert job.state == JobState.APPROVED and _counts(session)[:2] == (0, 0)
    cert = _issue(session, setup, job, stamp_number="hn-25 000123")
    assert cert.number == "KĐ-2025-00001" and cert.kind.value == "verification"
    # Cân bàn: 12-month cycle (catalogue); measured 2025-06-02 → 2026-06-02 − 1 day. The stamp is stored as
    # printed, whatever spacing or case it was typed with.
    assert (cert.stamp_number, cert.valid_until) == ("HN-25-000123", date(2026, 6, 1))
    pdf = svc.stored_bytes(DatabaseStorage(session), cert, "pdf")
    text = _text(pdf)
    for expected in ("GIẤY CHỨNG NHẬN KIỂM ĐỊNH", "KĐ-2025-00001", "HN-25-000123", "2026-06-01", "ĐẠT",
                     job.instrument.serial_number):
        assert expected in text, expected
    validate_dcc(svc.stored_bytes(DatabaseStorage(session), cert, "dcc"))


def test_a_job_that_is_not_approved_is_refused_and_nothing_changes(session: Session) -> None:
    setup = certsetup.lab(session)
    from tests.services import jobsetup

    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    before, version = _counts(session), job.version
    with pytest.raises(svc.CertificateError, match="only an approved job") as caught:
        _issue(session, setup, job)
    assert caught.value.params["state"] == "in_progress"
    assert _counts(session) == before and job.state == JobState.IN_PROGRESS and job.version == version


def test_only_signatory_or_admin_may_issue(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    with pytest.raises(svc.CertificateNotPermitted):
        _issue(session, setup, job, actor=setup.technician)
    assert job.state == JobState.APPROVED and _counts(session)[:2] == (0, 0)
    admin = make_user(session, Role.ADMIN)
    assert _issue(session, setup, job, actor=admin).number == "HC-2025-00001"


def test_number_pattern_without_seq_is_refused(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    bad = svc.CertificateSettings(public_url="https://x.example", calibration_pattern="HC-{year}")
    with pytest.raises(svc.CertificateError, match=r"must contain \{seq\}"):
        _issue(session, setup, job, settings=bad)
    assert job.state == JobState.APPROVED and _counts(session)[:2] == (0, 0)
    with pytest.raises(Exception, match="must contain"):
        svc.CertificateSettings.from_env({"LIMS_CERTIFICATE_PATTERN_VERIFICATION": "KĐ-{year}"})


def test_configured_pattern_and_public_url(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    conf = svc.CertificateSettings.from_env({"LIMS_CERTIFICATE_PATTERN_CALIBRATION": "HN{yy}/HC.{seq:04d}",
                                             "LIMS_PUBLIC_URL": "https://kiemdinh.example.vn/"})
    cert = _issue(session, setup, job, settings=dataclasses.replace(conf, signing=certsetup.SETTINGS.signing))
    assert cert.number == "HN25/HC.0001"
    assert "https://kiemdinh.example.vn/verify/HN25%2FHC.0001" in _text(
        svc.stored_bytes(DatabaseStorage(session), cert, "pdf"))


def test_new_certificate_prints_its_verification_code_beside_the_qr_and_in_its_url(
    session: Session, tmp_path: Any
) -> None:
    """Issue 21, finding 8: the code that opens the public facts is on the paper and in the QR URL."""
    from lims.config import Settings
    from lims.services.certificates.verification_code import verification_code
    from lims.services.records.signing import load_or_create_key
    from tests.certificates.conftest import decode_qr

    conf = certificate_settings(Settings.from_env({"LIMS_INSTANCE_PATH": str(tmp_path),
                                                   "LIMS_BASE_URL": "https://kiemdinh.example.vn"}))
    conf = dataclasses.replace(conf, signing=certsetup.SETTINGS.signing)  # no key in this instance folder
    key = load_or_create_key(tmp_path)
    assert conf.verification_key == key  # the deployment's signing key, from the instance folder
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    cert = _issue(session, setup, job, settings=conf)
    code = verification_code(key, cert.number)
    assert len(code) == 8 and set(code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    pdf = svc.stored_bytes(DatabaseStorage(session), cert, "pdf")
    text = " ".join(_text(pdf).split())
    assert f"Mã xác thực / Verification code: {code}" in text
    url = f"https://kiemdinh.example.vn/verify/HC-2025-00001?c={code}"
    assert cert.number == "HC-2025-00001" and url in text.replace(" ", "")  # the URL wraps in its column
    assert decode_qr(pdf) == [url]
    # Without a key (the settings of older tests) no code is printed and the URL has none.
    plain = svc.stored_bytes(DatabaseStorage(session), _issue(session, setup, certsetup.approved_job(
        session, setup, "CAL-DMM-DCV")), "pdf")
    assert "Verification code" not in _text(plain) and "?c=" not in _text(plain)


class FailingStorage(DatabaseStorage):
    """Stores the PDF, then fails on the DCC, as a full disk or an S3 outage would."""

    def put(self, key: str, data: bytes, content_type: str) -> Any:
        if key.endswith(".dcc.xml"):
            raise OSError("disk full")
        return super().put(key, data, content_type)


def test_failure_mid_issue_leaves_no_certificate_and_no_number(session: Session) -> None:
    """A storage failure after the number was taken and the PDF stored rolls everything back: the next
    issue gets the same number (gap-free numbering, 7.8.2.1 d)."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    before = _counts(session)
    with pytest.raises(OSError, match="disk full"):
        svc.issue_certificate(session, job.id, setup.signatory, storage=FailingStorage(session),
                              settings=certsetup.SETTINGS, now=certsetup.ISSUED_AT)
    assert _counts(session) == before and job.state == JobState.APPROVED
    assert session.scalar(select(func.count()).select_from(JobTransition)
                          .where(JobTransition.to_state == JobState.ISSUED)) == 0
    assert _issue(session, setup, job).number == "HC-2025-00001"


def test_numbers_are_gap_free_per_kind_and_year(session: Session) -> None:
    setup = certsetup.lab(session)
    cal = [certsetup.approved_job(session, setup, "CAL-DMM-DCV") for _ in range(2)]
    ver = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    numbers = [_issue(session, setup, j).number for j in cal]
    numbers.append(_issue(session, setup, ver, stamp_number="HN-25-000101").number)
    assert numbers == ["HC-2025-00001", "HC-2025-00002", "KĐ-2025-00001"]
    later = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    cert = certsetup.issue(session, later, setup.signatory, now=certsetup.ISSUED_AT.replace(year=2026))
    assert cert.number == "HC-2026-00001"


def test_amendment_identifies_the_replaced_certificate_and_supersedes_it(session: Session) -> None:
    """7.8.8.2: the amended report carries a new number, says which report it replaces and why; the replaced
    one keeps its bytes and is marked superseded."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    old = _issue(session, setup, job)
    old_pdf = svc.stored_bytes(DatabaseStorage(session), old, "pdf")
    with pytest.raises(svc.CertificateError, match="reason"):
        svc.amend_certificate(session, old.number, setup.signatory, "  ", storage=DatabaseStorage(session),
                              settings=certsetup.SETTINGS)
    with pytest.raises(svc.CertificateNotPermitted):
        svc.amend_certificate(session, old.number, setup.reviewer, "x", storage=DatabaseStorage(session),
                              settings=certsetup.SETTINGS)
    job.instrument.serial_number = "SN-ĐÚNG-42"
    new = svc.amend_certificate(session, "HC-2025-00001", setup.signatory, "Sửa số sản xuất",
                                storage=DatabaseStorage(session), settings=certsetup.SETTINGS,
                                now=certsetup.ISSUED_AT + timedelta(days=2))
    assert (new.number, new.revision, new.replaces_id, new.amendment_reason) == (
        "HC-2025-00002", 1, old.id, "Sửa số sản xuất")
    assert old.status == CertificateStatus.SUPERSEDED and new.status == CertificateStatus.VALID
    assert svc.stored_bytes(DatabaseStorage(session), old, "pdf") == old_pdf  # frozen bytes, never re-rendered
    text = _text(svc.stored_bytes(DatabaseStorage(session), new, "pdf"))
    assert "HC-2025-00001" in text and "Sửa số sản xuất" in text and "SN-ĐÚNG-42" in text
    dcc = svc.stored_bytes(DatabaseStorage(session), new, "dcc")
    validate_dcc(dcc)
    assert old.pdf_sha256 is not None and old.pdf_sha256.encode() in dcc
    with pytest.raises(svc.CertificateError, match="superseded"):
        svc.amend_certificate(session, old.number, setup.signatory, "again", storage=DatabaseStorage(session),
                              settings=certsetup.SETTINGS)


def test_withdrawal_records_the_reason(session: Session) -> None:
    """7.8.8: a withdrawn certificate keeps its bytes; the reason, who and when are recorded."""
    setup = certsetup.lab(session)
    cert = _issue(session, setup, certsetup.approved_job(session, setup, "CAL-DMM-DCV"))
    with pytest.raises(svc.CertificateError, match="reason"):
        svc.withdraw_certificate(session, cert.number, setup.signatory, "")
    with pytest.raises(svc.CertificateNotFound):
        svc.withdraw_certificate(session, "HC-2025-99999", setup.signatory, "x")
    svc.withdraw_certificate(session, cert.number, setup.signatory, "Chuẩn dùng đã bị thu hồi")
    assert cert.status == CertificateStatus.WITHDRAWN and cert.withdrawal_reason == "Chuẩn dùng đã bị thu hồi"
    assert cert.withdrawn_by_id == setup.signatory.id and cert.withdrawn_at is not None
    assert svc.stored_bytes(DatabaseStorage(session), cert, "pdf").startswith(b"%PDF-")
    with pytest.raises(svc.CertificateError, match="withdrawn"):
        svc.withdraw_certificate(session, cert.number, setup.signatory, "again")
    assert svc.summary(cert)["status"] == "withdrawn"


def test_batch_issues_all_or_nothing(session: Session) -> None:
    """A batch takes consecutive numbers in order; one refused job leaves the whole batch unissued."""
    setup = certsetup.lab(session)
    cal = [certsetup.approved_job(session, setup, "CAL-DMM-DCV") for _ in range(2)]
    ver = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    from tests.services import jobsetup

    open_job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    ids = [cal[0].id, ver.id, open_job.id, cal[1].id]
    with pytest.raises(svc.CertificateError, match="only an approved job"):
        svc.issue_batch(session, ids, setup.signatory, storage=DatabaseStorage(session),
                        settings=certsetup.SETTINGS, stamp_numbers={ver.id: "HN-25-000109"}, now=certsetup.ISSUED_AT)
    assert _counts(session)[:2] == (0, 0) and {j.state for j in (*cal, ver)} == {JobState.APPROVED}
    ids.remove(open_job.id)
    certs = svc.issue_batch(session, ids, setup.signatory, storage=DatabaseStorage(session),
                            settings=certsetup.SETTINGS, stamp_numbers={ver.id: "HN-25-000109"}, now=certsetup.ISSUED_AT,
                            workers=2)
    assert [c.number for c in certs] == ["HC-2025-00001", "KĐ-2025-00001", "HC-2025-00002"]
    storage = DatabaseStorage(session)
    for cert in certs:
        assert sha256_hex(svc.stored_bytes(storage, cert, "pdf")) == cert.pdf_sha256
        assert cert.number in _text(svc.stored_bytes(storage, cert, "pdf"))


@pytest.mark.parametrize(("zone", "day"), [("Asia/Ho_Chi_Minh", "2025-06-03"), ("Europe/Berlin", "2025-06-02")])
def test_the_date_of_issue_is_the_labs_local_date(session: Session, zone: str, day: str) -> None:
    """ISO/IEC 17025:2017 7.8.2.1 j: the date of issue is the lab's. 21:30 UTC on 2 June 2025 is 04:30 on
    3 June in Hà Nội (UTC+07:00) but 23:30 on 2 June in Berlin (CEST, UTC+02:00)."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    settings = dataclasses.replace(certsetup.SETTINGS, timezone_name=zone)
    storage = DatabaseStorage(session)
    cert = svc.issue_certificate(session, job.id, setup.signatory, storage=storage, settings=settings,
                                 now=datetime(2025, 6, 2, 21, 30, tzinfo=UTC))
    dcc = svc.stored_bytes(storage, cert, "dcc").decode("utf-8")
    assert f"Date of issue: {day}" in dcc and f"Ngày ban hành: {day}" in dcc


def test_the_zone_comes_from_lims_timezone_and_an_unknown_one_is_refused(tmp_path: Any) -> None:
    from lims.config import Settings
    from lims.errors import ConfigurationError

    instance = str(tmp_path)
    settings = Settings.from_env({"LIMS_TIMEZONE": "Europe/Berlin", "LIMS_INSTANCE_PATH": instance})
    assert certificate_settings(settings).timezone.utcoffset(datetime(2025, 1, 1)) == timedelta(hours=1)
    default = Settings.from_env({"LIMS_INSTANCE_PATH": instance})
    assert certificate_settings(default).timezone_name == "Asia/Ho_Chi_Minh"
    with pytest.raises(ConfigurationError, match="LIMS_TIMEZONE"):
        Settings.from_env({"LIMS_TIMEZONE": "Asia/Hanoi-ish"})
    with pytest.raises(ConfigurationError, match="LIMS_TIMEZONE"):
        svc.CertificateSettings.from_env({"LIMS_TIMEZONE": "Mars/Olympus"})
