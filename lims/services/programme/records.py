"""Recording what the programme's indicators are counted from: courses, participations, supports, labs.

Every function validates its input completely before adding anything to the session, so a refused
record leaves nothing behind.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Programme
from lims.errors import N_, LimsError, NotFound
from lims.models import (
    AssessmentResult,
    CertificationStandard,
    DemandInstrumentType,
    Enterprise,
    LabAssessment,
    MeasurementAssuranceSupport,
    ProgrammeTaskProgress,
    Quantity,
    ServiceCertification,
    Withdrawable,
)
from lims.services.records import audit


class ProgrammeRecordError(LimsError, ValueError):
    """A programme record was refused; nothing was saved."""


class RequiredField(ProgrammeRecordError):
    template = N_("%(field)s is required.")


class DatesOutOfOrder(ProgrammeRecordError):
    template = N_("%(field)s (%(value)s) is before %(other_field)s (%(other)s).")


class MissingIdentity(ProgrammeRecordError):
    template = N_(
        "The participant %(name)s has no identity: give a national ID number, a phone number or an e-mail address."
    )


class InvalidEmail(ProgrammeRecordError):
    template = N_("“%(email)s” is not an e-mail address.")


class DuplicateParticipant(ProgrammeRecordError):
    template = N_("%(name)s is already registered on this course.")


class DuplicateCertificate(ProgrammeRecordError):
    template = N_("Certificate %(number)s is already recorded.")


class UnknownTask(ProgrammeRecordError):
    template = N_("The plan has no task %(task)s.")


class YearOutsidePlan(ProgrammeRecordError):
    template = N_("The year %(year)s is outside the plan's phases.")


class TaskOutsidePeriod(ProgrammeRecordError):
    template = N_("Task %(task)s is planned for %(period)s, not for %(year)s.")


class NotPositive(ProgrammeRecordError):
    template = N_("%(field)s must be a positive whole number.")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text or None


class AlreadyWithdrawn(ProgrammeRecordError):
    template = N_("This record was withdrawn; it can no longer be changed.")


M = TypeVar("M", bound=Withdrawable)


def _live(session: Session, model: type[M], record_id: int) -> M:
    """The record to edit: it must exist and not be withdrawn."""
    record = session.get(model, record_id)
    if record is None:
        raise NotFound()
    if record.withdrawn_at is not None:
        raise AlreadyWithdrawn()
    return record


def _assign(record: object, values: dict[str, object]) -> None:
    for name, value in values.items():
        setattr(record, name, value)


def withdraw(session: Session, model: type[M], record_id: int, *, reason: str, now: datetime) -> M:
    """Withdraw a record with a reason: kept (and audited), no longer counted by any indicator."""
    record = _live(session, model, record_id)
    text = _required(reason, "reason")
    record.withdrawal_reason, record.withdrawn_at = text, now
    audit.set_reason(session, text)  # the trail's entry carries the reason too
    try:
        session.flush()
    finally:
        audit.set_reason(session, None)
    return record


def _required(text: str | None, field: str) -> str:
    value = _clean(text)
    if not value:
        raise RequiredField(field=field)
    return value


class UnknownSupportContent(ProgrammeRecordError):
    template = N_("The plan has no support content “%(content)s” (its contents: %(known)s).")


CONTENT_SEPARATOR = ", "


def support_content_codes(programme: Programme, content: str) -> str:
    """The plan's support content(s) named by ``content``, as stored: ids joined by ", ".

    Each part (comma-separated) is a content id of the plan's ``support_contents`` (the import's and the
    form's value) or, for a spreadsheet typed by hand, a content's exact Vietnamese or English title
    (case and spacing ignored). Anything else is refused naming the plan's ids: a support is always
    one of the plan's own contents (issue 20, gap 2)."""
    by_text: dict[str, str] = {}
    for item in programme.support_contents:
        for text in (item.id, item.title_vi, item.title_en):
            if text:
                by_text[" ".join(unicodedata.normalize("NFC", text).split()).casefold()] = item.id
    codes: list[str] = []
    whole = _clean(content)
    # a title may itself hold commas ('thử nghiệm, giám định, kiểm định'): the whole text first
    parts = [content] if whole and whole.casefold() in by_text else content.split(",")
    for part in parts:
        wanted = _clean(part)
        if not wanted:
            continue
        code = by_text.get(wanted.casefold())
        if code is None:
            known = CONTENT_SEPARATOR.join(item.id for item in programme.support_contents)
            raise UnknownSupportContent(content=wanted, known=known)
        if code not in codes:
            codes.append(code)
    if not codes:
        raise RequiredField(field="content")
    return CONTENT_SEPARATOR.join(codes)


