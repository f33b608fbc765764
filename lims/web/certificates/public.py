"""Public verification of a certificate: is it genuine, and is it still current? No login.

With the number alone it shows only that the number exists, its kind and its status. With the number and
the verification code printed beside the QR code (and carried in the QR URL as ``?c=``), it also shows the
date of issue, the instrument and its serial number, and nothing else: not the customer, not the results
(ISO/IEC 17025:2017 4.2, confidentiality; issue 21, finding 8). A wrong code is answered exactly like no
code. An unknown number and a malformed one get the same page with the same status code, and the views are
rate-limited per client address (10 a minute and 300 a day), so the page cannot be used to list which
numbers exist. An uploaded PDF is compared by SHA-256 with the issued file, its digital signature
(PAdES) is checked against the laboratory's trust roots (valid or not, the signer, the signing time),
and it is then discarded.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from lims.errors import N_, LimsError
from lims.models import Lab
from lims.services.access.laboratory import find_laboratory
from lims.services.certificates import register
from lims.services.certificates.settings import certificate_settings
from lims.services.certificates.verification_code import normalise_code
from lims.services.records.signing import load_or_create_key
from lims.web.access import PUBLIC, allow
from lims.web.certificates.forms import NumberForm, PdfCheckForm
from lims.web.certificates.labels import KIND_LABELS
from lims.web.dbsession import db_session
from lims.web.i18n import error_text
from lims.web.ratelimit import rate_limit

bp = Blueprint("verify", __name__, url_prefix="/verify")

LOOKUP_LIMIT = 10  # look-ups per client address and minute (was 30: about 43 000 a day)
LOOKUP_WINDOW_S = 60
DAILY_LIMIT = 300  # and per day
DAILY_WINDOW_S = 24 * 3600
UPLOAD_LIMIT = 10  # file checks per client address
UPLOAD_WINDOW_S = 600
NO_FILE = N_("Choose the PDF file of the certificate to check.")


def verification_key() -> bytes:
    """The deployment's signing key, from which each certificate's verification code is derived."""
    return load_or_create_key(current_app.config["SETTINGS"].instance_path)


def _lab() -> Lab | None:
    return find_laboratory(db_session())


def _page(
    number: str,
    *,
    form: PdfCheckForm | None = None,
    check: register.FileCheck | None = None,
    error: str | None = None,
) -> ResponseReturnValue:
    code = request.args.get("c", "")[:20]
    facts = register.public_verification(db_session(), number, key=verification_key(), code=code)
    shown = code if facts is not None and facts.disclosed else ""
    number_form = NumberForm(formdata=None, data={"number": register.normalise_number(number), "c": shown})
    body = render_template(
        "certificates/verify.html",
        facts=facts,
        number_form=number_form,
        form=form or PdfCheckForm(),
        check=check,
        error=error,
        lab=_lab(),
        kind_labels=KIND_LABELS,
        code=shown,
    )
    status = 404 if facts is None else (422 if error else 200)
    return body, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@bp.get("")
@bp.get("/")
@allow(PUBLIC)
def index() -> ResponseReturnValue:
    form = NumberForm(request.args)
    number = register.normalise_number(form.number.data or "")
    if number:
        code = normalise_code(form.c.data or "")
        return redirect(url_for("verify.show", number=number, c=code or None))
    return (
        render_template(
            "certificates/verify.html",
            facts=None,
            number_form=form,
            form=None,
            check=None,
            error=None,
            lab=_lab(),
            kind_labels=KIND_LABELS,
            asking=True,
        ),
        200,
        {"X-Robots-Tag": "noindex, nofollow"},
    )


@bp.get("/<path:number>")
@allow(PUBLIC)
@rate_limit("verify", limit=LOOKUP_LIMIT, window_s=LOOKUP_WINDOW_S)
@rate_limit("verify-day", limit=DAILY_LIMIT, window_s=DAILY_WINDOW_S)
def show(number: str) -> ResponseReturnValue:
    return _page(number)


@bp.post("/<path:number>")
@allow(PUBLIC)
@rate_limit("verify", limit=LOOKUP_LIMIT, window_s=LOOKUP_WINDOW_S)
@rate_limit("verify-day", limit=DAILY_LIMIT, window_s=DAILY_WINDOW_S)
@rate_limit("verify-upload", limit=UPLOAD_LIMIT, window_s=UPLOAD_WINDOW_S)
def check_file(number: str) -> ResponseReturnValue:
    form = PdfCheckForm()
    if not form.validate_on_submit():
        return _page(number, form=form, error=error_text(LimsError(NO_FILE)))
    settings = current_app.config["SETTINGS"]
    upload = form.file.data
    data = upload.read(settings.max_file_bytes + 1) if upload else b""
    if not data:
        return _page(number, form=form, error=error_text(LimsError(NO_FILE)))
    try:
        check = register.check_pdf(
            db_session(),
            number,
            data,
            limit=settings.max_file_bytes,
            name=_file_name(upload.filename),
            trust_roots=certificate_settings(settings).signing.roots(),
        )
    except LimsError as exc:
        return _page(number, form=form, error=error_text(exc))
    return _page(number, form=form, check=check)


def _file_name(raw: str | None) -> str:
    name = "".join(c for c in (raw or "") if c.isprintable())[:100]
    return name or "PDF"
