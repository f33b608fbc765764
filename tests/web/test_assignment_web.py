"""The job page: the lab manager assigns, a technician takes, intake refuses a damaged item without a note."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import Role
from lims.services.jobs import assignment
from tests.factories import make_user
from tests.services import jobsetup
from tests.webutil import login, post_form


def test_manager_assigns_from_the_job_page_and_the_page_says_so(client: FlaskClient, session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    admin = make_user(session, Role.ADMIN)
    login(client, admin.username)
    url = f"/jobs/{job.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'action="/jobs/{job.id}/assign"' in page and "Chưa phân công" in page
    response = post_form(client, f"{url}/assign",
                         {"technician_id": str(setup.technician.id), "note": "Ưu tiên", "version": str(job.version)},
                         token_from=url)
    assert response.status_code == 302
    session.refresh(job)
    assert job.technician_id == setup.technician.id
    page = client.get(url).get_data(as_text=True)
    assert "Lịch sử phân công" in page and "Ưu tiên" in page and setup.technician.full_name in page
    assert [a.note for a in assignment.history(session, job.id)] == ["Ưu tiên"]


def test_intake_of_a_damaged_item_needs_a_note(client: FlaskClient, session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    login(client, setup.technician.username)
    url = f"/jobs/{job.id}"
    post_form(client, f"{url}/intake", {"condition_on_arrival": "Màn hình nứt", "accessories": "không có",
                                         "damaged": "1", "damage_note": "", "points": "0; 5; 10",
                                         "version": str(job.version)}, token_from=url)
    page = client.get(url).get_data(as_text=True)
    assert "viết ghi chú mô tả hư hỏng" in page
    session.refresh(job)
    assert job.condition_on_arrival is None
    post_form(client, f"{url}/intake", {"condition_on_arrival": "Màn hình nứt", "accessories": "không có",
                                         "damaged": "1", "damage_note": "Nứt góc trái", "points": "0; 5; 10",
                                         "version": str(job.version)}, token_from=url)
    session.refresh(job)
    assert (job.arrival_damaged, job.damage_note) == (True, "Nứt góc trái")
    assert job.requirements["points"] == [0.0, 5.0, 10.0]
    page = client.get(url).get_data(as_text=True)
    assert 'value="0; 5; 10"' in page  # the customer's points as they were written, not 0.0, 5.0, 10.0
