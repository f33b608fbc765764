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

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from certificates.checks import check_type, normalise_strings
from certificates.errors import CertificateDataError
from certificates.metrology.coverage import coverage_factor_text
from certificates.metrology.numbers import format_compact
from certificates.metrology.point import IntervalMethod
from certificates.metrology.summary import coverage_summary, point_labels_text
from certificates.records import Address, Customer, Environment, Item, Laboratory, Method, StandardUsed
from certificates.results import (
    DecisionStatement,
    Deviation,
    IndicationKind,
    PointResult,
    ResultSeries,
    Verdict,
)
from certificates.wording import DEFAULT_WORDING, Text, Wording

__all__ = [
    "Address",
    "Amendment",
    "CertificateData",
    "CertificateKind",
    "Customer",
    "DecisionStatement",
    "Deviation",
    "Environment",
    "IndicationKind",
    "Item",
    "Laboratory",
    "LegalCharacteristic",
    "Method",
    "PerformanceLocation",
    "PointResult",
    "ResultSeries",
    "Signatory",
    "StandardUsed",
    "Text",
    "Verdict",
    "VerificationInfo",
    "VerificationType",
    "Withdrawal",
]


class CertificateKind(StrEnum):
    """Hiệu chuẩn (ISO/IEC 17025 calibration) or kiểm định (legal verification, Luật Đo lường art. 16)."""

    CALIBRATION = "calibration"
    VERIFICATION = "verification"


class PerformanceLocation(StrEnum):
    """Where the work was done (7.8.2.1 c); values are the DCC 3.1.2 enumeration."""

    LABORATORY = "laboratory"
    CUSTOMER = "customer"
    LABORATORY_BRANCH = "laboratoryBranch"
    CUSTOMER_BRANCH = "customerBranch"
    OTHER = "other"


class VerificationType(StrEnum):
    """Kiểm định ban đầu / định kỳ / sau sửa chữa (Thông tư 23/2013/TT-BKHCN)."""

    INITIAL = "initial"
    PERIODIC = "periodic"
    AFTER_REPAIR = "afterRepair"


@dataclass(frozen=True, slots=True)
class Signatory:
    """The person authorising the certificate (7.8.2.1 o) and the time of the electronic signature."""

    name: str
    function: Text  # e.g. Text("Giám đốc", "Director")
    signed_at: datetime  # timezone-aware; printed with its UTC offset
    # The issued files carry a cryptographic signature (PAdES on the PDF, CMS beside the DCC) and, when a
    # timestamp authority is configured, an RFC 3161 timestamp: the DCC's respPerson says so.
    digitally_signed: bool = False
    timestamped: bool = False

    def __post_init__(self) -> None:
        check_type("signatory", "function", self.function, Text)
        check_type("signatory", "signed_at", self.signed_at, datetime)
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            raise CertificateDataError("signatory.signed_at", "must be timezone-aware (e.g. +07:00)")
        normalise_strings(self, "signatory")


@dataclass(frozen=True, slots=True)
class Amendment:
    """This certificate replaces an earlier one (7.8.8.2)."""

    replaces: str  # number of the replaced certificate
    revision: int  # 1 for the first amendment
    reason: Text
    replaces_sha256: str = ""  # SHA-256 of the replaced PDF, hex, when known (carried in the DCC)

    def __post_init__(self) -> None:
        check_type("amendment", "reason", self.reason, Text)
        if isinstance(self.revision, bool) or not isinstance(self.revision, int) or self.revision < 1:
            raise CertificateDataError(
                "amendment.revision", f"must be a whole number ≥ 1, not {self.revision!r}"
            )
        normalise_strings(self, "amendment", optional=("replaces_sha256",))
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
        check_type("withdrawal", "withdrawn_on", self.withdrawn_on, date)
        check_type("withdrawal", "reason", self.reason, Text)


@dataclass(frozen=True, slots=True)
class LegalCharacteristic:
    """One legal characteristic the verification records (for a scale: class, Max, Min, e, n)."""

    label: Text
    value: str

    def __post_init__(self) -> None:
        check_type("verification.characteristics", "label", self.label, Text)
        normalise_strings(self, "verification.characteristics")


