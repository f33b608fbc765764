"""An error a service raises on purpose and no view catches gets its status from the one table
(lims.web.status) and its message in the user's language, never the generic 500 page."""

from __future__ import annotations

import pytest
from flask import Flask

from lims.errors import LimsError, NotFound
from lims.services.access.authorisations import AuthorisationRefused
from lims.services.access.laboratory import LaboratoryMissing
from lims.services.bench.readings import BatchInvalid
from lims.services.jobs.errors import JobConflict, JobLocked
from lims.web.status import status_for


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (BatchInvalid(reason="empty"), 400),
        (AuthorisationRefused(reason="no authorisation"), 403),
        (NotFound(), 404),
        (JobConflict(number="CV-1", current=2, seen=1), 409),
        (JobLocked(number="CV-1", state="measured"), 409),
        (LaboratoryMissing(), 422),
        (LimsError(), 422),
        (RuntimeError("not raised on purpose"), 500),
    ],
)
def test_the_table(error: BaseException, status: int) -> None:
    assert status_for(error) == status


def test_an_uncaught_service_error_is_its_status_and_localised_message(fresh_app: Flask) -> None:
    from lims.web.access import PUBLIC, allow

    app = fresh_app

    @allow(PUBLIC)
    def no_lab() -> str:
        raise LaboratoryMissing()

    @allow(PUBLIC)
    def locked() -> str:
        raise JobLocked(number="CV-2026-00001", state="measured")

    app.add_url_rule("/_test/no-lab", "test_no_lab", no_lab)
    app.add_url_rule("/_test/locked", "test_locked", locked)
    client = app.test_client()
    response = client.get("/_test/no-lab")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Phòng thí nghiệm chưa được thiết lập." in response.get_data(as_text=True)
    response = client.get("/_test/locked", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "CV-2026-00001" in response.get_json()["error"]["message"]
