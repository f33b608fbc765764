"""A job's certificates on the jobs blueprint: issue, amend, withdraw, the failure notice and the stored PDFs."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lims.errors import LimsError
from lims.models import Role
from lims.services.certificates import failure
from lims.services.certificates import issue as certificates
from lims.services.certificates.settings import CertificateSettings, certificate_settings
from lims.services.common.storage import open_storage
from lims.web.access import LAB_STAFF, allow
from lims.web.dbsession import db_session
from lims.web.downloads import file_response
from lims.web.jobs.views import _done, _failed, _job_or_404, _user, _version, bp


def _certificate_or_404(job_id: int, cert_id: int) -> Any:
    from lims.models import Certificate

    cert = db_session().get(Certificate, cert_id)
    if cert is None or cert.job_id != job_id:
        abort(404)
    return cert


def _storage_and_settings() -> tuple[Any, CertificateSettings]:
    settings = current_app.config["SETTINGS"]
    return open_storage(settings, db_session()), certificate_settings(settings)


@bp.post("/<int:job_id>/issue")
@allow(Role.SIGNATORY, Role.ADMIN)
def issue_certificate(job_id: int) -> ResponseReturnValue:
    """Issue the certificate of an approved job (number, PDF with DCC, labels; the job becomes issued)."""
    _job_or_404(job_id)
    try:
        storage, settings = _storage_and_settings()
        cert = certificates.issue_certificate(
            db_session(),
            job_id,
            _user(),
            storage=storage,
            settings=settings,
            stamp_number=request.form.get("stamp_number", "")[:50] or None,
            expected_version=_version(),
        )
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(job_id, _("Certificate %(number)s issued.", number=cert.number))


@bp.post("/<int:job_id>/certificates/<int:cert_id>/amend")
@allow(Role.SIGNATORY, Role.ADMIN)
def amend_certificate(job_id: int, cert_id: int) -> ResponseReturnValue:
    """Issue an amendment (a new number replacing this certificate, with the reason)."""
    cert = _certificate_or_404(job_id, cert_id)
    try:
        storage, settings = _storage_and_settings()
        new = certificates.amend_certificate(
            db_session(),
            cert.number,
            _user(),
            request.form.get("reason", "")[: certificates.REASON_MAX + 1],
            storage=storage,
            settings=settings,
        )
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(
        job_id, _("Certificate %(number)s issued, replacing %(old)s.", number=new.number, old=cert.number)
    )


@bp.post("/<int:job_id>/certificates/<int:cert_id>/withdraw")
@allow(Role.SIGNATORY, Role.ADMIN)
def withdraw_certificate(job_id: int, cert_id: int) -> ResponseReturnValue:
    cert = _certificate_or_404(job_id, cert_id)
    try:
        certificates.withdraw_certificate(
            db_session(), cert.number, _user(), request.form.get("reason", "")[: certificates.REASON_MAX + 1]
        )
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(job_id, _("Certificate %(number)s withdrawn.", number=cert.number))


@bp.post("/<int:job_id>/failure-notice")
@allow(Role.SIGNATORY, Role.ADMIN)
def issue_failure_notice(job_id: int) -> ResponseReturnValue:
    """A failed verification: the notice of failure instead of a certificate (no stamp; not permitted for use)."""
    _job_or_404(job_id)
    try:
        storage, settings = _storage_and_settings()
        notice = failure.issue_failure_notice(
            db_session(),
            job_id,
            _user(),
            storage=storage,
            settings=settings,
            requirement=request.form.get("requirement", "")[: failure.REQUIREMENT_MAX + 1],
            expected_version=_version(),
        )
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(job_id, _("Notice of failed verification %(number)s issued.", number=notice.number))


@bp.get("/<int:job_id>/failure-notices/<int:notice_id>.pdf")
@allow(LAB_STAFF)
def failure_notice_pdf(job_id: int, notice_id: int) -> ResponseReturnValue:
    """The notice of failed verification as stored when it was issued."""
    notice = failure.notice_of_job(db_session(), job_id)
    if notice is None or notice.id != notice_id:
        abort(404)
    data = _storage_and_settings()[0].get(notice.pdf_key)
    return file_response(
        data,
        filename=f"{notice.number}.pdf",
        mimetype="application/pdf",
        inline=True,
        headers={"X-Content-SHA256": notice.pdf_sha256},
    )


@bp.get("/<int:job_id>/certificates/<int:cert_id>/labels.pdf")
@allow(LAB_STAFF)
def certificate_labels(job_id: int, cert_id: int) -> ResponseReturnValue:
    """The sheet of labels stored when the certificate was issued (SHA-256 re-checked)."""
    cert = _certificate_or_404(job_id, cert_id)
    try:
        data = certificates.stored_bytes(_storage_and_settings()[0], cert, "labels")
    except LimsError:
        abort(404)
    return file_response(
        data,
        filename=f"{cert.number}-labels.pdf",
        mimetype="application/pdf",
        inline=True,
        headers={"X-Content-SHA256": cert.labels_sha256 or ""},
    )
