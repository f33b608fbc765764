"""The demonstration data set: a city metrology centre, its standards and customers, users of every role."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain.taxcode import check_digit
from lims.models import (
    CustomerInstrument,
    Enterprise,
    Lab,
    MeasurementStandard,
    Quantity,
    ReferenceMaterial,
    Role,
    StandardLevel,
    StandardStatus,
    User,
)
from lims.services.access.accounts import NewUser, create_user
from lims.services.bench.stations import StationInput, save_station
from lims.services.demo.accounts import DEMO_PASSWORD as DEMO_PASSWORD  # the demo commands read it here
from lims.services.demo.jobs import load_demo_jobs
from lims.services.demo.quality import load_quality_demo
from lims.services.demo.requests import load_demo_requests
from lims.services.demo.traceability import load_traceability_demo

# The electrical lab's bench DMM, read by the station worker on its bench PC. The demo port is the stable link
# that `lims bench simulate --driver scpi-dmm --link /tmp/lims-demo-dmm` keeps (docs/bench-agent.md), so a
# capture from the demo bench page runs end to end; its readings are in V, the unit of the CAL-DMM-DCV jobs.
DEMO_STATION_NAME = "dmm-1"
DEMO_STATION_DRIVER = "scpi-dmm"
DEMO_STATION_PORT = "/tmp/lims-demo-dmm"  # noqa: S108 - a simulator link on the demo machine, not a temp file
DEMO_STATION_DESCRIPTION = "Phòng đo lường điện – bàn hiệu chuẩn đồng hồ vạn năng"


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Lab))


def tax_code(first_nine: str) -> str:
    """Complete nine digits with their check digit (the demo only uses prefixes that have one)."""
    digit = check_digit(first_nine)
    assert digit is not None, first_nine
    return first_nine + str(digit)


def demo_logins(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(User.username, User.role).order_by(User.id)).all()
    return [(r.username, str(r.role)) for r in rows]


ENTERPRISES = [
    (
        "Công ty Cổ phần Cơ khí Chính xác An Nam",
        "010234567",
        "Số 12 Phố Phạm Hùng, Nam Từ Liêm, Hà Nội",
        "Hà Nội",
        "Cơ khí chế tạo",
    ),
    (
        "Công ty TNHH Thực phẩm Sơn Hà",
        "010345678",
        "Lô B4 KCN Quang Minh, Mê Linh, Hà Nội",
        "Hà Nội",
        "Chế biến thực phẩm",
    ),
    (
        "Công ty Cổ phần Dược phẩm Hồng Đức",
        "010456789",
        "89 Đường Giải Phóng, Hai Bà Trưng, Hà Nội",
        "Hà Nội",
        "Dược phẩm",
    ),
    (
        "Công ty TNHH Điện tử Sông Hàn",
        "040123457",
        "KCN Hòa Khánh, Liên Chiểu, Đà Nẵng",
        "Đà Nẵng",
        "Điện tử",
    ),
    (
        "Công ty Cổ phần Xăng dầu Thăng Long",
        "010567891",
        "Km 9 Quốc lộ 1A, Thanh Trì, Hà Nội",
        "Hà Nội",
        "Kinh doanh xăng dầu",
    ),
]

USERS = [
    ("admin", "Nguyễn Văn Quản", Role.ADMIN, "Quản trị hệ thống", None),
    ("ktv.lan", "Trần Thị Lan", Role.TECHNICIAN, "Kỹ thuật viên hiệu chuẩn khối lượng", None),
    ("ktv.minh", "Lê Quang Minh", Role.TECHNICIAN, "Kỹ thuật viên điện – nhiệt", None),
    ("kt.hung", "Phạm Đức Hùng", Role.REVIEWER, "Trưởng phòng Đo lường", None),
    ("ky.thu", "Đỗ Thị Thu", Role.SIGNATORY, "Phó Giám đốc Trung tâm", None),
    ("dg.mai", "Vũ Thị Mai", Role.AUDITOR, "Chuyên gia đánh giá", None),
    ("kh.annam", "Hoàng Văn Nam", Role.CUSTOMER, "Quản lý chất lượng", 0),
    ("kh.sonha", "Bùi Thị Hà", Role.CUSTOMER, "Trưởng phòng QA", 1),
]

DUE_OFFSETS_DAYS = (-6, 12, 26, 44, 71, 85, 160, 240, 320)
ENTERPRISE_ADMINS = frozenset({"kh.annam"})  # may invite colleagues of An Nam in the portal


def _standards(lab: Lab, today: date) -> list[MeasurementStandard]:
    def std(
        asset: str,
        name: str,
        quantity: Quantity,
        level: StandardLevel,
        unit: str,
        rng: tuple[str, str],
        accuracy: str,
        maker: str,
        model: str,
        serial: str,
        due_in_days: int,
        interval: int = 12,
        status: StandardStatus = StandardStatus.IN_SERVICE,
        firmware: str | None = None,
        characteristics: dict[str, object] | None = None,
    ) -> MeasurementStandard:
        return MeasurementStandard(
            lab_id=lab.id,
            asset_number=asset,
            name=name,
            quantity=quantity,
            level=level,
            unit=unit,
            range_min=Decimal(rng[0]),
            range_max=Decimal(rng[1]),
            accuracy=accuracy,
            manufacturer=maker,
            model=model,
            serial_number=serial,
            firmware_version=firmware,
            custodian="Phòng Đo lường",
            location="Phòng thí nghiệm khối lượng"
            if quantity == Quantity.MASS
            else "Phòng thí nghiệm điện – nhiệt",
            status=status,
            calibration_interval_months=interval,
            due_on=today + timedelta(days=due_in_days),
            characteristics=characteristics,
        )

    return [
        std(
            "CDL-KL-001",
            "Bộ quả cân chuẩn E2 1 mg – 1 kg",
            Quantity.MASS,
            StandardLevel.REFERENCE,
            "g",
            ("0.001", "1000"),
            "E2 (OIML R 111)",
            "Häfner",
            "E2-1mg-1kg",
            "H-17-2231",
            120,
            24,
        ),
        std(
            "CDL-KL-004",
            "Bộ quả cân chuẩn E2 2 kg – 20 kg",
            Quantity.MASS,
            StandardLevel.REFERENCE,
            "g",
            ("2000", "20000"),
            "E2 (OIML R 111)",
            "Häfner",
            "E2-2kg-20kg",
            "H-17-2260",
            500,
            24,
        ),
        std(
            "CDL-KL-002",
            "Bộ quả cân chuẩn F1 1 g – 20 kg",
            Quantity.MASS,
            StandardLevel.WORKING,
            "g",
            ("1", "20000"),
            "F1 (OIML R 111)",
            "Kern",
            "F1-1g-20kg",
            "K-19-0442",
            200,
            12,
        ),
        std(
            "CDL-KL-003",
            "Quả cân kiểm tra 10 kg F1",
            Quantity.MASS,
            StandardLevel.CHECK,
            "g",
            ("10000", "10000"),
            "F1",
            "Kern",
            "F1-10kg",
            "K-19-0450",
            15,
            12,
            StandardStatus.DUE,
        ),
        std(
            "CDL-NH-001",
            "Nhiệt kế điện trở platin chuẩn (SPRT)",
            Quantity.TEMPERATURE,
            StandardLevel.REFERENCE,
            "°C",
            ("-40", "420"),
            "U = 0,01 °C (k = 2)",
            "Fluke",
            "5681",
            "F5681-2210",
            300,
            24,
            # self-heating at 1 mA: difference between the fixed-point cells and the stirred bath (half-width)
            characteristics={"requires_readout": True, "self_heating": 0.001},
        ),
        std(
            "CDL-NH-002",
            "Bộ chỉ thị nhiệt độ chuẩn (cầu đo tỉ số điện trở)",
            Quantity.TEMPERATURE,
            StandardLevel.WORKING,
            "°C",
            ("-200", "660"),
            "0,002 °C",
            "Fluke",
            "1594A",
            "B9A0231",
            165,
            12,
            firmware="1.20",
            # the SPRT's readout, 0.001 °C as a temperature equivalent (the budget's readout input)
            characteristics={"readout": True, "readout_equivalent": 0.001},
        ),
        std(
            "CDL-NH-003",
            "Bể ổn nhiệt dầu",
            Quantity.TEMPERATURE,
            StandardLevel.WORKING,
            "°C",
            ("-40", "150"),
            "Độ ổn định ±0,005 °C; độ đồng nhất ±0,01 °C",
            "Fluke",
            "7340",
            "B7340-118",
            235,
            12,
            characteristics={"stability": 0.005, "uniformity": 0.01},
        ),
        std(
            "CDL-AS-001",
            "Áp kế piston chuẩn",
            Quantity.PRESSURE,
            StandardLevel.REFERENCE,
            "MPa",
            ("0.1", "60"),
            "0,015 % số đọc",
            "DH-Budenberg",
            "580",
            "DHB-580-118",
            410,
            24,
        ),
        std(
            "CDL-AS-002",
            "Bộ điều khiển áp suất chuẩn",
            Quantity.PRESSURE,
            StandardLevel.WORKING,
            "kPa",
            ("0", "7000"),
            "0,02 % toàn thang",
            "Druck",
            "PACE5000",
            "PACE-5K-7731",
            90,
            12,
            firmware="3.12",
        ),
        std(
            "CDL-DI-001",
            "Máy hiệu chuẩn đa năng",
            Quantity.ELECTRICAL,
            StandardLevel.WORKING,
            "V",
            ("-1020", "1020"),
            "DC V: 11 ppm + 2 µV",
            "Fluke",
            "5522A",
            "5522A-9911",
            45,
            12,
            firmware="2.4",
            # stability beyond its certificate (EURAMET cg-15 budget) per function, relative to the output + a
            # floor per year: DC voltage 5 ppm + 1 µV, DC current 40 ppm + 10 nA, resistance 20 ppm + 1 mΩ, and
            # AC voltage per frequency band (the data sheet's bands; a point on a band edge takes the wider)
            characteristics=dict[str, object](CALIBRATOR_SPECIFICATION),
        ),
        std(
            "CDL-DI-002",
            "Đồng hồ vạn năng chuẩn 8½ chữ số",
            Quantity.ELECTRICAL,
            StandardLevel.REFERENCE,
            "V",
            ("0", "1000"),
            "DC V: 8 ppm",
            "Keysight",
            "3458A",
            "MY4501122",
            260,
            12,
            firmware="A.09.02",
        ),
    ]


#: The demo calibrator's stability specification per function (lims.domain.budget_template.specification: relative per
#: year, floor per year in V, A or Ω; AC voltage per frequency band).
CALIBRATOR_SPECIFICATION: dict[str, float] = {
    "stability_relative_per_year": 0.000005,
    "stability_floor_per_year": 0.000001,
    "dc_current_relative_per_year": 0.00004,
    "dc_current_floor_per_year": 1e-8,
    "resistance_relative_per_year": 0.00002,
    "resistance_floor_per_year": 0.001,
    **{
        f"ac_voltage@{band}Hz_{term}_per_year": value
        for band, relative, floor in (
            ("10-45", 0.0002, 0.00005),
            ("45-10000", 0.0001, 0.00005),
            ("10000-20000", 0.00015, 0.00005),
            ("20000-50000", 0.0003, 0.0001),
            ("50000-100000", 0.0007, 0.0002),
        )
        for term, value in (("relative", relative), ("floor", floor))
    },
}


def _instruments(enterprises: list[Enterprise], today: date) -> list[CustomerInstrument]:
    specs = [
        ("Cân phân tích", "Mettler Toledo", "XPR205", "g", "0", "220", "0.00001", "I", True),
        ("Cân kỹ thuật", "Ohaus", "PX3202", "g", "0", "3200", "0.01", "II", True),
        ("Cân bàn điện tử", "Vishay", "IND-300", "kg", "0", "300", "0.05", "III", True),
        ("Áp kế kiểu lò xo", "Wika", "232.50", "MPa", "0", "1.6", "0.02", "1.0", True),
        ("Áp kế điện tử", "Druck", "DPI 104", "bar", "0", "20", "0.001", "0.05 % FS", False),
        ("Nhiệt kế điện tử", "Testo", "735-2", "°C", "-50", "250", "0.01", "±0.05 °C", False),
        ("Nhiệt kế thủy tinh chất lỏng", "Amarell", "L-100", "°C", "0", "100", "0.1", "±0.2 °C", True),
        ("Đồng hồ vạn năng hiện số", "Fluke", "87V", "V", "0", "1000", "0.001", "0.05 % + 1 d", False),
    ]
    instruments = []
    for i, ent in enumerate(enterprises):
        for j, (kind, maker, model, unit, lo, hi, res, cls, legal) in enumerate(specs):
            if (i + j) % 3 == 2:
                continue
            # Spread so that every enterprise has items in the portal's 30/60/90-day due lists, some overdue.
            due = today + timedelta(days=DUE_OFFSETS_DAYS[(3 * i + j) % len(DUE_OFFSETS_DAYS)])
            last = due - timedelta(days=365)
            instruments.append(
                CustomerInstrument(
                    enterprise_id=ent.id,
                    instrument_type=kind,
                    manufacturer=maker,
                    model=model,
                    serial_number=f"{model.replace(' ', '')}-{1000 + 37 * i + j}",
                    unit=unit,
                    range_min=Decimal(lo),
                    range_max=Decimal(hi),
                    resolution=Decimal(res),
                    accuracy_class=cls,
                    legally_controlled=legal,
                    location="Xưởng sản xuất" if j % 2 else "Phòng QC",
                    last_calibrated_on=last,
                    next_due_on=due,
                )
            )
    return instruments


def load_demo(session: Session, *, today: date | None = None) -> None:
    today = today or date.today()
    lab = Lab(
        code="HN-MC",
        name_vi="Trung tâm Đo lường Thành phố (dữ liệu mẫu)",
        name_en="City Metrology Centre (demo data)",
        address="Số 2 Phố Đo Lường, Cầu Giấy, Hà Nội",
        phone="024 3800 0000",
        email="lab@example.vn",
        tax_code=tax_code("010100101"),
        accreditation_body="BoA (Văn phòng Công nhận Chất lượng)",
        accreditation_number="VILAS 000",
    )
    session.add(lab)
    enterprises = [
        Enterprise(
            name=name,
            tax_code=tax_code(nine),
            address=addr,
            province=prov,
            sector=sector,
            contact_name="Phòng Quản lý chất lượng",
            email=f"qa{n}@example.vn",
            phone=f"024 3900 00{n:02d}",
        )
        for n, (name, nine, addr, prov, sector) in enumerate(ENTERPRISES)
    ]
    session.add_all(enterprises)
    session.flush()
    for username, full_name, role, title, ent_index in USERS:
        create_user(
            session,
            NewUser(
                username=username,
                full_name=full_name,
                role=role,
                password=DEMO_PASSWORD,
                email=f"{username}@example.vn",
                function_title=title,
                enterprise_id=enterprises[ent_index].id if ent_index is not None else None,
                is_enterprise_admin=username in ENTERPRISE_ADMINS,
            ),
        )
    standards = _standards(lab, today)
    session.add_all(standards)
    session.flush()
    load_traceability_demo(session, {s.asset_number: s for s in standards}, today=today)
    session.add_all(
        [
            ReferenceMaterial(
                lab_id=lab.id,
                code="CC-PH-701",
                name="Dung dịch chuẩn pH 7,01",
                producer="Merck KGaA",
                producer_accreditation="ISO 17034 (DAkkS D-RM-15185-01)",
                lot="HC212345",
                certified_value=Decimal("7.01"),
                expanded_uncertainty=Decimal("0.02"),
                unit="pH",
                expiry_on=today + timedelta(days=400),
                opened_on=today - timedelta(days=20),
                shelf_life_days_after_opening=90,
            ),
            ReferenceMaterial(
                lab_id=lab.id,
                code="CC-EC-1413",
                name="Dung dịch chuẩn độ dẫn điện 1413 µS/cm",
                producer="Hanna Instruments",
                lot="EC1413-2291",
                certified_value=Decimal("1413"),
                expanded_uncertainty=Decimal("7"),
                unit="µS/cm",
                expiry_on=today - timedelta(days=5),
            ),
        ]
    )
    instruments = _instruments(enterprises, today)
    session.add_all(instruments)
    session.flush()
    load_demo_jobs(session, lab, enterprises, today)
    session.flush()
    load_demo_requests(session, enterprises, today)
    load_quality_demo(session, today)
    save_station(
        session,
        StationInput(
            DEMO_STATION_NAME, DEMO_STATION_DRIVER, DEMO_STATION_PORT, description=DEMO_STATION_DESCRIPTION
        ),
    )
