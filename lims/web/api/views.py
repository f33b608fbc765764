"""``/api/v1`` endpoints: instruments, jobs, certificates (with their stored files) and traceability.

Customers' tokens see their own enterprise only (every read goes through :mod:`lims.services.access.tenancy`;
another enterprise's identifier answers 404); lab staff's tokens see every enterprise.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from flask import Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from certificates.metrology import codec as point_codec
from certificates.metrology.display import point_json
from lims.errors import LimsError
from lims.models import Certificate, CertificateStatus, CustomerInstrument, Job, JobState, Role
from lims.services.access.tenancy import Caller
from lims.services.certificates import register
from lims.services.common.storage import (
    StoredFileCorrupt,
    StoredFileMissing,
    issued_file_key,
    issued_file_keys,
    open_storage,
)
from lims.services.customers import permitted_use, portal, portal_jobs
from lims.services.customers.instrument_fields import check_instrument
from lims.services.jobs import points as job_points
from lims.services.jobs.jobs import jobs_by_id
from lims.services.standards.traceability import certificate_chain
from lims.web.access import EVERYONE, PUBLIC, allow
from lims.web.api.framework import (
    MAX_ID,
    ApiError,
    api_token,
    api_user,
    api_view,
    bad_parameter,
    bp,
    choice_arg,
    json_body,
    page_args,
    page_response,
    text_arg,
)
from lims.web.dbsession import db_session
from lims.web.downloads import file_response
from lims.web.status import status_for

__all__ = ["bp"]

ID = f"int(min=1, max={MAX_ID})"


def _caller() -> Caller:
    """The token's user, as tenancy sees it (role and enterprise)."""
    return cast(Caller, api_user())


INSTRUMENT_FIELDS = portal.EXPORT_COLUMNS


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _decimal(value: Decimal | None) -> str | None:
    """Decimals travel as strings, so no digit is lost to binary floating point."""
    return format(value.normalize(), "f") if value is not None else None


def instrument_json(
    instrument: CustomerInstrument, not_permitted_since: date | None = None
) -> dict[str, Any]:
    """The instrument as the API shows it; ``not_permitted_since`` from
    :func:`lims.services.customers.permitted_use.not_permitted_since` (a failed legal verification)."""
    return {
        "id": instrument.id,
        "enterprise_id": instrument.enterprise_id,
        "instrument_type": instrument.instrument_type,
        "manufacturer": instrument.manufacturer,
        "model": instrument.model,
        "serial_number": instrument.serial_number,
        "range_min": _decimal(instrument.range_min),
        "range_max": _decimal(instrument.range_max),
        "unit": instrument.unit,
        "resolution": _decimal(instrument.resolution),
        "accuracy_class": instrument.accuracy_class,
        "legally_controlled": instrument.legally_controlled,
        "location": instrument.location,
        "last_calibrated_on": _iso(instrument.last_calibrated_on),
        "next_due_on": _iso(instrument.next_due_on),
        "permitted_for_use": not_permitted_since is None,
        "not_permitted_since": _iso(not_permitted_since),
        "created_at": _iso(instrument.created_at),
        "url": url_for("api.instrument", instrument_id=instrument.id, _external=True),
    }


def job_json(job: Job) -> dict[str, Any]:
    return {
        "number": job.number,
        "kind": str(job.kind),
        "state": str(job.state),
        "enterprise_id": job.enterprise_id,
        "instrument_id": job.instrument_id,
        "on_site": job.on_site,
        "requested_on": _iso(job.requested_on),
        "received_on": _iso(job.received_on),
        "expected_on": _iso(job.due_on),
        "measured_on": _iso(job.measured_on),
        "url": url_for("api.job", job_number=job.number, _external=True),
    }


FileKey = tuple[str | None, str | None]  # a stored file's key and SHA-256, (None, None) when there is none


