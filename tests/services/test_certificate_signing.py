"""Issued certificates are signed (issue 17, item 5), and an unusable key or address issues nothing (item 6).

Runs on SQLite and PostgreSQL. The keys are tests/pkitools.py's (one test root and key pair per session).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates.safe_xml import parser
from certificates.signature_check import verify_detached, verify_pdf
from certificates.signing import SigningIdentity
from lims.models import Certificate, CertificateCounter, CertificateStatus, JobState, StoredFile
from lims.services.certificates import issue as svc
from lims.services.certificates import register
from lims.services.certificates.signing_keys import (
    PublicAddressRefused,
    SigningRefused,
    SigningSettings,
    ensure_test_pki,
    load_signing_settings,
)
from lims.services.common.storage import DatabaseStorage
from tests import pkitools
from tests.services import certsetup

DCC_NS = "{https://ptb.de/dcc}"


def _issue(session: Session, setup: Any, job: Any, settings: Any = certsetup.SETTINGS) -> Certificate:
    return certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT, settings=settings)


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Certificate)) or 0,
        session.scalar(select(func.coalesce(func.sum(CertificateCounter.last_number), 0))) or 0,
        session.scalar(select(func.count()).select_from(StoredFile)) or 0,
    )


def _with_lab_key(identity: SigningIdentity) -> Any:
    return dataclasses.replace(certsetup.SETTINGS, signing=pkitools.signing_settings(identity))


def test_issued_pdf_labels_and_dcc_are_signed_at_the_time_of_issue(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    cert = _issue(session, setup, job)
    storage = DatabaseStorage(session)
    roots = [pkitools.root_der()]
    pdf = register.stored_file_for(session, storage, cert, "pdf")
    assert pdf.sha256 == cert.pdf_sha256  # the hash recorded at issue is the signed file's
    for data in (pdf.data, svc.stored_bytes(storage, cert, "labels")):
        report = verify_pdf(data, trust_roots=roots)
        assert report is not None and report.ok
        assert report.signer.common_name == pkitools.SIGNATORY
        assert report.signing_time == certsetup.ISSUED_AT  # the time of issue, not the clock's
    dcc = register.stored_file_for(session, storage, cert, "dcc")
    p7s = register.stored_file_for(session, storage, cert, "p7s")
    assert p7s.content_type == "application/pkcs7-signature" and p7s.filename == "HC-2025-00001.xml.p7s"
    detached = verify_detached(dcc.data, p7s.data, trust_roots=roots)
    assert detached.ok and detached.signing_time == certsetup.ISSUED_AT
    # DCC 3.1.2 respPerson: the electronic signature is declared; no timestamp authority, no timestamp flag
    person = etree.fromstring(dcc.data, parser()).find(f".//{DCC_NS}respPerson")
    assert person is not None
    assert person.findtext(f"{DCC_NS}cryptElectronicSignature") == "true"
    assert person.find(f"{DCC_NS}cryptElectronicTimeStamp") is None


def test_an_amendment_is_signed_by_the_one_who_amends(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    first = _issue(session, setup, job)
    amended = svc.amend_certificate(
        session,
        first.number,
        setup.signatory,
        "Sửa địa chỉ khách hàng",
        storage=DatabaseStorage(session),
        settings=certsetup.SETTINGS,
        now=datetime(2025, 6, 10, 3, 0, tzinfo=UTC),
    )
    report = verify_pdf(svc.stored_bytes(DatabaseStorage(session), amended, "pdf"), trust_roots=[pkitools.root_der()])
    assert report is not None and report.ok and report.signing_time == datetime(2025, 6, 10, 3, 0, tzinfo=UTC)


def test_the_signatory_s_own_key_signs_instead_of_the_lab_s(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    own = pkitools.identity("Chữ ký riêng của người ký")
    signing = SigningSettings(
        lab=pkitools.identity(), signatories={setup.signatory.username: own}, trust_roots=(pkitools.root_der(),)
    )
    cert = _issue(session, setup, job, dataclasses.replace(certsetup.SETTINGS, signing=signing))
    report = verify_pdf(svc.stored_bytes(DatabaseStorage(session), cert, "pdf"), trust_roots=[pkitools.root_der()])
    assert report is not None and report.signer.common_name == "Chữ ký riêng của người ký"


BAD_KEYS = [
    pytest.param(
        lambda: pkitools.identity(not_after=datetime(2025, 1, 1, tzinfo=UTC)),
        "The signing certificate of Nguyễn Thị Thu Hằng expired on 1 Jan 2025. Nothing was issued.",
        id="expired",
    ),
    pytest.param(
        lambda: pkitools.identity(not_before=datetime(2025, 12, 1, tzinfo=UTC)),
        "The signing certificate of Nguyễn Thị Thu Hằng is valid only from 1 Dec 2025. Nothing was issued.",
        id="not-yet-valid",
    ),
    pytest.param(
        lambda: pkitools.identity(digital_signature=False),
        "The certificate of Nguyễn Thị Thu Hằng does not allow digital signatures (key usage). Nothing was issued.",
        id="no-digital-signature-usage",
    ),
    pytest.param(
        lambda: SigningIdentity(pkitools.identity().pkcs12, b"not the passphrase", source="lab.p12"),
        "The signing key lab.p12 cannot be opened: its passphrase is wrong. Nothing was issued.",
        id="wrong-passphrase",
    ),
    pytest.param(
        lambda: None,
        "No signing key is configured (LIMS_SIGNING_PKCS12, see docs/certificates.md): certificates are never "
        "issued unsigned. Nothing was issued.",
        id="no-key",
    ),
]


@pytest.mark.parametrize(("make_identity", "message"), BAD_KEYS)
def test_an_unusable_signing_key_issues_nothing(session: Session, make_identity: Any, message: str) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    identity = make_identity()
    settings = (
        _with_lab_key(identity)
        if identity is not None
        else dataclasses.replace(certsetup.SETTINGS, signing=SigningSettings())
    )
    before = _counts(session)
    with pytest.raises(SigningRefused) as refused:
        _issue(session, setup, job, settings)
    assert str(refused.value) == message
    # Nothing half-issued: no certificate, the number given back, no stored file, the job still approved.
    assert _counts(session) == before
    assert job.state == JobState.APPROVED
    cert = _issue(session, setup, job)
    assert cert.number == "HC-2025-00001" and cert.status == CertificateStatus.VALID


def test_an_unusable_key_refuses_an_amendment_too(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    first = _issue(session, setup, job)
    before = _counts(session)
    with pytest.raises(SigningRefused):
        svc.amend_certificate(
            session,
            first.number,
            setup.signatory,
            "Sửa lỗi chính tả",
            storage=DatabaseStorage(session),
            settings=_with_lab_key(pkitools.identity(not_after=datetime(2025, 6, 1, tzinfo=UTC))),
            now=datetime(2025, 6, 10, tzinfo=UTC),
        )
    assert _counts(session) == before and first.status == CertificateStatus.VALID


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://localhost:8000", "", "http://[::1]:5000"])
def test_a_loopback_or_unset_public_address_is_refused_outside_a_demo(session: Session, url: str) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    before = _counts(session)
    with pytest.raises(PublicAddressRefused):
        _issue(session, setup, job, dataclasses.replace(certsetup.SETTINGS, public_url=url))
    assert _counts(session) == before and job.state == JobState.APPROVED
    demo = dataclasses.replace(certsetup.SETTINGS, public_url=url or "http://127.0.0.1:5000", demo=True)
    assert _issue(session, setup, job, demo).number == "HC-2025-00001"


# --------------------------------------------------------------------------------------------- instance keys


def test_keys_are_read_from_the_instance_folder(tmp_path: Path) -> None:
    ensure_test_pki(tmp_path, organisation="Trung tâm thử", signatories={"hang": "Nguyễn Thị Thu Hằng"})
    folder = tmp_path / "signing"
    assert (folder / "lab.p12").stat().st_mode & 0o777 == 0o600
    assert (folder / "lab.pass").stat().st_mode & 0o777 == 0o600
    loaded = load_signing_settings(tmp_path, {})
    assert loaded.lab is not None and set(loaded.signatories) == {"hang"} and len(loaded.roots()) == 1
    holder = loaded.identity_for("hang")
    from certificates.signing import check_identity

    checked = check_identity(holder, at=datetime.now(UTC))
    assert checked.common_name == "Nguyễn Thị Thu Hằng" and checked.organisation == "Trung tâm thử"
    assert check_identity(loaded.identity_for("someone-else"), at=datetime.now(UTC)).common_name == "Trung tâm thử"
    # The environment's passphrase wins over the file beside the key: a wrong one is refused at issue.
    wrong = load_signing_settings(tmp_path, {"LIMS_SIGNING_PASSPHRASE": "wrong"})
    assert wrong.lab is not None and wrong.lab.passphrase == b"wrong"
    # Configured elsewhere, with a timestamp authority
    other = load_signing_settings(
        tmp_path / "nowhere",
        {"LIMS_SIGNING_PKCS12": str(folder / "lab.p12"), "LIMS_TIMESTAMP_URL": "https://tsa.example.vn/"},
    )
    assert other.identity_for(None).timestamp_url == "https://tsa.example.vn/"


def test_the_demo_never_puts_test_keys_beside_a_real_one(tmp_path: Path) -> None:
    folder = tmp_path / "signing"
    folder.mkdir()
    (folder / "lab.p12").write_bytes(pkitools.identity().pkcs12)  # "real": not made by ensure_test_pki
    ensure_test_pki(tmp_path, signatories={"hang": "Nguyễn Thị Thu Hằng"})
    assert sorted(p.name for p in folder.iterdir()) == ["lab.p12"]


def test_no_keys_outside_a_demo_and_test_keys_in_one(tmp_path: Path) -> None:
    assert load_signing_settings(tmp_path, {}).lab is None
    assert not (tmp_path / "signing").exists()  # never made outside a demo
    demo = load_signing_settings(tmp_path, {}, demo=True)
    assert demo.lab is not None and (tmp_path / "signing" / "trust-roots.pem").exists()
    pem = (tmp_path / "signing" / "test-ca.pem").read_text()
    assert pem.startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
def test_pdfsig_accepts_the_issued_pdf(session: Session, tmp_path: Path) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    cert = certsetup.issue(  # a stamp of the batch jobsetup received
        session, job, setup.signatory, now=certsetup.ISSUED_AT, stamp_number="HN-25-000123"
    )
    path = tmp_path / "kd.pdf"
    path.write_bytes(svc.stored_bytes(DatabaseStorage(session), cert, "pdf"))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert "Signature Validation: Signature is Valid." in out.stdout and "Total document signed" in out.stdout


# --------------------------------------------------------------------------------------------- the demo


@pytest.mark.demo
def test_every_issued_demo_pdf_is_signed_with_the_demo_s_test_keys(session: Session, tmp_path: Path) -> None:
    """Issue 17, "Done when": pdfsig reports a valid signature on every issued demo PDF (skipped without
    poppler-utils), and so does pyHanko against the demo's own test root."""
    from lims.config import Settings

    folder = Settings.from_env().instance_path / "signing"
    roots = load_signing_settings(folder.parent, {}).roots()
    assert len(roots) == 1 and (folder / "test-ca.pem").exists()
    storage = DatabaseStorage(session)
    certificates = session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(certificates) >= 2 and any(c.replaces_id for c in certificates)  # the amendment too
    pdfsig = shutil.which("pdfsig")
    for cert in certificates:
        for which in ("pdf", "labels"):
            data = svc.stored_bytes(storage, cert, which)
            report = verify_pdf(data, trust_roots=roots)
            assert report is not None and report.ok, (cert.number, which)
            assert report.signer.issuer.startswith("TEST ROOT CA")  # the demo's own, marked test root
            if pdfsig:
                path = tmp_path / f"{cert.id}-{which}.pdf"
                path.write_bytes(data)
                out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, timeout=60, check=False)
                assert "Signature Validation: Signature is Valid." in out.stdout, (cert.number, which, out.stdout)
        p7s = register.stored_file_for(session, storage, cert, "p7s")
        dcc = register.stored_file_for(session, storage, cert, "dcc")
        assert verify_detached(dcc.data, p7s.data, trust_roots=roots).ok


