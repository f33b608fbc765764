"""The built-in validation cases of ``lims validate`` (ISO/IEC 17025:2017 7.11.2).

Groups:

- ``uncertainty``: the engine against published worked examples (JCGM 100:2008 H.1, EA-4/02 S2–S4,
  JCGM 101:2008 9.2 and 9.3), with the documents' own figures and the tolerances their rounding allows;
- ``certificate``: example certificates rendered to PDF, their text extracted with pypdf (what the customer's
  software sees) and searched for every item of 7.8.2.1 in Vietnamese and English; their DCC checked against
  the PTB DCC 3.1.2 schema;
- ``serial``: every registered driver against its simulator over a real pseudo-terminal: readings parsed
  exactly as sent, a garbled and a wrong reply rejected;
- ``database``: the audit chain of the configured database intact (7.5, 8.4), its schema at the head
  migration of this software.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from lims.services.jobs.validation import Case, Context, Outcome, close_to, equal
from lims.services.records.audit import verify_chain

U = "uncertainty"
CERT = "certificate"
SERIAL = "serial"
DB = "database"


# -- uncertainty engine -------------------------------------------------------------------------------------
def _lpu(budget: dict[str, Any], **kwargs: Any) -> Any:
    from lims.domain.uncertainty import parse_budget, propagate

    return propagate(parse_budget(budget), **kwargs)


def _evaluated(budget: dict[str, Any], **kwargs: Any) -> Any:
    from lims.domain.uncertainty import evaluate_budget, parse_budget

    return evaluate_budget(parse_budget(budget), **kwargs)


def _uncertainty_cases() -> list[Case]:
    from lims.domain.uncertainty import worked_examples as w

    def mcm(budget: dict[str, Any], ctx: Context, seed: int) -> Any:
        return _evaluated(budget, method="both", trials=ctx.monte_carlo_trials, seed=seed)

    def additive_case(kind: str, widths: list[float], half_width: float, u: float, table: str) -> Case:
        tolerance = 0.1 if u > 5 else 0.015

        def run(ctx: Context) -> Outcome:
            result = mcm(w.additive(kind, widths), ctx, 20080101)
            low, high = result.monte_carlo.interval
            return close_to(half_width, (high - low) / 2, tolerance, digits=4)

        return Case(
            f"JCGM101-9.2-{table}",
            "7.11.2; 7.2.2; JCGM 101:2008 9.2",
            f"Mô hình cộng 9.2 (bảng {table}, đầu vào {kind}): nửa độ rộng khoảng phủ 95 % theo MCM",
            f"Additive model 9.2 (Table {table}, {kind} inputs): half-width of the MCM 95 % coverage interval",
            run,
            U,
        )

    return [
        Case(
            "JCGM100-H1-value",
            "7.11.2; 7.2.2; JCGM 100:2008 H.1.5",
            "Hiệu chuẩn căn mẫu 50 mm: giá trị đo l",
            "End gauge 50 mm: measured value l",
            lambda ctx: close_to(50.000838, _lpu(w.END_GAUGE).value, 5e-7, "mm", digits=8),
            U,
        ),
        Case(
            "JCGM100-H1-uc",
            "7.11.2; 7.2.2; JCGM 100:2008 H.1.5 (Table H.1)",
            "Căn mẫu 50 mm: độ không đảm bảo đo chuẩn tổng hợp u_c(l)",
            "End gauge 50 mm: combined standard uncertainty u_c(l)",
            lambda ctx: close_to(32, _lpu(w.END_GAUGE).standard_uncertainty * 1e6, 0.5, "nm", digits=4),
            U,
        ),
        Case(
            "JCGM100-H1-k99",
            "7.11.2; 7.2.2; JCGM 100:2008 H.1.6",
            "Căn mẫu 50 mm: hệ số phủ t_99(ν_eff = 16)",
            "End gauge 50 mm: coverage factor t_99(ν_eff = 16)",
            lambda ctx: equal(2.92, _evaluated(w.END_GAUGE).propagation.coverage_factor),
            U,
        ),
        Case(
            "JCGM100-H1-U99",
            "7.11.2; 7.2.2; JCGM 100:2008 H.1.6",
            "Căn mẫu 50 mm: độ không đảm bảo đo mở rộng U_99 (u_c không làm tròn)",
            "End gauge 50 mm: expanded uncertainty U_99 (u_c not rounded)",
            lambda ctx: close_to(
                92.5, _evaluated(w.END_GAUGE).propagation.expanded_uncertainty * 1e6, 0.1, "nm", digits=4
            ),
            U,
        ),
        Case(
            "JCGM100-H1.7-second-order",
            "7.11.2; JCGM 100:2008 H.1.7, 5.1.2",
            "Căn mẫu 50 mm: u_c(l) có các số hạng bậc hai",
            "End gauge 50 mm: u_c(l) with the second-order terms",
            lambda ctx: close_to(
                34, _lpu(w.END_GAUGE, second_order=True).standard_uncertainty * 1e6, 0.5, "nm", digits=4
            ),
            U,
        ),
        Case(
            "EA402-S2-uc",
            "7.11.2; 7.2.2; EA-4/02 S2",
            "Quả cân 10 kg: u(m_X)",
            "Weight 10 kg: u(m_X)",
            lambda ctx: close_to(29.3, _lpu(w.WEIGHT_10KG).standard_uncertainty * 1e3, 0.05, "mg", digits=4),
            U,
        ),
        Case(
            "EA402-S2-result",
            "7.11.2; 7.8.4.1 a; EA-4/02 S2",
            "Quả cân 10 kg: kết quả công bố (k = 2)",
            "Weight 10 kg: reported result (k = 2)",
            lambda ctx: equal("10000.025 g ± 0.059 g", _evaluated(w.WEIGHT_10KG).reported.text("g")),
            U,
        ),
        Case(
            "EA402-S3-uc",
            "7.11.2; 7.2.2; EA-4/02 S3",
            "Điện trở chuẩn 10 kΩ: u(R_X)",
            "Standard resistor 10 kΩ: u(R_X)",
            lambda ctx: close_to(
                8.33, _lpu(w.RESISTOR_10KOHM).standard_uncertainty * 1e3, 0.005, "mΩ", digits=4
            ),
            U,
        ),
        Case(
            "EA402-S3-result",
            "7.11.2; 7.8.4.1 a; EA-4/02 S3",
            "Điện trở chuẩn 10 kΩ: kết quả công bố (k = 2)",
            "Standard resistor 10 kΩ: reported result (k = 2)",
            lambda ctx: equal("10000.178 Ω ± 0.017 Ω", _evaluated(w.RESISTOR_10KOHM).reported.text("Ω")),
            U,
        ),
        Case(
            "EA402-S4-uc",
            "7.11.2; 7.2.2; EA-4/02 S4",
            "Căn mẫu 50 mm (EA-4/02): u(l_X)",
            "Gauge block 50 mm (EA-4/02): u(l_X)",
            lambda ctx: close_to(
                36.4, _lpu(w.GAUGE_BLOCK_50MM).standard_uncertainty * 1e6, 0.05, "nm", digits=4
            ),
            U,
        ),
        Case(
            "EA402-S4-result",
            "7.11.2; 7.8.4.1 a; EA-4/02 S4",
            "Căn mẫu 50 mm (EA-4/02): kết quả công bố (k = 2)",
            "Gauge block 50 mm (EA-4/02): reported result (k = 2)",
            lambda ctx: equal(
                "49.999926 mm ± 0.000073 mm", _evaluated(w.GAUGE_BLOCK_50MM).reported.text("mm")
            ),
            U,
        ),
        additive_case("normal", [1, 1, 1, 1], 3.92, 2.0, "2"),
        additive_case("rectangular", [1, 1, 1, 1], 3.88, 2.0, "3"),
        additive_case("rectangular", [1, 1, 1, 10], 17.0, 10.15, "4"),
        Case(
            "JCGM101-9.3-LPU-u",
            "7.11.2; JCGM 101:2008 9.3 (Table 6, GUF)",
            "Hiệu chuẩn khối lượng 9.3: u(δm) theo GUM",
            "Mass calibration 9.3: u(δm) by the GUM framework",
            lambda ctx: close_to(0.0539, _lpu(w.MASS_CALIBRATION).standard_uncertainty, 5e-5, "mg", digits=4),
            U,
        ),
        Case(
            "JCGM101-9.3-MCM-u",
            "7.11.2; JCGM 101:2008 9.3 (Table 6, MCM)",
            "Hiệu chuẩn khối lượng 9.3: u(δm) theo Monte Carlo (M = 10⁶)",
            "Mass calibration 9.3: u(δm) by Monte Carlo (M = 10⁶)",
            lambda ctx: close_to(
                0.0754, mcm(w.MASS_CALIBRATION, ctx, 7).monte_carlo.standard_uncertainty, 3e-4, "mg", digits=4
            ),
            U,
        ),
        Case(
            "JCGM101-9.3-validation",
            "7.11.2; JCGM 101:2008 9.3.2.4, 8.2",
            "Hiệu chuẩn khối lượng 9.3: GUM bậc một không được xác nhận bởi MCM",
            "Mass calibration 9.3: the first-order GUM framework is not validated by MCM",
            lambda ctx: equal(False, mcm(w.MASS_CALIBRATION, ctx, 7).validation.passed),
            U,
        ),
        Case(
            "JCGM101-9.3-second-order",
            "7.11.2; JCGM 101:2008 9.3 (Table 6, GUF higher order)",
            "Hiệu chuẩn khối lượng 9.3: u(δm) có các số hạng bậc cao",
            "Mass calibration 9.3: u(δm) with the higher-order terms",
            lambda ctx: close_to(
                0.0750,
                _lpu(w.MASS_CALIBRATION, second_order=True).standard_uncertainty,
                5e-5,
                "mg",
                digits=4,
            ),
            U,
        ),
    ]


# -- certificates -------------------------------------------------------------------------------------------
def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages)
    return unicodedata.normalize("NFC", text)


def required_items(data: Any) -> dict[str, list[str]]:
    """ISO/IEC 17025:2017 7.8.2.1 items the text of ``data``'s certificate must show, in both languages.

    Built from the certificate's own data, so the check holds for any certificate, not one example.
    """
    from certificates.data import CertificateKind
    from certificates.pdf_text import FIELD

    wording = data.wording
    title = (
        wording.title_calibration if data.kind == CertificateKind.CALIBRATION else wording.title_verification
    )
    item = data.item
    items = {
        "7.8.2.1 a": [title.vi, title.en],
        "7.8.2.1 b": [data.lab.name.vi, data.lab.name.en, data.lab.address.street],
        "7.8.2.1 c": [FIELD["location"].vi, FIELD["location"].en],
        "7.8.2.1 d": [data.number],
        "7.8.2.1 e": [FIELD["customer"].vi, FIELD["customer"].en, data.customer.name],
        "7.8.2.1 f": [FIELD["method"].vi, FIELD["method"].en, data.method.reference, data.method.name.vi],
        "7.8.2.1 g": [item.name.vi, item.name.en, item.serial_number, item.manufacturer],
        "7.8.2.1 h": [FIELD["received"].vi, FIELD["received"].en]
        + ([data.received_on.isoformat()] if data.received_on else []),
        "7.8.2.1 i": [data.performed_from.isoformat()],
        "7.8.2.1 j": [data.issued_on.isoformat()],
        "7.8.2.1 l": [wording.results_relate_only.vi, wording.results_relate_only.en],
        "7.8.2.1 m": [text for series in data.results for text in (series.quantity.vi, series.quantity.en)],
        "7.8.2.1 o": [data.signatory.name, data.signatory.function.vi, data.signatory.function.en],
        "7.8.2.1 end": [wording.end_of_certificate.vi, wording.end_of_certificate.en],
    }
    return {k: [unicodedata.normalize("NFC", s) for s in v if s] for k, v in items.items()}


def _certificate_cases() -> list[Case]:
    from certificates import examples

    examples_by_name: dict[str, Callable[[], Any]] = {
        "calibration": lambda: examples.example_calibration(10),
        "verification": examples.example_verification,
        "amended": examples.example_amended,
    }
    texts: dict[str, str] = {}

    def text_of(name: str) -> str:
        if name not in texts:
            from certificates.pdf import render_pdf

            texts[name] = _pdf_text(render_pdf(examples_by_name[name](), invariant=True))
        return texts[name]

    def pdf_case(name: str) -> Case:
        def run(ctx: Context) -> Outcome:
            items = required_items(examples_by_name[name]())
            text = text_of(name)
            missing = [
                f"{clause}: {s}" for clause, strings in items.items() for s in strings if s not in text
            ]
            count = sum(len(v) for v in items.values())
            return Outcome(
                f"{count} items of {', '.join(items)} present",
                f"{count - len(missing)} of {count} present" + (f"; missing {missing}" if missing else ""),
                not missing,
                "all present",
            )

        return Case(
            f"CERT-PDF-{name}",
            "7.8.2.1; 7.11.2",
            f"Giấy chứng nhận mẫu ({name}): văn bản PDF có mọi mục của 7.8.2.1 bằng hai thứ tiếng",
            f"Example certificate ({name}): the PDF text carries every 7.8.2.1 item in both languages",
            run,
            CERT,
        )

    def dcc_case(name: str) -> Case:
        def run(ctx: Context) -> Outcome:
            from certificates.dcc import render_dcc
            from certificates.dcc_schema import validate_dcc
            from certificates.errors import DccValidationError

            xml = render_dcc(examples_by_name[name]())
            try:
                validate_dcc(xml)
            except DccValidationError as exc:
                return Outcome("valid against DCC 3.1.2 XSD", f"invalid: {exc}", False, "exact")
            return Outcome("valid against DCC 3.1.2 XSD", f"valid ({len(xml)} bytes)", True, "exact")

        return Case(
            f"CERT-DCC-{name}",
            "7.8.1.3; 7.11.2 (PTB DCC 3.1.2)",
            f"Giấy chứng nhận số (DCC) mẫu ({name}) hợp lệ theo lược đồ XSD",
            f"Example digital calibration certificate ({name}) valid against the XSD",
            run,
            CERT,
        )

    return [*(pdf_case(n) for n in examples_by_name), *(dcc_case(n) for n in examples_by_name)]


# -- serial drivers over a pseudo-terminal ------------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class _Recorder:
    """Wraps a simulator's reply methods to keep every line it sent (the expected frames)."""

    def __init__(self, instrument: Any) -> None:
        self.sent: list[str] = []
        handle, stream = instrument.handle, instrument.next_stream_line

        def recorded_handle(command: str) -> list[str]:
            lines: list[str] = handle(command)
            self.sent.extend(lines)
            return lines

        def recorded_stream() -> str:
            line: str = stream()
            self.sent.append(line)
            return line

        instrument.handle = recorded_handle
        instrument.next_stream_line = recorded_stream


