"""The certificate as a PTB Digital Calibration Certificate (DCC 3.1.2 with D-SI 2.1.0 quantities).

``render_dcc(data) -> bytes`` writes the same content as the PDF; ``validate_dcc(xml)`` checks a document
against the schema shipped in ``certificates/schemas/dcc`` (no network: ``dcc.xsd`` imports
``SI_Format.xsd`` by a relative path, see the README there).

Mapping (ISO/IEC 17025:2017 clause → DCC element):

* 7.8.2.1 d unique identification → ``coreData/uniqueIdentifier``; j date of issue → a statement with
  ``refType="basic_issueDate"`` (DCC 3.1.2 has no issue-date element); c location → ``performanceLocation``;
  h, i dates → ``receiptDate``, ``begin/endPerformanceDate``; stamp number of a verification →
  ``coreData/identifications`` (issuer ``calibrationLaboratory``, name "Số tem kiểm định");
* b laboratory → ``calibrationLaboratory``; e customer → ``customer``; g item → ``items/item``;
  o signatory → ``respPersons/respPerson`` with ``mainSigner``;
* f method → ``usedMethod`` with ``norm``; 7.8.4.1 a uncertainty → ``usedMethod refType="basic_uncertainty"``
  and ``si:expandedUnc`` on every error; c traceability → ``measuringEquipment refType="basic_standardUsed"``
  and a statement; b environment → ``influenceConditions``; m results → one ``dcc:result`` per point with
  ``si:real`` reference value, indication and error; e conformity → ``metaData refType="basic_conformity"``
  per error and a ``basic_conformity`` statement with the decision rule (ILAC-G8);
* 7.8.8 amendment → ``coreData/previousReport``; validity of a verification and a recalibration date the
  customer asked for → statements with ``dcc:date``.

Values are the rounded values printed on the PDF (ILAC-P14 6.3), written with a decimal point.
"""

from __future__ import annotations

import importlib.metadata
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from certificates.data import CertificateData, CertificateKind, Deviation, ResultPoint, ResultSeries
from certificates.dcc_schema import DCC_NS, MAX_DCC_BYTES, SCHEMA_VERSION, SI_NS, dcc_schema, validate_dcc
from certificates.errors import CertificateDataError
from certificates.formatting import decimal_of, format_compact, round_result
from certificates.pdf_text import CONFORMITY, FIELD, VERIFICATION_TYPE
from certificates.wording import Text

__all__ = ["DCC_NS", "MAX_DCC_BYTES", "SCHEMA_VERSION", "SI_NS", "dcc_schema", "render_dcc", "validate_dcc"]

ET.register_namespace("dcc", DCC_NS)
ET.register_namespace("si", SI_NS)


def _d(tag: str) -> str:
    return f"{{{DCC_NS}}}{tag}"


def _si(tag: str) -> str:
    return f"{{{SI_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _texts(parent: ET.Element, tag: str, text: Text, **attrs: str) -> ET.Element:
    element = _sub(parent, _d(tag), **attrs)
    _sub(element, _d("content"), text.vi, lang="vi")
    _sub(element, _d("content"), text.en, lang="en")
    return element


def _name(parent: ET.Element, tag: str, name: str) -> ET.Element:
    element = _sub(parent, _d(tag))
    _sub(element, _d("content"), name)
    return element


def _number(value: Any) -> str:
    return format(decimal_of(value), "f")


def _real(
    parent: ET.Element,
    value: Any,
    unit: str,
    *,
    uncertainty: Decimal | None = None,
    point: ResultPoint | None = None,
) -> ET.Element:
    real = _sub(parent, _si("real"))
    _sub(real, _si("value"), _number(value))
    _sub(real, _si("unit"), unit)
    if uncertainty is not None and point is not None:
        unc = _sub(real, _si("expandedUnc"))
        _sub(unc, _si("uncertainty"), _number(uncertainty))
        _sub(unc, _si("coverageFactor"), _number(point.coverage_factor))
        _sub(unc, _si("coverageProbability"), _number(point.coverage_probability))
        _sub(unc, _si("distribution"), "normal")
    return real


