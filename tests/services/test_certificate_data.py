"""A certificate's content read from a job: one result series per measured quantity (7.8.2.1 m)."""

from __future__ import annotations

import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from sqlalchemy.orm import Session

from certificates import extract_dcc, validate_dcc
from certificates.data import PointResult, Signatory, Text
from certificates.dcc import DCC_NS, SI_NS
from certificates.metrology import CoverageDistribution, codec
from lims.models import Measurement
from lims.services.bench import measurements
from lims.services.certificates import issue as svc
from lims.services.certificates.data import IssueExtras, build_certificate_data
from lims.services.common.storage import DatabaseStorage
from tests.services import certsetup

NS = {"dcc": DCC_NS, "si": SI_NS}


def _extras() -> IssueExtras:
    return IssueExtras(
        "HC-2025-09999",
        certsetup.ISSUED_AT.date(),
        Signatory("Nguyễn Thị Thu Hằng", Text("Phó Giám đốc", "Deputy Director"), certsetup.ISSUED_AT),
    )


def _add_resistance_points(session: Session, job: Any) -> None:
    """Two resistance points recorded with their own quantity and unit, after the DC voltage points."""
    rows = measurements.measurements(session, job.id)
    template = rows[0]
    for offset, (reference_kohm, error_kohm) in enumerate(((1.0, 0.0004), (10.0, -0.003))):
        assert template.point is not None
        result = codec.encode(
            replace(
                template.point,
                quantity="resistance",
                unit="kΩ",
                nominal=Decimal(repr(reference_kohm)),
                reference_value=Decimal(repr(reference_kohm)),
                indication=Decimal(repr(reference_kohm + error_kohm)),
                error=Decimal(repr(error_kohm)),
                expanded_uncertainty=Decimal(repr(0.0012 * reference_kohm)),
                coverage_factor=Decimal("2"),
                effective_dof=None,
                distribution=CoverageDistribution.NORMAL,
                mpe=None,
                verdict=None,
                decision_rule=None,
                guard_band=None,
                probability_of_conformance=None,
            )
        )
        session.add(
            Measurement(
                job_id=job.id,
                point_index=len(rows) + offset,
                nominal=Decimal(repr(reference_kohm)),
                unit="kΩ",
                readings=[repr(reference_kohm + error_kohm)] * 3,
                reference_value=Decimal(repr(reference_kohm)),
                environment=template.environment,
                result=result,
                as_found={},
            )
        )
    session.flush()


