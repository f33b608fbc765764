"""Importing programme records from CSV files (the spreadsheets the Department keeps today).

All or nothing: every row is checked and recorded through the same functions as the web forms; the
first bad row raises an error naming its line and field, and the caller's transaction is rolled back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from lims.domain.programme import Programme
from lims.errors import N_, LimsError
from lims.models import AssessmentResult, CertificationStandard, Quantity
from lims.services.programme import developments, records, training
from lims.services.programme.support import enterprise_by_tax_code


class ImportKind(StrEnum):
    PARTICIPANTS = "participants"
    SUPPORTS = "supports"
    ASSESSMENTS = "assessments"
    CERTIFICATIONS = "certifications"
    DEMAND = "demand"
    DEVELOPMENTS = "developments"
    PROGRESS = "progress"


COLUMNS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.PARTICIPANTS: (
        "topic",
        "organiser",
        "starts_on",
        "ends_on",
        "full_name",
        "national_id",
        "phone",
        "email",
        "organisation",
    ),
    ImportKind.SUPPORTS: ("tax_code", "supported_on", "content", "provided_by"),
    ImportKind.ASSESSMENTS: (
        "lab_name",
        "lab_code",
        "assessed_on",
        "result",
        "accredited",
        "accreditation_number",
    ),
    ImportKind.CERTIFICATIONS: (
        "organisation_name",
        "organisation_code",
        "standard",
        "certificate_number",
        "issued_on",
        "expires_on",
        "certification_body",
    ),
    ImportKind.DEMAND: (
        "name",
        "quantity",
        "annual_demand",
        "legal_basis",
        "procedure_code",
        "covered_since",
        "surveyed_on",
        "survey_source",
    ),
    ImportKind.DEVELOPMENTS: ("code", "developed_on", "funding", "funding_vnd", "notes"),
    ImportKind.PROGRESS: ("task_id", "year", "done"),
}
REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.PARTICIPANTS: ("topic", "organiser", "starts_on", "ends_on", "full_name"),
    ImportKind.SUPPORTS: ("tax_code", "supported_on", "content"),
    ImportKind.ASSESSMENTS: ("lab_name", "lab_code", "assessed_on", "result"),
    ImportKind.CERTIFICATIONS: (
        "organisation_name",
        "organisation_code",
        "standard",
        "certificate_number",
        "issued_on",
    ),
    ImportKind.DEMAND: ("name", "quantity", "annual_demand"),
    ImportKind.DEVELOPMENTS: ("code", "developed_on", "funding"),
    ImportKind.PROGRESS: ("task_id", "year", "done"),
}


class CellError(LimsError, ValueError):
    """A cell that cannot be read; ``field`` is its column."""

    def __init__(self, field: str, /, **params: str) -> None:
        super().__init__(**params)
        self.field = field


class NotADate(CellError):
    template = N_("'%(value)s' is not a date YYYY-MM-DD")


class NotOneOf(CellError):
    template = N_("'%(value)s' is not one of %(allowed)s")


class NotWholeNumber(CellError):
    template = N_("'%(value)s' is not a whole number")


class EmptyCell(CellError):
    template = N_("required")


class RowError(LimsError, ValueError):
    """The first bad row of a file: its line, the column when one is to blame, and the refusal (``cause``,
    reworded in the reader's language on the web)."""

    template = N_("Line %(line)s, %(field)s: %(message)s")

    def __init__(self, *, line: int, field: str, message: str, cause: LimsError | None = None) -> None:
        super().__init__(line=line, field=field, message=message)
        self.cause = cause

    def __str__(self) -> str:
        if self.params.get("field") == "-":
            return f"line {self.params['line']}: {self.params['message']}"
        return super().__str__()


class MissingColumns(LimsError, ValueError):
    template = N_("The file lacks the columns: %(columns)s.")


class UnreadableFile(LimsError, ValueError):
    template = N_("The file cannot be read as %(format)s.")


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise NotADate(field, value=value) from None


def _optional_day(value: str, field: str) -> date | None:
    return _day(value, field) if value else None


def _choice(enum: type[StrEnum], value: str, field: str) -> StrEnum:
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise NotOneOf(field, value=value, allowed=allowed) from None


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "có", "x")


