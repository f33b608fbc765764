"""CertificateData refuses contradictions with ISO/IEC 17025:2017 clause 7.8, naming the field."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal as D

import pytest

from certificates.data import (
    CertificateData,
    CertificateKind,
    Environment,
    PointResult,
    ResultSeries,
    Signatory,
    Text,
    Verdict,
    VerificationInfo,
)
from certificates.errors import CertificateDataError
from certificates.examples import example_point
from certificates.metrology import Deviation, MetrologyError


def _refused(data: CertificateData, field: str, **changes: object) -> CertificateDataError:
    with pytest.raises(CertificateDataError) as caught:
        replace(data, **changes)
    assert caught.value.field == field, str(caught.value)
    assert isinstance(caught.value, ValueError)
    return caught.value


def test_recalibration_date_only_when_the_customer_asked(calibration: CertificateData) -> None:
    # 7.8.4.3: no recommendation of a calibration interval unless agreed with the customer
    error = _refused(calibration, "recalibration_due", recalibration_due=date(2027, 11, 18))
    assert "7.8.4.3" in str(error)
    asked = replace(calibration, recalibration_due=date(2027, 11, 18), recalibration_requested=True)
    assert asked.recalibration_due == date(2027, 11, 18)


def test_verification_needs_stamp_and_validity(
    calibration: CertificateData, verification: CertificateData
) -> None:
    _refused(verification, "verification", verification=None)
    stamp = VerificationInfo(True, "DN-1", date(2027, 1, 1))
    _refused(calibration, "verification", verification=stamp)
    _refused(
        verification,
        "verification.valid_until",
        verification=VerificationInfo(True, "DN-1", verification.performed_to),
    )


def test_verification_compares_every_error_with_an_mpe(verification: CertificateData) -> None:
    series = verification.results[0]
    no_mpe = replace(series, points=(replace(series.points[0], mpe=None), *series.points[1:]))
    _refused(verification, "results", results=(no_mpe,))


def test_conformity_is_stated_only_with_the_decision_rule(
    calibration: CertificateData, verification: CertificateData
) -> None:
    # 7.8.6.2: the statement of conformity identifies the decision rule employed; the points keep their
    # verdicts (the bench's record), and a calibration certificate without the rule does not print them
    assert calibration.states_conformity and verification.states_conformity
    assert all(p.verdict is Verdict.PASS for p in calibration.results[0].points)
    assert not replace(calibration, decision=None).states_conformity
    assert replace(verification, decision=None).states_conformity  # a verification always states it


def test_dates_must_be_in_order(calibration: CertificateData) -> None:
    _refused(calibration, "performed_from", performed_from=date(2026, 11, 19))
    _refused(calibration, "received_on", received_on=date(2026, 11, 19))
    _refused(calibration, "issued_on", issued_on=date(2026, 11, 17))


def test_signature_time_must_be_timezone_aware(calibration: CertificateData) -> None:
    with pytest.raises(CertificateDataError) as caught:
        Signatory("A", Text("Giám đốc", "Director"), datetime(2026, 11, 20, 9, 0))
    assert caught.value.field == "signatory.signed_at"


def _point(**changes: object) -> PointResult:
    return replace(example_point("pressure", "kPa", D("10"), D("0.1"), D("0.02")), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expanded_uncertainty": D(0)}, "point.expanded_uncertainty"),
        ({"expanded_uncertainty": D("NaN")}, "point.expanded_uncertainty"),
        ({"expanded_uncertainty": 0.02}, "point.expanded_uncertainty"),  # a float is refused
        ({"coverage_factor": D("0.5")}, "point.coverage_factor"),
        ({"coverage_probability": D("95")}, "point.coverage_probability"),
        ({"mpe": D("-0.1")}, "point.mpe"),
        ({"nominal": "10"}, "point.nominal"),
    ],
)
def test_result_points_are_checked(changes: dict[str, object], field: str) -> None:
    with pytest.raises(MetrologyError) as caught:
        _point(**changes)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def _series(points: tuple[object, ...], **kw: object) -> ResultSeries:
    return ResultSeries(Text("Áp suất", "Pressure"), "\\kilo\\pascal", points, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("points", "as_found", "field"),
    [
        ((_point(), 10.0), (), "results.points[1]"),  # not a point result: no float copy of a point
        ((_point(as_found=True),), (), "results.points[0]"),  # as-found given as the as-left value
        ((_point(), _point(unit="Pa")), (), "results.points[1].unit"),
        ((_point(), _point(deviation=Deviation.CORRECTION)), (), "results.points[1].deviation"),
        ((_point(), _point()), (None,), "results.as_found"),  # one entry per point
        ((_point(),), (_point(),), "results.as_found[0]"),  # an as-left result given as found
        ((_point(),), (_point(as_found=True, unit="Pa"),), "results.as_found[0].unit"),
    ],
)
def test_series_are_checked(points: tuple[object, ...], as_found: tuple[object, ...], field: str) -> None:
    with pytest.raises(CertificateDataError) as caught:
        _series(points, as_found=as_found)
    assert caught.value.field == field, str(caught.value)


def test_series_pairs_each_point_with_its_as_found_result() -> None:
    left, found = _point(), _point(as_found=True, error=D("0.3"))
    series = _series((left, left), as_found=(found, None))
    assert series.has_as_found and list(series.rows()) == [(left, found), (left, None)]
    plain = _series((left,))
    assert not plain.has_as_found and list(plain.rows()) == [(left, None)]
    assert _series((_point(deviation=Deviation.CORRECTION),)).deviation is Deviation.CORRECTION


def test_units_must_be_dsi() -> None:
    point = _point()
    with pytest.raises(CertificateDataError) as caught:
        ResultSeries(Text("Áp suất", "Pressure"), "kPa", (point,))
    assert caught.value.field == "results.unit"
    with pytest.raises(CertificateDataError):
        ResultSeries(Text("Áp suất", "Pressure"), "\\kilo\\pascal", ())


def test_environment_bounds() -> None:
    with pytest.raises(CertificateDataError):
        Environment(22.0, 20.0)
    with pytest.raises(CertificateDataError):
        Environment(20.0, 22.0, 40.0, None)
    with pytest.raises(CertificateDataError):
        Environment(20.0, 22.0, 40.0, 140.0)


def test_site_address_needed_away_from_the_laboratory(calibration: CertificateData) -> None:
    # 7.8.2.1 c: location of performance, including the customer's facility
    _refused(calibration, "location_detail", location="customer")
    on_site = replace(calibration, location="customer", location_detail="Nhà máy Hòa Khánh")
    assert on_site.location.value == "customer"


def test_strings_are_nfc_normalised_and_enums_kept(calibration: CertificateData) -> None:
    nfd = unicodedata.normalize("NFD", "Công ty Cổ phần Đo lường Hưng Thịnh")
    data = replace(calibration, customer=replace(calibration.customer, name=nfd), kind="calibration")
    assert data.customer.name == unicodedata.normalize("NFC", nfd)
    assert data.kind is CertificateKind.CALIBRATION
    assert Text(nfd, "x").vi == data.customer.name


def test_amendment_cannot_replace_itself(amended: CertificateData) -> None:
    _refused(amended, "amendment.replaces", number=amended.amendment.replaces)  # type: ignore[union-attr]


def test_coverage_shared_or_per_point(calibration: CertificateData) -> None:
    assert calibration.coverage() == (D(2), D("0.95"))
    series = calibration.results[0]
    mixed = replace(series, points=(replace(series.points[0], coverage_factor=D("2.28")), *series.points[1:]))
    data = replace(calibration, results=(mixed,))
    assert data.coverage() is None
    assert data.shared_probability() == D("0.95")
    assert Verdict("pass") is Verdict.PASS and Verdict.CONDITIONAL_PASS.dcc == "conditionalPass"
