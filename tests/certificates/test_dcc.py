"""PTB Digital Calibration Certificate 3.1.2: golden file, schema validation, D-SI quantities, import."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from certificates.data import (
    CertificateData,
    Deviation,
    LegalCharacteristic,
    Text,
    VerificationInfo,
    Withdrawal,
)
from certificates.dcc import DCC_NS, SI_NS, render_dcc, validate_dcc
from certificates.dcc_read import read_dcc
from certificates.errors import DccValidationError
from certificates.examples import example_amended, example_calibration, example_verification

GOLDEN = Path(__file__).parent / "golden"
NS = {"dcc": DCC_NS, "si": SI_NS}


def _legal_verification() -> CertificateData:
    """The example verification with the legal content issue 17 puts on the PDF (a platform scale)."""
    base = example_verification()
    return replace(
        base,
        lab=replace(base.lab, accreditation="", designation="125/QĐ-TĐC ngày 2025-01-10 (Tổng cục TĐC)"),
        verification=VerificationInfo(
            True,
            "HN-26-001201",
            date(2027, 11, 16),
            procedure=Text("ĐLVN 14:2009 Cân bàn – Quy trình kiểm định", "ĐLVN 14:2009 Platform scales"),
            procedure_reference="ĐLVN 14:2009",
            instrument_type=Text("Cân bàn", "Platform scale"),
            officer="Nguyễn Thị Lan",
            officer_card="KĐV-0312 (Tổng cục TĐC)",
            characteristics=(
                LegalCharacteristic(Text("Cấp chính xác", "Accuracy class"), "III"),
                LegalCharacteristic(Text("Mức cân lớn nhất (Max)", "Maximum capacity (Max)"), "15 kg"),
                LegalCharacteristic(
                    Text("Giá trị độ chia kiểm (e)", "Verification scale interval (e)"), "5 g"
                ),
            ),
        ),
    )


def _variants() -> dict[str, CertificateData]:
    calibration = example_calibration(10)
    series = calibration.results[0]
    return {
        "calibration": calibration,
        "verification": example_verification(),
        "verification with its legal content": _legal_verification(),
        "amended": replace(
            example_amended(),
            amendment=replace(
                example_amended().amendment,  # type: ignore[arg-type]
                replaces_sha256="ab" * 32,
            ),
        ),
        "withdrawn": replace(
            calibration, withdrawal=Withdrawal(date(2026, 12, 1), Text("Sai chuẩn", "Wrong"))
        ),
        "superseded": replace(calibration, superseded_by="HC-2026-00051"),
        "recalibration asked": replace(
            calibration, recalibration_due=date(2027, 11, 18), recalibration_requested=True
        ),
        "on site, corrections, external": replace(
            calibration,
            location="customer",
            location_detail="Nhà máy Hòa Khánh",
            received_on=None,
            results=(
                replace(
                    series,
                    points=tuple(replace(p, deviation=Deviation.CORRECTION) for p in series.points),
                    external_provider="ABC",
                    customer_supplied=True,
                ),
            ),
        ),
        "minimal environment": replace(
            calibration,
            environment=replace(
                calibration.environment,
                relative_humidity_min_pct=None,
                relative_humidity_max_pct=None,
                pressure_hpa=None,
            ),
        ),
    }


@pytest.mark.parametrize("name", sorted(_variants()))
def test_every_rendered_dcc_validates(name: str) -> None:
    validate_dcc(render_dcc(_variants()[name], software_release="test"))


def test_golden_file() -> None:
    # Regenerate after an intended change with LIMS_REGENERATE_GOLDEN=1 and review the diff.
    xml = render_dcc(example_calibration(3), software_release="0.0.0-golden")
    golden = GOLDEN / "certificate_v1.xml"
    if os.environ.get("LIMS_REGENERATE_GOLDEN") == "1":
        golden.write_bytes(xml)
    assert xml == golden.read_bytes()
    validate_dcc(golden.read_bytes())


def test_official_ptb_example_validates() -> None:
    validate_dcc((GOLDEN / "example-official.xml").read_bytes())


def test_errors_are_dsi_reals_with_expanded_uncertainty() -> None:
    data = example_calibration(3)
    root = ET.fromstring(render_dcc(data, software_release="test"))
    assert root.get("schemaVersion") == "3.1.2"
    errors = root.findall(".//dcc:result/dcc:data/dcc:quantity[@refType='basic_measurementError']", NS)
    assert len(errors) == 3
    real = errors[1].find("si:real", NS)
    assert real is not None
    # point 2: error 0.002 g, U 0.0007 g -> ILAC-P14 6.3: U = 0.000 70 g, error rounded to 0.000 01 g
    assert real.findtext("si:value", namespaces=NS) == "0.00200"
    assert real.findtext("si:unit", namespaces=NS) == "\\gram"
    assert real.findtext("si:expandedUnc/si:uncertainty", namespaces=NS) == "0.00070"
    assert real.findtext("si:expandedUnc/si:coverageFactor", namespaces=NS) == "2"
    assert real.findtext("si:expandedUnc/si:coverageProbability", namespaces=NS) == "0.95"
    meta = errors[1].find("dcc:measurementMetaData/dcc:metaData[@refType='basic_conformity']", NS)
    assert meta is not None and meta.findtext("dcc:conformity", namespaces=NS) == "pass"
    limit = meta.find("dcc:data/dcc:quantity[@refType='basic_toleranceLimitUpper']/si:real", NS)
    # the MPE beside U = 0.000 70 g is stated to U's decimal place (GUM 7.2.6, ILAC-P14 6.3)
    assert limit is not None and limit.findtext("si:value", namespaces=NS) == "0.02000"


def test_core_data_carries_number_dates_location_and_stamp() -> None:
    root = ET.fromstring(render_dcc(example_verification(), software_release="test"))
    core = root.find("dcc:administrativeData/dcc:coreData", NS)
    assert core is not None
    assert core.findtext("dcc:uniqueIdentifier", namespaces=NS) == "KĐ-2026-00007"
    assert core.findtext("dcc:countryCodeISO3166_1", namespaces=NS) == "VN"
    assert [e.text for e in core.findall("dcc:usedLangCodeISO639_1", NS)] == ["vi", "en"]
    assert core.findtext("dcc:receiptDate", namespaces=NS) == "2026-11-16"
    assert core.findtext("dcc:performanceLocation", namespaces=NS) == "laboratory"
    assert core.findtext("dcc:identifications/dcc:identification/dcc:value", namespaces=NS) == "DN-26-001234"
    validity = root.find(".//dcc:statement[@refType='basic_validity']", NS)
    assert validity is not None and validity.findtext("dcc:date", namespaces=NS) == "2027-11-17"
    signer = root.find(".//dcc:respPerson", NS)
    assert signer is not None and signer.findtext("dcc:mainSigner", namespaces=NS) == "true"


def _statement(root: ET.Element, ref_type: str) -> list[tuple[str, str, str]]:
    """(norm, Vietnamese declaration, English declaration) of each statement of ``ref_type``."""
    return [
        (
            s.findtext("dcc:norm", "", NS),
            s.findtext("dcc:declaration/dcc:content[@lang='vi']", "", NS),
            s.findtext("dcc:declaration/dcc:content[@lang='en']", "", NS),
        )
        for s in root.iterfind(f".//dcc:statement[@refType='{ref_type}']", NS)
    ]


def test_verification_dcc_carries_what_the_pdf_carries() -> None:
    """Issue 17: ĐLVN procedure, officer and card, designation, stamp, legal characteristics and validity."""
    xml = render_dcc(_legal_verification(), software_release="test")
    validate_dcc(xml)
    root = ET.fromstring(xml)
    assert _statement(root, "lims_verificationProcedure") == [
        (
            "ĐLVN 14:2009",
            "Quy trình kiểm định: ĐLVN 14:2009 Cân bàn – Quy trình kiểm định",
            "Verification procedure: ĐLVN 14:2009 Platform scales",
        )
    ]
    assert _statement(root, "lims_legalInstrumentType")[0][1] == "Loại phương tiện đo: Cân bàn"
    assert [c[1] for c in _statement(root, "lims_legalCharacteristic")] == [
        "Cấp chính xác: III",
        "Mức cân lớn nhất (Max): 15 kg",
        "Giá trị độ chia kiểm (e): 5 g",
    ]
    designation = _statement(root, "lims_designation")
    assert designation[0][1] == "Quyết định chỉ định: 125/QĐ-TĐC ngày 2025-01-10 (Tổng cục TĐC)"
    assert _statement(root, "lims_verificationStamp")[0][2] == "Verification stamp number: HN-26-001201"
    assert "Nguyễn Thị Lan, KĐV-0312 (Tổng cục TĐC)" in _statement(root, "lims_verificationOfficer")[0][1]
    # the verdict and validity cite the ĐLVN procedure, never the lab's own method code
    ((norm, vi, _en),) = _statement(root, "basic_validity")
    assert norm == "ĐLVN 14:2009" and "ĐLVN 14:2009" in vi and "ĐLVN 08:2011" not in vi
    assert "Có hiệu lực đến: 2027-11-16" in vi
    validity = root.find(".//dcc:statement[@refType='basic_validity']", NS)
    assert validity is not None and validity.findtext("dcc:date", namespaces=NS) == "2027-11-16"
    # the officer is a responsible person beside the main signer, with the card in the description
    people = root.findall(".//dcc:respPersons/dcc:respPerson", NS)
    assert [p.findtext("dcc:person/dcc:name/dcc:content", namespaces=NS) for p in people][
        1
    ] == "Nguyễn Thị Lan"
    assert people[1].findtext("dcc:role", namespaces=NS) == "Kiểm định viên / Verification officer"
    assert people[1].findtext("dcc:mainSigner", namespaces=NS) is None
    assert "KĐV-0312" in (people[1].findtext("dcc:description/dcc:content[@lang='en']", "", NS))
    # a verification body's certificate cites no accreditation code
    assert root.find(".//dcc:calibrationLaboratoryCode", NS) is None


def test_amendment_is_the_previous_report() -> None:
    data = replace(
        example_amended(),
        amendment=replace(
            example_amended().amendment,  # type: ignore[arg-type]
            replaces_sha256="AB" * 32,
        ),
    )
    previous = ET.fromstring(render_dcc(data, software_release="t")).find(
        ".//dcc:coreData/dcc:previousReport", NS
    )
    assert previous is not None
    assert previous.findtext("dcc:referralID", namespaces=NS) == "HC-2026-00042"
    assert previous.findtext("dcc:procedure", namespaces=NS) == "SHA-256"
    assert previous.findtext("dcc:value", namespaces=NS) == "ab" * 32


def test_no_recalibration_statement_unless_asked() -> None:
    xml = render_dcc(example_calibration(3), software_release="t")
    assert b"basic_recalibration" not in xml


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda x: x.replace(b'schemaVersion="3.1.2"', b'schemaVersion="3.3.0"'), "schemaVersion"),
        (
            lambda x: x.replace(b"<dcc:uniqueIdentifier>", b"<dcc:uniqueId>").replace(
                b"</dcc:uniqueIdentifier>", b"</dcc:uniqueId>"
            ),
            "uniqueId",
        ),
        (
            lambda x: x.replace(b"<dcc:countryCodeISO3166_1>VN", b"<dcc:countryCodeISO3166_1>Vn"),
            "countryCodeISO3166_1",
        ),
        (
            lambda x: x.replace(b"<si:coverageProbability>0.95", b"<si:coverageProbability>95"),
            "coverageProbability",
        ),
    ],
)
def test_invalid_documents_are_refused_with_the_reason(mutate: object, reason: str) -> None:
    xml = render_dcc(example_calibration(3), software_release="t")
    with pytest.raises(DccValidationError) as caught:
        validate_dcc(mutate(xml))  # type: ignore[operator]
    assert isinstance(caught.value, ValueError)
    assert reason in str(caught.value) or reason in (caught.value.path or "")


@pytest.mark.parametrize("document", [b"", b"not xml", b"<a>", "text"])
def test_non_xml_is_refused(document: object) -> None:
    with pytest.raises(DccValidationError):
        validate_dcc(document)  # type: ignore[arg-type]


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    attack = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<dcc:digitalCalibrationCertificate xmlns:dcc="https://ptb.de/dcc" schemaVersion="3.1.2">&x;'
        "</dcc:digitalCalibrationCertificate>"
    ).encode()
    with pytest.raises(DccValidationError) as caught:
        read_dcc(attack)
    assert "TOP SECRET" not in str(caught.value)


def test_read_the_official_ptb_example() -> None:
    imported = read_dcc((GOLDEN / "example-official.xml").read_bytes())
    assert imported.issuer == "Kalibrierfirma GmbH"
    assert imported.certificate_number == "Id 123456789 HtW"
    assert imported.country_code == "DE"
    assert imported.begin_performance_date == date(1957, 8, 13)
    assert imported.end_performance_date == date(1957, 8, 14)
    assert ("manufacturer", "123456789 Ma") in imported.item_identifications
    (series,) = imported.series
    assert series.reference_unit == series.error_unit == "\\one"
    assert len(series.points) == 7
    first, last = series.points[0], series.points[-1]
    assert (first.reference_value, first.measured_value, first.error) == (
        Decimal("0.201"),
        Decimal("0.197"),
        Decimal("-0.004"),
    )
    assert (first.expanded_uncertainty, first.coverage_factor, first.coverage_probability) == (
        Decimal("0.006"),
        Decimal("2"),
        Decimal("0.95"),
    )
    assert (last.error, last.expanded_uncertainty) == (Decimal("-0.003"), Decimal("0.006"))


def test_read_back_our_own_dcc() -> None:
    data = example_calibration(10)
    imported = read_dcc(render_dcc(data, software_release="t"))
    assert imported.issuer == data.lab.name.en
    assert imported.issuer_code == "VILAS 999"
    assert imported.receipt_date == date(2026, 11, 16)
    (series,) = imported.series
    assert series.name == "Mass"
    assert len(series.points) == 10
    for point, original in zip(series.points, data.results[0].points, strict=True):
        # the DCC carries the printed figures: exactly the point's reported() values (ILAC-P14:09/2020 6.3)
        printed = original.reported()
        assert point.reference_value == printed.reference_value == original.reference_value
        assert point.measured_value == printed.indication
        assert point.error == printed.error and point.expanded_uncertainty == printed.expanded_uncertainty
        assert point.coverage_factor == original.coverage_factor == Decimal("2")


def test_read_refuses_an_invalid_document() -> None:
    with pytest.raises(DccValidationError):
        read_dcc(b"<dcc:digitalCalibrationCertificate xmlns:dcc='https://ptb.de/dcc' schemaVersion='3.1.2'/>")


@pytest.mark.slow
def test_xmlschema_agrees_with_the_fast_validator() -> None:
    # validate_dcc decides with libxml2; the reference validator xmlschema must accept the same documents
    import xmlschema

    from certificates.dcc_schema import dcc_schema

    def valid(xml: bytes) -> bool:
        return bool(dcc_schema().is_valid(xmlschema.XMLResource(xml, defuse="always", allow="none")))

    for data in _variants().values():
        assert valid(render_dcc(data, software_release="test"))
    assert valid((GOLDEN / "example-official.xml").read_bytes())
    bad = render_dcc(example_calibration(3), software_release="t").replace(b"<dcc:eMail>", b"<dcc:mail>", 1)
    assert not valid(bad.replace(b"</dcc:eMail>", b"</dcc:mail>", 1))


def test_two_quantities_round_trip_through_the_dcc() -> None:
    from certificates.data import ResultSeries
    from certificates.examples import example_point

    base = example_calibration(3)
    temperature = ResultSeries(
        Text("Nhiệt độ", "Temperature"),
        "\\degreecelsius",
        tuple(
            example_point("temperature", "°C", Decimal(t), Decimal("0.1"), Decimal("0.12"))
            for t in (10, 20, 30)
        ),
    )
    humidity = ResultSeries(
        Text("Độ ẩm tương đối", "Relative humidity"),
        "\\percent",
        tuple(
            example_point("humidity", "%", Decimal(h), Decimal("-1.2"), Decimal("1.5"))
            for h in (30, 50, 70, 90)
        ),
    )
    data = replace(base, results=(temperature, humidity), decision=None)
    imported = read_dcc(render_dcc(data, software_release="t"))
    assert [s.name for s in imported.series] == ["Temperature", "Relative humidity"]
    assert [s.error_unit for s in imported.series] == ["\\degreecelsius", "\\percent"]
    assert [len(s.points) for s in imported.series] == [3, 4]
    assert imported.series[1].points[0].error == Decimal("-1.2")
    assert imported.series[1].points[0].expanded_uncertainty == Decimal("1.5")


def test_two_quantities_are_two_valid_measurement_results() -> None:
    """7.8.2.1 m: each quantity is its own ``dcc:measurementResult`` named after it, its results in its unit."""
    from certificates.data import ResultSeries
    from certificates.examples import example_point

    voltage = ResultSeries(
        Text("Điện áp một chiều", "DC voltage"),
        "\\volt",
        tuple(
            example_point("voltage", "V", Decimal(v), Decimal("0.001"), Decimal("0.002")) for v in (2, 10, 18)
        ),
    )
    resistance = ResultSeries(
        Text("Điện trở", "Resistance"),
        "\\kilo\\ohm",
        tuple(
            example_point("resistance", "kΩ", Decimal(r), Decimal("-0.002"), Decimal("0.004"))
            for r in (1, 10)
        ),
    )
    xml = render_dcc(
        replace(example_calibration(3), results=(voltage, resistance), decision=None), software_release="t"
    )
    validate_dcc(xml)
    results = ET.fromstring(xml).findall("dcc:measurementResults/dcc:measurementResult", NS)
    assert [r.findtext("dcc:name/dcc:content[@lang='vi']", namespaces=NS) for r in results] == [
        "Điện áp một chiều",
        "Điện trở",
    ]
    errors = [r.findall(".//dcc:quantity[@refType='basic_measurementError']/si:real", NS) for r in results]
    assert [len(e) for e in errors] == [3, 2]
    assert {e.findtext("si:unit", namespaces=NS) for e in errors[0]} == {"\\volt"}
    assert {e.findtext("si:unit", namespaces=NS) for e in errors[1]} == {"\\kilo\\ohm"}
    assert [e.findtext("si:value", namespaces=NS) for e in errors[1]] == ["-0.0020", "-0.0020"]


def test_a_valid_dcc_with_an_external_doctype_is_refused_as_invalid() -> None:
    """Issue 21: a valid DCC preceded by ``<!DOCTYPE x SYSTEM "http://…">`` passed libxml2 and then raised
    xmlschema's ``XMLResourceForbidden`` (a 500); now any DTD is a DccValidationError, read nowhere."""
    from certificates.dcc import render_dcc
    from certificates.examples import example_calibration

    xml = render_dcc(example_calibration(3), software_release="test")
    declaration = b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">'
    head, _, body = xml.partition(b"?>")
    attack = head + b"?>" + declaration + body if body else declaration + xml
    with pytest.raises(DccValidationError) as caught:
        read_dcc(attack)
    assert "DOCTYPE" in str(caught.value)


