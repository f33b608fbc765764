"""Example certificates for documentation, demonstrations, tests and benchmarks.

The values are a plausible balance calibration and a pressure-gauge verification; they are examples of the
data format, not results of a real calibration.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

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
    PointResult,
    ResultSeries,
    Signatory,
    StandardUsed,
    Text,
    Verdict,
    VerificationInfo,
    VerificationType,
)
from certificates.metrology.coverage import CoverageDistribution
from certificates.metrology.decision import DecisionRule, RuleKind, judge

if TYPE_CHECKING:
    from certificates.notice import FailureNotice

__all__ = [
    "example_amended",
    "example_calibration",
    "example_failure_notice",
    "example_point",
    "example_verification",
]

ICT = timezone(timedelta(hours=7), "ICT")

LAB = Laboratory(
    name=Text(
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Đà Nẵng",
        "Da Nang Centre for Standards, Metrology and Quality Techniques",
    ),
    address=Address("số 12 đường Lê Lợi, phường Hải Châu", "Đà Nẵng", "VN", "550000"),
    email="hieuchuan@ttdl.example.vn",
    phone="+84 236 3888 999",
    accreditation="VILAS 999",
    short_name="TTĐL Đà Nẵng",
)
CUSTOMER = Customer(
    name="Công ty TNHH Thực phẩm Sông Hàn",
    address=Address("Lô 5, Khu công nghiệp Hòa Khánh, quận Liên Chiểu", "Đà Nẵng", "VN"),
    email="qa@songhan.example.vn",
    phone="+84 236 3777 111",
)
STANDARDS = (
    StandardUsed(
        "Bộ quả cân chuẩn cấp chính xác E2 / E2 weight set",
        "QC-E2-07",
        "V01.2026.0042",
        "Viện Đo lường Việt Nam (VMI)",
        date(2027, 3, 31),
    ),
    StandardUsed(
        "Nhiệt ẩm kế / Thermohygrometer", "NA-03", "HC-2026-00011", "TTĐL Đà Nẵng", date(2027, 1, 15)
    ),
)


SIMPLE = DecisionRule(RuleKind.SIMPLE)


def example_point(
    quantity: str,
    unit: str,
    reference: Decimal,
    error: Decimal,
    expanded_uncertainty: Decimal,
    mpe: Decimal | None = None,
    *,
    as_found: bool = False,
) -> PointResult:
    """A point result as the bench records it: k = 2 from the normal distribution (EA-4/02 M:2022 5),
    p = 95 %, u = U/k, and with an MPE the verdict of ILAC-G8:09/2019 4.2.1 simple acceptance against it.

    >>> p = example_point("mass", "g", Decimal("100"), Decimal("0.002"), Decimal("0.0007"), Decimal("0.02"))
    >>> p.indication, p.standard_uncertainty, p.verdict.value
    (Decimal('100.002'), Decimal('0.00035'), 'pass')
    """
    k = Decimal(2)
    return PointResult(
        quantity=quantity,
        unit=unit,
        nominal=reference,
        reference_value=reference,
        indication=reference + error,
        error=error,
        standard_uncertainty=expanded_uncertainty / k,
        effective_dof=None,
        coverage_factor=k,
        coverage_probability=Decimal("0.95"),
        distribution=CoverageDistribution.NORMAL,
        expanded_uncertainty=expanded_uncertainty,
        mpe=mpe,
        decision_rule=None if mpe is None else SIMPLE,
        verdict=None if mpe is None else judge(float(error), float(mpe), None, SIMPLE),
        as_found=as_found,
    )


def example_calibration(points: int = 10, *, number: str = "HC-2026-00042") -> CertificateData:
    """A balance calibration with ``points`` load points, decision rule and as-found values at two points.

    >>> example_calibration(3).results[0].points[1].reference_value
    Decimal('100.0000')
    """
    step = Decimal(200) / max(points - 1, 1)
    rows, found = [], []
    for i in range(points):
        nominal = (i * step).quantize(Decimal("0.0001"))
        error = (Decimal("0.0004") * ((i * 7) % 5 - 2) + Decimal("0.00002") * nominal).quantize(
            Decimal("0.0001")
        )
        u = (Decimal("0.0003") + Decimal("0.000004") * nominal).quantize(Decimal("0.000001"))
        mpe = Decimal("0.01") if nominal <= 50 else Decimal("0.02")
        rows.append(example_point("mass", "g", nominal, error, u, mpe))
        found.append(
            None
            if i % 4
            else example_point("mass", "g", nominal, error + Decimal("0.002"), u, mpe, as_found=True)
        )
    return CertificateData(
        kind=CertificateKind.CALIBRATION,
        number=number,
        lab=LAB,
        customer=CUSTOMER,
        item=Item(
            Text("Cân phân tích điện tử", "Electronic analytical balance"),
            "Mettler-Toledo",
            "B712345678",
            model="XPR225",
            customer_identification="SH-QA-017",
            lab_identification="NH-2026-1187",
            measuring_range="(0 … 220) g",
            resolution="0,01 mg",
            accuracy_class="I",
            condition=Text("Hoạt động bình thường, không hư hỏng", "Working, no visible damage"),
        ),
        method=Method(
            Text("Cân phân tích – Quy trình hiệu chuẩn", "Analytical balances – Calibration procedure"),
            "QTHC-05:2024",
            deviations=None,
        ),
        received_on=date(2026, 11, 16),
        performed_from=date(2026, 11, 18),
        performed_to=date(2026, 11, 18),
        issued_on=date(2026, 11, 20),
        results=(ResultSeries(Text("Khối lượng", "Mass"), "\\gram", tuple(rows), as_found=tuple(found)),),
        environment=Environment(20.1, 21.3, 48.0, 55.0, 1009.0),
        standards=STANDARDS,
        decision=DecisionStatement(
            rule=Text(
                "ILAC-G8:09/2019 mục 4.2.1 – quy tắc chấp nhận đơn giản (w = 0)",
                "ILAC-G8:09/2019 clause 4.2.1 – binary statement, simple acceptance (w = 0)",
            ),
            specification=Text(
                "Sai số lớn nhất cho phép theo yêu cầu của khách hàng",
                "Maximum permissible errors specified by the customer",
            ),
            conformity=Verdict.PASS,
        ),
        signatory=Signatory(
            "Nguyễn Thị Thu Hằng",
            Text("Phó Giám đốc", "Deputy Director"),
            datetime(2026, 11, 20, 15, 42, 7, tzinfo=ICT),
        ),
        verification_url=f"https://lims.example.vn/verify/{number}",
        customer_supplied=(Text("Phạm vi sử dụng: (0 … 200) g", "Range of use: (0 … 200) g"),),
        remarks=(
            Text(
                "Cân đã được hiệu chỉnh bằng quả cân nội trước khi hiệu chuẩn.",
                "The balance was adjusted with its internal weight before calibration.",
            ),
        ),
    )


def example_verification(*, number: str = "KĐ-2026-00007") -> CertificateData:
    """A periodic verification of a pressure gauge (kiểm định định kỳ áp kế), passed.

    >>> example_verification().verification.stamp_number
    'DN-26-001234'
    """
    points = tuple(
        example_point("pressure", "bar", Decimal(p), Decimal(e), Decimal("0.012"), Decimal("0.1"))
        for p, e in (
            ("0.0", "0.0"),
            ("1.0", "0.02"),
            ("2.0", "0.03"),
            ("4.0", "-0.02"),
            ("6.0", "0.04"),
            ("8.0", "0.05"),
            ("10.0", "0.03"),
        )
    )
    base = example_calibration(3)
    return replace(
        base,
        kind=CertificateKind.VERIFICATION,
        number=number,
        item=Item(
            Text("Áp kế kiểu lò xo", "Bourdon tube pressure gauge"),
            "Wika",
            "1A2B3C4",
            model="213.53",
            measuring_range="(0 … 10) bar",
            resolution="0,2 bar",
            accuracy_class="1,0",
        ),
        method=Method(
            Text(
                "Áp kế kiểu lò xo – Quy trình kiểm định",
                "Bourdon tube pressure gauges – Verification procedure",
            ),
            "ĐLVN 08:2011",
        ),
        results=(ResultSeries(Text("Áp suất", "Pressure"), "\\bar", points),),
        standards=(
            StandardUsed(
                "Áp kế chuẩn điện tử / Digital reference gauge",
                "AK-11",
                "V03.2026.0101",
                "Viện Đo lường Việt Nam (VMI)",
                date(2027, 5, 1),
            ),
        ),
        decision=None,
        customer_supplied=(),
        remarks=(),
        verification=VerificationInfo(True, "DN-26-001234", date(2027, 11, 17), VerificationType.PERIODIC),
        verification_url=f"https://lims.example.vn/verify/{number}",
    )


def example_amended() -> CertificateData:
    """Amendment 1 of :func:`example_calibration`, replacing it because the serial number was wrong.

    >>> example_amended().amendment.replaces
    'HC-2026-00042'
    """
    base = example_calibration(number="HC-2026-00051")
    return replace(
        base,
        issued_on=date(2026, 11, 25),
        signatory=replace(base.signatory, signed_at=datetime(2026, 11, 25, 9, 5, tzinfo=ICT)),
        amendment=Amendment(
            "HC-2026-00042",
            1,
            Text("Sửa số sản xuất của phương tiện đo", "Correction of the item's serial number"),
        ),
    )


def example_failure_notice() -> FailureNotice:
    """A platform scale (Max 15 kg, e = 5 g, class III) that failed verification at 15 kg.

    MPE at initial verification for class III (OIML R 76-1 table 6, from memory): ±1 e up to 500 e
    (2,5 kg), ±2 e up to 2000 e (10 kg), ±3 e above: 5 g, 10 g, 15 g. At 15 kg the error +25 g exceeds 15 g.

    >>> notice = example_failure_notice()
    >>> [p.verdict.value for p in notice.results[0].points]
    ['pass', 'pass', 'fail']
    """
    from certificates.notice import FailureNotice

    base = example_calibration()
    points = tuple(
        example_point("mass", "kg", Decimal(m), Decimal(e), Decimal("0.0029"), Decimal(mpe))
        for m, e, mpe in (("2.5", "0.005", "0.005"), ("10", "0.005", "0.010"), ("15", "0.025", "0.015"))
    )
    return FailureNotice(
        number="TB-KĐ-2026-00003",
        lab=replace(base.lab, accreditation="", designation="125/QĐ-TĐC ngày / of 2025-03-01 (Tổng cục TĐC)"),
        customer=base.customer,
        item=Item(Text("Cân điện tử", "Electronic scale"), "Ohaus", "D30-0117", model="Defender 3000"),
        instrument_type=Text("Cân bàn", "Platform scale"),
        procedure=Text(
            "ĐLVN 14:2009 Cân bàn – Quy trình kiểm định",
            "ĐLVN 14:2009 Platform scales – verification procedure",
        ),
        verified_on=date(2026, 11, 18),
        issued_on=date(2026, 11, 19),
        officer="Trần Thị Lan",
        officer_card="Thẻ kiểm định viên / Officer card KĐV-0312 (Tổng cục TĐC)",
        results=(ResultSeries(Text("Khối lượng", "Mass"), "\\kilogram", points),),
        failed_requirement=Text(
            "Sai số vượt sai số lớn nhất cho phép tại 15 kg (ĐLVN 14:2009, kiểm tra đo lường)",
            "Error beyond the maximum permissible error at 15 kg (ĐLVN 14:2009, metrological examination)",
        ),
        signatory="Đỗ Thị Thu",
        signatory_function=Text("Phó Giám đốc Trung tâm", "Deputy Director of the Centre"),
    )
