"""Legal metrology pages: the catalogue (read only), the designation, officer cards and the stamp stock.

Thin views: each builds the service's input from its form and calls one service; refusals come back as
form errors in the reader's language. Everyone on the staff reads; the administrator records designations
and cards; the administrator or a signatory records stamp batches and spoiled stamps.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from lims.domain.legal.catalogue import load_catalogue
from lims.models import Role, User
from lims.services.access import authorisations, legal
from lims.services.access.laboratory import current_laboratory
from lims.services.certificates import stamps
from lims.web.access import allow
from lims.web.dbsession import db_session
from lims.web.downloads import file_response
from lims.web.forms import save_form
from lims.web.legal.forms import (
    BatchForm,
    CardForm,
    DesignationForm,
    RevokeCardForm,
    SpoilForm,
    type_choices,
    type_select_choices,
)

bp = Blueprint("legal", __name__, url_prefix="/legal")

STAFF = (Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY, Role.AUDITOR)
STOCK_KEEPERS = (Role.ADMIN, Role.SIGNATORY)


def _language() -> str:
    return "en" if getattr(current_user, "language", "vi") == "en" else "vi"


def _user() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def _with_types(form: Any) -> Any:
    form.instrument_types.choices = type_select_choices(_language())
    return form


# --------------------------------------------------------------------------------------------- catalogue


def _index(form: DesignationForm, status: int = 200) -> ResponseReturnValue:
    db = db_session()
    lab = current_laboratory(db)
    return (
        render_template(
            "legal/index.html",
            catalogue=load_catalogue(),
            language=_language(),
            designations=legal.designations(db, lab.id),
            type_names=dict(type_choices(_language())),
            form=form,
        ),
        status,
    )


@bp.get("/")
@allow(*STAFF)
def index() -> ResponseReturnValue:
    """The instrument types the lab verifies with their cited legal facts, and the designation."""
    return _index(_with_types(DesignationForm()))


@bp.route("/designations", methods=["GET", "POST"])
@allow(Role.ADMIN)
def record_designation() -> ResponseReturnValue:
    if request.method == "GET":  # the form lives on its page
        return redirect(url_for("legal.index"))
    form = _with_types(DesignationForm())
    done = save_form(
        form,
        lambda db: legal.record_designation(
            db,
            legal.DesignationInput(
                current_laboratory(db).id,
                form.decision_number.data or "",
                form.decided_on.data or date.min,
                form.issued_by.data or "",
                list(form.instrument_types.data or ()),
                form.valid_until.data or date.min,
            ),
            actor=_user(),
        ),
        success=_("Designation %(number)s recorded.", number=form.decision_number.data),
        then=lambda _row: url_for("legal.index"),
        fields={legal.LegalRecordInvalid: "decision_number"},
    )
    return done if done is not None else _index(form, 422)


# --------------------------------------------------------------------------------------------- cards


def _cards(form: CardForm, revoke: RevokeCardForm, status: int = 200) -> ResponseReturnValue:
    db = db_session()
    people = {u.id: u for u in authorisations.staff(db)}
    form.user_id.choices = [SelectChoice(str(u.id), u.full_name) for u in people.values()]
    rows = legal.cards(db)
    holders = {r.user_id: db.get(User, r.user_id) for r in rows}
    return (
        render_template(
            "legal/cards.html",
            cards=rows,
            holders=holders,
            type_names=dict(type_choices(_language())),
            form=form,
            revoke=revoke,
        ),
        status,
    )


@bp.get("/cards")
@allow(*STAFF)
def cards() -> ResponseReturnValue:
    """Verification officer cards, current and past (the history the checks use)."""
    return _cards(_with_types(CardForm()), RevokeCardForm())


@bp.route("/cards/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def add_card() -> ResponseReturnValue:
    if request.method == "GET":  # the form lives on its page
        return redirect(url_for("legal.cards"))
    form = _with_types(CardForm())
    form.user_id.choices = [SelectChoice(str(u.id), u.full_name) for u in authorisations.staff(db_session())]
    done = save_form(
        form,
        lambda db: legal.add_card(
            db,
            legal.CardInput(
                form.user_id.data or 0,
                form.card_number.data or "",
                form.issued_by.data or "",
                list(form.instrument_types.data or ()),
                form.valid_from.data or date.min,
                form.valid_until.data or date.min,
            ),
            actor=_user(),
        ),
        success=_("Card %(number)s recorded.", number=form.card_number.data),
        then=lambda _row: url_for("legal.cards"),
        fields={legal.LegalRecordInvalid: "card_number"},
    )
    return done if done is not None else _cards(form, RevokeCardForm(), 422)


@bp.route("/cards/revoke", methods=["GET", "POST"])
@allow(Role.ADMIN)
def revoke_card() -> ResponseReturnValue:
    if request.method == "GET":  # the form lives on its page
        return redirect(url_for("legal.cards"))
    form = RevokeCardForm()
    raw = form.card_id.data or ""
    if not str(raw).isdigit():
        abort(404)
    done = save_form(
        form,
        lambda db: legal.revoke_card(
            db, int(raw), on=form.revoked_on.data or date.min, reason=form.reason.data or ""
        ),
        success=_("Card revoked."),
        then=lambda _row: url_for("legal.cards"),
        fields={legal.LegalRecordInvalid: "reason"},
    )
    return done if done is not None else _cards(_with_types(CardForm()), form, 422)


# --------------------------------------------------------------------------------------------- stamps


def _period() -> tuple[date, date]:
    today = date.today()
    try:
        start = (
            date.fromisoformat(request.args.get("start", ""))
            if request.args.get("start")
            else today.replace(day=1)
        )
        end = date.fromisoformat(request.args.get("end", "")) if request.args.get("end") else today
    except ValueError:
        abort(400)
    if end < start:
        abort(400)
    return start, end


def _stamps(batch: BatchForm, spoil: SpoilForm, status: int = 200) -> ResponseReturnValue:
    db = db_session()
    start, end = _period()
    return (
        render_template(
            "legal/stamps.html",
            balances=stamps.balance(db, on=end),
            lines=stamps.register(db, start=start, end=end),
            outcome_labels=stamps.OUTCOME_LABELS,
            start=start,
            end=end,
            batch=batch,
            spoil=spoil,
        ),
        status,
    )


@bp.get("/stamps")
@allow(*STAFF)
def stamp_stock() -> ResponseReturnValue:
    """Stamp batches, the stock balance and the usage register of a period (default: this month)."""
    return _stamps(BatchForm(), SpoilForm())


@bp.route("/stamps/batches", methods=["GET", "POST"])
@allow(*STOCK_KEEPERS)
def receive_batch() -> ResponseReturnValue:
    if request.method == "GET":  # the form lives on its page
        return redirect(url_for("legal.stamp_stock"))
    form = BatchForm()
    done = save_form(
        form,
        lambda db: stamps.receive_batch(
            db,
            stamps.BatchInput(
                current_laboratory(db).id,
                form.series.data or "",
                form.first_number.data or 0,
                form.last_number.data or 0,
                form.received_on.data or date.min,
                form.delivery_reference.data or "",
                digits=form.digits.data or 6,
            ),
            actor=_user(),
        ),
        success=_("Stamp batch recorded."),
        then=lambda _row: url_for("legal.stamp_stock"),
        fields={stamps.StampRefused: "series"},
    )
    return done if done is not None else _stamps(form, SpoilForm(), 422)


@bp.route("/stamps/spoiled", methods=["GET", "POST"])
@allow(*STOCK_KEEPERS)
def spoil_stamp() -> ResponseReturnValue:
    if request.method == "GET":  # the form lives on its page
        return redirect(url_for("legal.stamp_stock"))
    form = SpoilForm()
    done = save_form(
        form,
        lambda db: stamps.spoil(
            db,
            form.stamp_number.data or "",
            stamps.Outcome(form.outcome.data or "voided"),
            form.reason.data or "",
            on=form.used_on.data or date.min,
            actor=_user(),
        ),
        success=_("Stamp %(number)s recorded as taken out of stock.", number=form.stamp_number.data),
        then=lambda _row: url_for("legal.stamp_stock"),
        fields={stamps.StampRefused: "stamp_number"},
    )
    return done if done is not None else _stamps(BatchForm(), form, 422)


@bp.get("/stamps/register.xlsx")
@allow(*STAFF)
def stamp_register() -> ResponseReturnValue:
    """The usage register and stock balance of a period, as a workbook for the authority."""
    from lims.reports.stamp_register import render_stamp_register_xlsx

    db = db_session()
    start, end = _period()
    data = render_stamp_register_xlsx(
        lab_name=current_laboratory(db).name_vi,
        start=start,
        end=end,
        lines=stamps.register(db, start=start, end=end),
        balances=stamps.balance(db, on=end),
    )
    return file_response(
        data,
        filename=f"stamp-register-{start}-{end}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
