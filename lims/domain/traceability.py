"""Metrological traceability chains (ISO/IEC 17025:2017 6.5; VIM 2.41, 2.42; ILAC-P10).

The graph is made of plain records: :class:`StandardNode` (a measurement standard or reference material)
and :class:`CalibrationLink` (one calibration certificate of a standard). A calibration issued by *this
lab* points at the standards it used (an internal link); one issued by a national metrology institute,
another NMI, an accredited laboratory or a reference-material producer ends the chain (a terminal link).

:func:`resolve_chain` walks the chain of a subject as it stood on a date, through a
:class:`TraceabilityGraph` (the web layer backs it with one recursive SQL query, tests with dictionaries),
and reports every *reliance* as a :class:`ChainLink` ("``from`` relied on standard ``to`` through
certificate ``certificate``") together with :class:`Finding` objects. Problems are findings, never
exceptions; the finding kinds are listed in :class:`FindingKind` and in docs/traceability.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from lims.domain.calibration_points import CalibrationPoint, InvalidRecord
from lims.domain.capability import CmcEntry

__all__ = [
    "CalibrationLink",
    "CalibrationSubject",
    "CertificateSubject",
    "ChainLink",
    "Finding",
    "FindingKind",
    "InvalidRecord",
    "Issuer",
    "IssuerKind",
    "ReferenceMaterial",
    "Severity",
    "StandardNode",
    "StandardStatus",
    "StandardSubject",
    "StatusChange",
    "Subject",
    "TraceabilityChain",
    "TraceabilityGraph",
    "iter_terminal_issuers",
    "resolve_chain",
]


class IssuerKind(StrEnum):
    """Who issued a calibration certificate (ISO/IEC 17025:2017 6.5.2; ILAC-P10:07/2020)."""

    THIS_LAB = "this_lab"
    NATIONAL_METROLOGY_INSTITUTE = "national_metrology_institute"
    OTHER_NMI = "other_nmi"
    ACCREDITED_LAB = "accredited_lab"
    REFERENCE_MATERIAL_PRODUCER = "reference_material_producer"

    @property
    def terminal(self) -> bool:
        """True when the certificate ends the chain inside this lab's records."""
        return self is not IssuerKind.THIS_LAB


@dataclass(frozen=True, slots=True)
class Issuer:
    """Issuer of a certificate, with the evidence ILAC-P10 asks for each kind.

    >>> Issuer(IssuerKind.OTHER_NMI, "PTB", kcdb_cmc_reference="DE-M-1234").terminal
    True
    >>> Issuer(IssuerKind.ACCREDITED_LAB, "Lab X")
    Traceback (most recent call last):
    lims.domain.calibration_points.InvalidRecord: issuer.accreditation_body: required for an accredited lab
    """

    kind: IssuerKind
    name: str
    kcdb_cmc_reference: str | None = None
    accreditation_body: str | None = None
    accreditation_number: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidRecord("issuer.name", "must not be empty")
        if self.kind is IssuerKind.OTHER_NMI and not (self.kcdb_cmc_reference or "").strip():
            raise InvalidRecord("issuer.kcdb_cmc_reference", "required for another NMI (BIPM KCDB CMC)")
        if self.kind is IssuerKind.ACCREDITED_LAB:
            for name in ("accreditation_body", "accreditation_number"):
                if not (getattr(self, name) or "").strip():
                    raise InvalidRecord(f"issuer.{name}", "required for an accredited lab")

    @property
    def terminal(self) -> bool:
        return self.kind.terminal


@dataclass(frozen=True, slots=True)
class CalibrationLink:
    """One calibration event of a standard and its certificate.

    ``valid_until`` is the last day on which the lab relies on this calibration (its interval, 6.4.7);
    ``has_file`` tells whether the certificate PDF is stored. ``points`` are the certificate's results.
    """

    id: str
    standard_id: str
    calibrated_on: date
    certificate_number: str
    issuer: Issuer
    issued_on: date
    valid_until: date
    has_file: bool
    points: tuple[CalibrationPoint, ...] = ()

    def __post_init__(self) -> None:
        if not self.certificate_number.strip():
            raise InvalidRecord("certificate_number", "must not be empty")
        if self.issued_on < self.calibrated_on:
            raise InvalidRecord("issued_on", "a certificate cannot be issued before the calibration date")
        if self.valid_until < self.calibrated_on:
            raise InvalidRecord("valid_until", "must not be before the calibration date")


