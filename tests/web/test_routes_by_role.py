"""Every registered route, for every role and for a visitor: allowed, sent to the login page, or 403.

The table below is the specification. A new route fails this test until it is added here, so no
route can appear without someone deciding who may use it.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import Role
from tests.factories import make_enterprise, make_standard, make_user
from tests.webutil import csrf_token, login

PUBLIC = "public"
ANY = "authenticated"
STAFF = {Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY}
READERS = STAFF | {Role.AUDITOR}
# JSON API routes authenticate a bearer token, never the session: tests/web/api/test_api_access.py sweeps
# them with every role's token (and none); the session walk below skips them.
TOKEN = "token"

EXPECTED: dict[str, str | set[Role]] = {
    "static": PUBLIC,
    "main.health": PUBLIC,
    "main.dashboard": ANY,
    "auth.login": PUBLIC,
    "auth.logout": ANY,
    "auth.language": PUBLIC,
    "auth.account": ANY,
    "admin.users": {Role.ADMIN},
    "admin.new_user": {Role.ADMIN},
    "admin.login_throttles": {Role.ADMIN},
    "admin.clear_login_throttle": {Role.ADMIN},
    "enterprises.index": READERS,
    "enterprises.show": READERS,
    "enterprises.new": {Role.ADMIN},
    "enterprises.edit": {Role.ADMIN},
    "audit.index": {Role.ADMIN, Role.AUDITOR},
    "audit.verify": {Role.ADMIN, Role.AUDITOR},
    "audit.record": READERS,
    "standards.index": READERS,
    "standards.due": READERS,
    "standards.materials": READERS,
    "standards.show": READERS,
    "standards.change_status": {Role.ADMIN, Role.TECHNICIAN},
    "standards.new_calibration": {Role.ADMIN, Role.TECHNICIAN},
    "standards.new_check": {Role.ADMIN, Role.TECHNICIAN},
    "standards.import_dcc": {Role.ADMIN, Role.TECHNICIAN},
    "standards.certificate": READERS,
    "standards.new": {Role.ADMIN, Role.TECHNICIAN},
    "standards.new_material": {Role.ADMIN, Role.TECHNICIAN},
    "standards.edit_material": {Role.ADMIN, Role.TECHNICIAN},
    "standards.cmc": READERS,
    "standards.new_cmc": {Role.ADMIN},
    "standards.edit_cmc": {Role.ADMIN},
    "standards.edit": {Role.ADMIN, Role.TECHNICIAN},
    "traceability.index": READERS,
    "traceability.export_json": READERS,
    "traceability.export_pdf": READERS,
    "nc.index": READERS,
    "nc.open_record": STAFF | {Role.AUDITOR},  # an auditor: a job or certificate found wrong only
    "nc.show": READERS,
    "nc.decide": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.amend": {Role.ADMIN, Role.SIGNATORY},
    "nc.withdraw": {Role.ADMIN, Role.SIGNATORY},
    "nc.send": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.return_to_service": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.close": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.add_corrective_action": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.corrective_done": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.corrective_review": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.complaints_index": READERS,
    "nc.record_complaint": STAFF,
    "nc.complaint": READERS,
    "nc.acknowledge_complaint": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.investigate_complaint": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.answer_complaint": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "nc.close_complaint": {Role.ADMIN, Role.REVIEWER, Role.SIGNATORY},
    "standards.accept_interval": {Role.ADMIN, Role.TECHNICIAN},
    "programme.index": READERS,
    "programme.indicator": READERS,
    "programme.report": READERS,
    "programme.applications": READERS,
    "programme.decide": {Role.ADMIN},
    "programme.new_application": {Role.ADMIN},
    "programme.courses": READERS,
    "programme.new_course": {Role.ADMIN},
    "programme.course": READERS,
    "programme.add_participant": {Role.ADMIN},
    "programme.edit_participant": {Role.ADMIN},
    "programme.withdraw_participant": {Role.ADMIN},
    "programme.import_participants": {Role.ADMIN},
    "programme.edit_course": {Role.ADMIN},
    "programme.withdraw_course": {Role.ADMIN},
    "programme.records_list": READERS,
    "programme.records_add": {Role.ADMIN},
    "programme.records_import": {Role.ADMIN},
    "programme.records_edit": {Role.ADMIN},
    "programme.records_withdraw": {Role.ADMIN},
    "programme.evidence_file": READERS,
    "programme.baseline": {Role.ADMIN},
    "programme.submit_report": {Role.ADMIN},
    "programme.submitted_report": READERS,
    "programme.sectors": READERS,
    "programme.confirm_sector": {Role.ADMIN},
    "programme.add_priority_sector": {Role.ADMIN},
    "programme.withdraw_priority_sector": {Role.ADMIN},
    "instruments.index": READERS,
    "instruments.show": READERS,
    "jobs.index": READERS,
    "jobs.workload_view": READERS,
    "jobs.authorisations_view": READERS,
    "jobs.show": READERS,
    "jobs.bench": READERS,
    "jobs.new": {Role.ADMIN, Role.TECHNICIAN},
    "jobs.intake": {Role.ADMIN, Role.TECHNICIAN},
    "jobs.assign": {Role.ADMIN},
    "jobs.take": {Role.TECHNICIAN},
    "jobs.transition": STAFF,
    "jobs.approve": {Role.SIGNATORY},
    "jobs.set_room": {Role.ADMIN, Role.TECHNICIAN},
    "jobs.start_sequence": {Role.TECHNICIAN},
    "jobs.sequence_command": {Role.TECHNICIAN},
    "jobs.sequence_entry": {Role.TECHNICIAN},
    "jobs.sequence_status": READERS,
    "jobs.justify_environment": {Role.REVIEWER, Role.SIGNATORY},
    "rooms.index": READERS,
    "rooms.show": READERS,
    "rooms.new": {Role.ADMIN},
    "rooms.edit": {Role.ADMIN},
    "jobs.add_standard": {Role.ADMIN, Role.TECHNICIAN},
    "jobs.save_point": {Role.TECHNICIAN},
    "jobs.save_weighing_test": {Role.TECHNICIAN},
    "jobs.capture": {Role.TECHNICIAN},
    "jobs.point_readings": READERS,
    "jobs.grant_authorisation": {Role.ADMIN},
    "jobs.revoke_authorisation": {Role.ADMIN},
    "jobs.issue_certificate": {Role.SIGNATORY, Role.ADMIN},
    "jobs.amend_certificate": {Role.SIGNATORY, Role.ADMIN},
    "jobs.withdraw_certificate": {Role.SIGNATORY, Role.ADMIN},
    "jobs.certificate_labels": STAFF,
    "jobs.issue_failure_notice": {Role.SIGNATORY, Role.ADMIN},
    "jobs.failure_notice_pdf": STAFF,
    "legal.index": READERS,
    "legal.record_designation": {Role.ADMIN},
    "legal.cards": READERS,
    "legal.add_card": {Role.ADMIN},
    "legal.revoke_card": {Role.ADMIN},
    "legal.stamp_stock": READERS,
    "legal.receive_batch": {Role.ADMIN, Role.SIGNATORY},
    "legal.spoil_stamp": {Role.ADMIN, Role.SIGNATORY},
    "legal.stamp_register": READERS,
    "portal.index": {Role.CUSTOMER},
    "portal.due": {Role.CUSTOMER},
    "portal.instrument": {Role.CUSTOMER},
    "portal.new_instrument": {Role.CUSTOMER},
    "portal.edit_instrument": {Role.CUSTOMER},
    "portal.export": {Role.CUSTOMER},
    "portal.import_template": {Role.CUSTOMER},
    "portal.import_instruments": {Role.CUSTOMER},
    "portal.colleagues": {Role.CUSTOMER},
    "certificates.index": READERS,
    "certificates.show": READERS,
    "certificates.pdf": READERS,
    "certificates.dcc": READERS,
    "certificates.dcc_signature": READERS,
    "verify.index": PUBLIC,
    "verify.show": PUBLIC,
    "verify.check_file": PUBLIC,
    "tokens.index": ANY,
    "tokens.revoke": ANY,
    "api.openapi": PUBLIC,
    "api.me": TOKEN,
    "api.instruments": TOKEN,
    "api.create_instrument": TOKEN,
    "api.instrument": TOKEN,
    "api.jobs": TOKEN,
    "api.job": TOKEN,
    "api.certificates": TOKEN,
    "api.certificate": TOKEN,
    "api.certificate_pdf": TOKEN,
    "api.certificate_dcc": TOKEN,
    "api.certificate_p7s": TOKEN,
    "api.job_notice": TOKEN,
    "api.certificate_traceability": TOKEN,
    "api.upload_readings": TOKEN,
    "portal.requests": {Role.CUSTOMER},
    "portal.new_request": {Role.CUSTOMER},
    "portal.request": {Role.CUSTOMER},
    "portal.cancel_request": {Role.CUSTOMER},
    "portal.jobs": {Role.CUSTOMER},
    "portal.job": {Role.CUSTOMER},
    "portal.certificates": {Role.CUSTOMER},
    "portal.notices_page": {Role.CUSTOMER},
    "portal.complaints_page": {Role.CUSTOMER},
    "portal.certificate_file": {Role.CUSTOMER},
    "portal.failure_notice": {Role.CUSTOMER},
    "requests.index": READERS,
    "requests.show": READERS,
    "requests.accept": {Role.ADMIN, Role.REVIEWER},
    "requests.schedule": {Role.ADMIN, Role.REVIEWER},
    "requests.reject": {Role.ADMIN, Role.REVIEWER},
    "requests.convert": {Role.ADMIN, Role.TECHNICIAN},
    "notifications.index": ANY,
    "notifications.read": ANY,
    "notifications.read_all": ANY,
}


def test_every_route_is_in_the_table(app: Flask) -> None:
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(EXPECTED)


def test_every_view_declares_its_access(app: Flask) -> None:
    from lims.web.access import access_of

    undeclared = [e for e in app.view_functions if e != "static" and access_of(app, e) is None]
    assert undeclared == []


def _urls(app: Flask, enterprise_id: int, standard_id: int, asset_number: str) -> list[tuple[str, str, str]]:
    values = {
        "enterprise_id": enterprise_id,
        "table_name": "enterprise",
        "record_id": str(enterprise_id),
        "filename": "lims.css",
        "standard_id": standard_id,
        "ident": asset_number,
        "nc_id": 999999,
        "decision_id": 999999,
        "notice_id": 999999,
        "action_id": 999999,
        "complaint_id": 999999,
        "calibration_id": 999999,
        "indicator": "training_participations",
        "application_id": 999999,
        "course_id": 999999,
        "participation_id": 999999,
        "job_id": 999999,  # unknown records: allowed roles get 404, the others 403 before any lookup
        "instrument_id": 999999,
        "index": 0,
        "authorisation_id": 999999,
        "material_id": 999999,
        "cmc_id": 999999,
        "cert_id": 999999,
        "days": 30,
        "fmt": "xlsx",
        "number": "KĐ-2026-99999",  # unknown certificate: 404 for the roles allowed
        "token_id": 999999,
        "point_id": "P1",
        "job_number": "NO-SUCH-JOB",
        "request_id": 999999,
        "certificate_id": 999999,
        "file_kind": "pdf",
        "notification_id": 999999,
        "kind": "supports",
        "year": 2026,
        "evidence_id": 999999,
        "sector_id": 999999,
        "room_id": 999999,
        "run_id": 999999,
    }
    found = []
    for rule in app.url_map.iter_rules():
        args = {name: values[name] for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        method = "GET" if "GET" in (rule.methods or set()) else "POST"
        found.append((rule.endpoint, method, url))
    return found


@pytest.mark.parametrize("role", [None, *Role])
def test_role_by_route(app: Flask, client: FlaskClient, session: Session, role: Role | None) -> None:
    enterprise = make_enterprise(session)
    standard = make_standard(session)
    if role is not None:
        user = make_user(session, role, **({"enterprise_id": enterprise.id} if role == Role.CUSTOMER else {}))
        login(client, user.username)
    outcomes = {}
    for endpoint, method, url in _urls(app, enterprise.id, standard.id, standard.asset_number):
        if endpoint == "auth.logout" or EXPECTED[endpoint] == TOKEN:
            continue  # would end the session the walk relies on; checked in test_logout_requires_login
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(
                url, data={"csrf_token": csrf_token(client, "/login" if role is None else "/")}
            )
        response.close()
        outcomes[endpoint] = response
    for endpoint, response in outcomes.items():
        rule = EXPECTED[endpoint]
        allowed = rule == PUBLIC or (role is not None and (rule == ANY or role in rule))
        where = (
            f"{endpoint} as {role or 'visitor'}: {response.status_code} {response.headers.get('Location')}"
        )
        if allowed:
            assert response.status_code < 400 or response.status_code == 404, where
            assert "/login" not in (response.headers.get("Location") or "") or endpoint == "auth.login", where
        elif role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], where
        else:
            assert response.status_code == 403, where


def test_logout_requires_login(client: FlaskClient) -> None:
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_route_is_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Trang này không tồn tại." in response.get_data(as_text=True)
