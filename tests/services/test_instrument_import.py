"""Instrument import: every row checked, all or nothing, formulas refused, file kind read from content."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import CustomerInstrument
from lims.services.customers.instrument_import import (
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ImportFileError,
    ImportRejected,
    import_instruments,
    template_csv,
    template_xlsx,
)
from tests.factories import make_enterprise, make_instrument

HEADER = "instrument_type,serial_number,unit,range_min,range_max,resolution,next_due_on,legally_controlled\n"


def _count(session: Session, enterprise_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(CustomerInstrument)
            .where(CustomerInstrument.enterprise_id == enterprise_id)
        )
        or 0
    )


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_csv_rows_are_stored_with_parsed_values(session: Session) -> None:
    ent = make_enterprise(session)
    content = (
        HEADER + 'Cân kỹ thuật,A-1,g,0,3200,0.01,15/03/2027,có\nÁp kế,A-2,MPa,0,"1,6",,2027-04-01,no\n'
    ).encode()
    result = import_instruments(session, ent.id, content)
    assert len(result.created) == 2
    first, second = sorted(result.created, key=lambda i: i.serial_number)
    assert (
        first.range_max == Decimal(3200)
        and first.next_due_on == date(2027, 3, 15)
        and first.legally_controlled
    )
    assert second.range_max == Decimal("1.6") and second.next_due_on == date(2027, 4, 1)
    assert not second.legally_controlled


def test_vietnamese_headers_semicolons_and_bom_are_read(session: Session) -> None:
    ent = make_enterprise(session)
    content = "\ufeffLoại phương tiện đo;Số sản xuất;Đơn vị\nNhiệt kế;T-9;°C\n".encode()
    assert len(import_instruments(session, ent.id, content).created) == 1
    alias = "Loại phương tiện đo,Số sê-ri,Đơn vị\nNhiệt kế,T-10,°C\n".encode()
    assert import_instruments(session, ent.id, alias).created[0].serial_number == "T-10"


def test_one_bad_row_stores_nothing_and_every_fault_is_reported(session: Session) -> None:
    ent = make_enterprise(session)
    content = (
        HEADER
        + "Cân,B-1,g,0,100,0.1,01/01/2027,yes\n"  # good
        + "Cân,,g,100,10,-1,31/02/2027,maybe\n"  # serial missing, range, resolution, date, yes/no
        + "Cân,B-3,furlongsx,,,,,\n"  # unknown unit
        + "Cân,B-1,g,,,,,\n"  # duplicate inside the file
    ).encode()
    with pytest.raises(ImportRejected) as caught:
        import_instruments(session, ent.id, content)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "serial_number"),
        (3, "range_max"),
        (3, "resolution"),
        (3, "next_due_on"),
        (3, "legally_controlled"),
        (4, "unit"),
        (5, "serial_number"),
    }
    assert _count(session, ent.id) == 0
    duplicate = next(e for e in caught.value.errors if e.row == 5)
    assert duplicate.problem.params == {"serial": "B-1", "row": 2}


def test_serial_already_registered_in_the_enterprise_is_refused(session: Session) -> None:
    ent, other = make_enterprise(session), make_enterprise(session)
    make_instrument(session, ent, serial_number="DUP-1")
    make_instrument(session, other, serial_number="OTHER-1")
    content = (HEADER + "Cân,DUP-1,g,,,,,\n").encode()
    with pytest.raises(ImportRejected) as caught:
        import_instruments(session, ent.id, content)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "serial_number")]
    # another enterprise's serial numbers do not matter
    assert len(import_instruments(session, ent.id, (HEADER + "Cân,OTHER-1,g,,,,,\n").encode()).created) == 1


def test_xlsx_with_dates_and_numbers_is_read(session: Session) -> None:
    ent = make_enterprise(session)
    content = _xlsx(
        [
            [
                "Instrument type",
                "Serial number",
                "Unit",
                "Range minimum",
                "Range maximum",
                "Next due (dd/mm/yyyy)",
            ],
            ["Cân phân tích", 123456, "g", 0, 220.5, date(2027, 5, 6)],
        ]
    )
    (created,) = import_instruments(session, ent.id, content).created
    assert created.serial_number == "123456"
    assert created.range_max == Decimal("220.5") and created.next_due_on == date(2027, 5, 6)


def test_xlsx_formula_is_refused_not_evaluated(session: Session) -> None:
    ent = make_enterprise(session)
    content = _xlsx([["instrument_type", "serial_number", "unit", "range_max"], ["Cân", "F-1", "g", "=1+1"]])
    with pytest.raises(ImportRejected) as caught:
        import_instruments(session, ent.id, content)
    (error,) = caught.value.errors
    assert (error.row, error.column) == (2, "range_max")
    assert "Formulas" in error.problem.template
    assert _count(session, ent.id) == 0


def test_csv_formula_text_is_refused(session: Session) -> None:
    ent = make_enterprise(session)
    content = (
        HEADER.replace("\n", ",manufacturer\n") + 'Cân,C-1,g,,,,,,"=HYPERLINK(""http://x"")"\n'
    ).encode()
    with pytest.raises(ImportRejected) as caught:
        import_instruments(session, ent.id, content)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "manufacturer")]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        ("Loại;Số\n".encode("utf-16"), "neither"),
        ("instrument_type,serial_number,unit\nCân,X,g\n".encode("cp1258"), "UTF-8"),
        (b"instrument_type,serial_number\nx,y\n", "missing"),
        (b"instrument_type,serial_number,unit,colour\nx,y,g,red\n", "Unknown columns"),
        (b"instrument_type,serial_number,unit\n", "no instruments"),
        (b'instrument_type,serial_number,unit\n"unclosed,y,g\n', "malformed"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "larger"),
    ],
)
def test_malformed_files_are_refused_clearly(session: Session, content: bytes, words: str) -> None:
    ent = make_enterprise(session)
    with pytest.raises(ImportFileError) as caught:
        import_instruments(session, ent.id, content)
    assert words in str(caught.value)
    assert _count(session, ent.id) == 0


def test_file_kind_is_read_from_content_not_name(session: Session) -> None:
    """An XLSX is recognised by its bytes whatever it is called; the service never sees a file name."""
    ent = make_enterprise(session)
    content = _xlsx([["instrument_type", "serial_number", "unit"], ["Cân", "K-1", "g"]])
    assert len(import_instruments(session, ent.id, content).created) == 1


@pytest.mark.parametrize("language", ["vi", "en"])
def test_templates_import_as_they_are(session: Session, language: str) -> None:
    ent = make_enterprise(session)
    assert len(import_instruments(session, ent.id, template_csv(language)).created) == 1
    book = load_workbook(io.BytesIO(template_xlsx(language)))
    header = [c.value for c in book.active[1]]
    assert ("Số sản xuất" if language == "vi" else "Serial number") in header
    with pytest.raises(ImportRejected):  # the same example row is now a duplicate of a registered serial
        import_instruments(session, ent.id, template_xlsx(language))


# --- issue 21: hostile workbooks (the outside probe) -----------------------------------------------------


def _rewrite_sheet(content: bytes, change: Callable[[str], str]) -> bytes:
    """``content`` with the first worksheet's XML passed through ``change`` (every other part as it was)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