class StandardStatus(StrEnum):
    IN_SERVICE = "in_service"
    DUE = "due"
    OVERDUE = "overdue"
    QUARANTINED = "quarantined"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"

    @property
    def usable(self) -> bool:
        """Statuses under which a measurement may rely on the standard (ISO/IEC 17025:2017 6.4.4, 6.4.9)."""
        return self in (StandardStatus.IN_SERVICE, StandardStatus.DUE)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A dated status change with its reason (effective from ``on`` inclusive)."""

    on: date
    status: StandardStatus
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ReferenceMaterial:
    """Validity data of a reference material (6.4.13 f): expiry and shelf life after opening."""

    expiry: date
    opened_on: date | None = None
    shelf_life_after_opening_days: int | None = None

    def __post_init__(self) -> None:
        if self.shelf_life_after_opening_days is not None and self.shelf_life_after_opening_days <= 0:
            raise InvalidRecord("shelf_life_after_opening_days", "must be a positive number of days")

    @property
    def opened_use_by(self) -> date | None:
        """Last day of use once opened (``opened_on`` + shelf life), if both are known."""
        if self.opened_on is None or self.shelf_life_after_opening_days is None:
            return None
        return self.opened_on + timedelta(days=self.shelf_life_after_opening_days)


@dataclass(frozen=True, slots=True)
class StandardNode:
    """A measurement standard or reference material as seen by the traceability rules."""

    id: str
    asset_number: str
    name: str
    quantity: str
    status_history: tuple[StatusChange, ...] = ()
    reference_material: ReferenceMaterial | None = None
    #: OIML R 111 class of a weight or weight set ("F1"); its certificate's U is held to MPE/3 (R 111-1 5.2)
    weight_class: str | None = None
    #: a sensor that measures only through a readout (an SPRT, a thermocouple, a pressure transducer)
    requires_readout: bool = False
    #: a readout (a resistance bridge, a thermometer readout) that a sensor of ``requires_readout`` needs
    readout: bool = False

    def __post_init__(self) -> None:
        for name in ("id", "asset_number", "name"):
            if not getattr(self, name).strip():
                raise InvalidRecord(name, "must not be empty")

    def status_on(self, on: date) -> StatusChange | None:
        """The status in force on ``on`` (latest change not after it), ``None`` before the first one.

        >>> s = StandardNode("1", "M-01", "1 kg E2", "mass", (
        ...     StatusChange(date(2020, 1, 1), StandardStatus.IN_SERVICE),
        ...     StatusChange(date(2024, 3, 1), StandardStatus.QUARANTINED, "dropped")))
        >>> s.status_on(date(2024, 2, 29)).status.value, s.status_on(date(2024, 3, 1)).status.value
        ('in_service', 'quarantined')
        """
        current: StatusChange | None = None
        for change in sorted(self.status_history, key=lambda c: c.on):
            if change.on > on:
                break
            current = change
        return current


class TraceabilityGraph(Protocol):
    """What :func:`resolve_chain` needs from storage."""

    def calibrations_of(self, standard_id: str, on: date) -> CalibrationLink | None:
        """The calibration of the standard relied on at ``on`` (normally the latest not after ``on``)."""

    def standards_used_by(self, calibration: CalibrationLink) -> Sequence[StandardNode]:
        """Standards this lab used for an internal calibration (empty for external certificates)."""


@dataclass(frozen=True, slots=True)
class CertificateSubject:
    """A certificate issued by this lab: the standards its job used and, optionally, its results."""

    certificate_number: str
    standards: tuple[StandardNode, ...]
    points: tuple[CalibrationPoint, ...] = ()


@dataclass(frozen=True, slots=True)
class CalibrationSubject:
    """One calibration of a standard, relied on at the resolution date."""

    standard: StandardNode
    calibration: CalibrationLink


@dataclass(frozen=True, slots=True)
class StandardSubject:
    """A standard used on the resolution date, optionally at given values (``points``)."""

    standard: StandardNode
    points: tuple[CalibrationPoint, ...] = ()


Subject = CertificateSubject | CalibrationSubject | StandardSubject


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


class FindingKind(StrEnum):
    """Stable vocabulary of findings (docs/traceability.md explains each)."""

    NO_CALIBRATION = "no_calibration"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    MISSING_FILE = "missing_file"
    CYCLE = "cycle"
    UNCERTAINTY_NOT_SMALLER = "uncertainty_not_smaller"
    INSUFFICIENT_UNCERTAINTY_RATIO = "insufficient_uncertainty_ratio"
    NO_TERMINAL_LINK = "no_terminal_link"
    NOT_IN_SERVICE = "not_in_service"
    MATERIAL_EXPIRED = "material_expired"
    MATERIAL_SHELF_LIFE_EXCEEDED = "material_shelf_life_exceeded"
    OUT_OF_CALIBRATED_RANGE = "out_of_calibrated_range"
    WEIGHT_CLASS_UNCERTAINTY = "weight_class_uncertainty"
    BELOW_CMC = "below_cmc"
    READOUT_MISSING = "readout_missing"

    @property
    def severity(self) -> Severity:
        if self is FindingKind.INSUFFICIENT_UNCERTAINTY_RATIO:
            return Severity.WARNING
        return Severity.BLOCKING


@dataclass(frozen=True, slots=True)
class ChainLink:
    """``source`` relied on standard ``target`` on ``used_on`` through ``calibration``.

    ``source`` is the asset number of the standard (or the number of this lab's certificate) that relied on
    ``target``; it is ``None`` for the use of the subject itself. ``expanded_uncertainty`` is the
    certificate's U at the values where ``source`` used the standard (the largest one), or its largest U
    when those values are unknown; ``None`` when neither can be stated in a single unit. ``parent`` is the
    index of the link whose (internal) certificate named ``target`` among the standards it used; ``None``
    for the subject's own links.
    """

    source: str | None
    target: str
    used_on: date
    calibration: CalibrationLink | None
    expanded_uncertainty: float | None
    unit: str | None
    parent: int | None = None

    @property
    def terminal(self) -> bool:
        return self.calibration is not None and self.calibration.issuer.terminal

    def to_dict(self) -> dict[str, Any]:
        cal = self.calibration
        return {
            "from": self.source,
            "to": self.target,
            "used_on": self.used_on.isoformat(),
            "certificate": cal.certificate_number if cal else None,
            "issuer": cal.issuer.name if cal else None,
            "issuer_kind": cal.issuer.kind.value if cal else None,
            "calibrated_on": cal.calibrated_on.isoformat() if cal else None,
            "valid_until": cal.valid_until.isoformat() if cal else None,
            "has_file": cal.has_file if cal else None,
            "expanded_uncertainty": self.expanded_uncertainty,
            "unit": self.unit,
            "terminal": self.terminal,
            "parent": self.parent,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found in the chain; ``link`` is the index of the concerned link (``None``: the subject)."""

    kind: FindingKind
    message: str
    link: int | None
    standard: str | None = None

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "message": self.message,
            "link": self.link,
            "standard": self.standard,
        }


