"""The job pages through the test client: bench fragments, conflicts, approval with password, roles."""

from __future__ import annotations

from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import JobState, Role
from tests.factories import PASSWORD, make_user
from tests.services import jobsetup
from tests.webutil import csrf_token, login


def _bench_job(session: Session) -> tuple[jobsetup.Lab4, object]:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    job.measured_on = jobsetup.ON  # the standards' certificates were valid then
    session.flush()
    session.commit()
    return setup, job


def _post_point(client: FlaskClient, job: object, index: int, version: int, readings: list[str],
                reference: str = "10", **env: str) -> object:
    url = f"/jobs/{job.id}/bench"  # type: ignore[attr-defined]
    data = {"csrf_token": csrf_token(client, url), "version": str(version), "reference_value": reference,
            **{f"reading_{i + 1}": r for i, r in enumerate(readings)},
            **{f"env_{k}": v for k, v in ({"temperature": "23", "humidity": "45"} | env).items()}}
    return client.post(f"/jobs/{job.id}/points/{index}", data=data,  # type: ignore[attr-defined]
                       headers={"X-Requested-With": "fetch"})


def test_bench_saves_a_point_and_returns_its_fragment(client: FlaskClient, session: Session) -> None:
    setup, job = _bench_job(session)
    login(client, setup.technician.username)
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)  # type: ignore[attr-defined]
    assert page.count("data-bench-point") == 5 and "bench.js" in page and "<script>" not in page
    version = job.version  # type: ignore[attr-defined]
    # point 3 of CAL-DMM-DCV 2.0 (0, 2, 10, 18, −18 V): 10 V
    response = _post_point(client, job, 2, version, ["10.002", "10.003", "10.002", "10.002", "10.003"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section class="point"')
    assert "<html" not in html and int(response.headers["X-Job-Version"]) == version + 1
    # the error, mean − reference, to U's decimal place (JCGM 100:2008 7.2.6): the propagation's U = 0.000800781 V
    # is not validated by Monte Carlo (JCGM 101 8.2), so the Monte Carlo U ≈ 0.00088 V is shown, with the method,
    # with the Vietnamese decimal comma as on the certificate
    from lims.services.bench import measurements

    stored = measurements.measurements(session, job.id)[2].point  # type: ignore[attr-defined]
    u = format(stored.reported().expanded_uncertainty, "f").replace(".", ",")
    k = format(stored.coverage_factor.normalize(), "f").replace(".", ",")
    assert u.startswith("0,000") and len(u) == 7
    assert '<dd data-field="error">0,00240 V</dd>' in html
    assert f'<span data-field="expanded_uncertainty">{u} V</span> (k = <span data-field="coverage_factor">{k}</span>)' in html
    assert 'data-field="interval_method">' in html and "Monte Carlo" in html
    # no statement was asked for: none is made, and the page says why (issue 16)
    assert "verdict-no_statement" in html and "không yêu cầu tuyên bố phù hợp" in html

    bad = _post_point(client, job, 3, version + 1, ["18.001", "mười", "18.001", "18.002", "18.001"], "18")
    assert bad.status_code == 422 and "mười" in bad.get_data(as_text=True)
    stale = _post_point(client, job, 3, version, ["18.001"] * 5, "18")
    assert stale.status_code == 422 and "phiên bản" in stale.get_data(as_text=True)


def test_bench_shows_u_rounded_as_the_certificate_and_keeps_the_stored_digits(
    client: FlaskClient, session: Session
) -> None:
    """JCGM 100:2008 7.2.6: U to two significant digits, the result to U's decimal place, with unit and k.

    The bench page reloaded after a save shows the rounded figures; the stored result keeps every digit.
    """
    from lims.services.bench import measurements

    setup, job = _bench_job(session)
    login(client, setup.technician.username)
    # point 3 of CAL-DMM-DCV 2.0 (0, 2, 10, 18, −18 V): 10 V
    saved = _post_point(client, job, 2, job.version, ["10.002", "10.003", "10.002", "10.002", "10.003"])  # type: ignore[attr-defined]
    assert saved.status_code == 200
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)  # type: ignore[attr-defined]
    point = page[page.index('id="point-3"'):page.index('id="point-4"')]
    assert '<dd data-field="error">0,00240 V</dd>' in point  # error and correction, decimal comma
    assert '<dd data-field="correction">-0,00240 V</dd>' in point
    stored = measurements.measurements(session, job.id)[2].point  # type: ignore[attr-defined]
    u = format(stored.reported().expanded_uncertainty, "f")
    assert f'<span data-field="expanded_uncertainty">{u.replace(".", ",")} V</span>' in point
    assert str(stored.expanded_uncertainty) not in point and ">0,0024 V<" not in point
    assert u not in point  # no English decimal point on a Vietnamese page
    assert len(stored.expanded_uncertainty.as_tuple().digits) > 2  # the stored U keeps every digit
    assert stored.error == Decimal("0.0024")


def test_job_page_budget_shows_the_mean_as_the_type_a_estimate(client: FlaskClient, session: Session) -> None:
    """The stored budget gives a type A input no value (docs/budget-format.md): its estimate is the mean
    of the readings (JCGM 100:2008 4.2.1), which the job page shows in its place."""
    from lims.services.bench import measurements

    setup, job = _bench_job(session)
    login(client, setup.technician.username)
    # point 3 of CAL-DMM-DCV 2.0 (0, 2, 10, 18, −18 V): 10 V
    saved = _post_point(client, job, 2, job.version, ["10.002", "10.003", "10.002", "10.002", "10.003"])  # type: ignore[attr-defined]
    assert saved.status_code == 200
    budget = measurements.measurements(session, job.id)[2].budget
    type_a = [i for i in budget["inputs"] if i["distribution"]["kind"] == "type_a"]
    assert len(type_a) == 1 and "value" not in type_a[0]
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)  # type: ignore[attr-defined]
    # the mean as every report prints it: to U's decimal place (U = 0.00080 V), decimal comma
    assert f"<code>{type_a[0]['name']}</code></td><td>x̄ = 10,00240 V</td>" in page