def _file_json(certificate: Certificate, kind: str, stored: FileKey) -> dict[str, Any]:
    """``pdf``, ``dcc`` or ``p7s`` (the DCC's detached signature, whose SHA-256 is the stored file's)."""
    key, sha = stored
    return {
        "available": key is not None,
        "sha256": sha if key is not None else None,
        "url": url_for(f"api.certificate_{kind}", number=certificate.number, _external=True) if key else None,
    }


def certificate_json(
    certificate: Certificate, job: Job, replaces: str | None, signature: FileKey
) -> dict[str, Any]:
    """The certificate as the API shows it; ``signature`` from
    :func:`~lims.services.common.storage.issued_file_keys` (for a list, all in one query)."""
    return {
        "number": certificate.number,
        "kind": str(certificate.kind),
        "status": str(certificate.status),
        "revision": certificate.revision,
        "replaces": replaces,
        "issued_at": _iso(certificate.issued_at),
        "job_number": job.number,
        "enterprise_id": job.enterprise_id,
        "instrument_id": job.instrument_id,
        "amendment_reason": certificate.amendment_reason,
        "withdrawal_reason": certificate.withdrawal_reason,
        "pdf": _file_json(certificate, "pdf", (certificate.pdf_key, certificate.pdf_sha256)),
        "dcc": _file_json(certificate, "dcc", (certificate.dcc_key, certificate.dcc_sha256)),
        "dcc_signature": _file_json(certificate, "p7s", signature),
        "url": url_for("api.certificate", number=certificate.number, _external=True),
    }


@bp.get("/openapi.json")
@allow(PUBLIC)
def openapi() -> ResponseReturnValue:
    from lims.web.api.openapi import document

    return jsonify(document())


@bp.get("/me")
@api_view(EVERYONE)
def me() -> ResponseReturnValue:
    user, token = api_user(), api_token()
    return jsonify(
        {
            "username": user.username,
            "full_name": user.full_name,
            "role": str(user.role),
            "enterprise_id": user.enterprise_id,
            "token": {
                "name": token.name,
                "prefix": token.prefix,
                "scopes": sorted(token.scope_set),
                "expires_at": _iso(token.expires_at),
            },
        }
    )


# --- instruments -------------------------------------------------------------------------------------


@bp.get("/instruments")
@api_view(EVERYONE, query=("limit", "cursor", "q", "instrument_type", "due_within_days"))
def instruments() -> ResponseReturnValue:
    args = page_args()
    raw_due = request.args.get("due_within_days")
    if raw_due is not None and not (raw_due.isascii() and raw_due.isdigit() and int(raw_due) <= 3650):
        raise bad_parameter("due_within_days", "'due_within_days' is a whole number from 0 to 3650.")
    query = portal.InstrumentQuery(
        text=text_arg("q"),
        instrument_type=text_arg("instrument_type"),
        due_within_days=int(raw_due) if raw_due is not None else None,
    )
    db = db_session()
    page = portal.search_instruments(
        db, _caller(), query, today=date.today(), after=args.after, size=args.limit
    )
    blocked = permitted_use.not_permitted_since(db, [i.id for i in page.items])
    return page_response(page, lambda i: instrument_json(i, blocked.get(i.id)))


@bp.post("/instruments")
@api_view(Role.CUSTOMER, scope="write")
def create_instrument() -> ResponseReturnValue:
    body = json_body()
    unknown = sorted(set(body) - set(INSTRUMENT_FIELDS))
    if unknown:
        raise ApiError(
            422,
            message="The body has fields an instrument does not have.",
            details=[{"field": name, "message": "Unknown field."} for name in unknown],
        )
    db = db_session()
    instrument = portal.add_instrument(db, _caller(), check_instrument(body))
    db.commit()
    response = jsonify(instrument_json(instrument))
    response.status_code = 201
    response.headers["Location"] = url_for("api.instrument", instrument_id=instrument.id, _external=True)
    return response