def _exact(reading: Any, sent: list[str], terminator: bytes) -> str | None:
    """None when ``reading`` is a frame the simulator sent and its value is a number of that frame, exactly."""
    body = (
        reading.raw[: len(reading.raw) - len(terminator)] if reading.raw.endswith(terminator) else reading.raw
    )
    line = body.decode("latin-1")
    if line not in sent:
        return f"frame {line!r} was never sent by the simulator"
    try:
        value = Decimal(reading.value_text)
    except InvalidOperation:
        return f"value {reading.value_text!r} is not a number"
    joined = re.sub(r"([-+])\s+(?=[\d.])", r"\1", line)  # some instruments pad between sign and digits
    tokens = {t.lstrip("+") for t in _NUMBER.findall(joined)}
    if reading.value_text.lstrip("+") not in tokens or not any(Decimal(t) == value for t in tokens):
        return f"value {reading.value_text!r} is not written as such in frame {line!r}"
    return None


def serial_readings(name: str, count: int = 5) -> Outcome:
    """``count`` readings of driver ``name`` from its simulator on a pty, each checked against the sent frame."""
    from instruments import registry
    from instruments.simulators.pty import PtySimulator

    entry = registry.get(name)
    instrument = entry.simulator(1)
    recorder = _Recorder(instrument)
    with PtySimulator(instrument) as sim, entry.open(sim.path) as driver:
        terminator = driver.transport.framing.read_terminator
        problems, values = [], []
        for _ in range(count):
            reading = driver.read()
            values.append(f"{reading.value_text} {reading.unit}".strip())
            decoded = driver.values_in_frame(reading.raw)
            if decoded is not None:  # a binary frame (Modbus RTU): compare with the frame decoded afresh
                sent_frames = {line.encode("latin-1") for line in recorder.sent}
                problem = (None if reading.raw in sent_frames and reading.value_text in decoded
                           else f"value {reading.value_text!r} is not in frame {reading.raw.hex(' ')!r}")
            else:
                problem = _exact(reading, recorder.sent, terminator)
            if problem:
                problems.append(problem)
    return Outcome(
        f"{count} readings equal to the frames sent",
        "; ".join(problems) if problems else f"{count} exact: {', '.join(values)}",
        not problems,
        "exact (Decimal, as sent)",
    )