def test_without_javascript_the_point_form_redirects(client: FlaskClient, session: Session) -> None:
    setup, job = _bench_job(session)
    login(client, setup.technician.username)
    url = f"/jobs/{job.id}/bench"  # type: ignore[attr-defined]
    response = client.post(f"/jobs/{job.id}/points/0", data={  # type: ignore[attr-defined]
        "csrf_token": csrf_token(client, url), "version": str(job.version), "reference_value": "2",  # type: ignore[attr-defined]
        **{f"reading_{i}": "2.001" for i in range(1, 6)}, "env_temperature": "23", "env_humidity": "45"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#point-1")


def test_auditor_reads_the_bench_and_customer_is_refused(client: FlaskClient, session: Session) -> None:
    _setup, job = _bench_job(session)
    auditor = make_user(session, Role.AUDITOR)
    session.commit()
    login(client, auditor.username)
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "<fieldset disabled>" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    customer = make_user(session, Role.CUSTOMER)
    session.commit()
    login(client, customer.username)
    assert client.get(f"/jobs/{job.id}").status_code == 403  # type: ignore[attr-defined]
    assert client.get("/instruments/").status_code == 403


def test_approval_form_needs_the_password(client: FlaskClient, session: Session) -> None:
    from lims.services.bench import measurements
    from lims.services.bench.measurements import PointInput
    from lims.services.jobs import jobs
    from tests.services.test_jobs import NOW

    setup, job = _bench_job(session)
    for i, p in enumerate(measurements.test_points(job)):  # type: ignore[arg-type]
        measurements.save_point(session, job.id, PointInput(i, [f"{p:.3f}"] * 5, f"{p:g}",  # type: ignore[attr-defined]
                                                             {"temperature": "23", "humidity": "45"}),
                                user=setup.technician, expected_version=None, now=NOW)
    jobs.transition_job(session, job.id, "measured", user=setup.technician, comment=None,  # type: ignore[attr-defined]
                        expected_version=None, now=NOW)
    jobs.transition_job(session, job.id, "reviewed", user=setup.reviewer, comment=None,  # type: ignore[attr-defined]
                        expected_version=None, now=NOW)
    session.commit()
    login(client, setup.signatory.username)
    url = f"/jobs/{job.id}"  # type: ignore[attr-defined]
    page = client.get(url).get_data(as_text=True)
    assert 'type="password"' in page and setup.signatory.full_name in page
    wrong = client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url), "version": str(job.version),  # type: ignore[attr-defined]
                                                "meaning": "Phê duyệt", "password": "not it"}, follow_redirects=True)
    assert "Mật khẩu không đúng" in wrong.get_data(as_text=True)
    session.refresh(job)
    assert job.state == JobState.REVIEWED  # type: ignore[attr-defined]
    right = client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url), "version": str(job.version),  # type: ignore[attr-defined]
                                                "meaning": "Phê duyệt", "password": PASSWORD}, follow_redirects=True)
    text = right.get_data(as_text=True)
    assert "Phê duyệt" in text and setup.signatory.full_name in text
    session.refresh(job)
    assert job.state == JobState.APPROVED  # type: ignore[attr-defined]