@bp.get(f"/instruments/<{ID}:instrument_id>")
@api_view(EVERYONE)
def instrument(instrument_id: int) -> ResponseReturnValue:
    db = db_session()
    found = portal.get_instrument(db, _caller(), instrument_id)
    return jsonify(instrument_json(found, permitted_use.not_permitted_since(db, [found.id]).get(found.id)))


# --- jobs -------------------------------------------------------------------------------------------


@bp.get("/jobs")
@api_view(EVERYONE, query=("limit", "cursor", "state"))
def jobs() -> ResponseReturnValue:
    args = page_args()
    state = choice_arg("state", [s.value for s in JobState])
    page = portal_jobs.list_jobs(
        db_session(),
        _caller(),
        state=JobState(state) if state is not None else None,
        after=args.after,
        size=args.limit,
    )
    return page_response(page, job_json)


@bp.get("/jobs/<path:job_number>")
@api_view(EVERYONE)
def job(job_number: str) -> ResponseReturnValue:
    db = db_session()
    found = portal_jobs.job_by_number(db, _caller(), job_number)
    points = list(job_points.measurements(db, found.id).values())
    body = job_json(found)
    body["points"] = {
        "count": len(points),
        "with_readings": sum(1 for p in points if p.readings),
        "with_result": sum(1 for p in points if p.result),
        "items": [
            {
                "index": p.point_index,
                "nominal": _decimal(p.nominal),
                "unit": p.unit,
                "readings": len(p.readings or []),
                "has_result": bool(p.result),
                # the point as the certificate prints it (certificates.metrology.display.point_json)
                "result": point_json(point_codec.decode(p.result), p.point_index) if p.result else None,
            }
            for p in points
        ],
    }
    body["certificates"] = register.numbers_of_job(db, found.id)
    notice = portal_jobs.failure_notice_of_job(db, _caller(), found.id)
    body["failure_notice"] = (
        None
        if notice is None
        else {
            "number": notice.number,
            "sha256": notice.pdf_sha256,
            "url": url_for("api.job_notice", job_number=found.number, _external=True),
        }
    )
    return jsonify(body)


# --- certificates -----------------------------------------------------------------------------------


@bp.get("/certificates")
@api_view(EVERYONE, query=("limit", "cursor", "status"))
def certificates() -> ResponseReturnValue:
    args = page_args()
    status = choice_arg("status", [s.value for s in CertificateStatus])
    db = db_session()
    page = portal_jobs.list_certificates(
        db,
        _caller(),
        status=CertificateStatus(status) if status is not None else None,
        after=args.after,
        size=args.limit,
    )
    jobs = jobs_by_id(db, {c.job_id for c in page.items})
    replaced = register.replaced_numbers(db, {c.replaces_id for c in page.items if c.replaces_id is not None})
    storage = open_storage(current_app.config["SETTINGS"], db)
    signatures = dict(
        zip((c.id for c in page.items), issued_file_keys(storage, page.items, "p7s"), strict=True)
    )
    return page_response(
        page,
        lambda c: certificate_json(
            c, jobs[c.job_id], replaced.get(c.replaces_id) if c.replaces_id else None, signatures[c.id]
        ),
    )


@bp.get("/certificates/<path:number>")
@api_view(EVERYONE)
def certificate(number: str) -> ResponseReturnValue:
    db = db_session()
    found, job = portal_jobs.certificate_by_number(db, _caller(), number)
    replaced = register.replaced_numbers(db, {found.replaces_id} if found.replaces_id is not None else set())
    storage = open_storage(current_app.config["SETTINGS"], db)
    return jsonify(
        certificate_json(
            found,
            job,
            replaced.get(found.replaces_id) if found.replaces_id else None,
            issued_file_key(storage, found, "p7s"),
        )
    )


EXTENSIONS = {"pdf": "pdf", "dcc": "xml", "p7s": "xml.p7s"}


