"""The content of the PDF certificate, section by section (ISO/IEC 17025:2017 7.8; docs/certificates.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from certificates.chart import ChartPoint, ErrorChart
from certificates.data import CertificateData, CertificateKind, Deviation, ResultSeries
from certificates.fonts import REGULAR
from certificates.formatting import (
    dsi_symbol,
)
from certificates.graphics import qr_flowable
from certificates.metrology.coverage import coverage_factor_text
from certificates.metrology.point import PointResult, ReportedPoint
from certificates.metrology.rounding import round_to
from certificates.pdf_parts import (
    BODY_WIDTH,
    HEAD_FILL,
    LINE,
    _bi,
    _date,
    _kv_table,
    _num,
    _p,
    _x,
)
from certificates.pdf_text import CONFORMITY, FIELD, LOCATION, VERIFICATION_TYPE, Label
from certificates.wording import Text, nfc

__all__ = ["story"]


def _status_banners(data: CertificateData) -> list[Flowable]:
    w, out = data.wording, []
    if data.withdrawal is not None:
        out.append(
            _p(
                f"{_bi(w.withdrawn, sep=' / ')} — {_x(_date(data, data.withdrawal.withdrawn_on))}: "
                f"{_bi(data.withdrawal.reason, sep=' / ')}",
                "banner",
            )
        )
    if data.superseded_by:
        out.append(_p(_bi(w.superseded.format(number=data.superseded_by), sep=" / "), "banner"))
    if data.amendment is not None:
        a = data.amendment
        text = Text(
            w.amendment.vi.format(revision=a.revision, replaces=a.replaces, reason=a.reason.vi),
            w.amendment.en.format(revision=a.revision, replaces=a.replaces, reason=a.reason.en),
        )
        out.append(_p(_bi(text), "banner"))
    return out


def _identity_rows(data: CertificateData) -> list[tuple[Label, str]]:
    item, c = data.item, data.customer
    rows: list[tuple[Label, str]] = [
        (FIELD["number"], f"<b>{_x(data.number)}</b>"),
        (FIELD["item"], _bi(item.name)),
        (FIELD["manufacturer"], _x(item.manufacturer)),
    ]
    optional = [
        ("model", item.model),
        ("serial", item.serial_number),
        ("customer_id", item.customer_identification),
        ("lab_id", item.lab_identification),
        ("range", item.measuring_range),
        ("resolution", item.resolution),
        ("class", item.accuracy_class),
    ]
    rows += [(FIELD[key], _x(value)) for key, value in optional if value]
    if item.condition is not None:
        rows.append((FIELD["condition"], _bi(item.condition)))
    contact = " · ".join(_x(v) for v in (c.phone, c.email) if v)
    rows.append(
        (
            FIELD["customer"],
            f"<b>{_x(c.name)}</b><br/>{_x(c.address.one_line())}" + (f"<br/>{contact}" if contact else ""),
        )
    )
    rows.append((FIELD["method"], f"{_x(data.method.reference)} — {_bi(data.method.name, sep=' / ')}"))
    if data.method.deviations is not None:
        rows.append((FIELD["deviations"], _bi(data.method.deviations)))
    if data.sampling is not None:
        rows.append((FIELD["sampling"], _bi(data.sampling)))
    where = _bi(LOCATION[data.location], sep=" / ")
    rows.append(
        (FIELD["location"], where + (f"<br/>{_x(data.location_detail)}" if data.location_detail else ""))
    )
    if data.received_on is not None:
        rows.append((FIELD["received"], _x(_date(data, data.received_on))))
    performed = _date(data, data.performed_from)
    if data.performed_to != data.performed_from:
        performed += " – " + _date(data, data.performed_to)
    date_key = "verified" if data.kind is CertificateKind.VERIFICATION else "calibrated"
    rows += [(FIELD[date_key], _x(performed)), (FIELD["issued"], _x(_date(data, data.issued_on)))]
    return rows


def _verification_rows(data: CertificateData) -> list[tuple[Label, str]]:
    v = data.verification
    if v is None:
        if data.recalibration_due is not None:
            return [
                (
                    FIELD["recalibration"],
                    _bi(
                        data.wording.recalibration.format(date=_date(data, data.recalibration_due)), sep=" / "
                    ),
                )
            ]
        return []
    w = data.wording
    verdict = (w.verification_passed if v.passed else w.verification_failed).format(
        procedure=v.procedure_reference or data.method.reference
    )
    rows: list[tuple[Label, str]] = []
    if v.instrument_type is not None:
        rows.append((FIELD["legal_type"], _bi(v.instrument_type, sep=" / ")))
    rows += [(c.label, _x(c.value)) for c in v.characteristics]
    if v.procedure is not None:
        rows.append((FIELD["legal_procedure"], _bi(v.procedure, sep=" / ")))
    rows += [
        (FIELD["verification_type"], _bi(VERIFICATION_TYPE[v.verification_type], sep=" / ")),
        (FIELD["verdict"], f"<b>{_bi(verdict)}</b>"),
    ]
    if v.officer:
        rows.append((FIELD["officer"], f"<b>{_x(v.officer)}</b><br/>{_x(v.officer_card)}"))
    rows += [
        (FIELD["stamp"], f"<b>{_x(v.stamp_number)}</b>"),
        (FIELD["valid_until"], f"<b>{_x(_date(data, v.valid_until))}</b>"),
    ]
    return rows


def _signature_block(data: CertificateData) -> Table:
    s, lab = data.signatory, data.lab
    signed = s.signed_at.isoformat(sep=" ", timespec="seconds")
    lines = [
        f"<b>{_x(FIELD['signatory'].vi)}</b> / <i>{_x(FIELD['signatory'].en)}</i>",
        f"<b>{_x(s.name)}</b>",
        _bi(s.function, sep=" / "),
        f"{_x(FIELD['signed_at'].vi)} / <i>{_x(FIELD['signed_at'].en)}</i>: {_x(signed)}",
    ]
    if lab.accreditation:
        lines.append(
            f"{_x(FIELD['accreditation'].vi)} / <i>{_x(FIELD['accreditation'].en)}</i>: "
            f"{_x(lab.accreditation)}"
        )
    if lab.designation:
        lines.append(
            f"{_x(FIELD['designation'].vi)} / <i>{_x(FIELD['designation'].en)}</i>: {_x(lab.designation)}"
        )
    qr = qr_flowable(data.verification_url, size_pt=24 * mm)
    code = (
        f"<br/>{_x(FIELD['verification_code'].vi)} / <i>{_x(FIELD['verification_code'].en)}</i>: "
        f"<b>{_x(data.verification_code)}</b>"
        if data.verification_code
        else ""
    )
    caption = _p(
        f"{_x(FIELD['verify'].vi)} / <i>{_x(FIELD['verify'].en)}</i><br/>"
        f"<font size='6'>{_x(data.verification_url)}</font>{code}",
        "small",
    )
    table = Table([[_p("<br/>".join(lines)), [qr, caption]]], colWidths=[BODY_WIDTH - 62 * mm, 62 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.5, LINE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


CHART_HEIGHT = 120.0  # points; with the table, one quantity of ten points fits on the first page

_COLUMN_WEIGHT = {
    id(FIELD["point"]): 0.6,
    id(FIELD["k"]): 0.45,
    id(FIELD["mpe"]): 1.0,
    id(FIELD["conformity"]): 1.5,
    id(FIELD["uncertainty"]): 1.25,
}


def _stated(value: PointResult | ReportedPoint, deviation: Deviation) -> Decimal:
    """The deviation as the series states it: the error, or the correction (= −error)."""
    return value.correction if deviation is Deviation.CORRECTION else value.error


def _chart_point(p: PointResult, deviation: Deviation, with_mpe: bool = True) -> ChartPoint:
    """The point as drawn: floats for the drawing only; every printed figure comes from ``reported()``."""
    return ChartPoint(
        float(p.reference_value),
        float(_stated(p, deviation)),
        float(p.expanded_uncertainty),
        None if p.mpe is None or not with_mpe else float(p.mpe),
    )


def _series_flowables(data: CertificateData, index: int, series: ResultSeries) -> list[Flowable]:
    unit = dsi_symbol(series.unit)
    in_unit = f" ({_x(unit)})" if unit else ""
    deviation = FIELD["correction"] if series.deviation is Deviation.CORRECTION else FIELD["error"]
    as_found = series.has_as_found
    # An MPE column reads as a statement of conformity (ISO/IEC 17025:2017 7.8.6): only when one is made.
    with_mpe = data.states_conformity and any(p.mpe is not None for p in series.points)
    with_hysteresis = any(p.hysteresis is not None for p in series.points)
    with_conformity = data.states_conformity and any(p.verdict is not None for p in series.points)
    columns: list[Label] = [FIELD["point"], FIELD["nominal"]]
    if as_found:
        columns += [FIELD["as_found_indication"], FIELD["as_found_error"]]
    columns += [series.indication_label, deviation]  # what the column holds (R 76 P, or the indication)
    columns += [FIELD["hysteresis"]] if with_hysteresis else []
    columns += [FIELD["uncertainty"], FIELD["k"]]
    columns += [FIELD["mpe"]] if with_mpe else []
    columns += [FIELD["conformity"]] if with_conformity else []
    header = [_p(f"<b>{_x(c.vi)}</b><br/><i>{_x(c.en)}</i>", "cell") for c in columns]
    # the title is the table's first row, repeated with the header when the table continues on a new page
    title = _p(f"{index}. {_bi(series.quantity, sep=' / ')}{in_unit}", "series")
    rows: list[list[Any]] = [[title] + [""] * (len(columns) - 1), header]
    for number, (p, found) in enumerate(series.rows(), start=1):
        reported = p.reported()  # the one rounding: U to two digits, every value beside it to U's place
        u = reported.expanded_uncertainty
        cells = [str(number), _num(data, reported.reference_value)]
        if as_found:  # before adjustment, to the as-left U's decimal place (JCGM 100:2008 7.2.6)
            cells += (
                [
                    _num(data, round_to(found.indication, u)),
                    _num(data, round_to(_stated(found, series.deviation), u)),
                ]
                if found is not None
                else ["—", "—"]
            )
        cells += [_num(data, reported.indication), _num(data, _stated(reported, series.deviation))]
        if with_hysteresis:
            cells.append(_num(data, round_to(p.hysteresis, u)) if p.hysteresis is not None else "—")
        cells += [
            _num(data, u),
            coverage_factor_text(p.coverage_factor, decimal_separator=data.wording.decimal_separator),
        ]
        if with_mpe:
            cells.append("±" + _num(data, reported.mpe) if reported.mpe is not None else "—")
        if with_conformity:
            label = CONFORMITY.get(p.verdict) if p.verdict else None
            cells.append(f"{label.vi} / {label.en}" if label else "—")
        rows.append([nfc(c) for c in cells])  # plain strings: ten times cheaper than paragraphs
    weights = [_COLUMN_WEIGHT.get(id(c), 1.0) for c in columns]
    table = Table(rows, colWidths=[BODY_WIDTH * w / sum(weights) for w in weights], repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                ("SPAN", (0, 0), (-1, 0)),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("GRID", (0, 1), (-1, -1), 0.4, LINE),
                ("BACKGROUND", (0, 1), (-1, 1), HEAD_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 2), (-1, -1), "CENTER"),
                ("FONT", (0, 2), (-1, -1), REGULAR, 7.5, 9.2),
                ("TOPPADDING", (0, 1), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 1.5),
            ]
        )
    )
    notes = []
    if series.indication_note is not None:
        notes.append(_bi(series.indication_note, sep=" / "))
    if as_found:
        notes.append(_bi(FIELD["as_found_note"], sep=" / "))
    if series.customer_supplied:
        notes.append(_bi(FIELD["customer_supplied_values"], sep=" / "))
    if series.external_provider:
        notes.append(_bi(data.wording.external_provider.format(provider=series.external_provider), sep=" / "))
    symbol = f" / {unit}" if unit else ""
    chart = ErrorChart(
        [_chart_point(p, series.deviation, with_mpe) for p in series.points],
        x_label=f"{series.quantity.vi} / {series.quantity.en}{symbol}",
        y_label=f"{deviation.vi} / {deviation.en}{symbol}",
        legend=(f"{deviation.vi} ± U / {deviation.en} ± U", "±SSLNCP / ±MPE"),
        width_pt=BODY_WIDTH,
        height_pt=CHART_HEIGHT,
        decimal_separator=data.wording.decimal_separator,
    )
    return [table, *[_p(n, "small") for n in notes], Spacer(1, 2), chart, Spacer(1, 2)]


def _statements(data: CertificateData) -> list[Flowable]:
    w, out = data.wording, []
    statement = data.uncertainty_statement()  # the one statement, the DCC prints the same
    out.append(KeepTogether([_p(_bi(FIELD["h_uncertainty"], sep=" / "), "heading"), _p(_bi(statement))]))
    traceability = [
        _p(_bi(FIELD["h_traceability"], sep=" / "), "heading"),
        _p(_bi(data.traceability_statement)),
    ]
    heads = [FIELD[k] for k in ("standard", "standard_id", "standard_cert", "calibrated_by", "standard_due")]
    rows: list[list[Any]] = [[_p(f"<b>{_x(h.vi)}</b><br/><i>{_x(h.en)}</i>", "cell") for h in heads]]
    for s in data.standards:
        rows.append(
            [
                _p(_x(v), "cell")
                for v in (
                    s.name,
                    s.identification,
                    s.certificate_number,
                    s.calibrated_by,
                    _date(data, s.valid_until) if s.valid_until else "—",
                )
            ]
        )
    table = Table(rows, colWidths=[BODY_WIDTH * f for f in (0.32, 0.13, 0.17, 0.24, 0.14)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                ("GRID", (0, 0), (-1, -1), 0.4, LINE),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    out.append(KeepTogether([*traceability, Spacer(1, 3), table]))
    e = data.environment
    env = [
        f"{_x(FIELD['temperature'].vi)} / <i>{_x(FIELD['temperature'].en)}</i>: "
        f"{_span(data, e.temperature_min_c, e.temperature_max_c)} °C"
    ]
    if e.relative_humidity_min_pct is not None:
        env.append(
            f"{_x(FIELD['humidity'].vi)} / <i>{_x(FIELD['humidity'].en)}</i>: "
            f"{_span(data, e.relative_humidity_min_pct, e.relative_humidity_max_pct)} %"
        )
    if e.pressure_hpa is not None:
        env.append(
            f"{_x(FIELD['pressure'].vi)} / <i>{_x(FIELD['pressure'].en)}</i>: "
            f"{_num(data, e.pressure_hpa)} hPa"
        )
    out.append(KeepTogether([_p(_bi(FIELD["h_environment"], sep=" / "), "heading"), _p(" · ".join(env))]))
    if data.decision is not None:
        d = data.decision
        section = [
            _p(_bi(FIELD["h_decision"], sep=" / "), "heading"),
            _p(
                f"<b>{_x(FIELD['rule'].vi)} / <i>{_x(FIELD['rule'].en)}</i></b> ({_x(d.norm)}): {_bi(d.rule)}"
            ),
            _p(
                f"<b>{_x(FIELD['specification'].vi)} / <i>{_x(FIELD['specification'].en)}</i></b>: "
                f"{_bi(d.specification)}"
            ),
            _p(
                f"<b>{_x(FIELD['statement'].vi)} / <i>{_x(FIELD['statement'].en)}</i></b>: "
                f"<b>{_bi(CONFORMITY[d.conformity], sep=' / ')}</b>"
            ),
        ]
        out.append(KeepTogether(section))
    if data.customer_supplied:
        supplied = [_p(_bi(FIELD["h_customer_supplied"], sep=" / "), "heading"), _p(_bi(w.customer_supplied))]
        out.append(KeepTogether(supplied + [_p("• " + _bi(t, sep=" / ")) for t in data.customer_supplied]))
    if data.remarks:
        remarks = [_p(_bi(FIELD["h_remarks"], sep=" / "), "heading")]
        out.append(KeepTogether(remarks + [_p("• " + _bi(t, sep=" / ")) for t in data.remarks]))
    reproduction = w.reproduction.format(lab=data.lab.name.vi)
    closing = [
        Spacer(1, 4),
        _p(
            f"{_x(w.results_relate_only.vi)} {_x(reproduction.vi)}<br/>"
            f"<i>{_x(w.results_relate_only.en)} {_x(reproduction.en)}</i>"
        ),
        _p(f"— {_x(w.end_of_certificate.vi)} / <i>{_x(w.end_of_certificate.en)}</i> —", "end"),
    ]
    out.append(KeepTogether(closing))
    return out


def story(data: CertificateData) -> list[Flowable]:
    title = data.title
    story: list[Flowable] = [_p(_x(title.vi), "title"), _p(_x(title.en), "subtitle"), Spacer(1, 5)]
    story += _status_banners(data)
    story += [
        Spacer(1, 3),
        _kv_table(_identity_rows(data) + _verification_rows(data)),
        Spacer(1, 6),
        _signature_block(data),
        CondPageBreak(40 * mm),
        _p(_bi(FIELD["h_results"], sep=" / "), "heading"),
    ]
    for index, series in enumerate(data.results, start=1):
        story += _series_flowables(data, index, series)
    return story + _statements(data)


def _span(data: CertificateData, low: Any, high: Any) -> str:
    """A condition's range as measured, ``(20,1 … 21,3)``; one value when it did not change, ``23,4``."""
    if high is None or _num(data, low) == _num(data, high):
        return _num(data, low)
    return f"({_num(data, low)} … {_num(data, high)})"
