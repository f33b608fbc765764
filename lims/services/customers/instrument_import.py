"""Importing an enterprise's instrument list from CSV or XLSX, all or nothing.

The file's kind is read from its content (an XLSX is a ZIP archive; a CSV is UTF-8 text), never from its
name. Every row is checked (fields, units, ranges, dates, serial numbers unique in the file and in the
enterprise); if any row fails, nothing is stored and every fault is reported by row and column.
Spreadsheet formulas are refused, never evaluated.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lims.errors import N_, LimsError
from lims.models import CustomerInstrument
from lims.services.common.budget import Deadline
from lims.services.customers.instrument_fields import (
    InstrumentData,
    InstrumentInvalid,
    Problem,
    check_instrument,
)
from lims.services.customers.portal import add_instruments, serial_taken

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 40  # the template has 13; a workbook declaring more is refused before any row is read
MAX_XLSX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # refuses "zip bombs"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls

# (column key, English header, Vietnamese header)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("instrument_type", "Instrument type", "Loại phương tiện đo"),
    ("manufacturer", "Manufacturer", "Hãng sản xuất"),
    ("model", "Model", "Kiểu"),
    ("serial_number", "Serial number", "Số sản xuất"),
    ("range_min", "Range minimum", "Phạm vi đo nhỏ nhất"),
    ("range_max", "Range maximum", "Phạm vi đo lớn nhất"),
    ("unit", "Unit", "Đơn vị"),
    ("resolution", "Resolution", "Độ phân giải"),
    ("accuracy_class", "Accuracy class", "Cấp chính xác"),
    ("legally_controlled", "Legally controlled (yes/no)", "Thuộc diện kiểm định (có/không)"),
    ("location", "Location", "Vị trí"),
    ("last_calibrated_on", "Last calibrated (dd/mm/yyyy)", "Ngày hiệu chuẩn gần nhất (dd/mm/yyyy)"),
    ("next_due_on", "Next due (dd/mm/yyyy)", "Ngày đến hạn (dd/mm/yyyy)"),
)
REQUIRED = ("instrument_type", "serial_number", "unit")
EXAMPLE = {
    "instrument_type": "Cân kỹ thuật",
    "manufacturer": "Ohaus",
    "model": "PX3202",
    "serial_number": "B123456789",
    "range_min": "0",
    "range_max": "3200",
    "unit": "g",
    "resolution": "0.01",
    "accuracy_class": "II",
    "legally_controlled": "có",
    "location": "Phòng QC",
    "last_calibrated_on": "15/01/2026",
    "next_due_on": "15/01/2027",
}


class ImportFileError(LimsError, ValueError):
    """The file as a whole cannot be read (nothing was stored)."""


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as the user sees it in the spreadsheet: the header is row 1
    column: str  # column key; "" for the whole row
    problem: Problem


class ImportRejected(LimsError, ValueError):
    template = N_(
        "Nothing was imported: %(count)s problems were found. Correct the file and upload it again."
    )

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(count=len(errors))
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: list[CustomerInstrument]


def _norm(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


# Other names customers use for a column (the app's own label for a serial number is "Số sê-ri").
ALIASES = {"serial_number": ("Số sê-ri", "Số serial", "Serial", "S/N"), "model": ("Kiểu loại", "Model")}
_HEADER_KEYS = {
    _norm(label): key
    for key, english, vietnamese in COLUMNS
    for label in (key, english, vietnamese, *ALIASES.get(key, ()))
}


def header_labels(language: str) -> list[str]:
    return [vietnamese if language == "vi" else english for _key, english, vietnamese in COLUMNS]


def template_csv(language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header_labels(language))
    writer.writerow([EXAMPLE[key] for key, _e, _v in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Instruments"
    sheet.append(header_labels(language))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([EXAMPLE[key] for key, _e, _v in COLUMNS])
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"  # text: dates and serial numbers stay as typed
    for index, label in enumerate(header_labels(language), start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(label) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    if b"\x00" in content:
        raise ImportFileError(N_("The file is neither a CSV text file nor an XLSX workbook."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(N_('The CSV file is not UTF-8 text; save it as "CSV UTF-8".')) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    except csv.Error as exc:
        raise ImportFileError(N_("The CSV file is malformed: %(reason)s."), reason=str(exc)) from None


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    """The first sheet's rows, bounded by work and not only by bytes.

    Every XML part is refused if it declares a DOCTYPE or ENTITY (:mod:`certificates.safe_xml`); a declared
    ``<dimension>`` beyond :data:`MAX_ROWS` rows or :data:`MAX_COLUMNS` columns is refused before a row is
    read; rows are read as they are stored, never padded to the declared size (the probe's
    ``A1:XFD1048576`` with one row at ``r="6000"`` made openpyxl build 98 million empty cells)."""
    from openpyxl import load_workbook

    from certificates.safe_xml import UnsafeXml, check_declarations

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise ImportFileError(N_("The workbook is too large once unpacked."))
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels")):
                check_declarations(archive.read(info))
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except ImportFileError:
        raise
    except UnsafeXml:
        raise ImportFileError(
            N_("The workbook contains XML declarations (DOCTYPE or ENTITY) that are not accepted.")
        ) from None
    except Exception:  # openpyxl raises many unrelated types for damaged files
        raise ImportFileError(N_("The XLSX workbook is damaged or not a workbook.")) from None
    try:
        sheet = book.worksheets[0]
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > MAX_ROWS + 1 or declared_columns > MAX_COLUMNS:
            raise ImportFileError(
                N_(
                    "The sheet is declared to have %(rows)s rows and %(columns)s columns; "
                    "at most %(max_rows)s rows and %(max_columns)s columns are accepted."
                ),
                rows=declared_rows,
                columns=declared_columns,
                max_rows=MAX_ROWS,
                max_columns=MAX_COLUMNS,
            )
        # One row past the limit, so that check_rows reports "too many rows" instead of cutting silently.
        for row in sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS):
            yield [_xlsx_value(cell) for cell in row]
    except ImportFileError:
        raise
    except Exception:  # a part that parsed at load time can still be damaged further down
        raise ImportFileError(N_("The XLSX workbook is damaged or not a workbook.")) from None
    finally:
        book.close()


class _Formula(str):
    """A cell that held a formula: kept as its text, never evaluated."""


def _xlsx_value(cell: Any) -> Any:
    if getattr(cell, "data_type", None) == "f":
        return _Formula(str(cell.value))
    return cell.value


def read_rows(content: bytes) -> Iterator[list[Any]]:
    """The rows of an uploaded file, whose kind is recognised from its first bytes."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            N_("The file is larger than %(limit)s MB."), limit=MAX_UPLOAD_BYTES // (1024 * 1024)
        )
    if not content.strip():
        raise ImportFileError(N_("The file is empty."))
    if content.startswith(_OLE_MAGIC):
        raise ImportFileError(N_("Old Excel files (.xls) are not accepted; save the file as XLSX or CSV."))
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_rows(content)
    return _csv_rows(content)


