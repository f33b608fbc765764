"""The notice of failed verification (thông báo kết quả kiểm định không đạt), rendered as a PDF.

When an instrument fails verification no certificate is issued and no stamp is affixed; the verification
body gives the user a notice with the results and the requirement that was not met (Circular
23/2013/TT-BKHCN on verification, as amended; the instrument may not be used until it passes — Law on
Metrology 04/2011/QH13, from memory, not checked against the text). Pure: the input is the frozen
:class:`FailureNotice`, the output bytes; figures are printed with the one formatter
(:func:`certificates.metrology.display.point_text`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from certificates.checks import check_type, normalise_strings
from certificates.errors import CertificateDataError
from certificates.fonts import REGULAR, register_fonts
from certificates.formatting import format_date
from certificates.metrology.display import point_text
from certificates.pdf_parts import BODY_WIDTH, HEAD_FILL, LINE, MARGIN, _bi, _kv_table, _p, _x
from certificates.records import Customer, Item, Laboratory
from certificates.results import ResultSeries, Verdict
from certificates.wording import Text, nfc

__all__ = ["FailureNotice", "render_notice"]

TITLE = Text("THÔNG BÁO KẾT QUẢ KIỂM ĐỊNH KHÔNG ĐẠT", "NOTICE OF FAILED VERIFICATION")
NOT_PERMITTED = Text(
    "Phương tiện đo không đạt yêu cầu kỹ thuật đo lường: không được cấp giấy chứng nhận kiểm định, không được "
    "dán tem kiểm định và không được phép sử dụng cho đến khi được sửa chữa và kiểm định đạt yêu cầu.",
    "The instrument does not meet the metrological requirements: no verification certificate is issued, no "
    "verification stamp is affixed, and it may not be used until it is repaired and passes verification.",
)
_ROWS = {
    "type": Text("Loại phương tiện đo", "Instrument type"),
    "item": Text("Phương tiện đo", "Instrument"),
    "customer": Text("Cơ sở sử dụng", "User of the instrument"),
    "procedure": Text("Quy trình kiểm định", "Verification procedure"),
    "verified": Text("Ngày kiểm định", "Date of verification"),
    "issued": Text("Ngày thông báo", "Date of notice"),
    "officer": Text("Kiểm định viên", "Verification officer"),
    "designation": Text("Quyết định chỉ định", "Designation"),
    "failed": Text("Yêu cầu không đạt", "Requirement not met"),
    "signatory": Text("Người ký", "Signed by"),
}
_COLUMNS: tuple[Text | None, ...] = (
    Text("TT", "No."),
    Text("Giá trị chuẩn", "Reference value"),
    None,  # the series' own indication label (ResultSeries.indication_label: R 76 P is not an indication)
    Text("Sai số", "Error"),
    Text("SSLNCP (±)", "MPE (±)"),
    Text("Đánh giá", "Result"),
)


@dataclass(frozen=True, slots=True)
class FailureNotice:
    """Everything the notice shows; the renderer reads nothing else."""

    number: str
    lab: Laboratory
    customer: Customer
    item: Item
    instrument_type: Text
    procedure: Text  # "ĐLVN 14:2009 Cân bàn – Quy trình kiểm định"
    verified_on: date
    issued_on: date
    officer: str
    officer_card: str
    results: tuple[ResultSeries, ...]
    failed_requirement: Text
    signatory: str
    signatory_function: Text

    def __post_init__(self) -> None:
        for name, kind in (
            ("lab", Laboratory),
            ("customer", Customer),
            ("item", Item),
            ("instrument_type", Text),
            ("procedure", Text),
            ("verified_on", date),
            ("issued_on", date),
            ("failed_requirement", Text),
            ("signatory_function", Text),
        ):
            check_type("notice", name, getattr(self, name), kind)
        if not self.results:
            raise CertificateDataError("notice.results", "a notice of failure shows the results")
        normalise_strings(self, "notice")


def _results_table(notice: FailureNotice, series: ResultSeries) -> Table:
    columns = [series.indication_label if c is None else c for c in _COLUMNS]
    head = [_p(f"<b>{_bi(c, sep='<br/>')}</b>", "cell") for c in columns]
    rows: list[list[object]] = [head]
    for index, point in enumerate(series.points, start=1):
        vi, en = point_text(point, "vi"), point_text(point, "en")
        verdict = "—" if vi.verdict is None else f"{vi.verdict} / {en.verdict}"
        failed = point.verdict in (Verdict.FAIL, Verdict.CONDITIONAL_FAIL)
        mark = (lambda s: f"<b>{s}</b>") if failed else (lambda s: s)
        rows.append(
            [
                _p(str(index), "cell"),
                _p(_x(vi.with_unit(vi.reference)), "cell"),
                _p(_x(vi.indication), "cell"),
                _p(mark(_x(vi.error)), "cell"),
                _p(_x(vi.mpe or "—"), "cell"),
                _p(mark(_x(verdict)), "cell"),
            ]
        )
    width = BODY_WIDTH / 6
    table = Table(rows, colWidths=[width * 0.5, width * 1.2, width, width, width, width * 1.3], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                ("GRID", (0, 0), (-1, -1), 0.4, LINE),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def render_notice(notice: FailureNotice) -> bytes:
    """The notice as PDF bytes (reportlab, ``invariant=1``: the same input gives the same bytes).

    >>> from certificates.examples import example_failure_notice
    >>> render_notice(example_failure_notice())[:5]
    b'%PDF-'
    """
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=nfc(f"{TITLE.vi} {notice.number}"),
        author=nfc(notice.lab.name.vi),
        invariant=1,
    )
    lab = notice.lab
    item = notice.item
    identity = " · ".join(
        v
        for v in (item.name.vi, item.manufacturer, item.model, f"S/N {item.serial_number}")
        if v and v != "—"
    )
    rows = [
        (_ROWS["type"], _bi(notice.instrument_type, sep=" / ")),
        (_ROWS["item"], _x(identity)),
        (_ROWS["customer"], _x(f"{notice.customer.name}, {notice.customer.address.one_line()}")),
        (_ROWS["procedure"], _bi(notice.procedure, sep=" / ")),
        (_ROWS["verified"], _x(format_date(notice.verified_on))),
        (_ROWS["issued"], _x(format_date(notice.issued_on))),
        (_ROWS["officer"], f"<b>{_x(notice.officer)}</b><br/>{_x(notice.officer_card)}"),
    ]
    if lab.designation:
        rows.append((_ROWS["designation"], _x(lab.designation)))
    story: list[object] = [
        _p(
            f"<b>{_x(lab.name.vi)}</b><br/><i>{_x(lab.name.en)}</i><br/>{_x(lab.address.one_line())}", "small"
        ),
        Spacer(1, 4 * mm),
        _p(_x(TITLE.vi), "title"),
        _p(_x(TITLE.en), "subtitle"),
        _p(_x(f"Số / No.: {notice.number}"), "end"),
        Spacer(1, 3 * mm),
        _kv_table(rows),
        _p(_bi(Text("KẾT QUẢ KIỂM ĐỊNH", "RESULTS OF THE VERIFICATION"), sep=" / "), "heading"),
    ]
    for series in notice.results:
        story += [_p(_bi(series.quantity, sep=" / "), "series"), _results_table(notice, series)]
        if series.indication_note is not None:
            story.append(_p(_bi(series.indication_note, sep=" / "), "small"))
    story += [
        _p(_bi(_ROWS["failed"], sep=" / "), "heading"),
        _p(f"<b>{_bi(notice.failed_requirement)}</b>"),
        Spacer(1, 2 * mm),
        _p(_bi(NOT_PERMITTED)),
        Spacer(1, 6 * mm),
        _p(
            f"{_bi(_ROWS['signatory'], sep=' / ')}: <b>{_x(notice.signatory)}</b> — "
            f"{_bi(notice.signatory_function, sep=' / ')}"
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