def _rows(text: str, kind: ImportKind) -> Iterator[tuple[int, Mapping[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED[kind] if c not in (reader.fieldnames or [])]
    if missing:
        raise MissingColumns(columns=", ".join(missing))
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _cell(value: object) -> str:
    """An XLSX cell as the CSV would hold it: dates ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes, kind: ImportKind) -> Iterator[tuple[int, Mapping[str, str]]]:
    """The first sheet of a workbook, header in row 1 (the Department's spreadsheets saved as XLSX)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError and its own errors for a damaged file
        raise UnreadableFile(format="XLSX") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, ())]
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        raise MissingColumns(columns=", ".join(missing))
    for line, values in enumerate(rows, start=2):
        row = {name: _cell(value) for name, value in zip(header, values, strict=False) if name}
        if any(row.values()):
            yield line, row


def _participant(session: Session, row: Mapping[str, str], courses: dict[tuple[str, ...], int]) -> None:
    key = (row["topic"], row["organiser"], row["starts_on"], row["ends_on"])
    if key not in courses:
        course = training.create_course(
            session,
            training.CourseInput(
                row["topic"],
                row["organiser"],
                _day(row["starts_on"], "starts_on"),
                _day(row["ends_on"], "ends_on"),
            ),
        )
        courses[key] = course.id
    training.add_participant(
        session,
        courses[key],
        training.ParticipantInput(
            row["full_name"],
            row.get("national_id"),
            row.get("phone"),
            row.get("email"),
            row.get("organisation"),
        ),
    )


def _support(session: Session, row: Mapping[str, str], programme: Programme | None) -> None:
    if programme is None:
        raise AssertionError("supports are imported for a programme (their contents are the plan's)")
    enterprise = enterprise_by_tax_code(session, row["tax_code"])
    records.record_map_support(
        session,
        programme,
        enterprise.id,
        supported_on=_day(row["supported_on"], "supported_on"),
        content=row["content"],
        provided_by=row.get("provided_by") or None,
    )


def _assessment(session: Session, row: Mapping[str, str]) -> None:
    records.record_lab_assessment(
        session,
        records.AssessmentInput(
            lab_name=row["lab_name"],
            lab_code=row["lab_code"],
            assessed_on=_day(row["assessed_on"], "assessed_on"),
            result=AssessmentResult(_choice(AssessmentResult, row["result"], "result")),
            accredited=_bool(row.get("accredited", "")),
            accreditation_number=row.get("accreditation_number") or None,
        ),
    )


def _certification(session: Session, row: Mapping[str, str]) -> None:
    records.record_certification(
        session,
        records.CertificationInput(
            organisation_name=row["organisation_name"],
            organisation_code=row["organisation_code"],
            standard=CertificationStandard(_choice(CertificationStandard, row["standard"], "standard")),
            certificate_number=row["certificate_number"],
            issued_on=_day(row["issued_on"], "issued_on"),
            expires_on=_optional_day(row.get("expires_on", ""), "expires_on"),
            certification_body=row.get("certification_body") or None,
        ),
    )


def _demand(session: Session, row: Mapping[str, str]) -> None:
    annual_demand = _whole(row["annual_demand"], "annual_demand")
    records.add_demand_type(
        session,
        name=row["name"],
        quantity=Quantity(_choice(Quantity, row["quantity"], "quantity")),
        annual_demand=annual_demand,
        legal_basis=row.get("legal_basis") or None,
        procedure_code=row.get("procedure_code") or None,
        covered_since=_optional_day(row.get("covered_since", ""), "covered_since"),
        surveyed_on=_optional_day(row.get("surveyed_on", ""), "surveyed_on"),
        survey_source=row.get("survey_source") or None,
    )


def _whole(value: str, field: str) -> int:
    if not value.isdigit():
        raise NotWholeNumber(field, value=value)
    return int(value)


def _development(session: Session, row: Mapping[str, str], programme: Programme | None) -> None:
    if programme is None:
        raise AssertionError("standards developed are imported for a programme")
    raw = row.get("funding_vnd", "")
    developments.record_development(
        session,
        programme,
        developments.DevelopmentInput(
            code=row["code"],
            developed_on=_day(row["developed_on"], "developed_on"),
            funding=row["funding"],
            funding_vnd=_whole(raw, "funding_vnd") if raw else None,
            notes=row.get("notes") or None,
        ),
    )


def _progress(session: Session, row: Mapping[str, str], programme: Programme | None) -> None:
    if programme is None:
        raise AssertionError("task progress is imported for a programme")
    year = _whole(row["year"], "year")
    records.record_task_progress(session, programme, task_id=row["task_id"], year=year, done=row["done"])


def import_file(
    session: Session, kind: ImportKind, data: bytes, *, filename: str, programme: Programme | None = None
) -> int:
    """Record every row of an uploaded CSV (UTF-8) or XLSX file; return how many rows were recorded."""
    if filename.lower().endswith(".xlsx"):
        return _import(session, kind, _xlsx_rows(data, kind), programme)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(format="CSV UTF-8") from None
    return _import(session, kind, _rows(text, kind), programme)


def import_records(
    session: Session, kind: ImportKind, text: str, *, programme: Programme | None = None
) -> int:
    """Record every row of a CSV text of ``kind``; return how many rows were recorded."""
    return _import(session, kind, _rows(text, kind), programme)


def _import(
    session: Session,
    kind: ImportKind,
    rows: Iterator[tuple[int, Mapping[str, str]]],
    programme: Programme | None,
) -> int:
    courses: dict[tuple[str, ...], int] = {}
    handlers: dict[ImportKind, Callable[[Session, Mapping[str, str]], None]] = {
        ImportKind.PARTICIPANTS: lambda s, r: _participant(s, r, courses),
        ImportKind.SUPPORTS: lambda s, r: _support(s, r, programme),
        ImportKind.ASSESSMENTS: _assessment,
        ImportKind.CERTIFICATIONS: _certification,
        ImportKind.DEMAND: _demand,
        ImportKind.DEVELOPMENTS: lambda s, r: _development(s, r, programme),
        ImportKind.PROGRESS: lambda s, r: _progress(s, r, programme),
    }
    count = 0
    for line, row in rows:
        for column in REQUIRED[kind]:
            if not row.get(column):
                empty = EmptyCell(column)
                raise RowError(line=line, field=column, message=str(empty), cause=empty)
        try:
            handlers[kind](session, row)
        except CellError as exc:
            raise RowError(line=line, field=exc.field, message=str(exc), cause=exc) from exc
        except LimsError as exc:
            raise RowError(line=line, field="-", message=str(exc), cause=exc) from exc
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            if not message:
                field, message = "-", str(exc)
            raise RowError(line=line, field=field, message=message) from exc
        count += 1
    return count
