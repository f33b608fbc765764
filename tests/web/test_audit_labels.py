"""The audit trail names tables and fields in words and offers its tables to choose from (issue 19)."""

from __future__ import annotations

import re

import lxml.html
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import lims.models  # noqa: F401 - every model registered
from lims.db import Base
from lims.models import Role
from lims.models.audit_mixin import Audited
from lims.web.audit import labels
from lims.web.audit.values import recorded_value
from tests.factories import make_enterprise, make_user
from tests.webutil import login

CATALOGUE = "lims/web/translations/vi/LC_MESSAGES/messages.po"


def test_every_audited_table_has_a_label() -> None:
    audited = {m.class_.__tablename__ for m in Base.registry.mappers if issubclass(m.class_, Audited)}
    assert audited - set(labels.TABLE_LABELS) == set(), "add the new table to lims/web/audit/labels.py"
    assert set(labels.TABLE_LABELS) - audited == set(), "a label for a table that is no longer audited"


def test_every_column_of_every_audited_table_has_a_label() -> None:
    """The trail shows no column under its stored name: every column an entry can carry is labelled."""
    unlabelled = sorted(
        f"{m.class_.__tablename__}.{attr.key}"
        for m in Base.registry.mappers
        if issubclass(m.class_, Audited)
        for attr in m.column_attrs
        if attr.key not in labels.FIELD_LABELS
    )
    assert unlabelled == [], "add these fields to FIELD_LABELS in lims/web/audit/labels.py"


def test_every_label_is_translated() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    with (root / CATALOGUE).open("rb") as handle:
        catalogue = read_po(handle, locale="vi")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    every = {
        *labels.TABLE_LABELS.values(),
        *labels.FIELD_LABELS.values(),
        *labels.NESTED_FIELD_LABELS.values(),
    }
    assert sorted(every - translated) == []


def test_nested_fields_are_named_and_an_unknown_one_is_marked(app: Flask) -> None:
    from flask import session

    with app.test_request_context("/"):
        session["language"] = "vi"
        shown = str(
            recorded_value(
                {
                    "ac_voltage@10-45Hz_floor_per_year": 1,
                    "ac_voltage@45-10000Hz_floor_per_year": 3,
                    "readout": True,
                    "mystery_key": 2,
                },
                "measurement_standard",
                "characteristics",
            )
        )
        assert "giá trị nền (10 Hz – 45 Hz)</span>: 1" in shown
        # a band's frequencies through the one formatter (it read "45–10000 Hz")
        assert "giá trị nền (45 Hz – 10 kHz)</span>: 3" in shown
        assert "Bộ hiển thị</span>: có" in shown
        assert '<code class="raw-field">mystery_key</code>: 2' in shown  # the page-text walk reports it
        requirements = str(recorded_value({"verification_interval": 12, "e": 1}, "job", "requirements"))
        assert "Chu kỳ kiểm định</span>: 12" in requirements and "raw-field" not in requirements
        # a procedure's definition is its published file: keys as stored, not reported
        definition = str(recorded_value({"test_points": [1]}, "procedure", "definition"))
        assert definition == "<code>test_points</code>: 1"


def test_labels_follow_the_readers_language(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        from flask import session

        session["language"] = "vi"
        assert labels.table_label("customer_instrument") == "Phương tiện đo của khách hàng"
        assert labels.field_label("next_due_on") is not None and "next_due_on" not in labels.field_label(
            "next_due_on"
        )
        assert labels.field_label("secret_sha256") == "SHA-256 của khóa bí mật"
        assert labels.field_label("no_such_column") is None  # shown as stored, in <code class="raw-field">
        choices = labels.table_choices()
        assert len(choices) == len(labels.TABLE_LABELS)
        assert [label for _, label in choices] == sorted((label for _, label in choices), key=str.casefold)


def test_machine_actors_are_words_in_the_readers_language(app: Flask) -> None:
    """An entry no signed-in person made names its actor in words ("system" was English on Vietnamese pages)."""
    from flask import session

    for language, expected in (
        ("vi", ["hệ thống", "dữ liệu trình diễn", "dòng lệnh (root)", "trạm đo can-demo", "lan.nguyen"]),
        (
            "en",
            [
                "the system",
                "demonstration data",
                "command line (root)",
                "bench station can-demo",
                "lan.nguyen",
            ],
        ),
    ):
        with app.test_request_context("/"):
            session["language"] = language
            shown = [
                labels.actor_label(raw)
                for raw in ("system", "demo", "cli:root", "bench:station:can-demo", "lan.nguyen")
            ]
            assert shown == expected


def test_the_auditor_chooses_a_table_and_reads_its_entries_in_words(
    client: FlaskClient, session: Session
) -> None:
    """The trail page offers its tables by name (no typing), filters on the choice, and shows an entry's fields
    by their labels and its time without seconds' fractions or an ISO 'T'."""
    make_enterprise(session, name="Công ty Kiểm thử Nhật ký")
    auditor = make_user(session, Role.AUDITOR)
    session.flush()
    login(client, auditor.username)
    page = client.get("/audit/").get_data(as_text=True)
    assert '<select id="table" name="table"' in page
    assert '<option value="enterprise" >Doanh nghiệp</option>' in page.replace("  ", " ")
    chosen = client.get("/audit/?table=enterprise").get_data(as_text=True)
    assert "Công ty Kiểm thử Nhật ký" in chosen and "Mã số thuế" in chosen and "raw-field" not in chosen
    shown = lxml.html.fromstring(chosen).text_content()  # the stored value stays in the title attribute
    assert not re.search(r"\d{4}-\d{2}-\d{2}T|\d{2}:\d{2}:\d{2}\.\d", shown)
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", shown)
    other = client.get("/audit/?table=user_account").get_data(as_text=True)
    assert "Công ty Kiểm thử Nhật ký" not in other


def test_every_enumerated_column_reads_in_words(app: Flask) -> None:
    """Every value of every enumerated column of an audited table is shown by its label in both languages (the
    trail showed 'this_lab', 'out_of_service' and 'technician' as stored for some of them)."""
    from flask import session

    raw = []
    for language in ("vi", "en"):
        with app.test_request_context("/"):
            session["language"] = language
            for mapper in Base.registry.mappers:
                if not issubclass(mapper.class_, Audited):
                    continue
                for attr in mapper.column_attrs:
                    kind = getattr(attr.columns[0].type, "enum_class", None)
                    for member in kind or ():
                        shown = str(recorded_value(member.value, mapper.class_.__tablename__, attr.key))
                        # English labels may be the word itself ("calibration"), never the stored identifier
                        if shown == member.value and (language == "vi" or "_" in member.value):
                            raw.append(f"{language} {mapper.class_.__tablename__}.{attr.key}={member.value}")
    assert raw == []
