"""The auditors' /audit/verify page shows what `lims audit verify` finds (issue 21, finding 6)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import Role
from tests.factories import make_user
from tests.webutil import login


def test_the_audit_verify_page_reports_a_certificate_changed_in_sql(
    client: FlaskClient, session: Session
) -> None:
    """Issue 21 (finding 6), on the auditors' page: a status changed behind the application is shown."""
    from sqlalchemy import update

    from lims.models import Certificate
    from tests.factories import make_certificate

    certificate = make_certificate(session)
    auditor = make_user(session, Role.AUDITOR)
    session.commit()
    login(client, auditor.username)
    page = client.get("/audit/verify").get_data(as_text=True)
    assert "Một bản ghi khác với nhật ký kiểm tra" not in page
    assert "Đã lưu mốc bên ngoài cơ sở dữ liệu đến bản ghi #" in page  # the app anchored its commits
    session.execute(
        update(Certificate.__table__)
        .where(Certificate.__table__.c.id == certificate.id)
        .values(status="withdrawn")
    )
    session.commit()
    page = client.get("/audit/verify").get_data(as_text=True)
    assert "Một bản ghi khác với nhật ký kiểm tra" in page and "changed outside the application" in page
