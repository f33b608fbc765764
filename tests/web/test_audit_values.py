"""Audit-trail values as stored (lims.services.records.audit._plain) shown for reading."""

from __future__ import annotations

import pytest
from flask import Flask

from lims.web.audit.values import recorded_value


@pytest.mark.parametrize(
    ("language", "value", "table", "column", "expected"),
    [
        ("vi", "2026-06-30T22:30:15.123456+00:00", "job", "created_at", "01/07/2026 05:30:15"),
        ("en", "2026-06-30T22:30:15", "job", "created_at", "Jul 1, 2026, 5:30:15\u202fAM"),
        ("vi", "2026-06-30", "job", "due_on", "30/06/2026"),
        ("vi", "0.000100000000", "measurement_standard", "range_min", "0,0001"),
        ("vi", "0.5", "measurement_standard", "range_min", "0,5"),  # a Numeric column, by the table's metadata
        ("vi", "2.10", "measurement_standard", "firmware_version", "2.10"),  # text stays as stored
        ("vi", 0.30000000000000004, "measurement", "result", "0,3"),
        ("en", 1234.5, "x", "y", "1,234.5"),
        ("vi", True, "x", "y", "có"),
        ("vi", None, "x", "y", "∅"),
        ("vi", "in_progress", "job", "state", "đang thực hiện"),
        ("en", "in_progress", "job", "state", "in progress"),
        ("vi", "no_such_state", "job", "state", "no_such_state"),
        ("vi", "guarded", "service_request", "decision_rule", "Chấp nhận có dải bảo vệ, w = U (ILAC-G8 4.2.2)"),
    ],
)
def test_recorded_value(app: Flask, language: str, value: object, table: str, column: str, expected: str) -> None:
    with app.test_request_context(f"/?lang={language}"):
        assert str(recorded_value(value, table, column)) == expected


def test_a_nested_record_reads_as_escaped_field_value_pairs(app: Flask) -> None:
    with app.test_request_context("/?lang=vi"):
        shown = str(recorded_value({"decision_rule": "simple", "note": "<b>"}, "job", "requirements"))
    assert shown == "<code>decision_rule</code>: Chấp nhận đơn giản (ILAC-G8 4.2.1); <code>note</code>: &lt;b&gt;"


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
