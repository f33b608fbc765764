"""The audit trail names tables and fields in words and offers its tables to choose from (issue 19)."""

from __future__ import annotations

from flask import Flask

import lims.models  # noqa: F401 - every model registered
from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.web.audit import labels


def test_every_audited_table_has_a_label() -> None:
    audited = {m.class_.__tablename__ for m in Base.registry.mappers if issubclass(m.class_, Audited)}
    assert audited - set(labels.TABLE_LABELS) == set(), "add the new table to lims/web/audit/labels.py"
    assert set(labels.TABLE_LABELS) - audited == set(), "a label for a table that is no longer audited"


def test_labels_follow_the_readers_language(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        from flask import session

        session["language"] = "vi"
        assert labels.table_label("customer_instrument") == "Phương tiện đo của khách hàng"
        assert labels.field_label("next_due_on") is not None and "next_due_on" not in labels.field_label("next_due_on")
        assert labels.field_label("secret_sha256") is None  # shown as stored, in <code>
        choices = labels.table_choices()
        assert len(choices) == len(labels.TABLE_LABELS)
        assert [label for _, label in choices] == sorted((label for _, label in choices), key=str.casefold)


def test_machine_actors_are_words_in_the_readers_language(app: Flask) -> None:
    """An entry no signed-in person made names its actor in words ("system" was English on Vietnamese pages)."""
    from flask import session

    for language, expected in (
        ("vi", ["hệ thống", "dữ liệu trình diễn", "dòng lệnh (root)", "trạm đo can-demo", "lan.nguyen"]),
        ("en", ["the system", "demonstration data", "command line (root)", "bench station can-demo", "lan.nguyen"]),
    ):
        with app.test_request_context("/"):
            session["language"] = language
            shown = [
                labels.actor_label(raw)
                for raw in ("system", "demo", "cli:root", "bench:station:can-demo", "lan.nguyen")
            ]
            assert shown == expected