def _quantity(parent: ET.Element, ref_type: str, name: Text, value: Any, unit: str, **kw: Any) -> ET.Element:
    quantity = _sub(parent, _d("quantity"), refType=ref_type)
    _texts(quantity, "name", name)
    _real(quantity, value, unit, **kw)
    return quantity


def _location(parent: ET.Element, address: Any) -> None:
    location = _sub(parent, _d("location"))
    _sub(location, _d("street"), address.street)
    _sub(location, _d("city"), address.city)
    if address.postcode:
        _sub(location, _d("postCode"), address.postcode)
    _sub(location, _d("countryCode"), address.country_code)


def _statement(
    parent: ET.Element,
    declaration: Text,
    *,
    ref_type: str | None = None,
    norm: str | None = None,
    reference: str | None = None,
    **children: str,
) -> ET.Element:
    statement = _sub(parent, _d("statement"), **({"refType": ref_type} if ref_type else {}))
    if norm:
        _sub(statement, _d("norm"), norm)
    if reference:
        _sub(statement, _d("reference"), reference)
    _texts(statement, "declaration", declaration)
    for tag in ("valid", "date", "conformity"):  # schema order: declaration, valid, date, …, conformity
        if tag in children:
            _sub(statement, _d(tag), children[tag])
    return statement


def _core_data(admin: ET.Element, data: CertificateData) -> None:
    core = _sub(admin, _d("coreData"))
    _sub(core, _d("countryCodeISO3166_1"), data.lab.address.country_code)
    for lang in ("vi", "en"):
        _sub(core, _d("usedLangCodeISO639_1"), lang)
    _sub(core, _d("mandatoryLangCodeISO639_1"), "vi")
    _sub(core, _d("uniqueIdentifier"), data.number)
    if data.verification is not None:
        ids = _sub(core, _d("identifications"))
        ident = _sub(ids, _d("identification"))
        _sub(ident, _d("issuer"), "calibrationLaboratory")
        _sub(ident, _d("value"), data.verification.stamp_number)
        _texts(ident, "name", FIELD["stamp"])
    if data.received_on is not None:
        _sub(core, _d("receiptDate"), data.received_on.isoformat())
    _sub(core, _d("beginPerformanceDate"), data.performed_from.isoformat())
    _sub(core, _d("endPerformanceDate"), data.performed_to.isoformat())
    _sub(core, _d("performanceLocation"), data.location.value)
    if data.amendment is not None:
        previous = _sub(core, _d("previousReport"))
        _texts(
            previous,
            "referral",
            Text(
                f"Sửa đổi {data.amendment.revision}: {data.amendment.reason.vi}",
                f"Amendment {data.amendment.revision}: {data.amendment.reason.en}",
            ),
        )
        _sub(previous, _d("referralID"), data.amendment.replaces)
        _sub(previous, _d("procedure"), "SHA-256" if data.amendment.replaces_sha256 else "none")
        _sub(previous, _d("value"), data.amendment.replaces_sha256 or "-")