def test_lists_workload_and_instrument_search(client: FlaskClient, session: Session) -> None:
    setup, job = _bench_job(session)
    login(client, setup.technician.username)
    listing = client.get("/jobs/?state=in_progress").get_data(as_text=True)
    assert job.number in listing  # type: ignore[attr-defined]
    assert job.number not in client.get("/jobs/?state=approved").get_data(as_text=True)  # type: ignore[attr-defined]
    assert job.number in client.get("/jobs/workload").get_data(as_text=True)  # type: ignore[attr-defined]
    per_section = client.get("/jobs/workload?by=section").get_data(as_text=True)
    assert job.number in per_section and "Điện" in per_section  # type: ignore[attr-defined]  # the DMM's section
    serial = setup.instruments["CAL-DMM-DCV"].serial_number
    found = client.get(f"/instruments/?q={serial}").get_data(as_text=True)
    assert serial in found and setup.instruments["CAL-PG-DKD"].serial_number not in found
    assert "CAL-DMM-DCV" in client.get(f"/instruments/{setup.instruments['CAL-DMM-DCV'].id}").get_data(as_text=True)


def test_admin_grants_and_revokes_an_authorisation_and_auditors_read_the_history(
        client: FlaskClient, session: Session) -> None:
    from lims.services.access.authorisations import history

    setup = jobsetup.build(session, authorise=False)
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)
    url = "/jobs/authorisations"
    response = client.post(f"{url}/grant", data={
        "csrf_token": csrf_token(client, url), "user_id": str(setup.technician.id), "procedure_code": "CAL-PG-DKD",
        "role": "perform", "granted_on": "2025-01-01", "evidence": "Hồ sơ đào tạo ĐT-7", "expires_on": ""})
    assert response.status_code == 302
    row = history(session, setup.technician.id)[0]
    assert (row.procedure_code, row.role, row.evidence) == ("CAL-PG-DKD", "perform", "Hồ sơ đào tạo ĐT-7")
    no_evidence = client.post(f"{url}/grant", data={
        "csrf_token": csrf_token(client, url), "user_id": str(setup.technician.id), "procedure_code": "CAL-PG-DKD",
        "role": "sign", "granted_on": "2025-01-01", "evidence": " "}, follow_redirects=True)
    assert "evidence" in no_evidence.get_data(as_text=True) and len(history(session, setup.technician.id)) == 1
    client.post(f"{url}/{row.id}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "Chuyển công tác"})
    session.refresh(row)
    assert row.revoked_on is not None and row.revocation_reason == "Chuyển công tác"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    auditor = make_user(session, Role.AUDITOR)
    session.commit()
    login(client, auditor.username)
    page = client.get(url).get_data(as_text=True)
    assert "Chuyển công tác" in page and "Hồ sơ đào tạo ĐT-7" in page and "/grant" not in page


def test_a_job_without_a_procedure_is_shown_not_crashed(client: FlaskClient, session: Session) -> None:
    """A job registered before its procedure was chosen (procedure_id is nullable) has a job page, and its
    bench page and readings upload say what is missing instead of failing with a server error."""
    from tests.factories import make_job

    job = make_job(session, state=JobState.IN_PROGRESS, procedure_id=None)
    session.commit()
    login(client, make_user(session, Role.TECHNICIAN).username)
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200 and job.number in page.get_data(as_text=True)
    bench = client.get(f"/jobs/{job.id}/bench", follow_redirects=True)
    assert bench.status_code == 200
    assert "chưa có quy trình" in bench.get_data(as_text=True)


def test_job_page_budget_reads_in_the_page_language(client: FlaskClient, session: Session) -> None:
    """The budget beside a point: descriptions from the procedure in the reader's language, distributions
    and their parameters as labels (JCGM 100:2008 4.3.7: a rectangular distribution of half-width a), and
    every number through the one formatter (no ``4e-05``, no ``half_width``)."""
    import re

    setup, job = _bench_job(session)
    login(client, setup.technician.username)
    # point 3 of CAL-DMM-DCV 2.0 (0, 2, 10, 18, −18 V): 10 V
    saved = _post_point(client, job, 2, job.version, ["10.002", "10.003", "10.002", "10.002", "10.003"])  # type: ignore[attr-defined]
    assert saved.status_code == 200
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)  # type: ignore[attr-defined]
    budget = page[page.index('<tr class="budget">'):page.index("</details>")]
    text = " ".join(re.sub(r"<[^>]+>", " ", budget).split())
    # u(V_s) from the calibrator's certificate: U = 40 µV, k = 2; resolution 1 mV -> half-width 0.5 mV
    assert "phân bố chuẩn, U = 0,00004 V; k = 2" in text
    assert "phân bố chữ nhật, nửa độ rộng = 0,0005 V" in text
    assert "Đánh giá loại A, các số đọc = 10,002; 10,003; 10,002; 10,002; 10,003 V" in text
    assert "Độ phân giải của đồng hồ vạn năng ở thang đo này (một chữ số cuối), nửa độ rộng r/2" in text
    assert not re.search(r"\de-\d|half_width|type_a|rectangular|DMM resolution", text)

    with client.session_transaction() as browser:
        browser["language"] = "en"
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)  # type: ignore[attr-defined]
    budget = page[page.index('<tr class="budget">'):page.index("</details>")]
    text = " ".join(re.sub(r"<[^>]+>", " ", budget).split())
    assert "normal distribution, U = 0.00004 V; k = 2" in text
    assert "rectangular distribution, half-width = 0.0005 V" in text
    assert "Type A evaluation, readings = 10.002; 10.003; 10.002; 10.002; 10.003 V" in text
    assert "DMM resolution on this range (one least-significant digit), half-width r/2" in text