@pytest.mark.demo
def test_the_demo_s_failed_scale_has_a_signed_notice_and_no_certificate(session: Session, tmp_path: Path) -> None:
    """Issue 17 gaps: the demo holds one failed verification (a 15 kg scale reading 30 g high at 15 kg,
    MPE 7,5 g) with its notice, signed like the certificates, and seen by the enterprise's customer."""
    from lims.config import Settings
    from lims.models import Job, User, VerificationFailureNotice
    from lims.services.customers import portal_jobs
    from lims.services.customers.permitted_use import not_permitted_since

    (notice,) = session.scalars(select(VerificationFailureNotice)).all()
    job = session.get_one(Job, notice.job_id)
    assert notice.number.startswith("TB-KĐ-") and "tại: 15 kg" in notice.failed_requirement
    assert session.scalar(select(Certificate).where(Certificate.job_id == job.id)) is None  # no certificate
    assert job.instrument_id in not_permitted_since(session, [job.instrument_id])
    roots = load_signing_settings(Settings.from_env().instance_path, {}).roots()
    customer = session.scalars(select(User).where(User.enterprise_id == job.enterprise_id)).first()
    assert customer is not None  # a demo login that sees the notice in the portal
    served = portal_jobs.failure_notice_file(session, DatabaseStorage(session), customer, job.id)
    assert served is not None and served.sha256 == notice.pdf_sha256
    report = verify_pdf(served.data, trust_roots=roots)
    assert report is not None and report.ok and report.signer.issuer.startswith("TEST ROOT CA")
    path = tmp_path / "notice.pdf"
    path.write_bytes(served.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    flat = " ".join(text.stdout.split())
    for expected in ("THÔNG BÁO KẾT QUẢ KIỂM ĐỊNH KHÔNG ĐẠT", notice.number, "ĐLVN 14:2009", "KĐV-0312",
                     "125/QĐ-TĐC", "Không phù hợp / Fail"):
        assert expected in flat, expected
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False)
        assert "Signature Validation: Signature is Valid." in out.stdout, out.stdout