def test_verdicts_are_stated_only_when_the_certificate_makes_a_statement() -> None:
    """7.8.6.1: the points keep their verdicts, but a calibration certificate without the agreed decision
    rule states no conformity; the tolerance limits (the MPE) are still given."""
    data = example_calibration(3)
    assert all(p.verdict is not None for p in data.results[0].points)
    root = ET.fromstring(render_dcc(replace(data, decision=None), software_release="t"))
    metas = root.findall(".//dcc:measurementMetaData/dcc:metaData[@refType='basic_conformity']", NS)
    assert len(metas) == 3
    assert [m.find("dcc:conformity", NS) for m in metas] == [None, None, None]
    stated = ET.fromstring(render_dcc(data, software_release="t"))
    assert [m.findtext("dcc:conformity", namespaces=NS) for m in stated.iter(f"{{{DCC_NS}}}metaData")][
        :3
    ] == [
        "pass",
        "pass",
        "pass",
    ]


def test_corrections_and_as_found_come_from_the_point_records() -> None:
    """A correction series states −error for each point and for its as-found result, rounded to the as-left U's
    decimal place (JCGM 100:2008 7.2.6). Hand calculation, point 1 of example_calibration(3): error −0.0008 g,
    U = 0.0003 g → 0.000 30 g; correction +0.000 80 g; as found error 0.0012 g → correction −0.001 20 g."""
    data = example_calibration(3)
    series = data.results[0]
    corrections = replace(
        series,
        points=tuple(replace(p, deviation=Deviation.CORRECTION) for p in series.points),
    )
    root = ET.fromstring(render_dcc(replace(data, results=(corrections,)), software_release="t"))
    first = root.find(".//dcc:result", NS)
    assert first is not None
    values = {
        q.get("refType"): q.findtext("si:real/si:value", namespaces=NS)
        for q in first.iter(f"{{{DCC_NS}}}quantity")
    }
    assert values["basic_correction"] == "0.00080"
    assert values["basic_measurementError basic_asFound"] == "-0.00120"
    assert values["basic_measuredValue basic_asFound"] == "0.00120"
    assert values["basic_referenceValue"] == "0.00000"