@dataclass(frozen=True, slots=True)
class TraceabilityChain:
    subject: str
    subject_kind: str
    on: date
    links: tuple[ChainLink, ...]
    findings: tuple[Finding, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """Every path ends at a terminal link and no finding blocks use (a path that does not end at a
        terminal link always carries a blocking finding: no_calibration, no_terminal_link or cycle)."""
        return bool(self.links) and not any(f.blocking for f in self.findings)

    @property
    def blocking_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``lims traceability show --json`` and the API)."""
        return {
            "subject": self.subject,
            "subject_kind": self.subject_kind,
            "on": self.on.isoformat(),
            "links": [link.to_dict() for link in self.links],
            "findings": [f.to_dict() for f in self.findings],
            "complete": self.complete,
        }


def resolve_chain(
    subject: Subject,
    on: date,
    graph: TraceabilityGraph,
    *,
    minimum_ratio: float = 4.0,
    scope: Sequence[CmcEntry] = (),
) -> TraceabilityChain:
    """Resolve the traceability chain of ``subject`` as relied on at ``on``.

    ``on`` is the date of use: the measurement date of a certificate, the date a standard is (or was) used,
    or the date a calibration is relied on. Upstream standards of an internal calibration are evaluated on
    that calibration's date. Each calibration is expanded once, so the walk terminates on any finite graph,
    including cyclic ones; reaching a calibration already on the current path is reported as a ``cycle``.
    ``minimum_ratio`` is the uncertainty ratio below which a link draws an ``insufficient_uncertainty_ratio``
    warning (4:1 by common practice, see docs/traceability.md). ``scope`` is the lab's CMC: a calibration
    issued by this lab may not state a U smaller than it (``below_cmc``, ILAC-P14).

    >>> vmi = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "VMI")
    >>> cal = CalibrationLink("c1", "s1", date(2025, 1, 10), "VMI-1", vmi, date(2025, 1, 15),
    ...                       date(2026, 1, 9), True, (CalibrationPoint(1000.0, "g", 0.0005),))
    >>> class Dicts:
    ...     def calibrations_of(self, standard_id, on): return cal
    ...     def standards_used_by(self, calibration): return ()
    >>> std = StandardNode("s1", "M-01", "1 kg E1", "mass")
    >>> chain = resolve_chain(StandardSubject(std), date(2025, 6, 1), Dicts())
    >>> chain.complete, chain.links[0].terminal, chain.links[0].expanded_uncertainty
    (True, True, 0.0005)
    >>> resolve_chain(StandardSubject(std), date(2026, 2, 1), Dicts()).findings[0].kind.value
    'expired'
    """
    # chain_walk builds on the records above, so it is imported here rather than at module level
    from lims.domain.chain_walk import walk

    if isinstance(subject, CertificateSubject):
        label, kind = subject.certificate_number, "certificate"
    elif isinstance(subject, CalibrationSubject):
        label, kind = subject.calibration.certificate_number, "calibration"
    else:
        label, kind = subject.standard.asset_number, "standard"
    links, findings = walk(subject, on, graph, minimum_ratio=minimum_ratio, scope=scope)
    return TraceabilityChain(label, kind, on, tuple(links), tuple(findings))


def iter_terminal_issuers(chain: TraceabilityChain) -> Iterator[str]:
    """Names of the bodies the chain ends at (for the auditor's summary), in order of appearance."""
    seen: set[str] = set()
    for link in chain.links:
        if link.terminal and link.calibration is not None and link.calibration.issuer.name not in seen:
            seen.add(link.calibration.issuer.name)
            yield link.calibration.issuer.name