def test_pressure_bench_asks_for_the_series_of_the_gauges_sequence(client: FlaskClient, session: Session) -> None:
    """CAL-PG-DKD 2.0: a class 1.6 gauge is calibrated with DKD-R 6-1 sequence C, so each point asks for
    M1 ↑ and M2 ↓ and for Δh; the zero point comes first; a saved point shows its hysteresis and how U was
    obtained, in Vietnamese."""
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-PG-DKD")
    job.measured_on = jobsetup.ON
    session.commit()
    login(client, setup.technician.username)
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)
    assert "Trình tự C theo DKD-R 6-1: M1 ↑, M2 ↓ tại mỗi điểm" in page
    assert page.count("Loạt đo M1 ↑") == 5 and page.count("Loạt đo M2 ↓") == 5 and 'name="reading_3"' not in page
    assert 'name="env_height_difference"' in page and "Δh" in page
    env = {"temperature": "22", "height_difference": "0.15"}
    early = _post_point(client, job, 2, job.version, ["8.1", "8.2"], "8.002", **env)
    assert early.status_code == 422 and "hãy đo điểm không trước" in early.get_data(as_text=True)
    zero = _post_point(client, job, 0, job.version, ["0.0", "0.1"], "0", **env)
    assert zero.status_code == 200
    html = _post_point(client, job, 2, job.version + 1, ["8.1", "8.2"], "8.002", **env).get_data(as_text=True)
    assert '<dd data-field="hysteresis">0,10 bar</dd>' in html or '<dd data-field="hysteresis">0,100 bar</dd>' in html
    assert 'data-field="interval_method">' in html and "verdict-no_statement" in html
    shown = client.get(f"/jobs/{job.id}").get_data(as_text=True)  # the job page says how U was obtained
    assert shown.count('data-field="interval_method"') == 2 and "Độ trễ" in shown
    assert "không yêu cầu tuyên bố phù hợp" in shown  # and why no statement is made