def serial_fault(name: str, kind: str) -> Outcome:
    """A reply spoilt by fault ``kind`` is refused with an instrument error, never taken as a reading."""
    from instruments import registry
    from instruments.errors import InstrumentError
    from instruments.simulators.faults import FaultPlan, Faults
    from instruments.simulators.pty import PtySimulator

    entry = registry.get(name)
    with PtySimulator(entry.simulator(1)) as sim, entry.open(sim.path) as driver:
        faults = Faults(seed=1, schedule={1: kind})
        sim.faults, sim.plan = faults, FaultPlan(faults)
        try:
            reading = driver.read()
        except InstrumentError as exc:
            return Outcome("rejected (instrument error)", f"rejected: {type(exc).__name__}", True, "exact")
    return Outcome(
        "rejected (instrument error)", f"accepted as {reading.value_text} {reading.unit}", False, "exact"
    )


def _ignore_context(function: Callable[..., Outcome], *args: str) -> Callable[[Context], Outcome]:
    def run(ctx: Context) -> Outcome:
        return function(*args)

    return run


def _serial_cases() -> list[Case]:
    from instruments import registry

    cases: list[Case] = []
    for name in registry.driver_names():
        cases.append(
            Case(
                f"SERIAL-{name}-readings",
                "7.11.2; 7.5.1; 6.4",
                f"Trình điều khiển {name} với bộ mô phỏng qua pty: số đọc được phân tích chính xác",
                f"Driver {name} against its simulator over a pty: readings parsed exactly",
                _ignore_context(serial_readings, name),
                SERIAL,
            )
        )
        for kind in ("garble", "noise", "wrong"):
            cases.append(
                Case(
                    f"SERIAL-{name}-{kind}",
                    "7.11.2; 7.11.3",
                    f"Trình điều khiển {name}: phản hồi lỗi ({kind}) bị từ chối",
                    f"Driver {name}: a faulty reply ({kind}) is rejected",
                    _ignore_context(serial_fault, name, kind),
                    SERIAL,
                )
            )
    return cases