def _ac_voltage(*frequencies: str) -> CertificateData:
    """The example certificate with one AC voltage series per frequency, titled as this LIMS titles them
    (lims.services.certificates.data.quantity_text)."""
    from certificates.data import ResultSeries
    from certificates.examples import example_point

    series = tuple(
        ResultSeries(
            Text(f"Điện áp xoay chiều, tần số {f}", f"AC voltage, frequency {f}"),
            "\\volt",
            tuple(
                example_point("AC voltage", "V", Decimal(v), Decimal("0.00001"), Decimal("0.0001"))
                for v in ("1", "10")
            ),
        )
        for f in frequencies
    )
    return replace(example_calibration(3), results=series, decision=None)


def test_an_ac_points_frequency_round_trips_through_our_own_dcc() -> None:
    # issue 16: the frequency of an AC point was lost on import; this LIMS names it in each result's title
    imported = read_dcc(render_dcc(_ac_voltage("1 kHz", "50 Hz", "12.5 kHz"), software_release="t"))
    assert [(s.name, [p.frequency_hz for p in s.points]) for s in imported.series] == [
        ("AC voltage, frequency 1 kHz", [Decimal(1000), Decimal(1000)]),
        ("AC voltage, frequency 50 Hz", [Decimal(50), Decimal(50)]),
        ("AC voltage, frequency 12.5 kHz", [Decimal(12500), Decimal(12500)]),
    ]
    mass = read_dcc(render_dcc(example_calibration(3), software_release="t"))
    assert {p.frequency_hz for p in mass.series[0].points} == {None}  # a DC (or non-electrical) point