def _parties(admin: ET.Element, data: CertificateData) -> None:
    items = _sub(admin, _d("items"))
    item = _sub(items, _d("item"))
    _texts(item, "name", data.item.name)
    if data.item.condition is not None:
        _texts(item, "description", data.item.condition)
    _name(_sub(item, _d("manufacturer")), "name", data.item.manufacturer)
    if data.item.model:
        _sub(item, _d("model"), data.item.model)
    ids = _sub(item, _d("identifications"))
    for issuer, value, label in (
        ("manufacturer", data.item.serial_number, FIELD["serial"]),
        ("customer", data.item.customer_identification, FIELD["customer_id"]),
        ("calibrationLaboratory", data.item.lab_identification, FIELD["lab_id"]),
    ):
        if value:
            ident = _sub(ids, _d("identification"))
            _sub(ident, _d("issuer"), issuer)
            _sub(ident, _d("value"), value)
            _texts(ident, "name", label)
    lab = _sub(admin, _d("calibrationLaboratory"))
    if data.lab.accreditation:
        _sub(lab, _d("calibrationLaboratoryCode"), data.lab.accreditation)
    contact = _sub(lab, _d("contact"))
    _texts(contact, "name", data.lab.name)
    _sub(contact, _d("eMail"), data.lab.email)
    if data.lab.phone:
        _sub(contact, _d("phone"), data.lab.phone)
    _location(contact, data.lab.address)
    people = _sub(admin, _d("respPersons"))
    person = _sub(people, _d("respPerson"))
    _name(_sub(person, _d("person")), "name", data.signatory.name)
    _texts(
        person,
        "description",
        Text(
            f"{data.signatory.function.vi}; ký điện tử lúc {data.signatory.signed_at.isoformat()}",
            f"{data.signatory.function.en}; electronically signed at {data.signatory.signed_at.isoformat()}",
        ),
    )
    _sub(person, _d("role"), data.signatory.function.en)
    _sub(person, _d("mainSigner"), "true")
    customer = _sub(admin, _d("customer"))
    _name(customer, "name", data.customer.name)
    _sub(customer, _d("eMail"), data.customer.email)
    if data.customer.phone:
        _sub(customer, _d("phone"), data.customer.phone)
    _location(customer, data.customer.address)


def _statements(admin: ET.Element, data: CertificateData) -> None:
    w = data.wording
    statements = _sub(admin, _d("statements"))
    _statement(
        statements,
        data.title,
        ref_type="basic_certificateTitle "
        + (
            "lims_verificationCertificate"
            if data.kind is CertificateKind.VERIFICATION
            else "lims_calibrationCertificate"
        ),
        norm="ISO/IEC 17025:2017",
        reference="7.8.2.1 a",
    )
    _statement(
        statements,
        Text(f"Ngày ban hành: {data.issued_on.isoformat()}", f"Date of issue: {data.issued_on.isoformat()}"),
        ref_type="basic_issueDate",
        norm="ISO/IEC 17025:2017",
        reference="7.8.2.1 j",
        date=data.issued_on.isoformat(),
    )
    _statement(
        statements,
        data.traceability_statement,
        ref_type="basic_traceability",
        norm="ISO/IEC 17025:2017",
        reference="7.8.4.1 c",
    )
    _statement(statements, w.results_relate_only, norm="ISO/IEC 17025:2017", reference="7.8.2.1 l")
    _statement(
        statements,
        w.reproduction.format(lab=data.lab.name.vi),
        norm="ISO/IEC 17025:2017",
        reference="7.8.2.1",
    )
    if data.decision is not None:
        d = data.decision
        _statement(
            statements,
            Text(
                f"{d.rule.vi}. {d.specification.vi}. {CONFORMITY[d.conformity].vi}.",
                f"{d.rule.en}. {d.specification.en}. {CONFORMITY[d.conformity].en}.",
            ),
            ref_type="basic_conformity",
            norm=d.norm,
            conformity=d.conformity.value,
        )
    v = data.verification
    if v is not None:
        verdict = (w.verification_passed if v.passed else w.verification_failed).format(
            procedure=data.method.reference
        )
        kind = VERIFICATION_TYPE[v.verification_type]
        _statement(
            statements,
            Text(
                f"{kind.vi}. {verdict.vi} {FIELD['valid_until'].vi}: {v.valid_until}",
                f"{kind.en}. {verdict.en} {FIELD['valid_until'].en}: {v.valid_until}",
            ),
            ref_type="basic_validity",
            norm=data.method.reference,
            valid="true" if v.passed else "false",
            date=v.valid_until.isoformat(),
            conformity="pass" if v.passed else "fail",
        )
    if data.recalibration_due is not None:
        _statement(
            statements,
            w.recalibration.format(date=data.recalibration_due.isoformat()),
            ref_type="basic_recalibration",
            date=data.recalibration_due.isoformat(),
        )
    for text in data.customer_supplied:
        _statement(
            statements,
            Text(f"{w.customer_supplied.vi} {text.vi}", f"{w.customer_supplied.en} {text.en}"),
            ref_type="basic_customerSupplied",
            norm="ISO/IEC 17025:2017",
            reference="7.8.2.2",
        )
    for text in data.remarks:
        _statement(statements, text, ref_type="basic_remark", norm="ISO/IEC 17025:2017", reference="7.8.7")
    if data.withdrawal is not None:
        _statement(
            statements,
            Text(
                f"{w.withdrawn.vi}: {data.withdrawal.reason.vi}",
                f"{w.withdrawn.en}: {data.withdrawal.reason.en}",
            ),
            ref_type="basic_withdrawn",
            valid="false",
            date=data.withdrawal.withdrawn_on.isoformat(),
        )
    if data.superseded_by:
        _statement(
            statements,
            w.superseded.format(number=data.superseded_by),
            ref_type="basic_superseded",
            valid="false",
        )


