"""The auditor's view: any certificate's or standard's chain, as it stood on a date, as diagram, table and JSON."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from lims.domain.traceability_svg import render_chain_svg
from lims.errors import NotFound
from lims.services.access.laboratory import find_laboratory
from lims.services.standards import traceability
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.diagrams import chain_wording
from lims.web.downloads import file_response
from lims.web.templating import trusted_svg

bp = Blueprint("traceability", __name__, url_prefix="/traceability")


def _on() -> date | None:
    raw = request.args.get("on", "")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        abort(400)


def _chain(ident: str):  # type: ignore[no-untyped-def]
    try:
        return traceability.chain_for(db_session(), ident[:100], on=_on(), today=date.today())
    except NotFound:
        abort(404)


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    ident = request.args.get("id", "").strip()[:100]
    if not ident:
        return render_template("traceability/index.html", chain=None, ident="", on=request.args.get("on", ""))
    chain = _chain(ident)
    return render_template(
        "traceability/index.html",
        chain=chain,
        ident=ident,
        on=request.args.get("on", ""),
        chain_svg=trusted_svg(render_chain_svg(chain, id_prefix="tc", wording=chain_wording())),
    )


@bp.get("/<path:ident>.json")
@allow(TECHNICAL_READERS)
def export_json(ident: str) -> ResponseReturnValue:
    body = current_app.json.dumps(_chain(ident).to_dict()).encode("utf-8")
    return file_response(body, filename=f"traceability-{ident[:60]}.json", mimetype="application/json")


@bp.get("/<path:ident>.pdf")
@allow(TECHNICAL_READERS)
def export_pdf(ident: str) -> ResponseReturnValue:
    from datetime import UTC, datetime

    from lims.reports.traceability_pdf import render_chain_pdf

    chain = _chain(ident)
    lab = find_laboratory(db_session())
    pdf = render_chain_pdf(
        chain,
        lab_name=lab.name_vi if lab else "",
        generated_at=datetime.now(UTC),
        zone=current_app.config["SETTINGS"].zone,
    )
    return file_response(pdf, filename=f"traceability-{ident[:60]}.pdf", mimetype="application/pdf")