# -- database ------------------------------------------------------------------------------------------------
def _audit_chain(ctx: Context) -> Outcome:
    if ctx.session is None:
        return Outcome("chain intact", "no database configured", False)
    report = verify_chain(ctx.session)
    if report.problem is not None:
        return Outcome("chain intact", str(report.problem), False, "exact")
    return Outcome("chain intact", f"intact: {report.entries} entries", True, "exact")


def _migrations(ctx: Context) -> Outcome:
    from alembic.migration import MigrationContext

    from lims.migrate import head_revisions

    heads = sorted(head_revisions())
    if ctx.session is None:
        return Outcome(", ".join(heads), "no database configured", False)
    current = sorted(MigrationContext.configure(ctx.session.connection()).get_current_heads())
    return Outcome(", ".join(heads), ", ".join(current) or "(not migrated)", current == heads, "exact")


def _database_cases() -> list[Case]:
    return [
        Case(
            "DB-audit-chain",
            "7.5.1; 7.11.3 c); 8.4.2",
            "Chuỗi băm của nhật ký kiểm tra trong cơ sở dữ liệu nguyên vẹn",
            "The hash chain of the audit trail in the database is intact",
            _audit_chain,
            DB,
        ),
        Case(
            "DB-migrations",
            "7.11.2; 7.11.6",
            "Lược đồ cơ sở dữ liệu ở phiên bản di chuyển mới nhất của phần mềm",
            "The database schema is at the software's head migration",
            _migrations,
            DB,
        ),
    ]


def builtin_cases(*, groups: tuple[str, ...] | None = None) -> list[Case]:
    """Every built-in case, in report order (optionally only some groups)."""
    makers = {U: _uncertainty_cases, CERT: _certificate_cases, SERIAL: _serial_cases, DB: _database_cases}
    chosen = groups or tuple(makers)
    return [case for group in chosen for case in makers[group]()]


GROUPS = (U, CERT, SERIAL, DB)