def _download(number: str, kind: str) -> Response:
    found, _job = portal_jobs.certificate_by_number(db_session(), _caller(), number)
    storage = open_storage(current_app.config["SETTINGS"], db_session())
    what = "DCC signature" if kind == "p7s" else kind.upper()
    key = issued_file_key(storage, found, kind)[0]
    if key is None:
        raise ApiError(404, code="not_stored", message=f"No {what} is stored for this certificate.")
    try:
        data = storage.get(key)
        stored = storage.stat(key)
    except StoredFileMissing:
        raise ApiError(404, code="not_stored", message=f"No {what} is stored for this certificate.") from None
    except StoredFileCorrupt:
        current_app.logger.error("stored file %s of certificate %s fails its SHA-256", key, number)
        raise ApiError(500) from None
    response = file_response(
        data, filename=f"{found.number}.{EXTENSIONS[kind]}", mimetype=stored.content_type
    )
    response.set_etag(stored.sha256)
    return response


@bp.get("/certificates/<path:number>/pdf")
@api_view(EVERYONE)
def certificate_pdf(number: str) -> ResponseReturnValue:
    return _download(number, "pdf")


@bp.get("/certificates/<path:number>/dcc")
@api_view(EVERYONE)
def certificate_dcc(number: str) -> ResponseReturnValue:
    return _download(number, "dcc")


@bp.get("/certificates/<path:number>/p7s")
@api_view(EVERYONE)
def certificate_p7s(number: str) -> ResponseReturnValue:
    """The DCC's detached CMS signature (RFC 5652), made at issue over the DCC's exact bytes."""
    return _download(number, "p7s")


@bp.get("/jobs/<path:job_number>/notice")
@api_view(EVERYONE)
def job_notice(job_number: str) -> ResponseReturnValue:
    """The notice of failed verification of a job (signed PDF, as stored when it was issued)."""
    db = db_session()
    found = portal_jobs.job_by_number(db, _caller(), job_number)
    storage = open_storage(current_app.config["SETTINGS"], db)
    try:
        notice = portal_jobs.failure_notice_file(db, storage, _caller(), found.id)
    except StoredFileMissing:
        raise ApiError(404, code="not_stored", message="No notice is stored for this job.") from None
    except StoredFileCorrupt:
        current_app.logger.error("stored notice of job %s fails its SHA-256", job_number)
        raise ApiError(500) from None
    if notice is None:
        raise ApiError(404, code="not_stored", message="This job has no notice of failed verification.")
    response = file_response(notice.data, filename=notice.filename, mimetype=notice.content_type)
    response.set_etag(notice.sha256)
    return response


@bp.get("/certificates/<path:number>/traceability")
@api_view(EVERYONE)
def certificate_traceability(number: str) -> ResponseReturnValue:
    found, _job = portal_jobs.certificate_by_number(db_session(), _caller(), number)
    return jsonify(certificate_chain(db_session(), found.number).to_dict())


@bp.post("/jobs/<path:job_number>/points/<point_id>/readings")
@api_view(Role.ADMIN, Role.TECHNICIAN, scope="bench")
def upload_readings(job_number: str, point_id: str) -> ResponseReturnValue:
    """Bench readings for one test point (docs/bench-agent.md): accepted, duplicates, rejected per key."""
    from lims.services.bench import readings as bench_readings

    body = json_body()
    if "readings" not in body:
        raise ApiError(400, code="malformed_batch", message='The body must be {"readings": [...]}.')
    token = api_token()
    db = db_session()
    try:
        answer = bench_readings.record_readings(
            db,
            job_number,
            point_id,
            body["readings"],
            bench_readings.ReadingActor(api_user().id, source="api", token_id=token.id),
        )
    except LimsError as exc:
        db.rollback()
        raise ApiError(status_for(exc), message=str(exc)) from exc
    db.commit()
    return jsonify(answer), 200