def support_content_title(programme: Programme, stored: str, *, english: bool = False) -> str:
    """A stored support content in words: the plan's titles of its ids (in English when asked and the
    plan gives one), or, for a record kept from before contents were the plan's list, its free text."""
    titles = {
        c.id: (c.title_en if english and c.title_en else c.title_vi) for c in programme.support_contents
    }
    codes = stored.split(CONTENT_SEPARATOR)
    if all(code in titles for code in codes):
        return "; ".join(titles[code] for code in codes)
    return stored


def record_map_support(
    session: Session,
    programme: Programme,
    enterprise_id: int,
    *,
    supported_on: date,
    content: str,
    application_id: int | None = None,
    provided_by: str | None = None,
) -> MeasurementAssuranceSupport:
    """An enterprise supported under the Measurement Assurance Programme (by the lab, the Department or,
    with ``provided_by``, another body) with one or several of the plan's support contents."""
    codes = support_content_codes(programme, content)
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound()
    support = MeasurementAssuranceSupport(
        enterprise_id=enterprise_id,
        supported_on=supported_on,
        content=codes,
        application_id=application_id,
        provided_by=_clean(provided_by),
    )
    session.add(support)
    session.flush()
    return support


def update_map_support(
    session: Session,
    programme: Programme,
    support_id: int,
    *,
    enterprise_id: int,
    supported_on: date,
    content: str,
    provided_by: str | None = None,
) -> MeasurementAssuranceSupport:
    """Correct a support; an old free-text content is replaced by the plan's content chosen now."""
    support = _live(session, MeasurementAssuranceSupport, support_id)
    codes = support_content_codes(programme, content)
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound()
    support.enterprise_id = enterprise_id
    support.supported_on = supported_on
    support.content = codes
    support.provided_by = _clean(provided_by)
    session.flush()
    return support


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    lab_name: str
    lab_code: str
    assessed_on: date
    result: AssessmentResult
    accredited: bool = False
    accreditation_number: str | None = None
    assessor: str | None = None
    notes: str | None = None


def _assessment_values(data: AssessmentInput) -> dict[str, object]:
    accreditation = _clean(data.accreditation_number)
    if data.accredited and not accreditation:
        raise RequiredField(field="accreditation_number")
    return {
        "lab_name": _required(data.lab_name, "lab_name"),
        "lab_code": _required(data.lab_code, "lab_code").upper(),
        "accredited": data.accredited,
        "accreditation_number": accreditation,
        "assessed_on": data.assessed_on,
        "result": AssessmentResult(data.result),
        "assessor": _clean(data.assessor),
        "notes": _clean(data.notes),
    }


def record_lab_assessment(session: Session, data: AssessmentInput) -> LabAssessment:
    assessment = LabAssessment(**_assessment_values(data))
    session.add(assessment)
    session.flush()
    return assessment


def update_lab_assessment(session: Session, assessment_id: int, data: AssessmentInput) -> LabAssessment:
    assessment = _live(session, LabAssessment, assessment_id)
    _assign(assessment, _assessment_values(data))
    session.flush()
    return assessment


@dataclass(frozen=True, slots=True)
class CertificationInput:
    organisation_name: str
    organisation_code: str
    standard: CertificationStandard
    certificate_number: str
    issued_on: date
    expires_on: date | None = None
    certification_body: str | None = None


def _certification_values(
    session: Session, data: CertificationInput, *, record_id: int | None = None
) -> dict[str, object]:
    number = _required(data.certificate_number, "certificate_number")
    if data.expires_on is not None and data.expires_on < data.issued_on:
        raise DatesOutOfOrder(
            field="expires_on",
            value=data.expires_on.isoformat(),
            other_field="issued_on",
            other=data.issued_on.isoformat(),
        )
    standard = CertificationStandard(data.standard)
    clash = session.scalar(
        select(ServiceCertification.id).where(
            ServiceCertification.standard == standard,
            ServiceCertification.certificate_number == number,
            ServiceCertification.id != (record_id or 0),
        )
    )
    if clash is not None:
        raise DuplicateCertificate(number=number)
    return {
        "organisation_name": _required(data.organisation_name, "organisation_name"),
        "organisation_code": _required(data.organisation_code, "organisation_code"),
        "standard": standard,
        "certificate_number": number,
        "issued_on": data.issued_on,
        "expires_on": data.expires_on,
        "certification_body": _clean(data.certification_body),
    }