_FAR_ROW = '<row r="6000"><c r="XFD6000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'


def test_a_declared_dimension_beyond_the_cap_is_refused_before_any_row_is_read(session: Session) -> None:
    """The probe's 5 KB template: ``<dimension ref="A1:XFD1048576"/>`` and one row at r="6000" tied a
    worker for 6-11 s; now it is refused at once."""
    ent = make_enterprise(session)
    content = _rewrite_sheet(
        template_xlsx("vi"),
        lambda xml: xml.replace('<dimension ref="A1:M2"/>', '<dimension ref="A1:XFD1048576"/>').replace(
            "</sheetData>", _FAR_ROW
        ),
    )
    assert len(content) < 10_000
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        import_instruments(session, ent.id, content)
    assert time.perf_counter() - started < 1.0
    assert "1048576 rows and 16384 columns" in str(caught.value)
    assert _count(session, ent.id) == 0


def test_rows_are_read_as_stored_when_the_dimension_is_missing(session: Session) -> None:
    """Without a dimension the sheet is read by its actual rows, never padded to 16 384 columns."""
    ent = make_enterprise(session)
    content = _rewrite_sheet(
        template_xlsx("vi"),
        lambda xml: xml.replace('<dimension ref="A1:M2"/>', "").replace("</sheetData>", _FAR_ROW),
    )
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        import_instruments(session, ent.id, content)
    assert time.perf_counter() - started < 2.0
    assert f"more than {MAX_ROWS} rows" in str(caught.value)


