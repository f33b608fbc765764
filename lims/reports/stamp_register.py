"""The verification stamp register for the authority: usage per period and the stock balance (XLSX).

The lab accounts to the authority that issued the stamps for every stamp received: affixed (with the
certificate and instrument), damaged or voided (with the reason), and what remains in stock
(Circular 23/2013/TT-BKHCN on verification stamps, as amended — from memory, not checked against the
text; the authority's own form, when it prescribes one, takes precedence). Plain data in, bytes out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lims.localtime import format_lab_date

if TYPE_CHECKING:
    from lims.services.certificates.stamps import BatchBalance, RegisterLine

OUTCOME_TEXT = {
    "affixed": "Đã dán / Affixed",
    "damaged": "Hư hỏng / Damaged",
    "voided": "Hủy / Voided",
}
REGISTER_HEADER = (
    "Ngày / Date",
    "Số tem / Stamp number",
    "Tình trạng / Outcome",
    "Số GCN kiểm định / Certificate",
    "Phương tiện đo / Instrument",
    "Cơ sở sử dụng / User",
    "Lý do / Reason",
)
BALANCE_HEADER = (
    "Ngày nhận / Received on",
    "Biên bản giao nhận / Delivery note",
    "Từ số / From",
    "Đến số / To",
    "Đã nhận / Received",
    "Đã dán / Affixed",
    "Hư hỏng / Damaged",
    "Hủy / Voided",
    "Còn lại / In stock",
)


def _day(day: date) -> str:
    """A day in the bilingual headings, as the register's Vietnamese writes it (dd/mm/yyyy, day first)."""
    return format_lab_date(day, locale="vi", zone=UTC)  # a calendar day: the zone does not matter


def render_stamp_register_xlsx(
    *,
    lab_name: str,
    start: date,
    end: date,
    lines: Sequence[RegisterLine],
    balances: Sequence[BatchBalance],
) -> bytes:
    """Two sheets: the usage register from ``start`` to ``end`` and the stock balance at ``end``.

    Dates are written as dates (dd/mm/yyyy cells); the file's timestamps are the period's end, so the same
    records give the same bytes.
    """
    book = Workbook()
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    register = book.active
    assert register is not None
    register.title = "So theo doi tem"
    register.append([f"{lab_name} — Sổ theo dõi sử dụng tem kiểm định / Verification stamp register"])
    register.append([f"Từ / From {_day(start)} đến / to {_day(end)}"])
    register["A1"].font = bold
    register.append(list(REGISTER_HEADER))
    for cell in register[register.max_row]:
        cell.font, cell.alignment = bold, wrap
    for line in lines:
        register.append(
            [
                line.used_on,
                line.stamp,
                OUTCOME_TEXT[line.outcome.value],
                line.certificate,
                line.instrument,
                line.customer,
                line.reason,
            ]
        )
        register.cell(register.max_row, 1).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFG", (12, 18, 18, 18, 40, 36, 30), strict=True):
        register.column_dimensions[column].width = width

    stock = book.create_sheet("Ton kho tem")
    stock.append([f"{lab_name} — Tồn kho tem kiểm định tại ngày / Stamp stock on {_day(end)}"])
    stock["A1"].font = bold
    stock.append(list(BALANCE_HEADER))
    for cell in stock[stock.max_row]:
        cell.font, cell.alignment = bold, wrap
    for b in balances:
        stock.append(
            [
                b.batch.received_on,
                b.batch.delivery_reference,
                b.first,
                b.last,
                b.received,
                b.affixed,
                b.damaged,
                b.voided,
                b.remaining,
            ]
        )
        stock.cell(stock.max_row, 1).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFGHI", (12, 30, 16, 16, 10, 10, 10, 10, 10), strict=True):
        stock.column_dimensions[column].width = width

    stamp = datetime(end.year, end.month, end.day)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "LIMS"
    book.properties.title = "Sổ theo dõi sử dụng tem kiểm định"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
