"""The renderers' only input: frozen dataclasses built by the application from its records.

Every physical value of a result point is in the unit of its :class:`ResultSeries` (``unit``, D-SI
notation); environmental values carry their unit in their name. Texts that the customer reads in both
languages are :class:`~certificates.wording.Text`; proper names (people, companies, models, serial numbers)
are plain strings. Everything is NFC-normalised on construction and checked: a contradiction (a calibration
certificate with a validity date, a verification certificate without its stamp…) raises
:class:`~certificates.errors.CertificateDataError` naming the field.

Clause references are to ISO/IEC 17025:2017 unless stated.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum, StrEnum

from certificates.errors import CertificateDataError
from certificates.formatting import is_finite_number, validate_dsi_unit
from certificates.wording import DEFAULT_WORDING, Text, Wording, nfc

__all__ = [
    "Address",
    "Amendment",
    "CertificateData",
    "CertificateKind",
    "Conformity",
    "Customer",
    "DecisionStatement",
    "Deviation",
    "Environment",
    "Item",
    "Laboratory",
    "Method",
    "PerformanceLocation",
    "ResultPoint",
    "ResultSeries",
    "Signatory",
    "StandardUsed",
    "Text",
    "VerificationInfo",
    "VerificationType",
    "Withdrawal",
]


class CertificateKind(StrEnum):
    """Hiệu chuẩn (ISO/IEC 17025 calibration) or kiểm định (legal verification, Luật Đo lường art. 16)."""

    CALIBRATION = "calibration"
    VERIFICATION = "verification"


class Conformity(StrEnum):
    """Statement of conformity (7.8.6, ILAC-G8:09/2019 4.2); values are the DCC 3.1.2 enumeration."""

    PASS = "pass"  # noqa: S105 - not a password
    FAIL = "fail"
    CONDITIONAL_PASS = "conditionalPass"  # noqa: S105
    CONDITIONAL_FAIL = "conditionalFail"


class PerformanceLocation(StrEnum):
    """Where the work was done (7.8.2.1 c); values are the DCC 3.1.2 enumeration."""

    LABORATORY = "laboratory"
    CUSTOMER = "customer"
    LABORATORY_BRANCH = "laboratoryBranch"
    CUSTOMER_BRANCH = "customerBranch"
    OTHER = "other"


class Deviation(StrEnum):
    """The deviation column: error = indication − reference; correction = reference − indication."""

    ERROR = "error"
    CORRECTION = "correction"


class VerificationType(StrEnum):
    """Kiểm định ban đầu / định kỳ / sau sửa chữa (Thông tư 23/2013/TT-BKHCN)."""

    INITIAL = "initial"
    PERIODIC = "periodic"
    AFTER_REPAIR = "afterRepair"


def _text(owner: str, name: str, value: object, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise CertificateDataError(f"{owner}.{name}", f"must be a string, not {type(value).__name__}")
    value = nfc(value.strip())
    if required and not value:
        raise CertificateDataError(f"{owner}.{name}", "must not be empty")
    return value


def _normalise_strings(obj: object, owner: str, optional: tuple[str, ...] = ()) -> None:
    """NFC-normalise and strip every ``str`` field; only the ``optional`` ones may be empty."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, str) and not isinstance(value, Enum):
            object.__setattr__(obj, f.name, _text(owner, f.name, value, required=f.name not in optional))


def _check_type(
    owner: str, name: str, value: object, kind: type | tuple[type, ...], *, optional: bool = False
) -> None:
    if optional and value is None:
        return
    if not isinstance(value, kind):
        wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise CertificateDataError(f"{owner}.{name}", f"must be {wanted}, not {type(value).__name__}")


