"""Security sweep over EVERY route of ``app.url_map`` (issue #10 item 5); see docs/security.md.

Routes are discovered, never listed, so a route added later is swept as soon as it exists. A route whose URL
has a parameter this module does not know fails :func:`test_every_url_parameter_is_known` loudly: add the
parameter to :data:`PARAMS` (how to build a value, and its scope: ENTERPRISE, LAB or UNKNOWN).

What is checked, for the demo roles and a visitor, on SQLite and PostgreSQL:

- authorisation, deny by default: every method of every route answers 403 (401 under ``/api/``, the login page
  for a visitor) to whoever the route's ``@allow`` does not name, and never 403 or 500 to whoever it names;
- isolation: a customer of enterprise A gets 404 for every id that belongs to enterprise B, and B's data never
  appear in the answer;
- CSRF: every POST without a token is refused with 400 (``/api/v1`` bearer-token routes excepted by prefix);
- login throttling; the security headers on every response, errors included; no stack trace or secret in an
  error page;
- SQL- and script-injection strings in every field of every form (GET search forms and POST forms) found on
  the pages: never a 500, reflected only escaped, stored values shown escaped everywhere afterwards;
- uploads checked by content: a text file named ``.pdf`` is refused by every form with a file field and
  nothing is saved.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from lims.db import Base
from lims.models import Role, StoredFile
from lims.web.access import AUTHENTICATED, PUBLIC, TOKEN, access_of
from tests.factories import (
    make_calibration,
    make_enterprise,
    make_instrument,
    make_lab,
    make_standard,
    make_user,
)
from tests.webutil import csrf_token, login

API_PREFIX = "/api/"  # bearer-token routes: no session cookie, no CSRF; 401 instead of the login page
UNKNOWN_ID = 999_999
SQL_PAYLOADS = (
    "' OR '1'='1' --",
    "1; DROP TABLE user_account; --",
    "%' UNION SELECT password_hash FROM user_account --",
)
SCRIPT_PAYLOAD = '"><script>alert("sweep")</script><img src=x onerror=alert(1)>'
RAW_SCRIPT = ('<script>alert("sweep")</script>', "<img src=x onerror=alert(1)>")
PAYLOADS = (*SQL_PAYLOADS, SCRIPT_PAYLOAD)
# Tables a refused request may still write to: the record of the attempt itself.
BOOKKEEPING_TABLES = {"login_attempt", "rate_limit_counter"}


@dataclass
class Side:
    """One enterprise with its customer user and records."""

    enterprise: Any
    customer: Any
    instrument: Any
    job: Any
    request: Any  # a service request sent by the enterprise


@dataclass
class World:
    a: Side
    b: Side
    staff: dict[Role, Any]
    standard: Any
    calibration: Any
    room: Any = None  # a laboratory room with its environmental limits
    users: dict[Role | None, Any] = field(default_factory=dict)

    def user(self, role: Role) -> Any:
        return self.a.customer if role == Role.CUSTOMER else self.staff[role]


# URL parameter name -> (scope, value for the given side of the world). Scopes:
#   ENTERPRISE  a real record of enterprise A or B: the isolation test requests B's as A's customer;
#   LAB         a real laboratory-side record or a fixed value, the same for both sides;
#   UNKNOWN     no such record in the world (allowed roles get 404): give the world a real one and make it
#               ENTERPRISE when the record belongs to a customer, so that isolation covers the route.
ENTERPRISE, LAB, UNKNOWN = "enterprise", "lab", "unknown"
PARAMS: dict[str, tuple[str, Callable[[World, Side], Any]]] = {
    "enterprise_id": (ENTERPRISE, lambda w, s: s.enterprise.id),
    "instrument_id": (ENTERPRISE, lambda w, s: s.instrument.id),
    "job_id": (ENTERPRISE, lambda w, s: s.job.id),
    "job_number": (ENTERPRISE, lambda w, s: s.job.number),
    "standard_id": (LAB, lambda w, s: w.standard.id),
    "ident": (LAB, lambda w, s: w.standard.asset_number),
    "calibration_id": (LAB, lambda w, s: w.calibration.id),
    "table_name": (LAB, lambda w, s: "enterprise"),
    "record_id": (LAB, lambda w, s: str(s.enterprise.id)),
    "filename": (LAB, lambda w, s: "lims.css"),
    "indicator": (LAB, lambda w, s: "training_participations"),
    "index": (LAB, lambda w, s: 0),
    "kind": (LAB, lambda w, s: "repeatability"),  # a weighing test of a job (the job_id carries the scope)
    "days": (LAB, lambda w, s: 30),
    "fmt": (LAB, lambda w, s: "xlsx"),
    "file_kind": (LAB, lambda w, s: "pdf"),
    "event_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "application_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "course_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "authorisation_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "material_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "cmc_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    # names used by routes being added in parallel (certificates, /verify, /api/v1, portal requests)
    "number": (UNKNOWN, lambda w, s: "HC-1999-99999"),
    "cert_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "certificate_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "request_id": (ENTERPRISE, lambda w, s: s.request.id),
    "notification_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "token_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "point_id": (UNKNOWN, lambda w, s: 0),
    "notice_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    # automated sequences of a job (the job_id carries the scope), nonconformities and complaints, rooms,
    # the programme's participations, evidence and priority sectors
    "run_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "nc_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "action_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "decision_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "complaint_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "room_id": (LAB, lambda w, s: w.room.id),
    "participation_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "evidence_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "sector_id": (UNKNOWN, lambda w, s: UNKNOWN_ID),
    "year": (LAB, lambda w, s: 2026),
}
# Routes that end the session the sweep relies on (checked in their own tests).
SESSION_ENDING = {"auth.logout"}
# Routes of a document an enterprise's record has only sometimes: the world's job passed its calibration, so
# its own answer is 404 ("no such document", tested with a notice in tests/web/test_portal.py); another
# enterprise's must still be 404 and show nothing.
OPTIONAL_DOCUMENT = {"portal.failure_notice"}  # the notice of failed verification of a job


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) & {"GET", "POST", "PUT", "PATCH", "DELETE"})


def _url(app: Flask, rule: Rule, world: World, side: Side) -> str:
    values = {}
    for name in rule.arguments:
        if name not in PARAMS:
            pytest.fail(
                f"route {rule.rule} ({rule.endpoint}) has the URL parameter {name!r}, unknown to the security "
                "sweep: add it to PARAMS in tests/web/test_security_sweep.py"
            )
        values[name] = PARAMS[name][1](world, side)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _enterprise_scoped(rule: Rule) -> bool:
    """The route names a record of one enterprise, and the world has one for each side."""
    scopes = {PARAMS.get(name, (UNKNOWN,))[0] for name in rule.arguments}
    return ENTERPRISE in scopes and UNKNOWN not in scopes


def _allowed(app: Flask, endpoint: str, role: Role | None) -> bool:
    access = access_of(app, endpoint)
    if endpoint == "static":
        return True
    if access is None or TOKEN in access:
        return False  # bearer-token routes never take a session (tests/web/api sweeps them with tokens)
    if PUBLIC in access:
        return True
    if role is None:
        return False
    return AUTHENTICATED in access or str(role) in access


@pytest.fixture
def world(session: Session) -> World:
    from datetime import date
    from decimal import Decimal

    from lims.models import JobKind
    from lims.services.bench import rooms
    from lims.services.customers import service_requests
    from lims.services.jobs import jobs
    from lims.services.jobs.procedures import latest_procedure, sync_procedures

    sync_procedures(session)
    procedure = latest_procedure(session, "CAL-DMM-DCV")
    lab = make_lab(session)
    sides = []
    for _ in range(2):
        enterprise = make_enterprise(session)
        customer = make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id, is_enterprise_admin=True)
        instrument = make_instrument(
            session, enterprise, unit="V", range_max=Decimal(20), resolution=Decimal("0.001")
        )
        # the request first: an instrument with an open job cannot be requested again (issue 19)
        request = service_requests.submit_request(
            session,
            customer,
            service_requests.RequestInput(
                JobKind.CALIBRATION, [service_requests.RequestItemInput(instrument.id)]
            ),
            today=date.today(),
        )
        job = jobs.create_job(
            session, jobs.JobRequest(lab.id, instrument.id, procedure.id, requested_on=date.today())
        )
        sides.append(Side(enterprise, customer, instrument, job, request))
    staff = {role: make_user(session, role) for role in Role if role != Role.CUSTOMER}
    standard = make_standard(session, lab_id=lab.id)
    calibration = make_calibration(session, standard)
    room = rooms.save_room(session, rooms.RoomInput("P-SWEEP", "Phòng quét", "18", "28", "30", "80"))
    session.commit()
    return World(sides[0], sides[1], staff, standard, calibration, room)


def _client_as(app: Flask, world: World, role: Role | None) -> FlaskClient:
    client = app.test_client()
    if role is not None:
        login(client, world.user(role).username)
    return client


def _token(client: FlaskClient, role: Role | None) -> str:
    return csrf_token(client, "/login" if role is None else "/account")


def _check_headers(response: TestResponse, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", directives.get("default-src", ""))
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, (
        f"{where}: CSP {csp!r}"
    )
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", f"{where}: CSP {csp!r}"
    assert "'unsafe-inline'" not in directives.get("style-src", ""), f"{where}: CSP {csp!r}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in (
        "same-origin",
        "no-referrer",
        "strict-origin-when-cross-origin",
    ), where
    assert headers.get("X-Frame-Options") == "DENY", where


def _request(client: FlaskClient, method: str, url: str, data: dict[str, Any] | None = None) -> TestResponse:
    response = client.open(url, method=method, data=data)
    response.close()
    return response


def test_every_url_parameter_is_known(app: Flask) -> None:
    unknown = {(rule.endpoint, name) for rule in _rules(app) for name in rule.arguments if name not in PARAMS}
    assert unknown == set(), "add these URL parameters to PARAMS of tests/web/test_security_sweep.py"


# -- authorisation: deny by default ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: str(r or "visitor"))
def test_every_route_and_method_is_denied_unless_allowed(app: Flask, world: World, role: Role | None) -> None:
    client = _client_as(app, world, role)
    token = _token(client, role)
    problems = []
    for rule in _rules(app):
        if rule.endpoint in SESSION_ENDING:
            continue
        url = _url(app, rule, world, world.a)
        for method in _methods(rule):
            response = _request(client, method, url, {"csrf_token": token} if method != "GET" else None)
            where = f"{method} {url} ({rule.endpoint}) as {role or 'visitor'}: {response.status_code}"
            _check_headers(response, where)
            location = response.headers.get("Location", "")
            if response.status_code >= 500:
                problems.append(where + " (server error)")
            elif TOKEN in (access_of(app, rule.endpoint) or ()):
                # Bearer-token routes: a session cookie never authenticates them, whatever the role.
                if response.status_code != 401 or "Bearer" not in response.headers.get("WWW-Authenticate", ""):
                    problems.append(where + " (expected 401 with a Bearer challenge)")
            elif _allowed(app, rule.endpoint, role):
                if response.status_code in (401, 403) or (
                    "/login" in location and rule.endpoint != "auth.login"
                ):
                    problems.append(where + " (allowed but refused)")
            elif url.startswith(API_PREFIX):
                if response.status_code not in (401, 403):
                    problems.append(where + " (expected 401/403)")
            elif role is None:
                if not (response.status_code == 302 and "/login" in location):
                    problems.append(where + " (expected the login page)")
            elif response.status_code != 403:
                problems.append(where + " (expected 403)")
    assert problems == []


# -- isolation between enterprises -----------------------------------------------------------------------------
def test_customer_gets_404_for_every_id_of_another_enterprise(
    app: Flask, world: World, session: Session
) -> None:
    client = _client_as(app, world, Role.CUSTOMER)
    token = _token(client, Role.CUSTOMER)
    secrets = (world.b.enterprise.name, world.b.instrument.serial_number, world.b.job.number)
    checked, problems = [], []
    for rule in _rules(app):
        if (
            not _enterprise_scoped(rule)
            or rule.endpoint in SESSION_ENDING
            or rule.rule.startswith(API_PREFIX)
        ):
            continue
        if not _allowed(app, rule.endpoint, Role.CUSTOMER):
            continue  # refused whatever the id (403), checked by the authorisation sweep
        own, other = _url(app, rule, world, world.a), _url(app, rule, world, world.b)
        for method in _methods(rule):
            data = {"csrf_token": token} if method != "GET" else None
            mine = _request(client, method, own, data)
            theirs = client.open(other, method=method, data=data)
            body = theirs.get_data().decode("utf-8", "replace")
            theirs.close()
            checked.append(f"{method} {rule.rule}")
            if mine.status_code == 404 and rule.endpoint not in OPTIONAL_DOCUMENT:
                problems.append(f"{method} {own}: own record answered 404")
            if theirs.status_code != 404:
                problems.append(
                    f"{method} {other}: another enterprise's record answered {theirs.status_code}"
                )
            problems += [f"{method} {other}: shows {s!r}" for s in secrets if s in body]
    assert checked, "no customer route with an enterprise-owned id found: the sweep is not sweeping"
    assert problems == []


def test_staff_see_both_enterprises(app: Flask, world: World) -> None:
    """The other side of isolation: the laboratory is not isolated from its customers."""
    client = _client_as(app, world, Role.ADMIN)
    for rule in _rules(app):
        if _enterprise_scoped(rule) and "GET" in _methods(rule) and _allowed(app, rule.endpoint, Role.ADMIN):
            for side in (world.a, world.b):
                url = _url(app, rule, world, side)
                assert _request(client, "GET", url).status_code == 200, url


# -- CSRF ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role",
    [None, Role.ADMIN, Role.CUSTOMER],  # CSRF is checked before access, so the role barely matters
    ids=lambda r: str(r or "visitor"),
)
def test_every_post_without_csrf_token_is_refused(
    app: Flask, world: World, session: Session, role: Role | None
) -> None:
    client = _client_as(app, world, role)
    before = _row_counts(session)
    posts = 0
    for rule in _rules(app):
        if rule.rule.startswith(API_PREFIX):
            continue  # bearer-token API: no cookies, hence no CSRF (docs/security.md)
        for method in _methods(rule):
            if method == "GET":
                continue
            posts += 1
            url = _url(app, rule, world, world.a)
            response = _request(client, method, url, {"name": "x"})
            where = f"{method} {url} as {role or 'visitor'}"
            assert response.status_code == 400, f"{where}: {response.status_code}"
            _check_headers(response, where)
    assert posts > 10
    assert _row_counts(session) == before
    if role is not None:  # still logged in: a refused logout did not log out
        assert _request(client, "GET", "/account").status_code == 200


# -- login throttling ------------------------------------------------------------------------------------------
def test_login_is_throttled_per_account_and_per_address(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lims.services.access import accounts

    monkeypatch.setattr(
        accounts, "ADDRESS_FAILURE_LIMIT", 6
    )  # the mechanism, without 30 slow password checks

    client = app.test_client()
    user = world.staff[Role.TECHNICIAN]
    statuses = []
    for _ in range(accounts.FAILURES_BEFORE_LOCK):
        token = csrf_token(client)
        statuses.append(
            client.post(
                "/login", data={"csrf_token": token, "username": user.username, "password": "wrong"}
            ).status_code
        )
    assert statuses == [401] * accounts.FAILURES_BEFORE_LOCK
    from tests.factories import PASSWORD

    token = csrf_token(client)
    locked = client.post(
        "/login", data={"csrf_token": token, "username": user.username, "password": PASSWORD}
    )
    assert locked.status_code == 429  # even the right password, while locked
    _check_headers(locked, "locked login")
    # guessing many accounts from one address is throttled too
    other = app.test_client()
    env = {"REMOTE_ADDR": "203.0.113.9"}
    codes = []
    for n in range(accounts.ADDRESS_FAILURE_LIMIT + 1):
        token = csrf_token(other)
        codes.append(
            other.post(
                "/login",
                data={"csrf_token": token, "username": f"nobody{n}", "password": "x"},
                environ_base=env,
            ).status_code
        )
    assert codes[-1] == 429 and set(codes[:-1]) == {401}


# -- error pages -----------------------------------------------------------------------------------------------
def test_server_error_shows_no_stack_trace_or_secret(fresh_app: Flask, world: World) -> None:
    from lims.web.access import allow

    app = fresh_app
    secret = app.config["SECRET_KEY"]

    @allow(PUBLIC)
    def explode() -> str:
        raise RuntimeError(f"boom with {secret} and postgresql://lims:hunter2@db/lims")

    app.add_url_rule("/_test/explode", "test_explode", explode)
    client = app.test_client()
    for headers in ({}, {"Accept": "application/json"}):
        response = client.get("/_test/explode", headers=headers)
        body = response.get_data().decode("utf-8", "replace")
        assert response.status_code == 500
        for leak in ("Traceback", "RuntimeError", "boom", secret, "hunter2", 'File "', ".py"):
            assert leak not in body, leak
        _check_headers(response, "500 page")


@pytest.mark.parametrize("status_path", ["/no/such/page", "/static/../../etc/passwd"])
def test_not_found_pages_leak_nothing(client: FlaskClient, status_path: str) -> None:
    response = client.get(status_path)
    assert response.status_code == 404
    body = response.get_data().decode("utf-8", "replace")
    assert "Traceback" not in body and "werkzeug" not in body.lower()
    _check_headers(response, status_path)


# -- injection strings in every form field ---------------------------------------------------------------------
@dataclass
class Form:
    page: str
    action: str
    method: str
    multipart: bool
    fields: dict[str, str]  # name -> default value
    text_fields: list[str]  # fields a user types into
    files: list[str]


class _Forms(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page
            self._current = Form(
                self.page,
                action,
                (a.get("method") or "get").upper(),
                "multipart" in a.get("enctype", ""),
                {},
                [],
                [],
            )
            self.forms.append(self._current)
            return
        form = self._current
        if form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a or name not in form.fields:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset"):
                form.fields[name] = a.get("value", "")
                if kind in ("text", "search", "email", "tel", "url", "number", "date", "password", ""):
                    form.text_fields.append(name)
            elif kind == "submit" and name not in form.fields:
                form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            form.fields.setdefault(name, "")
        elif tag == "option" and self._select is not None:
            if not form.fields.get(self._select) or "selected" in a:
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""
            form.text_fields.append(name)
        elif tag == "button" and a.get("type", "submit") == "submit":
            form.fields.setdefault(name, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms_on(client: FlaskClient, url: str) -> list[Form]:
    response = client.get(url)
    if response.status_code != 200 or "html" not in (response.content_type or ""):
        return []
    parser = _Forms(url)
    parser.feed(response.get_data().decode("utf-8", "replace"))
    return parser.forms


def _pages(app: Flask, world: World, role: Role) -> Iterator[str]:
    for rule in _rules(app):
        if "GET" in _methods(rule) and rule.endpoint != "static" and _allowed(app, rule.endpoint, role):
            yield _url(app, rule, world, world.a)


def _all_forms(app: Flask, client: FlaskClient, world: World, role: Role) -> list[Form]:
    seen, forms = set(), []
    for page in _pages(app, world, role):
        for form in _forms_on(client, page):
            key = (form.method, urlsplit(form.action).path, tuple(sorted(form.fields)), tuple(form.files))
            if key not in seen and urlsplit(form.action).path not in ("/logout",):
                seen.add(key)
                forms.append(form)
    return forms


def _reflected_raw(body: str) -> list[str]:
    return [raw for raw in RAW_SCRIPT if raw in body]


SWEEP_ROLES = [Role.ADMIN, Role.TECHNICIAN, Role.SIGNATORY, Role.CUSTOMER]


@pytest.mark.parametrize("role", SWEEP_ROLES, ids=str)
def test_injection_strings_in_every_search_field(app: Flask, world: World, role: Role) -> None:
    client = _client_as(app, world, role)
    searches = [f for f in _all_forms(app, client, world, role) if f.method == "GET"]
    problems = []
    for form in searches:
        for name in form.fields:
            for payload in PAYLOADS:
                query = {**form.fields, name: payload}
                url = f"{urlsplit(form.action).path}?{urlencode(query)}"
                response = _request(client, "GET", url)
                body = response.get_data().decode("utf-8", "replace")
                if response.status_code >= 500:
                    problems.append(f"{url}: {response.status_code}")
                problems += [f"{url}: reflects {raw!r} unescaped" for raw in _reflected_raw(body)]
                if "$argon2" in body:
                    problems.append(f"{url}: shows a password hash")
    # the same strings in the query string of every page, as parameters the page does not expect
    for page in _pages(app, world, role):
        for payload in (SQL_PAYLOADS[0], SCRIPT_PAYLOAD):
            url = f"{page}?{urlencode({'q': payload, 'page': payload, 'sort': payload})}"
            response = _request(client, "GET", url)
            if response.status_code >= 500:
                problems.append(f"{url}: {response.status_code}")
            problems += [
                f"{url}: reflects {raw!r}"
                for raw in _reflected_raw(response.get_data().decode("utf-8", "replace"))
            ]
    if role in (Role.ADMIN, Role.CUSTOMER):
        assert searches, f"no search form found for {role}: the sweep is not sweeping"
    assert problems == []


@pytest.mark.parametrize("role", SWEEP_ROLES, ids=str)
def test_injection_strings_in_every_form_field(app: Flask, world: World, role: Role) -> None:
    client = _client_as(app, world, role)
    posts = [f for f in _all_forms(app, client, world, role) if f.method == "POST" and f.text_fields]
    assert posts, f"no form found for {role}"
    problems = []
    for form in posts:
        for payload in (SQL_PAYLOADS[0], SCRIPT_PAYLOAD):
            token = _token(client, role)
            data = {**form.fields, **dict.fromkeys(form.text_fields, payload), "csrf_token": token}
            data = {k: v for k, v in data.items() if k not in form.files}
            response = client.post(
                urlsplit(form.action).path,
                data=data,
                content_type="multipart/form-data" if form.multipart else None,
            )
            body = response.get_data().decode("utf-8", "replace")
            response.close()
            where = f"POST {form.action} (from {form.page})"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            problems += [f"{where}: reflects {raw!r} unescaped" for raw in _reflected_raw(body)]
    # whatever was stored is shown escaped on every page afterwards (stored XSS)
    for page in _pages(app, world, role):
        response = _request(client, "GET", page)
        assert response.status_code < 500, page
        problems += [
            f"GET {page}: shows {raw!r} unescaped"
            for raw in _reflected_raw(response.get_data().decode("utf-8", "replace"))
        ]
    if _request(client, "GET", "/account").status_code != 200:
        problems.append("the sweep logged itself out")
    assert problems == []


# -- uploads are checked by content ----------------------------------------------------------------------------
def _row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in Base.metadata.tables.items()
        if name not in BOOKKEEPING_TABLES
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TECHNICIAN, Role.CUSTOMER], ids=str)
def test_text_file_named_pdf_is_refused_by_every_upload(
    app: Flask, world: World, session: Session, role: Role
) -> None:
    client = _client_as(app, world, role)
    uploads = [f for f in _all_forms(app, client, world, role) if f.files]
    if role != Role.CUSTOMER:
        assert any("/standards/" in f.action for f in uploads), "upload forms of standards not found"
    else:
        assert uploads, "the portal's import form not found"
    before = _row_counts(session)
    stored = session.scalar(select(func.count()).select_from(StoredFile))
    for form in uploads:
        data: dict[str, Any] = {k: v for k, v in form.fields.items() if k not in form.files}
        for name in form.text_fields:
            data[name] = data[name] or "1"
        data["csrf_token"] = _token(client, role)
        for name in form.files:
            data[name] = (
                io.BytesIO(b"This is plain text, not a PDF.\n" * 20),
                "certificate.pdf",
                "application/pdf",
            )
        response = client.post(urlsplit(form.action).path, data=data, content_type="multipart/form-data")
        response.close()
        where = f"POST {form.action} (from {form.page}) as {role}"
        assert response.status_code < 500, f"{where}: {response.status_code}"
        assert not 300 <= response.status_code < 400, (
            f"{where}: accepted ({response.headers.get('Location')})"
        )
        assert response.status_code in (200, 400, 409, 413, 415, 422), f"{where}: {response.status_code}"
    assert session.scalar(select(func.count()).select_from(StoredFile)) == stored
    assert _row_counts(session) == before