@pytest.mark.demo
def test_the_demo_s_verification_certificate_read_from_outside(session: Session, tmp_path: Path) -> None:
    """Issue 17 gaps, checked as a customer or an assessor would: pdftotext of a demo verification
    certificate carries the ĐLVN procedure, the officer and card, the stamp, the designation, the legal
    characteristics and the validity; its DCC carries the same, validates, and its .p7s verifies."""
    from certificates.dcc import validate_dcc
    from lims.models import JobKind

    cert = session.scalars(
        select(Certificate).where(Certificate.kind == JobKind.VERIFICATION).order_by(Certificate.id)
    ).first()
    assert cert is not None and cert.stamp_number and cert.valid_until
    storage = DatabaseStorage(session)
    path = tmp_path / "verification.pdf"
    path.write_bytes(svc.stored_bytes(storage, cert, "pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    flat = " ".join(text.stdout.split())
    valid_until = cert.valid_until.isoformat()
    for expected in ("ĐLVN 14:2009", "ĐẠT yêu cầu kỹ thuật đo lường theo ĐLVN 14:2009", "KĐV-0312",
                     cert.stamp_number, "125/QĐ-TĐC", f"Có hiệu lực đến / Valid until {valid_until}",
                     "Mức cân lớn nhất (Max) 15 kg", "Số độ chia kiểm (n = Max/e) 3000"):
        assert expected in flat, expected
    assert "VER-NAWI-R76" not in flat.split("Kết luận")[1][:200]  # the verdict cites ĐLVN, not the lab's code
    dcc = svc.stored_bytes(storage, cert, "dcc")
    validate_dcc(dcc)
    xml = dcc.decode("utf-8")
    for expected in ('refType="lims_verificationProcedure"', "<dcc:norm>ĐLVN 14:2009</dcc:norm>", "KĐV-0312",
                     'refType="lims_designation"', "125/QĐ-TĐC", 'refType="lims_legalCharacteristic"',
                     f"Số tem kiểm định: {cert.stamp_number}", f"<dcc:date>{valid_until}</dcc:date>",
                     "<dcc:role>Kiểm định viên / Verification officer</dcc:role>"):
        assert expected in xml, expected


# --------------------------------------------------------------------------------------------- rotation


def test_rotating_the_lab_key_signs_new_certificates_and_keeps_the_old_ones_verifiable(
    session: Session, tmp_path: Path
) -> None:
    """docs/certificates.md, Rotation: replace the PKCS#12 file and its passphrase, add the new CA's root to
    the trust roots while keeping the old one; the keys are read at each issue (no restart), issued bytes are
    never re-signed, and a certificate signed before stays verifiable only while its root stays trusted."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from certificates import pki

    folder = tmp_path / "signing"
    folder.mkdir()
    old = pkitools.identity()
    (folder / "lab.p12").write_bytes(old.pkcs12)
    (folder / "lab.pass").write_bytes(old.passphrase)
    old_root = pkitools.authority().certificate.public_bytes(Encoding.PEM)
    (folder / "trust-roots.pem").write_bytes(old_root)

    def settings_now() -> Any:  # what each request reads (lims.services.certificates.settings)
        return dataclasses.replace(certsetup.SETTINGS, signing=load_signing_settings(tmp_path, {}))

    setup = certsetup.lab(session)
    first = _issue(session, setup, certsetup.approved_job(session, setup, "CAL-DMM-DCV"), settings_now())
    storage = DatabaseStorage(session)
    first_pdf = svc.stored_bytes(storage, first, "pdf")

    # The new certificate, from another CA, with another passphrase.
    new_ca = pki.make_test_authority("CA mới", not_before=pkitools.VALID_FROM, years=20)
    cert, key = pki.issue_test_certificate(
        new_ca, "Chứng thư mới 2025", organisation="Trung tâm", not_before=pkitools.VALID_FROM,
        not_after=pkitools.VALID_TO,
    )
    (folder / "lab.p12").write_bytes(pki.to_pkcs12("lab", cert, key, [new_ca.certificate], b"passphrase 2"))
    (folder / "lab.pass").write_bytes(b"passphrase 2")
    (folder / "trust-roots.pem").write_bytes(old_root + new_ca.certificate.public_bytes(Encoding.PEM))

    rotated = settings_now()
    second = _issue(session, setup, certsetup.approved_job(session, setup, "CAL-DMM-DCV"), rotated)
    roots = rotated.signing.roots()
    assert len(roots) == 2
    new_report = verify_pdf(svc.stored_bytes(storage, second, "pdf"), trust_roots=roots)
    assert new_report is not None and new_report.ok and new_report.signer.common_name == "Chứng thư mới 2025"
    # The certificate issued before: its stored bytes untouched, its signature still the old key's, and valid.
    assert svc.stored_bytes(storage, first, "pdf") == first_pdf
    old_report = verify_pdf(first_pdf, trust_roots=roots)
    assert old_report is not None and old_report.ok and old_report.signer.common_name == pkitools.SIGNATORY
    # Dropping the old root (against the procedure) makes it untrusted, though unchanged.
    only_new = verify_pdf(first_pdf, trust_roots=[new_ca.certificate.public_bytes(Encoding.DER)])
    assert only_new is not None and only_new.intact and not only_new.trusted