def _finite(owner: str, name: str, value: object, *, positive: bool = False, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not is_finite_number(value):
        raise CertificateDataError(f"{owner}.{name}", f"must be a finite number, not {value!r}")
    if positive and value <= 0:  # type: ignore[operator]
        raise CertificateDataError(f"{owner}.{name}", f"must be positive, not {value!r}")


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; ``country_code`` is ISO 3166-1 alpha-2."""

    street: str  # house number, street, ward and district
    city: str  # city or province
    country_code: str = "VN"
    postcode: str = ""

    def __post_init__(self) -> None:
        _normalise_strings(self, "address", optional=("postcode",))
        if len(self.country_code) != 2 or not self.country_code.isascii() or not self.country_code.isupper():
            raise CertificateDataError(
                "address.country_code", f"must be two capital letters, not {self.country_code!r}"
            )

    def one_line(self) -> str:
        """The address on one line: street, city, postcode."""
        return ", ".join(p for p in (self.street, self.city, self.postcode) if p)


@dataclass(frozen=True, slots=True)
class Laboratory:
    """The issuing laboratory (7.8.2.1 b)."""

    name: Text
    address: Address
    email: str
    phone: str = ""
    accreditation: str = ""  # e.g. "VILAS 123", printed only when the scope is accredited
    designation: str = ""  # verification designation by the authority (Nghị định 105/2016/NĐ-CP)
    short_name: str = ""  # for labels, e.g. "TTĐL Đà Nẵng"; defaults to the Vietnamese name

    def __post_init__(self) -> None:
        _check_type("lab", "name", self.name, Text)
        _check_type("lab", "address", self.address, Address)
        _normalise_strings(self, "lab", optional=("phone", "accreditation", "designation", "short_name"))


@dataclass(frozen=True, slots=True)
class Customer:
    """The customer (7.8.2.1 e)."""

    name: str
    address: Address
    email: str = ""
    phone: str = ""

    def __post_init__(self) -> None:
        _check_type("customer", "address", self.address, Address)
        _normalise_strings(self, "customer", optional=("email", "phone"))


@dataclass(frozen=True, slots=True)
class Item:
    """The item calibrated or verified (7.8.2.1 g): description, unambiguous identification, condition."""

    name: Text  # type of instrument, e.g. Text("Cân kỹ thuật", "Technical balance")
    manufacturer: str
    serial_number: str
    model: str = ""
    customer_identification: str = ""  # the customer's asset number
    lab_identification: str = ""  # the laboratory's receipt / item number
    measuring_range: str = ""  # as printed, with unit, e.g. "(0 … 220) g"
    resolution: str = ""  # as printed, with unit, e.g. "0,1 mg"
    accuracy_class: str = ""
    condition: Text | None = None  # condition on receipt, when relevant

    def __post_init__(self) -> None:
        _check_type("item", "name", self.name, Text)
        _check_type("item", "condition", self.condition, Text, optional=True)
        _normalise_strings(
            self,
            "item",
            optional=(
                "model",
                "customer_identification",
                "lab_identification",
                "measuring_range",
                "resolution",
                "accuracy_class",
            ),
        )


@dataclass(frozen=True, slots=True)
class Method:
    """The method used (7.8.2.1 f) and any addition, deviation or exclusion (7.8.2.1 n)."""

    name: Text  # e.g. Text("Cân kỹ thuật – Quy trình kiểm định", "…")
    reference: str  # document code, e.g. "ĐLVN 16:2009" or "QTHC-05:2024"
    deviations: Text | None = None

    def __post_init__(self) -> None:
        _check_type("method", "name", self.name, Text)
        _check_type("method", "deviations", self.deviations, Text, optional=True)
        _normalise_strings(self, "method")


@dataclass(frozen=True, slots=True)
class StandardUsed:
    """A reference standard and the certificate that makes it traceable (7.8.4.1 c, 6.5)."""

    name: str  # e.g. "Bộ quả cân E2 / E2 weight set"
    identification: str  # serial or asset number
    certificate_number: str  # its own calibration certificate
    calibrated_by: str  # the body that calibrated it, e.g. "Viện Đo lường Việt Nam (VMI)"
    valid_until: date | None = None  # due date of its next calibration

    def __post_init__(self) -> None:
        _check_type("standard", "valid_until", self.valid_until, date, optional=True)
        _normalise_strings(self, "standard")


@dataclass(frozen=True, slots=True)
class Environment:
    """Conditions that influence the results (7.8.4.1 b), as ranges over the measurement."""

    temperature_min_c: float
    temperature_max_c: float
    relative_humidity_min_pct: float | None = None
    relative_humidity_max_pct: float | None = None
    pressure_hpa: float | None = None

    def __post_init__(self) -> None:
        _finite("environment", "temperature_min_c", self.temperature_min_c)
        _finite("environment", "temperature_max_c", self.temperature_max_c)
        if self.temperature_min_c > self.temperature_max_c:
            raise CertificateDataError("environment.temperature_min_c", "is above temperature_max_c")
        if (self.relative_humidity_min_pct is None) != (self.relative_humidity_max_pct is None):
            raise CertificateDataError(
                "environment.relative_humidity_min_pct", "give both humidity bounds or none"
            )
        for name in ("relative_humidity_min_pct", "relative_humidity_max_pct"):
            value = getattr(self, name)
            _finite("environment", name, value, optional=True)
            if value is not None and not 0 <= value <= 100:
                raise CertificateDataError(f"environment.{name}", f"must be between 0 and 100, not {value!r}")
        if (
            self.relative_humidity_min_pct is not None
            and self.relative_humidity_max_pct is not None
            and self.relative_humidity_min_pct > self.relative_humidity_max_pct
        ):
            raise CertificateDataError("environment.relative_humidity_min_pct", "is above the maximum")
        _finite("environment", "pressure_hpa", self.pressure_hpa, positive=True, optional=True)


@dataclass(frozen=True, slots=True)
class ResultPoint:
    """One calibration point; every value is in the unit of its :class:`ResultSeries`."""

    nominal: float  # reference value applied by the standard
    indication: float  # reading of the item, as left (after any adjustment)
    error: float  # deviation as the series states it (error or correction), as left
    expanded_uncertainty: float  # U of ``error``, same unit
    coverage_factor: float = 2.0  # k (EA-4/02 5.1)
    coverage_probability: float = 0.95  # p as a fraction, e.g. 0.95
    mpe: float | None = None  # maximum permissible error (±), when a specification applies
    conformity: Conformity | None = None
    as_found_indication: float | None = None  # reading before adjustment (7.8.4.1 d)
    as_found_error: float | None = None

    def __post_init__(self) -> None:
        for name in ("nominal", "indication", "error"):
            _finite("point", name, getattr(self, name))
        _finite("point", "expanded_uncertainty", self.expanded_uncertainty, positive=True)
        _finite("point", "coverage_factor", self.coverage_factor)
        if self.coverage_factor < 1:
            raise CertificateDataError(
                "point.coverage_factor", f"must be at least 1, not {self.coverage_factor!r}"
            )
        _finite("point", "coverage_probability", self.coverage_probability)
        if not 0 < self.coverage_probability < 1:
            raise CertificateDataError(
                "point.coverage_probability",
                f"must be a fraction between 0 and 1, not {self.coverage_probability!r}",
            )
        _finite("point", "mpe", self.mpe, positive=True, optional=True)
        _finite("point", "as_found_indication", self.as_found_indication, optional=True)
        _finite("point", "as_found_error", self.as_found_error, optional=True)
        if (self.as_found_indication is None) != (self.as_found_error is None):
            raise CertificateDataError(
                "point.as_found_error", "give the as-found indication and error together"
            )
        if self.conformity is not None:
            object.__setattr__(self, "conformity", Conformity(self.conformity))

    @property
    def has_as_found(self) -> bool:
        """Whether results before adjustment are reported for this point."""
        return self.as_found_indication is not None


@dataclass(frozen=True, slots=True)
class ResultSeries:
    """The results for one measured quantity (7.8.2.1 m), shown as one table and one chart."""

    quantity: Text  # e.g. Text("Khối lượng", "Mass")
    unit: str  # D-SI, e.g. "\\gram", "\\kilo\\pascal", "\\degreecelsius"
    points: tuple[ResultPoint, ...]
    deviation: Deviation = Deviation.ERROR
    external_provider: str = ""  # set when an external provider produced these results (7.8.2.1 p)
    customer_supplied: bool = False  # the values were supplied by the customer (7.8.2.2)

    def __post_init__(self) -> None:
        _check_type("results", "quantity", self.quantity, Text)
        try:
            object.__setattr__(self, "unit", validate_dsi_unit(self.unit))
        except ValueError as exc:
            raise CertificateDataError("results.unit", str(exc)) from None
        object.__setattr__(self, "points", tuple(self.points))
        if not self.points:
            raise CertificateDataError("results.points", f"{self.quantity.en}: needs at least one point")
        for index, point in enumerate(self.points):
            _check_type("results", f"points[{index}]", point, ResultPoint)
        object.__setattr__(self, "deviation", Deviation(self.deviation))
        object.__setattr__(
            self,
            "external_provider",
            _text("results", "external_provider", self.external_provider, required=False),
        )

    @property
    def has_as_found(self) -> bool:
        """Whether any point reports results before adjustment."""
        return any(p.has_as_found for p in self.points)


@dataclass(frozen=True, slots=True)
class DecisionStatement:
    """Decision rule and statement of conformity (7.8.6), present only when the customer asked for one."""

    rule: Text  # the rule applied, e.g. ILAC-G8:09/2019 4.2.1 simple acceptance (w = 0)
    specification: Text  # what the results are compared with, e.g. the MPE of ĐLVN 16:2009 class III
    conformity: Conformity  # the overall statement
    norm: str = "ILAC-G8:09/2019"

    def __post_init__(self) -> None:
        _check_type("decision", "rule", self.rule, Text)
        _check_type("decision", "specification", self.specification, Text)
        object.__setattr__(self, "conformity", Conformity(self.conformity))
        _normalise_strings(self, "decision")


@dataclass(frozen=True, slots=True)
class Signatory:
    """The person authorising the certificate (7.8.2.1 o) and the time of the electronic signature."""

    name: str
    function: Text  # e.g. Text("Giám đốc", "Director")
    signed_at: datetime  # timezone-aware; printed with its UTC offset

    def __post_init__(self) -> None:
        _check_type("signatory", "function", self.function, Text)
        _check_type("signatory", "signed_at", self.signed_at, datetime)
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            raise CertificateDataError("signatory.signed_at", "must be timezone-aware (e.g. +07:00)")
        _normalise_strings(self, "signatory")


@dataclass(frozen=True, slots=True)
class Amendment:
    """This certificate replaces an earlier one (7.8.8.2)."""

    replaces: str  # number of the replaced certificate
    revision: int  # 1 for the first amendment
    reason: Text
    replaces_sha256: str = ""  # SHA-256 of the replaced PDF, hex, when known (carried in the DCC)

    def __post_init__(self) -> None:
        _check_type("amendment", "reason", self.reason, Text)
        if isinstance(self.revision, bool) or not isinstance(self.revision, int) or self.revision < 1:
            raise CertificateDataError(
                "amendment.revision", f"must be a whole number ≥ 1, not {self.revision!r}"
            )
        _normalise_strings(self, "amendment", optional=("replaces_sha256",))
        digest = self.replaces_sha256.lower()
        if digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
            raise CertificateDataError("amendment.replaces_sha256", "must be 64 hexadecimal digits")
        object.__setattr__(self, "replaces_sha256", digest)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """The certificate has been withdrawn (7.8.8); it stays downloadable, marked as such."""

    withdrawn_on: date
    reason: Text

    def __post_init__(self) -> None:
        _check_type("withdrawal", "withdrawn_on", self.withdrawn_on, date)
        _check_type("withdrawal", "reason", self.reason, Text)


@dataclass(frozen=True, slots=True)
class VerificationInfo:
    """Kiểm định extras: result, the verification stamp (tem) and the validity date."""

    passed: bool
    stamp_number: str  # số tem kiểm định
    valid_until: date  # "có hiệu lực đến": verification date + period − 1 day
    verification_type: VerificationType = VerificationType.PERIODIC

    def __post_init__(self) -> None:
        _check_type("verification", "passed", self.passed, bool)
        _check_type("verification", "valid_until", self.valid_until, date)
        object.__setattr__(self, "verification_type", VerificationType(self.verification_type))
        _normalise_strings(self, "verification")


@dataclass(frozen=True, slots=True)
class CertificateData:
    """Everything a certificate shows; the renderers read nothing else (no database, no clock)."""

    kind: CertificateKind
    number: str  # unique identification (7.8.2.1 d), e.g. "HC-2026-00042"
    lab: Laboratory
    customer: Customer
    item: Item
    method: Method
    performed_from: date  # 7.8.2.1 i
    performed_to: date
    issued_on: date  # 7.8.2.1 j
    results: tuple[ResultSeries, ...]
    environment: Environment
    standards: tuple[StandardUsed, ...]
    signatory: Signatory
    verification_url: str  # public page the QR code opens, e.g. https://…/verify/HC-2026-00042
    received_on: date | None = None  # 7.8.2.1 h
    location: PerformanceLocation = PerformanceLocation.LABORATORY
    location_detail: str = ""  # address of the site when not at the laboratory (7.8.2.1 c)
    traceability: Text | None = None  # None: the standard statement of ``wording``
    decision: DecisionStatement | None = None
    verification: VerificationInfo | None = None
    amendment: Amendment | None = None
    withdrawal: Withdrawal | None = None
    superseded_by: str = ""  # number of the certificate that replaced this one
    customer_supplied: tuple[Text, ...] = ()  # information supplied by the customer (7.8.2.2)
    remarks: tuple[Text, ...] = ()  # opinions and interpretations (7.8.7), other notes
    sampling: Text | None = None  # sampling plan and method, where relevant (7.8.2.1 k)
    recalibration_due: date | None = None  # only if the customer asked (7.8.4.3)
    recalibration_requested: bool = False
    wording: Wording = field(default=DEFAULT_WORDING)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CertificateKind(self.kind))
        object.__setattr__(self, "location", PerformanceLocation(self.location))
        for name, kind in (
            ("lab", Laboratory),
            ("customer", Customer),
            ("item", Item),
            ("method", Method),
            ("environment", Environment),
            ("signatory", Signatory),
            ("wording", Wording),
        ):
            _check_type("certificate", name, getattr(self, name), kind)
        for name in ("performed_from", "performed_to", "issued_on"):
            _check_type("certificate", name, getattr(self, name), date)
            if isinstance(getattr(self, name), datetime):
                raise CertificateDataError(name, "must be a date, not a datetime")
        _check_type("certificate", "received_on", self.received_on, date, optional=True)
        _check_type("certificate", "recalibration_due", self.recalibration_due, date, optional=True)
        optional_parts: tuple[tuple[str, type], ...] = (
            ("traceability", Text),
            ("decision", DecisionStatement),
            ("verification", VerificationInfo),
            ("amendment", Amendment),
            ("withdrawal", Withdrawal),
            ("sampling", Text),
        )
        for name, part in optional_parts:
            _check_type("certificate", name, getattr(self, name), part, optional=True)
        sequences: tuple[tuple[str, type], ...] = (
            ("results", ResultSeries),
            ("standards", StandardUsed),
            ("customer_supplied", Text),
            ("remarks", Text),
        )
        for name, part in sequences:
            values = tuple(getattr(self, name))
            object.__setattr__(self, name, values)
            for index, value in enumerate(values):
                _check_type("certificate", f"{name}[{index}]", value, part)
        _normalise_strings(self, "certificate", optional=("location_detail", "superseded_by"))
        if any(c.isspace() for c in self.number):
            raise CertificateDataError("number", f"must not contain spaces: {self.number!r}")
        if not self.results:
            raise CertificateDataError("results", "a certificate reports at least one result (7.8.2.1 m)")
        if not self.standards:
            raise CertificateDataError(
                "standards", "name the reference standards that give traceability (7.8.4.1 c)"
            )
        if self.performed_from > self.performed_to:
            raise CertificateDataError("performed_from", "is after performed_to")
        if self.received_on is not None and self.received_on > self.performed_from:
            raise CertificateDataError("received_on", "is after the work started (performed_from)")
        if self.issued_on < self.performed_to:
            raise CertificateDataError("issued_on", "is before the work ended (performed_to)")
        if self.signatory.signed_at.date() < self.performed_to:
            raise CertificateDataError("signatory.signed_at", "is before the work ended (performed_to)")
        if not self.verification_url.startswith(("https://", "http://")):
            raise CertificateDataError("verification_url", "must be an http(s) URL")
        if self.location is not PerformanceLocation.LABORATORY and not self.location_detail:
            raise CertificateDataError("location_detail", "give the address of the site (7.8.2.1 c)")
        if self.kind is CertificateKind.VERIFICATION:
            if self.verification is None:
                raise CertificateDataError(
                    "verification",
                    "a verification certificate needs its result, stamp number and validity date",
                )
            if self.verification.valid_until <= self.performed_to:
                raise CertificateDataError("verification.valid_until", "must be after the verification date")
        elif self.verification is not None:
            raise CertificateDataError(
                "verification", "only verification certificates carry a stamp and a validity date (7.8.4.3)"
            )
        if self.recalibration_due is not None:
            if not self.recalibration_requested:
                raise CertificateDataError(
                    "recalibration_due",
                    "a calibration certificate recommends no recalibration date "
                    "unless the customer asked (7.8.4.3); set recalibration_requested",
                )
            if self.recalibration_due <= self.performed_to:
                raise CertificateDataError("recalibration_due", "must be after the calibration")
        if self.amendment is not None and self.amendment.replaces == self.number:
            raise CertificateDataError("amendment.replaces", "a certificate cannot replace itself")
        if self.superseded_by == self.number:
            raise CertificateDataError("superseded_by", "a certificate cannot supersede itself")
        if self.withdrawal is not None and self.withdrawal.withdrawn_on < self.issued_on:
            raise CertificateDataError("withdrawal.withdrawn_on", "is before the date of issue")
        for s_index, series in enumerate(self.results):
            for p_index, point in enumerate(series.points):
                if (
                    point.conformity is not None
                    and self.decision is None
                    and self.kind is CertificateKind.CALIBRATION
                ):
                    raise CertificateDataError(
                        f"results[{s_index}].points[{p_index}].conformity",
                        "a conformity statement needs the decision rule (7.8.6.2)",
                    )
        missing_mpe = any(p.mpe is None for s in self.results for p in s.points)
        if self.kind is CertificateKind.VERIFICATION and missing_mpe:
            raise CertificateDataError(
                "results",
                "verification compares every error with its maximum "
                "permissible error: give mpe for each point",
            )

    @property
    def title(self) -> Text:
        """The bilingual title (7.8.2.1 a)."""
        w = self.wording
        return w.title_verification if self.kind is CertificateKind.VERIFICATION else w.title_calibration

    @property
    def traceability_statement(self) -> Text:
        """The traceability statement printed (7.8.4.1 c)."""
        return self.traceability if self.traceability is not None else self.wording.traceability

    @property
    def is_current(self) -> bool:
        """Neither withdrawn nor superseded."""
        return self.withdrawal is None and not self.superseded_by

    def coverage(self) -> tuple[float, float] | None:
        """The (k, p) shared by every point, or None when they differ (then k is given per point)."""
        pairs = {(p.coverage_factor, p.coverage_probability) for s in self.results for p in s.points}
        return next(iter(pairs)) if len(pairs) == 1 else None

    def shared_probability(self) -> float | None:
        """The coverage probability when all points share it."""
        probabilities = {p.coverage_probability for s in self.results for p in s.points}
        return next(iter(probabilities)) if len(probabilities) == 1 else None
