"""The lab's certificate register: list, one certificate with its revisions, the stored PDF and DCC.

Lab staff and auditors only; customers read their own certificates in the portal.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from lims.errors import NotFound
from lims.models import CertificateStatus, JobKind
from lims.services.certificates import register
from lims.services.certificates.verification_code import verification_code
from lims.services.common.storage import StorageError, open_storage
from lims.services.quality.nonconformity import records_citing
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.certificates.labels import KIND_LABELS, STATUS_LABELS
from lims.web.certificates.public import verification_key
from lims.web.dbsession import db_session
from lims.web.downloads import file_response
from lims.web.i18n import error_text
from lims.web.nc.views import DECISION_LABELS
from lims.web.paging import after_arg

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def _enum_arg(name: str, enum: type[CertificateStatus] | type[JobKind]) -> CertificateStatus | JobKind | None:
    raw = request.args.get(name, "")
    try:
        return enum(raw) if raw else None
    except ValueError:
        return None


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    query = request.args.get("q", "")[:100]
    status = _enum_arg("status", CertificateStatus)
    kind = _enum_arg("kind", JobKind)
    try:
        since = date.fromisoformat(request.args.get("since", ""))
    except ValueError:
        since = None
    page = register.search(
        db_session(),
        query=query,
        status=status,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        issued_since=since,
        after=after_arg(),
    )
    return render_template(
        "certificates/index.html",
        page=page,
        query=query,
        status=status.value if status else "",
        kind=kind.value if kind else "",
        since=since,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.get("/<path:number>")
@allow(TECHNICAL_READERS)
def show(number: str) -> ResponseReturnValue:
    try:
        view = register.detail(db_session(), number)
    except NotFound:
        abort(404)
    return render_template(
        "certificates/show.html",
        view=view,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        has_traceability="traceability.index" in current_app.view_functions,
        verification_code=verification_code(verification_key(), view.certificate.number),
        # the nonconforming-work decisions that evaluated this certificate or produced it (linked both ways)
        nc_records=records_citing(db_session(), view.certificate.id),
        decision_labels=DECISION_LABELS,
    )


def _download(number: str, which: register.FileKind) -> ResponseReturnValue:
    db = db_session()
    try:
        certificate = register.get_by_number(db, number)
        stored = register.stored_file_for(
            db, open_storage(current_app.config["SETTINGS"], db), certificate, which
        )
    except NotFound:
        abort(404)
    except StorageError as exc:
        # The stored bytes are missing or not the ones issued: say so, never re-render (ISO/IEC 17025 7.8.8).
        current_app.logger.error("certificate %s %s: %s", certificate.number, which, exc)
        return render_template("error.html", code=500, message=error_text(exc)), 500
    return file_response(
        stored.data,
        filename=stored.filename,
        mimetype=stored.content_type,
        headers={"X-Content-SHA256": stored.sha256, "Cache-Control": "private, no-store"},
    )


@bp.get("/<path:number>/pdf")
@allow(TECHNICAL_READERS)
def pdf(number: str) -> ResponseReturnValue:
    """The issued PDF exactly as stored (its SHA-256 re-checked), never re-rendered."""
    return _download(number, "pdf")


@bp.get("/<path:number>/dcc")
@allow(TECHNICAL_READERS)
def dcc(number: str) -> ResponseReturnValue:
    """The issued Digital Calibration Certificate (XML) exactly as stored."""
    return _download(number, "dcc")


@bp.get("/<path:number>/dcc-signature")
@allow(TECHNICAL_READERS)
def dcc_signature(number: str) -> ResponseReturnValue:
    """The DCC's detached CMS signature (``.p7s``, made at issue), to check the XML file with."""
    return _download(number, "p7s")