def _methods(parent: ET.Element, data: CertificateData) -> None:
    methods = _sub(parent, _d("usedMethods"))
    method = _sub(methods, _d("usedMethod"), refType="basic_method")
    _texts(method, "name", data.method.name)
    if data.method.deviations is not None:
        _texts(method, "description", data.method.deviations)
    _sub(method, _d("norm"), data.method.reference)
    unc = _sub(methods, _d("usedMethod"), refType="basic_uncertainty")
    _texts(unc, "name", FIELD["uncertainty"])
    coverage, w = data.coverage(), data.wording
    p = format_compact(round((data.shared_probability() or 0.95) * 100, 2), decimal_separator=".")
    text = (
        w.uncertainty.format(k=format_compact(coverage[0], decimal_separator="."), p=p)
        if coverage
        else w.uncertainty_per_point.format(p=p)
    )
    _texts(unc, "description", text)
    for norm in ("EA-4/02 M:2022", "JCGM 100:2008", "ILAC-P14:09/2020"):
        _sub(unc, _d("norm"), norm)


def _equipment_and_conditions(parent: ET.Element, data: CertificateData) -> None:
    equipment = _sub(parent, _d("measuringEquipments"))
    for s in data.standards:
        item = _sub(equipment, _d("measuringEquipment"), refType="basic_standardUsed")
        _name(item, "name", s.name)
        due = f"; hiệu lực đến {s.valid_until}" if s.valid_until else ""
        due_en = f"; valid until {s.valid_until}" if s.valid_until else ""
        _texts(
            item,
            "description",
            Text(
                f"Giấy chứng nhận số {s.certificate_number} do {s.calibrated_by} cấp{due}",
                f"Certificate No. {s.certificate_number} issued by {s.calibrated_by}{due_en}",
            ),
        )
        ids = _sub(item, _d("identifications"))
        ident = _sub(ids, _d("identification"))
        _sub(ident, _d("issuer"), "calibrationLaboratory")
        _sub(ident, _d("value"), s.identification)
    e = data.environment
    conditions = _sub(parent, _d("influenceConditions"))
    ranges: list[tuple[str, Text, float, float, str]] = [
        (
            "basic_temperature",
            FIELD["temperature"],
            e.temperature_min_c,
            e.temperature_max_c,
            "\\degreecelsius",
        )
    ]
    if e.relative_humidity_min_pct is not None and e.relative_humidity_max_pct is not None:
        ranges.append(
            (
                "basic_humidityRelative",
                FIELD["humidity"],
                e.relative_humidity_min_pct,
                e.relative_humidity_max_pct,
                "\\percent",
            )
        )
    for ref_type, label, low, high, unit in ranges:
        condition = _sub(conditions, _d("influenceCondition"), refType=ref_type)
        _texts(condition, "name", label)
        block = _sub(condition, _d("data"))
        _quantity(
            block, f"{ref_type}Min", Text(f"{label.vi} nhỏ nhất", f"Minimum {label.en.lower()}"), low, unit
        )
        _quantity(
            block, f"{ref_type}Max", Text(f"{label.vi} lớn nhất", f"Maximum {label.en.lower()}"), high, unit
        )
    if e.pressure_hpa is not None:
        condition = _sub(conditions, _d("influenceCondition"), refType="basic_pressureAmbient")
        _texts(condition, "name", FIELD["pressure"])
        _quantity(
            _sub(condition, _d("data")),
            "basic_pressureAmbient",
            FIELD["pressure"],
            e.pressure_hpa,
            "\\hecto\\pascal",
        )


