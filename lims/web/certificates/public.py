"""Public verification of a certificate: is it genuine, and is it still current? No login.

Shows the number, the date of issue, the instrument and the status, and nothing else: not the customer,
not the results (ISO/IEC 17025:2017 4.2, confidentiality). An unknown number and a malformed one get the
same page with the same status code, and the views are rate-limited per client address, so the page
cannot be used to list which numbers exist. An uploaded PDF is compared by SHA-256 with the issued file
and then discarded.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from lims.errors import N_, LimsError
from lims.models import Lab
from lims.services.access.laboratory import find_laboratory
from lims.services.certificates import register
from lims.web.access import PUBLIC, allow
from lims.web.certificates.forms import NumberForm, PdfCheckForm
from lims.web.certificates.labels import KIND_LABELS
from lims.web.dbsession import db_session
from lims.web.i18n import error_text
from lims.web.ratelimit import rate_limit

bp = Blueprint("verify", __name__, url_prefix="/verify")

LOOKUP_LIMIT = 30  # look-ups per client address
LOOKUP_WINDOW_S = 60
UPLOAD_LIMIT = 10  # file checks per client address
UPLOAD_WINDOW_S = 600
NO_FILE = N_("Choose the PDF file of the certificate to check.")


def _lab() -> Lab | None:
    return find_laboratory(db_session())


def _page(
    number: str,
    *,
    form: PdfCheckForm | None = None,
    check: register.FileCheck | None = None,
    error: str | None = None,
) -> ResponseReturnValue:
    facts = register.public_verification(db_session(), number)
    number_form = NumberForm(formdata=None, data={"number": register.normalise_number(number)})
    body = render_template(
        "certificates/verify.html",
        facts=facts,
        number_form=number_form,
        form=form or PdfCheckForm(),
        check=check,
        error=error,
        lab=_lab(),
        kind_labels=KIND_LABELS,
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
        return redirect(url_for("verify.show", number=number))
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
def show(number: str) -> ResponseReturnValue:
    return _page(number)


@bp.post("/<path:number>")
@allow(PUBLIC)
@rate_limit("verify", limit=LOOKUP_LIMIT, window_s=LOOKUP_WINDOW_S)
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
            db_session(), number, data, limit=settings.max_file_bytes, name=_file_name(upload.filename)
        )
    except LimsError as exc:
        return _page(number, form=form, error=error_text(exc))
    return _page(number, form=form, check=check)


def _file_name(raw: str | None) -> str:
    name = "".join(c for c in (raw or "") if c.isprintable())[:100]
    return name or "PDF"