def record_certification(session: Session, data: CertificationInput) -> ServiceCertification:
    certification = ServiceCertification(**_certification_values(session, data))
    session.add(certification)
    session.flush()
    return certification


def update_certification(
    session: Session, certification_id: int, data: CertificationInput
) -> ServiceCertification:
    certification = _live(session, ServiceCertification, certification_id)
    _assign(certification, _certification_values(session, data, record_id=certification_id))
    session.flush()
    return certification


@dataclass(frozen=True, slots=True)
class DemandInput:
    """A type of instrument the city must verify or calibrate, with the survey its yearly number comes from."""

    name: str
    quantity: Quantity
    annual_demand: int
    legal_basis: str | None = None
    procedure_code: str | None = None
    covered_since: date | None = None
    surveyed_on: date | None = None
    survey_source: str | None = None


class DuplicateDemandType(ProgrammeRecordError):
    template = N_("The instrument type %(name)s is already in the demand catalogue.")


def _demand_values(session: Session, data: DemandInput, *, record_id: int | None = None) -> dict[str, object]:
    annual = data.annual_demand
    if isinstance(annual, bool) or not isinstance(annual, int) or annual <= 0:
        raise NotPositive(field="annual_demand")
    if data.covered_since is not None and not _clean(data.procedure_code):
        raise RequiredField(field="procedure_code")
    name = _required(data.name, "name")
    clash = session.scalar(
        select(DemandInstrumentType.id).where(
            DemandInstrumentType.name == name, DemandInstrumentType.id != (record_id or 0)
        )
    )
    if clash is not None:
        raise DuplicateDemandType(name=name)
    return {
        "name": name,
        "quantity": Quantity(data.quantity),
        "annual_demand": annual,
        "legal_basis": _clean(data.legal_basis),
        "procedure_code": _clean(data.procedure_code),
        "covered_since": data.covered_since,
        "surveyed_on": data.surveyed_on,
        "survey_source": _clean(data.survey_source),
    }


def add_demand_type(
    session: Session,
    *,
    name: str,
    quantity: Quantity,
    annual_demand: int,
    legal_basis: str | None = None,
    procedure_code: str | None = None,
    covered_since: date | None = None,
    surveyed_on: date | None = None,
    survey_source: str | None = None,
) -> DemandInstrumentType:
    """A type of instrument the city must verify or calibrate; ``covered_since`` once the lab can serve it."""
    data = DemandInput(
        name, quantity, annual_demand, legal_basis, procedure_code, covered_since, surveyed_on, survey_source
    )
    demand = DemandInstrumentType(**_demand_values(session, data))
    session.add(demand)
    session.flush()
    return demand


def update_demand_type(session: Session, demand_id: int, data: DemandInput) -> DemandInstrumentType:
    demand = _live(session, DemandInstrumentType, demand_id)
    _assign(demand, _demand_values(session, data, record_id=demand_id))
    session.flush()
    return demand


def record_task_progress(
    session: Session, programme: Programme, *, task_id: str, year: int, done: str
) -> ProgrammeTaskProgress:
    """What was done on an appendix task in a year (replaces that year's earlier note). The year is in one
    of the plan's phases and the task is that phase's: a note the report would never print is refused."""
    task = next((t for t in programme.tasks if t.id == task_id), None)
    if task is None:
        raise UnknownTask(task=task_id)
    phase = programme.phase_of_year(year)
    if phase is None:
        raise YearOutsidePlan(year=year)
    if not task.applies_to(phase):
        raise TaskOutsidePeriod(task=task_id, period=task.period, year=year)
    text = _required(done, "done")
    row = session.scalar(
        select(ProgrammeTaskProgress).where(
            ProgrammeTaskProgress.programme_id == programme.id,
            ProgrammeTaskProgress.task_id == task_id,
            ProgrammeTaskProgress.year == year,
        )
    )
    if row is None:
        row = ProgrammeTaskProgress(programme_id=programme.id, task_id=task_id, year=year, done=text)
        session.add(row)
    else:
        row.done, row.updated_at = text, datetime.now(UTC)
        row.withdrawn_at = row.withdrawal_reason = None  # recorded again: counts again
    session.flush()
    return row