def test_a_suppliers_frequency_is_read_from_a_quantity_in_hertz_or_an_influence_condition() -> None:
    from certificates.dcc_xml import d, quantity, sub, texts

    root = ET.fromstring(render_dcc(_ac_voltage("1 kHz"), software_release="t"))
    for result in root.iter(f"{{{DCC_NS}}}result"):  # a frequency next to each point's values (10 kHz)
        quantity(
            result.find("dcc:data", NS), "basic_frequency", Text("Tần số", "Frequency"), 10, "\\kilo\\hertz"
        )
    beside = read_dcc(ET.tostring(root, xml_declaration=True, encoding="utf-8"))
    assert {p.frequency_hz for p in beside.series[0].points} == {Decimal(10000)}

    root = ET.fromstring(render_dcc(example_calibration(3), software_release="t"))
    conditions = root.find("dcc:measurementResults/dcc:measurementResult/dcc:influenceConditions", NS)
    assert conditions is not None
    condition = sub(conditions, d("influenceCondition"), refType="basic_frequency")
    texts(condition, "name", Text("Tần số", "Frequency"))
    quantity(sub(condition, d("data")), "basic_frequency", Text("Tần số", "Frequency"), 50, "\\hertz")
    stated = read_dcc(ET.tostring(root, xml_declaration=True, encoding="utf-8"))
    assert {p.frequency_hz for p in stated.series[0].points} == {Decimal(50)}