@pytest.mark.parametrize(
    "declaration",
    [
        '<!DOCTYPE worksheet [<!ENTITY serial "B-1">]>',
        '<!DOCTYPE worksheet SYSTEM "http://127.0.0.1:9/x.dtd">',
    ],
)
def test_a_workbook_with_an_entity_or_doctype_is_refused_clearly(session: Session, declaration: str) -> None:
    ent = make_enterprise(session)
    content = _rewrite_sheet(template_xlsx("vi"), lambda xml: declaration + xml)
    with pytest.raises(ImportFileError) as caught:
        import_instruments(session, ent.id, content)
    assert "DOCTYPE or ENTITY" in str(caught.value)
    assert _count(session, ent.id) == 0


class _Clock:
    """A monotonic clock that advances ``step`` seconds each time it is read: the import's time budget is
    tested without sleeping."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += self.step
        return self.now


def _rows(count: int) -> str:
    return HEADER + "".join(f"Cân kỹ thuật,BUDGET-{n},g,0,200,0.01,15/03/2027,có\n" for n in range(count))


def test_an_import_that_outlasts_its_time_budget_stops_and_stores_nothing(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: a bounded amount of work AND a wall-clock budget (IMPORT_BUDGET_S = 5 s) checked per row."""
    from lims.services.common import budget

    ent = make_enterprise(session)
    assert budget.IMPORT_BUDGET_S == 5.0
    # One second per row: the budget starts at the first read, so row 6 is the first checked past 5 s.
    clock = _Clock(step=1.0)
    monkeypatch.setattr(budget, "monotonic", clock)
    for content in (_rows(20).encode(), _xlsx([row.split(",") for row in _rows(20).splitlines()])):
        clock.reads = 0
        with pytest.raises(budget.BudgetExceeded) as refused:
            import_instruments(session, ent.id, content)
        assert "longer than 5 seconds" in str(refused.value) and "nothing was saved" in str(refused.value)
        assert clock.reads < 10  # stopped at the budget, not after reading the whole file
        assert _count(session, ent.id) == 0

    # The same file whose rows are quick (0.1 s each: 2 s in all) is imported whole.
    monkeypatch.setattr(budget, "monotonic", _Clock(step=0.1))
    assert len(import_instruments(session, ent.id, _rows(20).encode()).created) == 20


def test_the_budget_is_also_checked_after_the_database_look_up(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows checked in time but the serial-number look-up ran past the budget: still nothing stored."""
    from lims.services.common import budget
    from lims.services.customers import instrument_import

    ent = make_enterprise(session)
    monkeypatch.setattr(budget, "monotonic", _Clock(step=0.0))
    real = instrument_import.serial_taken

    def slow_look_up(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(budget, "monotonic", lambda: 1_000_000.0)  # the look-up took "forever"
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(instrument_import, "serial_taken", slow_look_up)
    with pytest.raises(budget.BudgetExceeded):
        import_instruments(session, ent.id, _rows(3).encode())
    assert _count(session, ent.id) == 0
