"""The bench page of the other DMM functions (EURAMET cg-15): an AC voltage point names its frequency, in
Vietnamese by default, and a resistance job asks for the 2-wire lead residual."""

from __future__ import annotations

from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_instrument
from tests.services import certsetup, jobsetup
from tests.webutil import login


def test_ac_voltage_bench_names_each_points_frequency(client: FlaskClient, session: Session) -> None:
    setup = certsetup.dmm_functions_lab(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-ACV")
    job.measured_on = jobsetup.ON
    session.commit()
    login(client, setup.technician.username)
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)
    assert page.count("data-bench-point") == 5
    # 1, 5 and 9 V at 1 kHz, then 9 V at 50 Hz and at 10 kHz: the same value is two points, told apart
    for n, nominal, frequency in (
        (1, "1", "1 kHz"),
        (3, "9", "1 kHz"),
        (4, "9", "50 Hz"),
        (5, "9", "10 kHz"),
    ):
        assert f"Điểm {n}: {nominal} V ở tần số {frequency}" in page, (n, frequency)


def test_resistance_bench_asks_for_the_lead_residual_of_a_2_wire_connection(
    client: FlaskClient, session: Session
) -> None:
    setup = certsetup.dmm_functions_lab(session)
    setup.instruments["CAL-DMM-R"] = make_instrument(
        session,
        setup.instruments["CAL-DMM-DCV"].enterprise,
        instrument_type="Đồng hồ vạn năng hiện số",
        unit="kΩ",
        range_min=Decimal(0),
        range_max=Decimal(10),
        resolution=Decimal("0.00001"),
    )
    job = jobsetup.started_job(session, setup, "CAL-DMM-R")
    job.measured_on = jobsetup.ON
    session.commit()
    login(client, setup.technician.username)
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)
    assert "điện trở dây đo còn lại sau khi chỉnh không, chỉ với cách nối 2 dây (Ω)" in page
    # the 10 kΩ range recorded in kΩ is measured in Ω: 0 (short), 1000, 5000, 9000 Ω
    assert "Điểm 4: 9" in page and "Ω" in page


def test_the_calibrators_certificate_lists_its_ac_points_with_their_frequency(
    client: FlaskClient, session: Session
) -> None:
    setup = certsetup.dmm_functions_lab(session)
    calibrator = setup.standards["CAL-DMM-ACV"]["calibrator"]
    session.commit()
    login(client, setup.technician.username)
    page = client.get(f"/standards/{calibrator.id}").get_data(as_text=True)
    # 1 V DC and 1 V AC at 50 Hz, 1 kHz and 10 kHz are four different points (Vietnamese number format)
    assert "1 V: U = 0,000008 V" in page
    assert "1 V ở tần số 50 Hz: U = 0,0001 V" in page and "1 V ở tần số 1 kHz: U = 0,00008 V" in page
    assert "10 A: U = 0,002 A" in page and "100000000 Ω" not in page  # grouped: 100.000.000 Ω


def test_the_job_page_and_the_portal_tell_ac_points_apart_by_frequency(
    client: FlaskClient, session: Session
) -> None:
    """9 V at 1 kHz, 50 Hz and 10 kHz are three points: the lab's results table read '9 V' three times and the
    customer's '3', '4', '5' with no frequency anywhere on either page."""
    from lims.models import Role
    from tests.factories import make_user

    setup = certsetup.dmm_functions_lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-ACV")
    certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id)
    session.commit()
    login(client, setup.technician.username)
    lab = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    for frequency in ("1 kHz", "50 Hz", "10 kHz"):
        assert f"<td>9 V ở tần số {frequency}</td>" in lab, frequency
    client.post("/logout", data={})
    client.delete_cookie("session")
    login(client, customer.username)
    portal = client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
    for n, frequency in ((3, "1 kHz"), (4, "50 Hz"), (5, "10 kHz")):
        assert f"<td>{n} ({frequency})</td>" in portal, (n, frequency)
