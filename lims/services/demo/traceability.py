"""Demo hierarchy of standards a metrologist would believe (issue 16 item 7): national and foreign NMI
certificates whose numbers agree with their dates, this lab's own calibrations numbered by the certificate
register in issue order, an accredited laboratory, and a table of U per calibration point on every
certificate (weights within MPE/3 of their OIML R 111 class, each in-house U at least the lab's CMC and
above its reference's U at every point, the SPRT's readout in the chain)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from lims.domain.traceability import IssuerKind
from lims.models import (
    IntermediateCheck,
    MeasurementStandard,
    StandardCalibration,
    StandardCalibrationSource,
    StandardStatus,
    StandardStatusChange,
)
from lims.services.common.storage import DatabaseStorage
from lims.services.standards.calibrations import allocate_in_house_number

VMI = "Viện Đo lường Việt Nam (VMI)"
#: A certificate's point: (value, unit, U at k = 2), and for an AC point its frequency in Hz.
CalibrationRow = tuple[float, str, float] | tuple[float, str, float, float]


def _certificate_pdf(number: str, issuer: str, asset: str, calibrated_on: date) -> bytes:
    """A one-page stand-in for the issuer's certificate, so the demo's links have a real stored file."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"Calibration certificate {number}")
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 770, "CALIBRATION CERTIFICATE (demo copy)")
    pdf.setFont("Helvetica", 11)
    for i, line in enumerate(
        [
            f"Number: {number}",
            f"Issuer: {issuer.encode('ascii', 'ignore').decode()}",
            f"Instrument: {asset}",
            f"Date of calibration: {calibrated_on.isoformat()}",
        ]
    ):
        pdf.drawString(72, 730 - 18 * i, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def record_calibration(
    session: Session,
    standard: MeasurementStandard,
    *,
    on: date,
    number: str,
    kind: IssuerKind,
    issuer: str,
    valid_days: int,
    points: Sequence[CalibrationRow],
    sources: tuple[MeasurementStandard, ...] = (),
    with_file: bool = True,
    kcdb_cmc_reference: str | None = None,
    accreditation_body: str | None = None,
    accreditation_number: str | None = None,
) -> StandardCalibration:
    """Record one certificate of a standard. ``number`` may contain ``{year}`` (the year of issue), so an
    NMI's number agrees with its date; a calibration by this lab takes its number from the certificate
    register (``number`` is then ignored: in-house series NB-YYYY-NNNNN, docs/certificates.md)."""
    issued = on if kind is IssuerKind.THIS_LAB else on + timedelta(days=4)
    if kind is IssuerKind.THIS_LAB:
        number = allocate_in_house_number(session, issued.year)
    else:
        number = number.format(year=issued.year)
    file_key = file_sha = None
    if with_file:
        data = _certificate_pdf(number, issuer, standard.asset_number, on)
        stored = DatabaseStorage(session).put(
            f"standard-certificates/{standard.asset_number}/{number}.pdf", data, "application/pdf"
        )
        file_key, file_sha = stored.key, stored.sha256
    cal = StandardCalibration(
        standard_id=standard.id,
        calibrated_on=on,
        certificate_number=number,
        issuer_kind=kind,
        issuer_name=issuer,
        issued_on=issued,
        valid_until=on + timedelta(days=valid_days),
        file_key=file_key,
        file_sha256=file_sha,
        points=[
            {"value": row[0], "unit": row[1], "expanded_uncertainty": row[2], "k": 2.0}
            | ({"frequency_hz": row[3]} if len(row) == 4 else {})
            for row in points
        ],
        kcdb_cmc_reference=kcdb_cmc_reference,
        accreditation_body=accreditation_body,
        accreditation_number=accreditation_number,
    )
    session.add(cal)
    session.flush()
    for source in sources:
        session.add(StandardCalibrationSource(calibration_id=cal.id, standard_id=source.id))
    standard.due_on = cal.valid_until
    return cal


LAB_NAME = "Trung tâm Đo lường Thành phố"
ACCREDITED_LAB = "Phòng hiệu chuẩn điện – điện tử (mẫu)"
PTB = "Physikalisch-Technische Bundesanstalt (PTB)"

# OIML R 111 weights: U (k = 2) at each nominal value, all within MPE/3 of the class (R 111-1 5.2, table 1).
# E2 1 mg – 1 kg (VMI): MPE/3 is 0.002 mg at 1 mg, 0.01 mg at 1 g, 0.053 mg at 100 g, 0.53 mg at 1 kg.
E2_SMALL = [
    (0.001, "g", 0.000002),
    (0.01, "g", 0.0000025),
    (0.1, "g", 0.000004),
    (1.0, "g", 0.000006),
    (10.0, "g", 0.000012),
    (100.0, "g", 0.00003),
    (1000.0, "g", 0.0003),
]
# E2 2 kg – 20 kg (VMI): MPE/3 is 1.0 mg at 2 kg, 2.7 mg at 5 kg, 5.3 mg at 10 kg, 10 mg at 20 kg.
E2_LARGE = [(2000.0, "g", 0.0006), (5000.0, "g", 0.0015), (10000.0, "g", 0.003), (20000.0, "g", 0.006)]
# F1 1 g – 20 kg, calibrated here against both E2 sets (OIML R 111-1 annex C, ABBA); MPE/3 is 0.033 mg at 1 g,
# 1.67 mg at 1 kg, 33.3 mg at 20 kg. Each U is at least the lab's CMC for weights (demo/jobs.py CMC) and
# about five times its E2 reference's U.
F1_SET = [
    (1.0, "g", 0.00003),
    (10.0, "g", 0.00006),
    (100.0, "g", 0.00015),
    (1000.0, "g", 0.0015),
    (2000.0, "g", 0.003),
    (5000.0, "g", 0.008),
    (10000.0, "g", 0.015),
    (20000.0, "g", 0.03),
]
# SPRT (VMI): fixed points Hg, TPW, Ga, Sn, Zn and a comparison point at −40 °C, U (k = 2) in °C.
SPRT = [
    (-40.0, "°C", 0.01),
    (-38.8344, "°C", 0.004),
    (0.01, "°C", 0.002),
    (29.7646, "°C", 0.003),
    (231.928, "°C", 0.005),
    (419.527, "°C", 0.008),
]
# Thermometer readout (resistance ratio bridge) calibrated with standard resistors, U (k = 2) in Ω.
READOUT = [(1.0, "Ω", 0.000002), (25.0, "Ω", 0.00003), (100.0, "Ω", 0.00012), (400.0, "Ω", 0.0006)]
# Piston gauge (PTB): U ≈ 0.005 % – 0.01 % of pressure, in MPa.
PISTON = [
    (0.1, "MPa", 0.000008),
    (0.5, "MPa", 0.00003),
    (1.0, "MPa", 0.00006),
    (2.0, "MPa", 0.00012),
    (5.0, "MPa", 0.0003),
    (7.0, "MPa", 0.00034),
    (20.0, "MPa", 0.0012),
    (60.0, "MPa", 0.006),
]
# Pressure controller 0 – 7 000 kPa, calibrated here against the piston gauge (the zero vented to the
# atmosphere): 0.02 % of span (1.4 kPa), more than three times the piston gauge's U at every point, and not
# below the lab's CMC.
CONTROLLER = [(p, "kPa", 1.4) for p in (0.0, 100.0, 500.0, 1000.0, 2000.0, 4000.0, 7000.0)]
# Oil bath −40 … 150 °C (Fluke 7340), characterised here with the SPRT and its readout: U of the bath's
# temperature at the working depth, including uniformity and stability (the lab's characterisation; EURAMET
# cg-13 is for dry block calibrators and was used only as a model).
BATH = [(-40.0, "°C", 0.05), (0.0, "°C", 0.04), (100.0, "°C", 0.04), (150.0, "°C", 0.05)]
# Multifunction calibrator (accredited laboratory): U (k = 2) at each output, both polarities for DC (a DMM's
# DC ranges are calibrated at +90 % and −90 % of full scale, EURAMET cg-15). DC voltage in V:
CALIBRATOR_DCV: list[CalibrationRow] = [
    (-1000.0, "V", 0.01),
    (-100.0, "V", 0.0008),
    (-20.0, "V", 0.00008),
    (-10.0, "V", 0.00004),
    (-2.0, "V", 0.00001),
    (-1.0, "V", 0.000008),
    (-0.1, "V", 0.000003),
    (0.0, "V", 0.000001),
    (0.1, "V", 0.000003),
    (1.0, "V", 0.000008),
    (2.0, "V", 0.00001),
    (10.0, "V", 0.00004),
    (20.0, "V", 0.00008),
    (100.0, "V", 0.0008),
    (1000.0, "V", 0.01),
]
# DC current in A, 0 (open) to ±10 A: 100 ppm at 100 µA, 40 ppm from 1 mA to 100 mA, 80 ppm at 1 A, 200 ppm at
# 10 A (the transconductance stage).
_DCI = [(1e-4, 1e-8), (1e-3, 4e-8), (1e-2, 4e-7), (0.1, 4e-6), (1.0, 8e-5), (10.0, 2e-3)]
CALIBRATOR_DCI: list[CalibrationRow] = [
    *[(-i, "A", u) for i, u in reversed(_DCI)],
    (0.0, "A", 5e-9),
    *[(i, "A", u) for i, u in _DCI],
]
# Resistance in Ω, the short (0 Ω, the zero test) to 100 MΩ: 20 ppm – 25 ppm from 1 kΩ to 100 kΩ.
CALIBRATOR_R: list[CalibrationRow] = [
    (0.0, "Ω", 0.0005),
    (10.0, "Ω", 0.0005),
    (100.0, "Ω", 0.003),
    (1000.0, "Ω", 0.02),
    (10000.0, "Ω", 0.2),
    (100000.0, "Ω", 2.5),
    (1e6, "Ω", 50.0),
    (1e7, "Ω", 1000.0),
    (1e8, "Ω", 50000.0),
]
# AC voltage in V (RMS) at its frequencies in Hz: 1 kHz on every decade, 50 Hz and 10 kHz from 0.1 V to 10 V
# (the frequencies CAL-DMM-ACV uses; nothing is interpolated across frequencies).
CALIBRATOR_ACV: list[CalibrationRow] = [
    (0.1, "V", 0.00002, 1000.0),
    (1.0, "V", 0.00008, 1000.0),
    (10.0, "V", 0.0008, 1000.0),
    (100.0, "V", 0.008, 1000.0),
    *[(v, "V", u, f) for f in (50.0, 10000.0) for v, u in ((0.1, 0.000025), (1.0, 0.0001), (10.0, 0.001))],
]
CALIBRATOR: list[CalibrationRow] = [*CALIBRATOR_DCV, *CALIBRATOR_DCI, *CALIBRATOR_R, *CALIBRATOR_ACV]
DMM_8_5 = [(1.0, "V", 0.000004), (10.0, "V", 0.00003), (100.0, "V", 0.0005), (1000.0, "V", 0.008)]
CHECK_WEIGHT = [(10000.0, "g", 0.016)]


def load_traceability_demo(
    session: Session, standards: dict[str, MeasurementStandard], *, today: date
) -> None:
    """Every certificate of the demo's standards, recorded in the order of issue (so the in-house register
    numbers follow it). The chains are complete where they truly are; the demo's deliberate defects are the
    expired conductivity reference material and the check weight quarantined after an intermediate check out
    of its limits."""
    s = standards
    vmi = IssuerKind.NATIONAL_METROLOGY_INSTITUTE
    this = IssuerKind.THIS_LAB
    # (days ago, asset, number, issuer kind, issuer, validity days, points, sources, extra)
    plan: list[
        tuple[
            int,
            str,
            str,
            IssuerKind,
            str,
            int,
            Sequence[CalibrationRow],
            tuple[str, ...],
            dict[str, str],
        ]
    ] = [
        (975, "CDL-KL-001", "V01.{year}.0388", vmi, VMI, 730, E2_SMALL, (), {}),
        (960, "CDL-KL-004", "V01.{year}.0391", vmi, VMI, 730, E2_LARGE, (), {}),
        (525, "CDL-KL-002", "", this, LAB_NAME, 365, F1_SET, ("CDL-KL-001", "CDL-KL-004"), {}),
        (430, "CDL-NH-001", "V03.{year}.1187", vmi, VMI, 730, SPRT, (), {}),
        (350, "CDL-KL-003", "", this, LAB_NAME, 365, CHECK_WEIGHT, ("CDL-KL-004",), {}),
        (
            320,
            "CDL-AS-001",
            "PTB-3.31-{year}-0815",
            IssuerKind.OTHER_NMI,
            PTB,
            730,
            PISTON,
            (),
            {"kcdb_cmc_reference": "EURAMET-M-P-DE-00012"},
        ),
        (
            300,
            "CDL-DI-001",
            "E-{year}-1182",
            IssuerKind.ACCREDITED_LAB,
            ACCREDITED_LAB,
            365,
            CALIBRATOR,
            (),
            {"accreditation_body": "BoA", "accreditation_number": "VILAS 9999"},
        ),
        (275, "CDL-AS-002", "", this, LAB_NAME, 365, CONTROLLER, ("CDL-AS-001",), {}),
        (245, "CDL-KL-001", "V01.{year}.0412", vmi, VMI, 730, E2_SMALL, (), {}),
        (230, "CDL-KL-004", "V01.{year}.0415", vmi, VMI, 730, E2_LARGE, (), {}),
        (200, "CDL-NH-002", "V05.{year}.0164", vmi, VMI, 365, READOUT, (), {}),
        (160, "CDL-KL-002", "", this, LAB_NAME, 365, F1_SET, ("CDL-KL-001", "CDL-KL-004"), {}),
        (130, "CDL-NH-003", "", this, LAB_NAME, 365, BATH, ("CDL-NH-001", "CDL-NH-002"), {}),
        (105, "CDL-DI-002", "V05.{year}.0233", vmi, VMI, 365, DMM_8_5, (), {}),
    ]
    for days, asset, number, kind, issuer, valid_days, points, sources, extra in sorted(
        plan, key=lambda row: -row[0]
    ):
        record_calibration(
            session,
            s[asset],
            on=today - timedelta(days=days),
            number=number,
            kind=kind,
            issuer=issuer,
            valid_days=valid_days,
            points=points,
            sources=tuple(s[a] for a in sources),
            kcdb_cmc_reference=extra.get("kcdb_cmc_reference"),
            accreditation_body=extra.get("accreditation_body"),
            accreditation_number=extra.get("accreditation_number"),
        )
    for asset in ("CDL-KL-001", "CDL-KL-004", "CDL-NH-001", "CDL-NH-002", "CDL-AS-001"):
        session.add(
            StandardStatusChange(
                standard_id=s[asset].id,
                effective_on=today - timedelta(days=2000),
                status=StandardStatus.IN_SERVICE,
                reason="Đưa vào sử dụng",
            )
        )
    deviations_mg = [2, 4, 1, 3, 5, 2, 3, 4, 2, 12]  # the last check leaves the ±10 mg limits
    for month, mg in enumerate(deviations_mg):
        session.add(
            IntermediateCheck(
                standard_id=s["CDL-KL-003"].id,
                check_standard_id=s["CDL-KL-002"].id,
                checked_on=today - timedelta(days=30 * (len(deviations_mg) - month)),
                value=Decimal(10000) + Decimal(mg) / 1000,
                unit="g",
                lower_limit=Decimal("9999.990"),
                upper_limit=Decimal("10000.010"),
                notes="So sánh với bộ quả cân F1",
            )
        )
    # The deliberate defect a metrologist would act on (6.4.10, 7.10): the check weight's last intermediate
    # check left its limits, so it is quarantined until recalibrated and its chain is not complete.
    s["CDL-KL-003"].status = StandardStatus.QUARANTINED
    session.add(
        StandardStatusChange(
            standard_id=s["CDL-KL-003"].id,
            effective_on=today - timedelta(days=29),
            status=StandardStatus.QUARANTINED,
            reason="Kiểm tra trung gian lệch +12 mg, vượt giới hạn ±10 mg; chờ hiệu chuẩn lại",
        )
    )
    session.flush()
