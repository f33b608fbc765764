"""The content of a certificate: :class:`certificates.data.CertificateData` built from a job's records.

:func:`build_certificate_data` reads what ISO/IEC 17025:2017 7.8 asks a certificate to show (the clause
table is in docs/certificates.md): laboratory, customer and item, the method, the dates, the results with
their expanded uncertainties (one :class:`~certificates.data.ResultSeries` per measured quantity), the
environment, the reference standards that give traceability, the decision rule and statement of conformity
when asked for, and the verification stamp and validity of a kiểm định certificate. It reads and never
writes; content the certificate cannot carry is refused with a :class:`CertificateError` that names it.
Numbering, rendering, storage, amendments and withdrawals are :mod:`lims.services.certificates.issue`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.data import (
    Address,
    Amendment,
    CertificateData,
    CertificateKind,
    Customer,
    DecisionStatement,
    Environment,
    Item,
    Laboratory,
    Method,
    PerformanceLocation,
    PointResult,
    ResultSeries,
    Signatory,
    StandardUsed,
    Text,
)
from certificates.errors import CertificateDataError
from certificates.formatting import PREFIXES, UNITS
from certificates.metrology import Verdict
from lims.domain.legal.verification import add_months
from lims.domain.procedures import Procedure
from lims.domain.test_points import frequency_label, split_frequency
from lims.errors import N_
from lims.models import Job, JobKind, Lab, Measurement, StandardCalibration
from lims.services.access.legal import designation_text
from lims.services.bench.point_results import agreed_rule
from lims.services.certificates import weighing
from lims.services.certificates.errors import CertificateError
from lims.services.certificates.settings import CertificateSettings
from lims.services.certificates.verification import legal_content
from lims.services.jobs.jobs import job_standards
from lims.services.jobs.points import measurements
from lims.services.jobs.procedures import domain_procedure

_QUANTITIES = {
    "mass": ("Khối lượng", "Mass"),
    "temperature": ("Nhiệt độ", "Temperature"),
    "pressure": ("Áp suất", "Pressure"),
    "gauge pressure": ("Áp suất dư", "Gauge pressure"),
    "absolute pressure": ("Áp suất tuyệt đối", "Absolute pressure"),
    "electrical": ("Đại lượng điện", "Electrical quantity"),
    "DC voltage": ("Điện áp một chiều", "DC voltage"),
    "AC voltage": ("Điện áp xoay chiều", "AC voltage"),
    "DC current": ("Dòng điện một chiều", "DC current"),
    "AC current": ("Dòng điện xoay chiều", "AC current"),
    "resistance": ("Điện trở", "Resistance"),
    "length": ("Độ dài", "Length"),
    "volume_flow": ("Thể tích, lưu lượng", "Volume, flow"),
    "time_frequency": ("Thời gian, tần số", "Time, frequency"),
    "force": ("Lực", "Force"),
    "humidity": ("Độ ẩm", "Humidity"),
    "chemistry": ("Hóa lý", "Physical chemistry"),
}
_FUNCTIONS = {  # signatory functions most often found in Vietnamese centres, for the English line
    "giám đốc": "Director",
    "phó giám đốc": "Deputy Director",
    "giám đốc trung tâm": "Director of the Centre",
    "phó giám đốc trung tâm": "Deputy Director of the Centre",
    "trưởng phòng": "Head of Department",
    "phó trưởng phòng": "Deputy Head of Department",
    "người có thẩm quyền ký": "Authorised signatory",
}


def dsi_unit(symbol: str) -> str:
    """D-SI notation of a unit symbol as procedures write it.

    >>> dsi_unit("kg"), dsi_unit("°C"), dsi_unit("kPa"), dsi_unit("mV"), dsi_unit("bar")
    ('\\\\kilogram', '\\\\degreecelsius', '\\\\kilo\\\\pascal', '\\\\milli\\\\volt', '\\\\bar')
    """
    by_symbol = {sym: name for name, (sym, _prefixable) in UNITS.items() if sym}
    if symbol in by_symbol:
        return "\\" + by_symbol[symbol]
    prefixes = {sym: name for name, sym in PREFIXES.items()}
    for size in (2, 1):
        prefix, rest = symbol[:size], symbol[size:]
        name = by_symbol.get(rest)
        if prefix in prefixes and name is not None and UNITS[name][1]:
            return f"\\{prefixes[prefix]}\\{name}"
    raise CertificateError(N_("The unit %(unit)s cannot be written on a certificate (D-SI)."), unit=symbol)


def address(text: str, city: str | None = None) -> Address:
    street, _, tail = text.rpartition(",")
    if not street:
        street, tail = text, ""
    return Address(street.strip() or text, (city or tail or text).strip())


def free_text(text: str) -> Text:
    """A free text written once (a name, a customer's note): printed as entered in both lines."""
    return Text(text, text)


def signatory_function(title: str | None) -> Text:
    vi = (title or "").strip() or "Người có thẩm quyền ký"
    return Text(vi, _FUNCTIONS.get(unicodedata.normalize("NFC", vi).lower(), "Authorised signatory"))


def _number_text(value: Any) -> str:
    text = format(value, "f") if not isinstance(value, str) else value
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def requirement_months(job: Job, key: str) -> int | None:
    raw = (job.requirements or {}).get(key)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise CertificateError(
            N_("Job %(number)s: requirement %(key)s must be a whole number of months."),
            number=job.number,
            key=key,
        ) from None
    if not 0 < value <= 120:
        raise CertificateError(
            N_("Job %(number)s: requirement %(key)s must be a whole number of months."),
            number=job.number,
            key=key,
        )
    return value


def requested_verification_months(job: Job) -> int | None:
    """A validity shorter than the type's cycle asked for: the job's ``verification_months`` requirement,
    else the lab procedure's ``verification_months`` (the cycle caps both)."""
    months = requirement_months(job, "verification_months")
    if months is None and job.procedure is not None:
        months = int(job.procedure.definition.get("verification_months") or 0) or None
    return months


@dataclass(frozen=True, slots=True)
class IssueExtras:
    """What the certificate takes from outside the job record: the amendment and the signatory."""

    number: str
    issued_on: date
    signatory: Signatory
    stamp_number: str | None = None
    valid_until: date | None = None  # set for an amendment (kept from the replaced certificate)
    amendment: Amendment | None = None
    stamp: tuple[int, int] | None = None  # (batch id, number) taken from stock, affixed when recorded


def _environment(job: Job, rows: Sequence[Any]) -> Environment:
    values: dict[str, list[float]] = {}
    for m in rows:
        for env in (m.environment or {}, (m.as_found or {}).get("environment") or {}):
            for quantity, v in env.items():
                values.setdefault(quantity, []).extend(float(x) for x in (v if isinstance(v, list) else [v]))
    temps = values.get("temperature")
    if not temps:
        raise CertificateError(
            N_(
                "Job %(number)s has no recorded temperature: the certificate must state the environmental "
                "conditions (ISO/IEC 17025 7.8.4.1 b)."
            ),
            number=job.number,
        )
    rh = values.get("humidity")
    pressure = values.get("pressure")
    return Environment(
        min(temps),
        max(temps),
        min(rh) if rh else None,
        max(rh) if rh else None,
        sum(pressure) / len(pressure) if pressure else None,
    )


def _standards(session: Session, job: Job, on: date) -> tuple[StandardUsed, ...]:
    used = []
    for _link, std in job_standards(session, job.id):
        cal = session.scalar(
            select(StandardCalibration)
            .where(StandardCalibration.standard_id == std.id, StandardCalibration.calibrated_on <= on)
            .order_by(StandardCalibration.calibrated_on.desc(), StandardCalibration.id.desc())
            .limit(1)
        )
        if cal is None:
            raise CertificateError(
                N_("Standard %(asset)s has no calibration certificate dated on or before %(date)s."),
                asset=std.asset_number,
                date=on,
            )
        identification = std.asset_number + (f" (S/N {std.serial_number})" if std.serial_number else "")
        used.append(
            StandardUsed(std.name, identification, cal.certificate_number, cal.issuer_name, cal.valid_until)
        )
    if not used:
        raise CertificateError(
            N_("Job %(number)s names no standard: traceability cannot be stated."), number=job.number
        )
    return tuple(used)


def point_quantity(m: Measurement, proc: Procedure) -> tuple[str, str]:
    """The quantity and unit a point measured: its own when its result names them, else the procedure's.

    A point's result records the quantity and unit it was computed in (``lims.services.bench.measurements``).
    """
    point = m.point
    if point is None:
        return proc.quantity, m.unit or proc.unit
    return point.quantity or proc.quantity, point.unit or m.unit or proc.unit


def quantity_text(quantity: str) -> tuple[str, str]:
    """(Vietnamese, English) title of a series; an AC point's quantity names its frequency
    (``AC voltage 1000 Hz``, lims.services.bench.measurements), shown as "Điện áp xoay chiều, tần số 1 kHz".

    >>> quantity_text("AC voltage 10000 Hz")
    ('Điện áp xoay chiều, tần số 10 kHz', 'AC voltage, frequency 10 kHz')
    >>> quantity_text("AC voltage 12500 Hz")
    ('Điện áp xoay chiều, tần số 12,5 kHz', 'AC voltage, frequency 12.5 kHz')
    >>> quantity_text("resistance")
    ('Điện trở', 'Resistance')
    """
    base, hz = split_frequency(quantity)
    if hz is None or base not in _QUANTITIES:
        return _QUANTITIES.get(quantity, (quantity, quantity))
    vi, en = _QUANTITIES[base]
    return f"{vi}, tần số {frequency_label(hz, 'vi')}", f"{en}, frequency {frequency_label(hz, 'en')}"


def result_series(rows: Sequence[Measurement], proc: Procedure) -> tuple[ResultSeries, ...]:
    """One series per measured quantity and unit (7.8.2.1 m), in the order of their first point."""
    grouped: dict[tuple[str, str], list[tuple[PointResult, PointResult | None]]] = {}
    for m in rows:
        point, found = m.point, m.as_found_point
        assert point is not None  # checked by the caller
        # The stored record itself goes to the renderer, which rounds with the same function as every page
        # (PointResult.reported); no float copy of a point is made on the certificate path.
        grouped.setdefault(point_quantity(m, proc), []).append((point, found))
    series = []
    for (quantity, unit), pairs in grouped.items():
        vi, en = quantity_text(quantity)
        before = tuple(f for _, f in pairs)
        series.append(
            ResultSeries(
                Text(vi, en),
                dsi_unit(unit),
                tuple(p for p, _ in pairs),
                as_found=before if any(f is not None for f in before) else (),
                indication_kind=proc.indication_kind,  # R 76 P is not the instrument's indication
            )
        )
    return tuple(series)


def scope_remarks(points: Sequence[PointResult]) -> tuple[bool, tuple[Text, ...]]:
    """Whether the accreditation may appear, and the note naming results outside the accredited scope.

    ILAC-R7:05/2015 and ILAC-P14:09/2020 (from memory): the accreditation mark or reference to it is used
    only for results inside the accredited scope; a certificate that also reports results outside it
    identifies them clearly. A certificate with no result inside the scope carries no accreditation at all.
    """
    outside = [p for p in points if not p.within_scope]
    inside = len(outside) < len(points)
    if not outside:
        return inside, ()
    if not inside:
        return False, (
            Text(
                "Các kết quả trong giấy chứng nhận này nằm ngoài phạm vi được công nhận của phòng thí nghiệm.",
                "The results in this certificate are outside the laboratory's accredited scope.",
            ),
        )
    values = ", ".join(f"{p.nominal.normalize():f} {p.unit}" for p in outside)
    return True, (
        Text(
            f"Các kết quả tại {values} nằm ngoài phạm vi được công nhận; số hiệu công nhận không áp dụng cho "
            "các kết quả này (ILAC-P14, ILAC-R7).",
            f"The results at {values} are outside the accredited scope; the accreditation does not cover "
            "them (ILAC-P14, ILAC-R7).",
        ),
    )


def build_certificate_data(
    session: Session, job: Job, extras: IssueExtras, settings: CertificateSettings
) -> CertificateData:
    """The complete certificate of ``job`` (see the clause table in docs/certificates.md)."""
    if job.procedure is None:
        raise CertificateError(N_("Job %(number)s has no procedure."), number=job.number)
    proc = domain_procedure(job.procedure)
    lab = session.get(Lab, job.lab_id)
    assert lab is not None
    if not lab.email:
        raise CertificateError(
            N_("The laboratory %(code)s has no e-mail address; certificates must show how to reach it."),
            code=lab.code,
        )
    enterprise, inst = job.enterprise, job.instrument
    requirements = job.requirements or {}
    verification = job.kind == JobKind.VERIFICATION
    specification_name = str(requirements.get("specification") or "").strip()
    # A calibration states conformity only when the customer asked for it against a named specification
    # (ISO/IEC 17025:2017 7.1.3, 7.8.6.1): without one no MPE column and no verdict is printed.
    conformity_wanted = verification or (
        bool(requirements.get("conformity_statement")) and bool(specification_name)
    )
    rows = list(measurements(session, job.id).values())
    if not rows or any(not m.result for m in rows):
        raise CertificateError(N_("Job %(number)s has points without results."), number=job.number)
    series = result_series(rows, proc)
    points = [p for s in series for p in s.points]
    accredited, remarks = scope_remarks(points)
    decision = None
    overall = None
    if conformity_wanted:
        verdicts = {p.verdict for p in points}
        # The worst verdict of the decision engine's at any point. A verification point without a statement
        # (U > MPE/minimum_tur under simple acceptance) is not a pass: the verification is refused like a
        # failed one, whatever the procedure's version.
        overall = next(
            (
                c
                for c in (
                    Verdict.FAIL,
                    Verdict.CONDITIONAL_FAIL,
                    Verdict.NO_STATEMENT,
                    Verdict.CONDITIONAL_PASS,
                )
                if c in verdicts
            ),
            Verdict.PASS,
        )
        if weighing.failed_tests(
            session, job
        ):  # OIML R 76-1: zero, repeatability, eccentricity, discrimination
            overall = Verdict.FAIL
        rule = agreed_rule(job, proc)
        decision = DecisionStatement(
            rule=Text(rule.describe("vi"), rule.describe("en")),
            specification=Text(specification_name, specification_name)
            if specification_name
            else Text(
                f"Sai số lớn nhất cho phép theo quy trình {job.procedure.code}",
                f"Maximum permissible errors of procedure {job.procedure.code}",
            ),
            conformity=overall,
        )
    performed = job.measured_on or max((m.updated_at or m.created_at).date() for m in rows)
    verification_info = None
    method = Method(Text(proc.title_vi, proc.title_en), f"{job.procedure.code} v{job.procedure.version}")
    accreditation, designation = lab.accreditation_number or "", ""
    if verification:
        if overall is not Verdict.PASS:
            raise CertificateError(
                N_("Job %(number)s did not pass verification: issue a notice of failure, not a certificate."),
                number=job.number,
            )
        stamp = (extras.stamp_number or "").strip()
        if not stamp:
            raise CertificateError(
                N_("Enter the number of the verification stamp (tem) affixed to the instrument.")
            )
        content = legal_content(
            session,
            job,
            performed=performed,
            issued_on=extras.issued_on,
            stamp_number=stamp,
            passed=True,
            requested_months=requested_verification_months(job),
            fixed_valid_until=extras.valid_until,
        )
        verification_info = content.info
        # The legal basis is the ĐLVN procedure of the type, and the lab acts under its designation as a
        # verification body, not under its accreditation (issue 17).
        proc_text = content.legal_type.procedure
        method = Method(Text(proc_text.title.vi, proc_text.title.en), proc_text.reference)
        accreditation, designation = "", designation_text(content.designation)
        if decision is not None:
            decision = DecisionStatement(
                rule=decision.rule,
                specification=Text(
                    f"Yêu cầu kỹ thuật đo lường theo {proc_text.reference}",
                    f"Metrological requirements of {proc_text.reference}",
                ),
                conformity=decision.conformity,
            )
    recalibration_months = None if verification else requirement_months(job, "recalibration_months")
    low, high, res = inst.range_min, inst.range_max, inst.resolution
    location = PerformanceLocation.CUSTOMER if job.on_site else PerformanceLocation.LABORATORY
    supplied = tuple(free_text(str(s)) for s in requirements.get("customer_supplied") or () if str(s).strip())
    try:
        return CertificateData(
            kind=CertificateKind(job.kind.value),
            number=extras.number,
            lab=Laboratory(
                Text(lab.name_vi, lab.name_en),
                address(lab.address),
                lab.email,
                phone=lab.phone or "",
                accreditation=accreditation if accredited else "",
                designation=designation,
            ),
            customer=Customer(
                enterprise.name,
                address(enterprise.address, enterprise.province),
                email=enterprise.email or "",
                phone=enterprise.phone or "",
            ),
            item=Item(
                free_text(inst.instrument_type),
                inst.manufacturer or "—",
                inst.serial_number,
                model=inst.model or "",
                lab_identification=job.number,
                measuring_range=""
                if low is None or high is None
                else f"({_number_text(low)} … {_number_text(high)}) {inst.unit}",
                resolution="" if res is None else f"{_number_text(res)} {inst.unit}",
                accuracy_class=inst.accuracy_class or "",
                condition=free_text(job.condition_on_arrival) if job.condition_on_arrival else None,
            ),
            method=method,
            received_on=job.received_on if job.received_on and job.received_on <= performed else None,
            performed_from=performed,
            performed_to=performed,
            issued_on=extras.issued_on,
            results=series,
            environment=_environment(job, rows),
            standards=_standards(session, job, performed),
            signatory=extras.signatory,
            verification_url=settings.verification_url(extras.number),
            verification_code=settings.verification_code(extras.number),
            location=location,
            location_detail=address(enterprise.address, enterprise.province).one_line()
            if job.on_site
            else "",
            decision=decision,
            verification=verification_info,
            amendment=extras.amendment,
            customer_supplied=supplied,
            recalibration_requested=recalibration_months is not None,
            recalibration_due=add_months(performed, recalibration_months) if recalibration_months else None,
            # the accreditation scope's remarks, then the weighing tests found (cg-18 section 8; R 76-1 annex A)
            remarks=remarks + weighing.remarks(session, job, proc),
        )
    except CertificateDataError as exc:
        raise CertificateError(
            N_("Job %(number)s cannot be certified: %(reason)s"), number=job.number, reason=str(exc)
        ) from exc