def test_each_saved_point_records_its_quantity_and_unit(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    results = [m.result for m in measurements.measurements(session, job.id).values()]
    assert {(r["quantity"], r["unit"]) for r in results} == {("DC voltage", "V")}


def test_one_quantity_job_is_one_series(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    data = build_certificate_data(session, job, _extras(), certsetup.SETTINGS)
    (series,) = data.results
    assert (series.quantity, series.unit) == (Text("Điện áp một chiều", "DC voltage"), "\\volt")
    assert len(series.points) == len(measurements.test_points(job))


def test_two_quantity_job_yields_two_series_in_the_pdf_and_the_dcc(session: Session) -> None:
    """7.8.2.1 m: results with their units; a DC voltage table and a resistance table, never one mixed
    series labelled with the procedure's unit."""
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    voltage_points = len(measurements.test_points(job))
    _add_resistance_points(session, job)

    data = build_certificate_data(session, job, _extras(), certsetup.SETTINGS)
    voltage, resistance = data.results
    assert (voltage.quantity.en, voltage.unit, len(voltage.points)) == (
        "DC voltage",
        "\\volt",
        voltage_points,
    )
    assert (resistance.quantity, resistance.unit) == (Text("Điện trở", "Resistance"), "\\kilo\\ohm")
    # the series holds the stored point results themselves: exact decimals, no float copy
    assert all(isinstance(p, PointResult) for p in resistance.points)
    assert [p.reference_value for p in resistance.points] == [Decimal("1.0"), Decimal("10.0")]
    assert [p.error for p in resistance.points] == [Decimal("0.0004"), Decimal("-0.003")]

    cert = certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    pdf = svc.stored_bytes(DatabaseStorage(session), cert, "pdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", " ".join(p.extract_text() for p in reader.pages)))
    assert "1. Điện áp một chiều / DC voltage (V)" in text
    assert "2. Điện trở / Resistance (kΩ)" in text
    resistance_table = text[text.index("2. Điện trở / Resistance (kΩ)") :]
    # rows: number, reference, indication, error, U, k (ILAC-P14 6.3: every value to the digit of U)
    assert "1 1,0000 1,0004 0,0004 0,0012 2" in resistance_table
    assert "2 10,000 9,997 -0,003 0,012 2" in resistance_table
    assert "1,0004" not in text[: text.index("2. Điện trở")]

    xml = svc.stored_bytes(DatabaseStorage(session), cert, "dcc")
    validate_dcc(xml)
    assert extract_dcc(pdf) == xml
    root = ET.fromstring(xml)
    results = root.findall("dcc:measurementResults/dcc:measurementResult", NS)
    names = [r.findtext("dcc:name/dcc:content[@lang='en']", namespaces=NS) for r in results]
    assert names == ["DC voltage", "Resistance"]
    units = [
        {u.text for u in r.iterfind(".//dcc:quantity[@refType='basic_measurementError']//si:unit", NS)}
        for r in results
    ]
    assert units == [{"\\volt"}, {"\\kilo\\ohm"}]


def test_as_found_results_reach_the_certificate_as_the_stored_records(session: Session) -> None:
    """7.8.4.1 d: a point measured before adjustment is printed beside its as-left result. The series pairs the
    stored as-found PointResult itself with its point; the PDF prints it to the as-left U's decimal place
    (JCGM 100:2008 7.2.6). Hand calculation, point 3 of CAL-DMM-DCV 2.0 (0, 2, 10, 18, −18 V), 10 V: the
    propagation's U ≈ 0.000 80 V; where Monte Carlo does not validate it (JCGM 101 8.2) the bench reports the
    Monte Carlo U ≈ 0.000 88 V (two significant digits, ILAC-P14:09/2020 6.3), so five decimal places; as found
    indication 10.0096 V → 10,009 60; error 0.0096 V → 0,009 60; as left 10.0004 V, error 0.0004 V → 10,000 40
    and 0,000 40; MPE 0.09 % × 10 V + 2 mV = 0,011 00."""
    from certificates.pdf import render_pdf

    setup = certsetup.lab(session)
    job = certsetup.approved_job(
        session, setup, "CAL-DMM-DCV", conformity_statement=True, specification="Fluke 179 ±(0.09 % + 2)"
    )
    rows = list(measurements.measurements(session, job.id).values())
    second = rows[2]
    assert second.point is not None
    found = replace(
        second.point,
        as_found=True,
        indication=second.point.reference_value + Decimal("0.0096"),
        error=Decimal("0.0096"),
        bench_reading_ids=(),
    )
    second.as_found = {"result": codec.encode(found)}
    session.flush()

    data = build_certificate_data(session, job, _extras(), certsetup.SETTINGS)
    (series,) = data.results
    assert series.as_found == (None, None, found, *[None] * (len(rows) - 3))
    assert [f for _, f in series.rows()][2] == found
    text = re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(data))).pages)
    )
    assert "Indication as found" in text
    # U and k as the bench reported them (JCGM 101 clause 8: here the Monte Carlo interval, k = U/u)
    u_text = format(second.point.reported().expanded_uncertainty, "f").replace(".", ",")
    k_text = format(second.point.coverage_factor.normalize(), "f").replace(".", ",")
    assert f"3 10,00000 10,00960 0,00960 10,00040 0,00040 {u_text} {k_text} ±0,01100" in text
    if second.point.interval_method == "mcm":  # the certificate says so (issue 16)
        assert "not validated by the Monte Carlo method (JCGM 101:2008 clause 8)" in text
    assert "2 2,00000 — — 2,00040" in text  # no as-found result at point 2


@pytest.mark.parametrize(
    "requirements",
    [{}, {"conformity_statement": True}, {"conformity_statement": False, "specification": "EN 837-1 class 1.6"}],
)
def test_no_mpe_column_without_a_statement_against_a_named_specification(
    session: Session, requirements: dict[str, object]
) -> None:
    """Issue 16 (ISO/IEC 17025:2017 7.1.3, 7.8.6): an MPE column reads as a conformity statement, so a
    calibration certificate prints it, and a verdict, only when the customer asked for a statement against a
    named specification; the points still carry the MPE and say why there is no statement."""
    from certificates.pdf import render_pdf

    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV", **requirements)
    data = build_certificate_data(session, job, _extras(), certsetup.SETTINGS)
    assert data.decision is None and not data.states_conformity
    points = [p for series in data.results for p in series.points]
    assert all(p.mpe is not None and p.verdict == "no_statement" for p in points)
    assert {p.no_statement_reason for p in points} == {"not_requested"}
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(data))).pages)
    assert "SSLNCP" not in text and "MPE (±)" not in text and "ILAC-G8" not in text


def test_accreditation_only_for_results_inside_the_scope() -> None:
    """ILAC-P14 / ILAC-R7 (issue 16 item 6): the accreditation number is printed only when a result lies in
    the accredited scope, and results outside it are named in a remark."""
    from dataclasses import replace

    from certificates.examples import example_calibration
    from lims.services.certificates.data import scope_remarks

    points = list(example_calibration(3).results[0].points)
    assert scope_remarks(points) == (True, ())
    mixed = [points[0], replace(points[1], within_scope=False), points[2]]
    accredited, remarks = scope_remarks(mixed)
    value = f"{points[1].nominal.normalize():f} {points[1].unit}"
    assert accredited and value in remarks[0].vi and value in remarks[0].en
    assert "ngoài phạm vi được công nhận" in remarks[0].vi
    accredited, remarks = scope_remarks([replace(p, within_scope=False) for p in points])
    assert not accredited and "outside the laboratory's accredited scope" in remarks[0].en
