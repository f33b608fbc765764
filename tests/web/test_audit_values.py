"""Audit-trail values as stored (lims.services.records.audit._plain) shown for reading."""

from __future__ import annotations

import pytest
from flask import Flask

from lims.web.audit.values import recorded_value


@pytest.mark.parametrize(
    ("language", "value", "table", "column", "expected"),
    [
        ("vi", "2026-06-30T22:30:15.123456+00:00", "job", "created_at", "01/07/2026 05:30:15"),
        ("en", "2026-06-30T22:30:15", "job", "created_at", "1 Jul 2026, 05:30:15"),
        ("vi", "2026-06-30", "job", "due_on", "30/06/2026"),
        ("vi", "0.000100000000", "measurement_standard", "range_min", "0,0001"),
        (
            "vi",
            "0.5",
            "measurement_standard",
            "range_min",
            "0,5",
        ),  # a Numeric column, by the table's metadata
        ("vi", "2.10", "measurement_standard", "firmware_version", "2.10"),  # text stays as stored
        ("vi", 0.30000000000000004, "measurement", "result", "0,3"),
        ("en", 1234.5, "x", "y", "1,234.5"),
        ("vi", True, "x", "y", "có"),
        ("vi", None, "x", "y", "∅"),
        ("vi", "in_progress", "job", "state", "đang thực hiện"),
        ("en", "in_progress", "job", "state", "in progress"),
        ("vi", "no_such_state", "job", "state", "no_such_state"),
        (
            "vi",
            "guarded",
            "service_request",
            "decision_rule",
            "Chấp nhận có dải bảo vệ, w = U (ILAC-G8 4.2.2)",
        ),
        ("vi", 2026, "programme_task_progress", "year", "2026"),  # a year, not "2.026"
        ("en", 2026, "standard_development", "year", "2026"),
        ("vi", 12000, "standard_development", "funding_vnd", "12.000"),
        ("en", "met", "lab_assessment", "result", "Criteria met"),
        ("vi", "met", "lab_assessment", "result", "Đạt bộ tiêu chí"),
        ("vi", "iso_iec_17025", "service_certification", "standard", "ISO/IEC 17025"),
        ("vi", "en", "user_account", "language", "English"),  # the switch's own words
    ],
)
def test_recorded_value(
    app: Flask, language: str, value: object, table: str, column: str, expected: str
) -> None:
    with app.test_request_context(f"/?lang={language}"):
        assert str(recorded_value(value, table, column)) == expected


def test_a_nested_record_reads_as_escaped_field_value_pairs(app: Flask) -> None:
    with app.test_request_context("/?lang=vi"):
        shown = str(recorded_value({"decision_rule": "simple", "note": "<b>"}, "job", "requirements"))
    assert (
        shown
        == '<span class="field" title="decision_rule">Quy tắc quyết định</span>: Chấp nhận đơn giản (ILAC-G8 4.2.1); '
        '<span class="field" title="note">Ghi chú</span>: &lt;b&gt;'
    )


def test_the_stored_text_in_the_title_cannot_break_out_of_the_attribute(app: Flask) -> None:
    from flask import render_template_string

    payload = 'x" onmouseover="alert(1)'
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "audit/_trail.html" import trail_table %}{{ trail_table(entries) }}',
            entries=[
                {
                    "seq": 1,
                    "at": None,
                    "actor_label": "a",
                    "action": "update",
                    "changes": {"notes": [payload, payload]},
                    "reason": None,
                }
            ],
        )
    # |tojson alone leaves the double quotes: title=""x\" onmouseover=\"alert(1)"" would add an attribute
    assert 'title=""' not in html and 'onmouseover=\\"' not in html
    assert 'title="&#34;x\\&#34; onmouseover=\\&#34;alert(1)&#34;"' in html


# A measurement's stored point result (certificates/metrology/codec.py, schema 2), cut to the fields that
# carry words: the verdict, the decision rule, the distribution k came from, a budget input's distribution.
STORED_RESULT = {
    "schema_version": 2,
    "expanded_uncertainty": "0.000800781",
    "standard_uncertainty": "0.0005692400079637883",  # as the engine computed it
    "indication": "18.0008",
    "coverage_factor": "2.43",
    "effective_dof": "7.3",
    "distribution": "t",
    "deviation": "error",
    "decision_rule": {"kind": "guarded", "guard_factor": 1.0},
    "verdict": "pass",
    "budget": {"inputs": [{"name": "dV_res", "distribution": {"kind": "rectangular", "half_width": 0.0005}}]},
}


def test_a_stored_point_result_reads_in_the_page_language(app: Flask) -> None:
    """Field names as labels (the stored name in ``title``), the verdict in ILAC-G8:09/2019 4.2.3 wording,
    the decision rule as the certificate words it (ILAC-G8 4.2.2, w = 1·U), distributions by name."""
    with app.test_request_context("/?lang=vi"):
        vi = str(recorded_value(STORED_RESULT, "measurement", "result"))
    assert '<span class="field" title="verdict">Sự phù hợp</span>: Phù hợp' in vi
    assert (
        '<span class="field" title="expanded_uncertainty">Độ không đảm bảo đo mở rộng</span>: 0,000800781'
        in vi
    )
    assert '<span class="field" title="distribution">Phân bố</span>: phân bố t' in vi
    # the stored decimal strings with the Vietnamese decimal comma, every stored digit kept; a computed
    # float's full text to six significant digits like every float on a page (exact text in the title)
    assert "Độ không đảm bảo đo chuẩn</span>: 0,00056924;" in vi
    assert (
        "Số chỉ</span>: 18,0008;" in vi and "Hệ số phủ</span>: 2,43;" in vi and "hiệu dụng</span>: 7,3;" in vi
    )
    assert "Sai số hay số hiệu chính</span>: Sai số" in vi
    assert "Quy tắc quyết định</span>: ILAC-G8:09/2019 mục 4.2.2" in vi
    assert (
        'title="kind">Loại</span>: phân bố chữ nhật; <span class="field" title="half_width">Nửa độ rộng</span>: 0,0005'
        in vi
    )
    assert "guarded" not in vi and "pass" not in vi.replace('title="', "")
    with app.test_request_context("/?lang=en"):
        en = str(recorded_value(STORED_RESULT, "measurement", "result"))
    assert '<span class="field" title="verdict">Conformity</span>: Pass' in en
    assert "Decision rule</span>: ILAC-G8:09/2019 4.2.2, binary statement with guard band w = 1·U" in en
    assert 'title="kind">Kind</span>: rectangular distribution' in en


def test_a_stored_value_the_release_does_not_know_is_shown_as_stored(app: Flask) -> None:
    with app.test_request_context("/?lang=vi"):
        shown = str(
            recorded_value({"verdict": "maybe", "decision_rule": {"kind": "fuzzy"}}, "measurement", "result")
        )
    assert shown == (
        '<span class="field" title="verdict">Sự phù hợp</span>: maybe; '
        '<span class="field" title="decision_rule">Quy tắc quyết định</span>: <span class="field" title="kind">Loại</span>: fuzzy'
    )


def test_cmc_quantities_read_in_words(app: Flask) -> None:
    from lims.web.audit.values import recorded_value

    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        assert str(recorded_value("DC voltage", "cmc_entry", "quantity")) == "Điện áp một chiều"
        assert str(recorded_value("mass", "cmc_entry", "quantity")) == "Khối lượng"
        # a stored point result names its quantity too
        assert "Đại lượng</span>: Điện áp một chiều" in str(
            recorded_value({"quantity": "DC voltage"}, "measurement", "result")
        )
