"""The bench page of a balance calibration: the weighing tests' forms and a load with its no-load indication."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import JobKind
from lims.services.bench import measurements
from lims.services.bench.weighing import recorded_tests
from lims.services.jobs import jobs
from tests.services.test_weighing_jobs import ON, job_from_request, weighing_lab
from tests.webutil import csrf_token, login


def test_technician_records_weighing_tests_and_a_load_on_the_bench(client: FlaskClient, session: Session) -> None:
    s = weighing_lab(session)
    job = job_from_request(session, s, JobKind.CALIBRATION, s["balance"], "CAL-NAWI-CG18")
    jobs.add_standard(session, job.id, s["e2"].id, "weights", on=ON, expected_version=job.version)
    job.measured_on = ON  # the weights' certificate was valid then
    session.commit()
    login(client, s["tech"].username)
    url = f"/jobs/{job.id}/bench"
    page = client.get(url).get_data(as_text=True)
    assert "Các phép thử cân" in page and "Độ lặp lại" in page and "Độ lệch tâm" in page
    assert "Số chỉ không tải trước lần đọc 1" in page and "Quả cân điểm chuyển" not in page  # cg-18, not R 76
    # Vietnamese decimal commas, readings separated by semicolons
    form = {"csrf_token": csrf_token(client, url), "version": str(job.version), "load": "100",
            "readings": "100,0001; 100,0002; 100,0000; 100,0001; 100,0002; 100,0001"}
    response = client.post(f"/jobs/{job.id}/weighing/repeatability", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("#weighing")
    session.refresh(job)
    short = {**form, "csrf_token": csrf_token(client, url), "version": str(job.version), "readings": "100; 100,0001"}
    refused = client.post(f"/jobs/{job.id}/weighing/eccentricity", data=short, follow_redirects=True)
    assert "cần 5 vị trí" in refused.get_data(as_text=True) or "needs at least 5" in refused.get_data(as_text=True)
    session.refresh(job)
    ecc = {**form, "csrf_token": csrf_token(client, url), "version": str(job.version),
           "readings": "100,0000; 100,0001; 99,9999; 100,0002; 100,0001"}
    assert client.post(f"/jobs/{job.id}/weighing/eccentricity", data=ecc).status_code == 302
    assert set(recorded_tests(session, job.id)) == {"repeatability", "eccentricity"}
    page = client.get(url).get_data(as_text=True)
    section = page[page.index("id=\"weighing\""):page.index("id=\"points\"")]
    assert "s = 0,000075 g" in section and "|ΔI|max = 0,0002 g" in section
    session.refresh(job)
    point = {"csrf_token": csrf_token(client, url), "version": str(job.version), "reading_1": "22,0001",
             "weighing_1": "0,0000", "reference_value": "22,00001", "env_temperature": "21,5", "env_humidity": "48"}
    saved = client.post(f"/jobs/{job.id}/points/0", data=point, headers={"X-Requested-With": "fetch"})
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200, html
    assert 'value="0.0000"' in html or 'value="0,0000"' in html
    stored = measurements.measurements(session, job.id)[0].point
    assert stored is not None and str(stored.error) == "0.00009"
