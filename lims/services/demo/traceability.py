"""Demo hierarchy of standards: national and foreign NMI certificates, this lab's own calibrations,
an accredited laboratory, intermediate checks, and one deliberately expired link so findings show."""

from __future__ import annotations

import io
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

VMI = "Viện Đo lường Việt Nam (VMI)"


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
    points: list[tuple[float, str, float]],
    sources: tuple[MeasurementStandard, ...] = (),
    with_file: bool = True,
    **extra: str,
) -> None:
    file_key = file_sha = None
    if with_file:
        data = _certificate_pdf(number, issuer, standard.asset_number, on)
        stored = DatabaseStorage(session).put(
            f"standard-certificates/{standard.asset_number}/{number}.pdf", data, "application/pdf"
        )
        file_key, file_sha = stored.key, stored.sha256
    issued = on if kind is IssuerKind.THIS_LAB else on + timedelta(days=4)
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
        points=[{"value": v, "unit": u, "expanded_uncertainty": e, "k": 2.0} for v, u, e in points],
        **extra,
    )
    session.add(cal)
    session.flush()
    for source in sources:
        session.add(StandardCalibrationSource(calibration_id=cal.id, standard_id=source.id))
    standard.due_on = cal.valid_until


def load_traceability_demo(
    session: Session, standards: dict[str, MeasurementStandard], *, today: date
) -> None:
    s = standards
    year = today.year
    # Earlier certificates: what older calibrations relied on when they were made.
    record_calibration(
        session,
        s["CDL-KL-001"],
        on=today - timedelta(days=975),
        number=f"V01.{year - 3}.0388",
        kind=IssuerKind.NATIONAL_METROLOGY_INSTITUTE,
        issuer=VMI,
        valid_days=730,
        points=[(1.0, "g", 0.00001), (100.0, "g", 0.00005), (1000.0, "g", 0.0003)],
    )
    record_calibration(
        session,
        s["CDL-KL-002"],
        on=today - timedelta(days=525),
        number=f"HC-{year - 1}-00021",
        kind=IssuerKind.THIS_LAB,
        issuer="Trung tâm Đo lường Thành phố",
        valid_days=365,
        points=[(1000.0, "g", 0.0016), (10000.0, "g", 0.016), (20000.0, "g", 0.03)],
        sources=(s["CDL-KL-001"],),
    )
    record_calibration(
        session,
        s["CDL-KL-001"],
        on=today - timedelta(days=245),
        number=f"V01.{year - 1}.0412",
        kind=IssuerKind.NATIONAL_METROLOGY_INSTITUTE,
        issuer=VMI,
        valid_days=730,
        points=[(1.0, "g", 0.00001), (100.0, "g", 0.00005), (1000.0, "g", 0.0003)],
    )
    record_calibration(
        session,
        s["CDL-KL-002"],
        on=today - timedelta(days=160),
        number=f"HC-{year}-00011",
        kind=IssuerKind.THIS_LAB,
        issuer="Trung tâm Đo lường Thành phố",
        valid_days=365,
        points=[(1000.0, "g", 0.0016), (10000.0, "g", 0.016), (20000.0, "g", 0.03)],
        sources=(s["CDL-KL-001"],),
    )
    record_calibration(
        session,
        s["CDL-KL-003"],
        on=today - timedelta(days=350),
        number=f"HC-{year - 1}-00187",
        kind=IssuerKind.THIS_LAB,
        issuer="Trung tâm Đo lường Thành phố",
        valid_days=365,
        points=[(10000.0, "g", 0.08)],
        sources=(s["CDL-KL-002"],),
    )
    record_calibration(
        session,
        s["CDL-NH-001"],
        on=today - timedelta(days=430),
        number=f"V03.{year - 2}.1187",
        kind=IssuerKind.NATIONAL_METROLOGY_INSTITUTE,
        issuer=VMI,
        valid_days=730,
        points=[(0.01, "°C", 0.002), (100.0, "°C", 0.005), (231.928, "°C", 0.008)],
    )
    # Deliberately left expired: the readout's last calibration ran out twenty days ago.
    record_calibration(
        session,
        s["CDL-NH-002"],
        on=today - timedelta(days=385),
        number=f"HC-{year - 1}-00102",
        kind=IssuerKind.THIS_LAB,
        issuer="Trung tâm Đo lường Thành phố",
        valid_days=365,
        points=[(0.01, "°C", 0.012), (100.0, "°C", 0.02)],
        sources=(s["CDL-NH-001"],),
    )
    record_calibration(
        session,
        s["CDL-AS-001"],
        on=today - timedelta(days=320),
        number="PTB-3.31-2024-0815",
        kind=IssuerKind.OTHER_NMI,
        issuer="Physikalisch-Technische Bundesanstalt (PTB)",
        valid_days=730,
        points=[(1.0, "MPa", 0.00006), (7.0, "MPa", 0.0003), (60.0, "MPa", 0.006)],
        kcdb_cmc_reference="EURAMET-M-P-DE-00012",
    )
    record_calibration(
        session,
        s["CDL-AS-002"],
        on=today - timedelta(days=275),
        number=f"HC-{year}-00003",
        kind=IssuerKind.THIS_LAB,
        issuer="Trung tâm Đo lường Thành phố",
        valid_days=365,
        points=[(1.0, "MPa", 0.0005), (7.0, "MPa", 0.0014)],
        sources=(s["CDL-AS-001"],),
    )
    record_calibration(
        session,
        s["CDL-DI-002"],
        on=today - timedelta(days=105),
        number=f"V05.{year}.0233",
        kind=IssuerKind.NATIONAL_METROLOGY_INSTITUTE,
        issuer=VMI,
        valid_days=365,
        points=[(1.0, "V", 0.000004), (10.0, "V", 0.00003), (100.0, "V", 0.0005)],
    )
    record_calibration(
        session,
        s["CDL-DI-001"],
        on=today - timedelta(days=320),
        number="E-2025-1182",
        kind=IssuerKind.ACCREDITED_LAB,
        issuer="Phòng hiệu chuẩn điện – điện tử (mẫu)",
        valid_days=365,
        points=[(1.0, "V", 0.000016), (10.0, "V", 0.00012), (100.0, "V", 0.0016)],
        accreditation_body="BoA",
        accreditation_number="VILAS 9999",
    )
    for asset in ("CDL-KL-001", "CDL-NH-001", "CDL-AS-001"):
        session.add(
            StandardStatusChange(
                standard_id=s[asset].id,
                effective_on=today - timedelta(days=2000),
                status=StandardStatus.IN_SERVICE,
                reason="Đưa vào sử dụng",
            )
        )
    session.add(
        StandardStatusChange(
            standard_id=s["CDL-NH-002"].id,
            effective_on=today - timedelta(days=20),
            status=StandardStatus.OVERDUE,
            reason="Quá hạn hiệu chuẩn",
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
    session.flush()