def _columns(header: list[Any]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    unknown = []
    for index, label in enumerate(header):
        if label is None or not str(label).strip():
            continue
        key = _HEADER_KEYS.get(_norm(label))
        if key is None:
            unknown.append(str(label)[:40])
        elif key in mapping.values():
            raise ImportFileError(N_("The column %(column)s appears twice."), column=str(label)[:40])
        else:
            mapping[index] = key
    if unknown:
        raise ImportFileError(
            N_("Unknown columns: %(columns)s. Use the template."), columns=", ".join(unknown)
        )
    missing = [key for key in REQUIRED if key not in mapping.values()]
    if missing:
        labels = {key: english for key, english, _v in COLUMNS}
        raise ImportFileError(
            N_("Required columns are missing: %(columns)s. Use the template."),
            columns=", ".join(labels[key] for key in missing),
        )
    return mapping


def check_rows(
    rows: Iterator[list[Any]], deadline: Deadline | None = None
) -> tuple[list[tuple[int, InstrumentData]], list[RowError]]:
    """Check every row; return the good rows with their numbers and every error found.

    ``deadline`` is checked before each row is read (the rows of an XLSX are parsed as they are read), so a
    file that stays inside the row and column caps and is still slow stops at the budget."""
    deadline = deadline or Deadline()
    header = next(rows, None)
    if header is None:
        raise ImportFileError(N_("The file is empty."))
    mapping = _columns(header)
    good: list[tuple[int, InstrumentData]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        deadline.check()
        if number - 1 > MAX_ROWS:
            raise ImportFileError(N_("The file has more than %(max)s rows; split it."), max=MAX_ROWS)
        if all(value is None or not str(value).strip() for value in row):
            continue
        raw = {key: row[index] if index < len(row) else None for index, key in mapping.items()}
        formulas = [key for key, value in raw.items() if isinstance(value, _Formula)]
        for key in formulas:
            errors.append(
                RowError(number, key, Problem(key, N_("Formulas are not accepted; enter the value itself.")))
            )
            raw[key] = None
        try:
            data = check_instrument(raw)
        except InstrumentInvalid as exc:
            errors.extend(RowError(number, p.field, p) for p in exc.problems if p.field not in formulas)
            continue
        if formulas:
            continue
        first = seen.setdefault(data.serial_number, number)
        if first != number:
            errors.append(
                RowError(
                    number,
                    "serial_number",
                    Problem(
                        "serial_number",
                        N_("Serial number %(serial)s is repeated (already on row %(row)s)."),
                        {"serial": data.serial_number, "row": first},
                    ),
                )
            )
            continue
        good.append((number, data))
    if not good and not errors:
        raise ImportFileError(N_("The file holds no instruments below its header."))
    return good, errors


def import_instruments(session: Session, enterprise_id: int, content: bytes) -> ImportResult:
    """Store every instrument of the file for ``enterprise_id``, or none (:class:`ImportRejected`, or
    :class:`~lims.services.common.budget.BudgetExceeded` when checking takes longer than
    :data:`~lims.services.common.budget.IMPORT_BUDGET_S` seconds: nothing is stored before every row is checked).
    """
    deadline = Deadline()
    good, errors = check_rows(read_rows(content), deadline)
    taken = serial_taken(session, enterprise_id, [data.serial_number for _n, data in good])
    deadline.check()
    for number, data in good:
        if data.serial_number in taken:
            errors.append(
                RowError(
                    number,
                    "serial_number",
                    Problem(
                        "serial_number",
                        N_("Serial number %(serial)s is already registered."),
                        {"serial": data.serial_number},
                    ),
                )
            )
    if errors:
        errors.sort(
            key=lambda e: (
                e.row,
                [k for k, _e, _v in COLUMNS].index(e.column) if e.column in _HEADER_KEYS.values() else 99,
            )
        )
        raise ImportRejected(errors)
    return ImportResult(add_instruments(session, enterprise_id, [data for _n, data in good]))