def _point(results: ET.Element, series: ResultSeries, index: int, p: ResultPoint) -> None:
    result = _sub(results, _d("result"))
    _texts(
        result, "name", Text(f"{series.quantity.vi} – điểm {index}", f"{series.quantity.en} – point {index}")
    )
    block = _sub(result, _d("data"))
    unit = series.unit
    _quantity(block, "basic_referenceValue", FIELD["nominal"], p.nominal, unit)
    if p.as_found_indication is not None and p.as_found_error is not None:
        _quantity(
            block,
            "basic_measuredValue basic_asFound",
            FIELD["as_found_indication"],
            p.as_found_indication,
            unit,
        )
        _quantity(
            block, "basic_measurementError basic_asFound", FIELD["as_found_error"], p.as_found_error, unit
        )
    _quantity(block, "basic_measuredValue", FIELD["indication"], p.indication, unit)
    reported = round_result(p.error, p.expanded_uncertainty)
    correction = series.deviation is Deviation.CORRECTION
    error = _quantity(
        block,
        "basic_correction" if correction else "basic_measurementError",
        FIELD["correction" if correction else "error"],
        reported.value,
        unit,
        uncertainty=reported.expanded_uncertainty,
        point=p,
    )
    if p.mpe is not None or p.conformity is not None:
        meta = _sub(_sub(error, _d("measurementMetaData")), _d("metaData"), refType="basic_conformity")
        _texts(
            meta,
            "declaration",
            Text(
                "Đánh giá sự phù hợp với sai số lớn nhất cho phép",
                "Conformity with the maximum permissible error",
            ),
        )
        if p.conformity is not None:
            _sub(meta, _d("conformity"), p.conformity.value)
        if p.mpe is not None:
            limits = _sub(meta, _d("data"))
            _quantity(limits, "basic_toleranceLimitLower", Text("Giới hạn dưới", "Lower limit"), -p.mpe, unit)
            _quantity(limits, "basic_toleranceLimitUpper", Text("Giới hạn trên", "Upper limit"), p.mpe, unit)


def render_dcc(data: CertificateData, *, software_release: str | None = None) -> bytes:
    """The DCC 3.1.2 XML of ``data`` (UTF-8, deterministic for the same data and release).

    >>> from certificates.examples import example_calibration
    >>> xml = render_dcc(example_calibration(3), software_release="0.1.0")
    >>> validate_dcc(xml) is None
    True
    """
    if not isinstance(data, CertificateData):
        raise CertificateDataError("data", f"must be CertificateData, not {type(data).__name__}")
    release = software_release or _release()
    root = ET.Element(_d("digitalCalibrationCertificate"), {"schemaVersion": SCHEMA_VERSION})
    admin = _sub(root, _d("administrativeData"))
    software = _sub(_sub(admin, _d("dccSoftware")), _d("software"))
    _name(software, "name", "lims certificates")
    _sub(software, _d("release"), release)
    _core_data(admin, data)
    _parties(admin, data)
    _statements(admin, data)
    results_root = _sub(root, _d("measurementResults"))
    for series in data.results:
        measurement = _sub(results_root, _d("measurementResult"))
        _texts(measurement, "name", series.quantity)
        if series.external_provider or series.customer_supplied:
            notes = []
            if series.external_provider:
                notes.append(data.wording.external_provider.format(provider=series.external_provider))
            if series.customer_supplied:
                notes.append(FIELD["customer_supplied_values"])
            _texts(
                measurement, "description", Text(" ".join(n.vi for n in notes), " ".join(n.en for n in notes))
            )
        _methods(measurement, data)
        _equipment_and_conditions(measurement, data)
        results = _sub(measurement, _d("results"))
        for index, point in enumerate(series.points, start=1):
            _point(results, series, index, point)
    ET.indent(root, space=" ")
    xml: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return xml + b"\n"


def _release() -> str:
    try:
        return importlib.metadata.version("lims")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
