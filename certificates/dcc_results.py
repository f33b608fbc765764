"""The DCC measurement results: methods, standards, influence conditions and one result per point."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from certificates.data import CertificateData, Deviation, PointResult, ResultSeries
from certificates.dcc_xml import d, name, quantity, sub, texts
from certificates.metrology.rounding import round_to
from certificates.pdf_text import FIELD
from certificates.wording import Text

__all__ = ["measurement_results"]


def _methods(parent: ET.Element, data: CertificateData) -> None:
    methods = sub(parent, d("usedMethods"))
    method = sub(methods, d("usedMethod"), refType="basic_method")
    texts(method, "name", data.method.name)
    if data.method.deviations is not None:
        texts(method, "description", data.method.deviations)
    sub(method, d("norm"), data.method.reference)
    unc = sub(methods, d("usedMethod"), refType="basic_uncertainty")
    texts(unc, "name", FIELD["uncertainty"])
    text = data.uncertainty_statement()  # the one statement, the PDF prints the same
    texts(unc, "description", text)
    for norm in ("EA-4/02 M:2022", "JCGM 100:2008", "ILAC-P14:09/2020"):
        sub(unc, d("norm"), norm)


def _equipment_and_conditions(parent: ET.Element, data: CertificateData) -> None:
    equipment = sub(parent, d("measuringEquipments"))
    for s in data.standards:
        item = sub(equipment, d("measuringEquipment"), refType="basic_standardUsed")
        name(item, "name", s.name)
        due = f"; hiệu lực đến {s.valid_until}" if s.valid_until else ""
        due_en = f"; valid until {s.valid_until}" if s.valid_until else ""
        texts(
            item,
            "description",
            Text(
                f"Giấy chứng nhận số {s.certificate_number} do {s.calibrated_by} cấp{due}",
                f"Certificate No. {s.certificate_number} issued by {s.calibrated_by}{due_en}",
            ),
        )
        ids = sub(item, d("identifications"))
        ident = sub(ids, d("identification"))
        sub(ident, d("issuer"), "calibrationLaboratory")
        sub(ident, d("value"), s.identification)
    e = data.environment
    conditions = sub(parent, d("influenceConditions"))
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
        condition = sub(conditions, d("influenceCondition"), refType=ref_type)
        texts(condition, "name", label)
        block = sub(condition, d("data"))
        quantity(
            block, f"{ref_type}Min", Text(f"{label.vi} nhỏ nhất", f"Minimum {label.en.lower()}"), low, unit
        )
        quantity(
            block, f"{ref_type}Max", Text(f"{label.vi} lớn nhất", f"Maximum {label.en.lower()}"), high, unit
        )
    if e.pressure_hpa is not None:
        condition = sub(conditions, d("influenceCondition"), refType="basic_pressureAmbient")
        texts(condition, "name", FIELD["pressure"])
        quantity(
            sub(condition, d("data")),
            "basic_pressureAmbient",
            FIELD["pressure"],
            e.pressure_hpa,
            "\\hecto\\pascal",
        )


def _point(
    results: ET.Element,
    series: ResultSeries,
    index: int,
    p: PointResult,
    found: PointResult | None,
    *,
    states_conformity: bool,
) -> None:
    result = sub(results, d("result"))
    texts(
        result, "name", Text(f"{series.quantity.vi} – điểm {index}", f"{series.quantity.en} – point {index}")
    )
    block = sub(result, d("data"))
    unit = series.unit
    reported = p.reported()  # the one rounding: every value to U's decimal place (GUM 7.2.6)
    u = reported.expanded_uncertainty
    quantity(block, "basic_referenceValue", FIELD["nominal"], reported.reference_value, unit)
    correction = series.deviation is Deviation.CORRECTION
    if found is not None:  # before adjustment, to the as-left U's decimal place (JCGM 100:2008 7.2.6)
        quantity(
            block,
            "basic_measuredValue basic_asFound",
            FIELD["as_found_indication"],
            round_to(found.indication, u),
            unit,
        )
        quantity(
            block,
            "basic_measurementError basic_asFound",
            FIELD["as_found_error"],
            round_to(found.correction if correction else found.error, u),
            unit,
        )
    # named for what it holds: the R 76 rounding-free P is not a value the instrument displays
    quantity(
        block,
        "basic_measuredValue",
        series.indication_label,
        reported.indication,
        unit,
        description=series.indication_note,
    )
    error = quantity(
        block,
        "basic_correction" if correction else "basic_measurementError",
        FIELD["correction" if correction else "error"],
        reported.correction if correction else reported.error,  # the deviation as the series states it
        unit,
        uncertainty=reported.expanded_uncertainty,
        point=p,
    )
    verdict = p.verdict if states_conformity else None  # stated only when the certificate makes a statement
    if p.mpe is not None or verdict is not None:
        meta = sub(sub(error, d("measurementMetaData")), d("metaData"), refType="basic_conformity")
        texts(
            meta,
            "declaration",
            Text(
                "Đánh giá sự phù hợp với sai số lớn nhất cho phép",
                "Conformity with the maximum permissible error",
            ),
        )
        if verdict is not None and verdict.dcc is not None:
            sub(meta, d("conformity"), verdict.dcc)
        if p.mpe is not None:
            limits = sub(meta, d("data"))
            mpe = reported.mpe if reported.mpe is not None else round_to(p.mpe, u)
            quantity(limits, "basic_toleranceLimitLower", Text("Giới hạn dưới", "Lower limit"), -mpe, unit)
            quantity(limits, "basic_toleranceLimitUpper", Text("Giới hạn trên", "Upper limit"), mpe, unit)


def measurement_results(root: ET.Element, data: CertificateData) -> None:
    """One ``dcc:measurementResult`` per quantity, with its methods, standards, conditions and points."""
    results_root = sub(root, d("measurementResults"))
    for series in data.results:
        measurement = sub(results_root, d("measurementResult"))
        texts(measurement, "name", series.quantity)
        if series.external_provider or series.customer_supplied:
            notes = []
            if series.external_provider:
                notes.append(data.wording.external_provider.format(provider=series.external_provider))
            if series.customer_supplied:
                notes.append(FIELD["customer_supplied_values"])
            texts(
                measurement, "description", Text(" ".join(n.vi for n in notes), " ".join(n.en for n in notes))
            )
        _methods(measurement, data)
        _equipment_and_conditions(measurement, data)
        results = sub(measurement, d("results"))
        for index, (point, found) in enumerate(series.rows(), start=1):
            _point(results, series, index, point, found, states_conformity=data.states_conformity)