@dataclass(frozen=True, slots=True)
class VerificationInfo:
    """Kiểm định extras: result, the verification stamp (tem), the validity date and the legal basis.

    ``procedure`` is the Vietnamese verification procedure (ĐLVN code and title) the conclusion cites,
    ``officer``/``officer_card`` the verification officer and the card that authorised them, and
    ``characteristics`` the legal characteristics of the instrument (Circular 23/2013/TT-BKHCN, ĐLVN).
    """

    passed: bool
    stamp_number: str  # số tem kiểm định
    valid_until: date  # "có hiệu lực đến": verification date + cycle − 1 day
    verification_type: VerificationType = VerificationType.PERIODIC
    procedure: Text | None = None  # e.g. Text("ĐLVN 14:2009 Cân bàn – Quy trình kiểm định", "…")
    procedure_reference: str = ""  # "ĐLVN 14:2009": what the verdict cites
    instrument_type: Text | None = None  # the type of the legal catalogue (Cân bàn / Platform scale)
    officer: str = ""  # kiểm định viên
    officer_card: str = ""  # card number and issuing authority
    characteristics: tuple[LegalCharacteristic, ...] = ()

    def __post_init__(self) -> None:
        check_type("verification", "passed", self.passed, bool)
        check_type("verification", "valid_until", self.valid_until, date)
        check_type("verification", "procedure", self.procedure, Text, optional=True)
        check_type("verification", "instrument_type", self.instrument_type, Text, optional=True)
        object.__setattr__(self, "verification_type", VerificationType(self.verification_type))
        object.__setattr__(self, "characteristics", tuple(self.characteristics))
        for c in self.characteristics:
            check_type("verification", "characteristics", c, LegalCharacteristic)
        normalise_strings(self, "verification", optional=("procedure_reference", "officer", "officer_card"))
        if self.officer and not self.officer_card:
            raise CertificateDataError(
                "verification.officer_card", "a verification officer is named with the card"
            )


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
    verification_url: str  # public page the QR code opens, e.g. https://…/verify/HC-2026-00042?c=GBT8NT8H
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
    verification_code: str = ""  # printed beside the QR code; with the number it opens the public facts

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
            check_type("certificate", name, getattr(self, name), kind)
        for name in ("performed_from", "performed_to", "issued_on"):
            check_type("certificate", name, getattr(self, name), date)
            if isinstance(getattr(self, name), datetime):
                raise CertificateDataError(name, "must be a date, not a datetime")
        check_type("certificate", "received_on", self.received_on, date, optional=True)
        check_type("certificate", "recalibration_due", self.recalibration_due, date, optional=True)
        optional_parts: tuple[tuple[str, type], ...] = (
            ("traceability", Text),
            ("decision", DecisionStatement),
            ("verification", VerificationInfo),
            ("amendment", Amendment),
            ("withdrawal", Withdrawal),
            ("sampling", Text),
        )
        for name, part in optional_parts:
            check_type("certificate", name, getattr(self, name), part, optional=True)
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
                check_type("certificate", f"{name}[{index}]", value, part)
        normalise_strings(
            self, "certificate", optional=("location_detail", "superseded_by", "verification_code")
        )
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

    @property
    def states_conformity(self) -> bool:
        """Whether the certificate states conformity per point: a verification certificate always does; a
        calibration certificate only with the decision rule the customer agreed to (7.8.6.1, 7.8.6.2). A
        point's verdict is part of its record either way; it is printed only when this is true."""
        return self.decision is not None or self.kind is CertificateKind.VERIFICATION

    def coverage(self) -> tuple[Decimal, Decimal] | None:
        """The (k, p) shared by every point when each k came from the normal distribution, else None (then k
        is given per point and the t-distributions are named, EA-4/02 M:2022 section 5)."""
        points = [p for s in self.results for p in s.points]
        if any(p.effective_dof is not None or p.interval_method is IntervalMethod.MCM for p in points):
            return None
        pairs = {(p.coverage_factor, p.coverage_probability) for p in points}
        return next(iter(pairs)) if len(pairs) == 1 else None

    def uncertainty_statement(self) -> Text:
        """The one statement of U, k and p that the PDF and the DCC print (EA-4/02 M:2022 section 5,
        ILAC-P14:09/2020 6.2): the wording's statement with the shared k, or with k per point; then, when a k
        came from a t-distribution or a U from a Monte Carlo interval, the statement the job pages print
        (:func:`~certificates.metrology.summary.coverage_summary`: each method once, ν_eff with its k) and
        where the law of propagation was not validated (JCGM 101:2008 clause 8)."""
        w, coverage = self.wording, self.coverage()
        probability = self.shared_probability() or Decimal("0.95")
        p = format_compact(round(probability * 100), decimal_separator=w.decimal_separator)  # whole percent
        if coverage is not None:
            k = coverage_factor_text(coverage[0], decimal_separator=w.decimal_separator)
            return w.uncertainty.format(k=k, p=p)
        statement = w.uncertainty_per_point.format(p=p)
        many = len(self.results) > 1  # rows are numbered per series: "1.3" is series 1, row 3
        labelled = [
            (f"{i}.{n}" if many else str(n), point)
            for i, series in enumerate(self.results, start=1)
            for n, point in enumerate(series.points, start=1)
        ]
        if not any(
            p.effective_dof is not None or p.interval_method is IntervalMethod.MCM for _, p in labelled
        ):
            return statement
        # The per-point wording would say "U = u times k" once and the summary say k again; here the summary
        # states k (and ν_eff, or the Monte Carlo interval) once, after the basis of the evaluation.
        basis = w.uncertainty_basis
        vi = [basis.vi, f"Độ không đảm bảo đo mở rộng U: {coverage_summary(labelled, 'vi')}."]
        en = [basis.en, f"Expanded uncertainty U: {coverage_summary(labelled, 'en')}."]
        mcm = [label for label, p in labelled if p.interval_method is IntervalMethod.MCM]
        if mcm:
            vi.append(
                f"Tại {point_labels_text(mcm, 'vi')}, luật lan truyền độ không đảm bảo đo không được xác nhận bằng "
                "phương pháp Monte Carlo (JCGM 101:2008 mục 8): U là nửa khoảng phủ Monte Carlo."
            )
            en.append(
                f"At {point_labels_text(mcm, 'en')} the law of propagation was not validated by the Monte Carlo "
                "method (JCGM 101:2008 clause 8): U is the half-width of the Monte Carlo coverage interval."
            )
        return Text(" ".join(vi), " ".join(en))

    def shared_probability(self) -> Decimal | None:
        """The coverage probability when all points share it."""
        probabilities = {p.coverage_probability for s in self.results for p in s.points}
        return next(iter(probabilities)) if len(probabilities) == 1 else None
