"""The CMC register: the rows the bench checks every expanded uncertainty against (ILAC-P14:09/2020 5.4)."""

from __future__ import annotations

from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import CmcEntry, Role
from tests.factories import make_lab, make_user
from tests.webutil import login, post_form

ROW = {
    "quantity": "DC voltage (sweep test)",
    "unit": "V",
    "range_min": "0",
    "range_max": "10",
    "fixed_uncertainty": "",
    "a": "0.000002",
    "b": "0.000005",
    "procedure_code": "CAL-DMM-DCV",
    "accredited": "y",
}


def test_admin_adds_and_corrects_a_cmc_row(client: FlaskClient, session: Session) -> None:
    from lims.services.records import audit
    from lims.services.standards import capabilities

    lab = make_lab(session)
    login(client, make_user(session, Role.ADMIN).username)
    assert post_form(client, "/standards/cmc/new", ROW).status_code == 302
    row = session.scalar(select(CmcEntry).where(CmcEntry.quantity == ROW["quantity"]))
    assert row is not None and row.lab_id == lab.id and row.b == Decimal("0.000005")
    # ILAC-P14 5.4: the CMC at 10 V is a + b·|x| = 2 µV + 5e-6 · 10 V = 52 µV.
    assert capabilities.uncertainty_at(row, Decimal(10)) == Decimal("0.000052")
    page = client.get("/standards/cmc").get_data(as_text=True)
    assert ROW["quantity"] in page and "CAL-DMM-DCV" in page

    edited = post_form(client, f"/standards/cmc/{row.id}/edit", {**ROW, "accredited": ""})
    assert edited.status_code == 302
    session.expire_all()
    assert session.get(CmcEntry, row.id).accredited is False
    assert [e for e in audit.history(session, "cmc_entry", row.id) if e.action == "update"]


def test_a_row_the_bench_could_not_use_is_refused(client: FlaskClient, session: Session) -> None:
    make_lab(session)
    login(client, make_user(session, Role.ADMIN).username)
    before = len(session.scalars(select(CmcEntry)).all())
    cases = [
        ({"range_min": "20"}, "Giới hạn dưới"),
        ({"a": "0", "b": "0"}, "U = a + b·|x|"),
        ({"fixed_uncertainty": "0.001"}, "không phải cả hai"),
        ({"fixed_uncertainty": "-1", "a": "0", "b": "0"}, "không hợp lệ"),
    ]
    for change, message in cases:
        reply = post_form(client, "/standards/cmc/new", {**ROW, **change})
        assert reply.status_code == 422, change
        assert message in reply.get_data(as_text=True), change
    assert len(session.scalars(select(CmcEntry)).all()) == before  # nothing half-saved


def test_auditors_read_the_scope_but_only_the_admin_changes_it(client: FlaskClient, session: Session) -> None:
    make_lab(session)
    login(client, make_user(session, Role.AUDITOR).username)
    assert client.get("/standards/cmc").status_code == 200
    assert "/standards/cmc/new" not in client.get("/standards/cmc").get_data(as_text=True)
    assert client.get("/standards/cmc/new").status_code == 403
