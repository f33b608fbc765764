"""The other DMM functions through the real services (EURAMET cg-15): an AC voltage job created, its points
saved at their frequencies against the multifunction calibrator's certificate, reviewed and approved, and the
certificate's data with one series per frequency; a DC current range recorded in mA measured in A; a DMM item
in mA taken by CAL-DMM-DCI at capability review."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from certificates.data import Signatory, Text
from lims.models import CmcEntry, JobKind, Role
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.certificates.data import IssueExtras, build_certificate_data
from lims.services.customers import capability_review
from lims.services.customers import service_requests as sr
from lims.services.jobs import points as job_points
from lims.services.jobs import standard_choices
from tests.factories import make_instrument, make_user
from tests.services import certsetup, jobsetup


def test_ac_voltage_job_from_creation_to_the_certificate_rows(session: Session) -> None:
    setup = certsetup.dmm_functions_lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-ACV")
    assert job.state.value == "approved"
    assert measurements.test_points(job) == (1.0, 5.0, 9.0, 9.0, 9.0)
    assert job_points.point_frequencies(job) == (1000.0, 1000.0, 1000.0, 50.0, 10000.0)
    rows = measurements.measurements(session, job.id)
    # 9 V three times, each against the certificate at its own frequency: 0.72 mV at 1 kHz (between 1 V,
    # 80 µV and 10 V, 0.8 mV), 0.9 mV at 50 Hz and 10 kHz (between 0.1 mV and 1 mV)
    budgets = {i: {x["name"]: x for x in rows[i].result["budget"]["inputs"]} for i in (2, 3, 4)}
    assert budgets[2]["V_s"]["distribution"]["expanded"] == pytest.approx(7.2e-4)
    assert budgets[3]["V_s"]["distribution"]["expanded"] == pytest.approx(9e-4)
    assert budgets[4]["V_s"]["distribution"]["expanded"] == pytest.approx(9e-4)
    # drift per band × 143 days since calibration: 45 Hz – 10 kHz at 50 Hz, the wider 10 – 20 kHz at 10 kHz
    years = (jobsetup.ON - date(2025, 1, 10)).days / 365.25
    assert budgets[3]["dV_S"]["distribution"]["half_width"] == pytest.approx((1e-4 * 9 + 5e-5) * years)
    assert budgets[4]["dV_S"]["distribution"]["half_width"] == pytest.approx((1.5e-4 * 9 + 5e-5) * years)
    extras = IssueExtras(
        "HC-2025-09998",
        certsetup.ISSUED_AT.date(),
        Signatory("Nguyễn Thị Thu Hằng", Text("Phó Giám đốc", "Deputy Director"), certsetup.ISSUED_AT),
    )
    data = build_certificate_data(session, job, extras, certsetup.SETTINGS)
    assert [
        (s.quantity.vi, s.quantity.en, s.unit, [float(p.nominal) for p in s.points]) for s in data.results
    ] == [
        ("Điện áp xoay chiều, tần số 1 kHz", "AC voltage, frequency 1 kHz", "\\volt", [1.0, 5.0, 9.0]),
        ("Điện áp xoay chiều, tần số 50 Hz", "AC voltage, frequency 50 Hz", "\\volt", [9.0]),
        ("Điện áp xoay chiều, tần số 10 kHz", "AC voltage, frequency 10 kHz", "\\volt", [9.0]),
    ]
    # readings alternate nominal and nominal + 10 µV over 5 readings: mean = nominal + 4 µV
    assert {p.error for s in data.results for p in s.points} == {Decimal("0.000004")}


def test_dc_current_range_in_ma_is_measured_in_a_with_the_calibrator_recorded_in_v(session: Session) -> None:
    """The calibrator is recorded in V; its certificate covers ±10 A, so the bench offers it for a current
    job (its range in A from the certificate), and the 9 mA point takes the certificate's U there."""
    setup = certsetup.dmm_functions_lab(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCI")
    calibrator = setup.standards["CAL-DMM-DCI"]["calibrator"]
    assert calibrator in standard_choices.choices(session, job, on=jobsetup.ON)["calibrator"]
    jobsetup.start(session, setup, job)
    assert measurements.test_points(job) == (0.0, 0.001, 0.005, 0.009, -0.009)
    measurements.save_point(
        session,
        job.id,
        PointInput(
            3,
            ["0.00900012", "0.00900013", "0.00900012", "0.00900012", "0.00900013"],
            "0.009",
            {"temperature": "24", "humidity": "50"},
        ),
        user=setup.technician,
        expected_version=job.version,
        on=jobsetup.ON,
        now=certsetup.MEASURED_AT,
    )
    result = measurements.measurements(session, job.id)[3].result
    assert (result["quantity"], result["unit"]) == ("DC current", "A")
    inputs = {x["name"]: x for x in result["budget"]["inputs"]}
    assert inputs["I_s"]["distribution"]["expanded"] == pytest.approx(3.6e-7)  # 40 nA + 8/9 × 360 nA
    assert inputs["dI_res"]["distribution"]["half_width"] == pytest.approx(5e-9)  # 0.00001 mA / 2
    assert Decimal(result["error"]) == Decimal("1.24E-7")


def test_capability_review_takes_a_dmm_current_range_with_cal_dmm_dci(session: Session) -> None:
    setup = certsetup.dmm_functions_lab(session)
    session.add(
        CmcEntry(
            lab_id=setup.lab.id,
            quantity="DC current",
            unit="A",
            range_min=Decimal("-0.1"),
            range_max=Decimal("0.1"),
            a=Decimal("0.00000001"),
            b=Decimal("0.00004"),
            procedure_code="CAL-DMM-DCI",
        )
    )
    session.flush()
    dmm = setup.instruments["CAL-DMM-DCI"]  # the 10 mA range, recorded in mA
    ten_amp = make_instrument(
        session,
        dmm.enterprise,
        instrument_type="Đồng hồ vạn năng hiện số",
        unit="A",
        range_min=Decimal(-10),
        range_max=Decimal(10),
        resolution=Decimal("0.00001"),
    )
    customer = make_user(session, Role.CUSTOMER, enterprise_id=dmm.enterprise_id)
    items = [sr.RequestItemInput(dmm.id, (9.0,)), sr.RequestItemInput(ten_amp.id, (5.0,))]
    request = sr.submit_request(
        session, customer, sr.RequestInput(JobKind.CALIBRATION, items), today=jobsetup.ON
    )
    reviews = capability_review.review_request(session, request, on=jobsetup.ON)
    by_instrument = {item.instrument_id: reviews[item.id] for item in request.items}
    for review in by_instrument.values():
        assert review.can_take and [p.code for p in review.procedures] == ["CAL-DMM-DCI"]
        assert review.authorised_codes == ("CAL-DMM-DCI",)
    # 9 mA is inside the CMC row (−0.1 A … 0.1 A, compared in A), 5 A is not: a warning, not a refusal
    assert by_instrument[dmm.id].points_outside_cmc == ()
    assert by_instrument[ten_amp.id].points_outside_cmc == (5.0,)


def test_an_ac_dcc_issued_here_is_recorded_as_a_standards_calibration_at_its_frequencies(
    session: Session,
) -> None:
    # issue 16 follow-up: the DCC of an AC voltage job, imported as the calibration of a standard, keeps each
    # point's frequency, so the bench's lookup (uncertainty_at by frequency) finds U at 10 kHz and not at DC
    from certificates.dcc import render_dcc
    from lims.domain.calibration_points import uncertainty_at
    from lims.services.certificates.dcc_import import draft_from_dcc
    from lims.services.standards.calibrations import CalibrationInput, add_calibration
    from lims.services.standards.traceability import stored_point
    from tests.factories import make_standard

    setup = certsetup.dmm_functions_lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-ACV")
    extras = IssueExtras(
        "HC-2025-09997",
        certsetup.ISSUED_AT.date(),
        Signatory("Nguyễn Thị Thu Hằng", Text("Phó Giám đốc", "Deputy Director"), certsetup.ISSUED_AT),
    )
    data = build_certificate_data(session, job, extras, certsetup.SETTINGS)
    draft = draft_from_dcc(render_dcc(data, software_release="test"))
    assert [line.partition(" @ ")[2] for line in draft.points_text.splitlines()] == [
        "1 kHz",
        "1 kHz",
        "1 kHz",
        "50 Hz",
        "10 kHz",
    ]
    standard = make_standard(session, unit="V")
    calibration = add_calibration(
        session,
        CalibrationInput(
            standard_id=standard.id,
            calibrated_on=draft.calibrated_on,
            certificate_number=draft.certificate_number,
            issuer_kind=draft.issuer_kind,
            issuer_name=draft.issuer_name,
            issued_on=draft.calibrated_on,
            valid_until=date(2026, 6, 1),
            points_text=draft.points_text,
            accreditation_body="BoA",
            accreditation_number=draft.accreditation_number,
        ),
    )
    points = [stored_point(p) for p in calibration.points]
    assert [(p.value, p.frequency_hz) for p in points] == [
        (1.0, 1000.0),
        (5.0, 1000.0),
        (9.0, 1000.0),
        (9.0, 50.0),
        (9.0, 10000.0),
    ]
    at_10_khz = data.results[2].points[0].reported().expanded_uncertainty
    assert uncertainty_at(points, 9.0, "V", frequency_hz=10000.0) == float(at_10_khz)
    assert uncertainty_at(points, 9.0, "V", frequency_hz=20000.0) is None  # never across frequencies
    assert uncertainty_at(points, 9.0, "V") is None  # nor taken for a DC point
