"""The queries the views used to run themselves, now in the services that own them (issue 15 item 5):
tenant-scoped jobs and certificates for the API, the certificate register's numbers, accounts, enterprises,
the audit trail, reference materials, a standard's possible sources and the health check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.models import CertificateStatus, JobState, Quantity, ReferenceMaterial, Role
from lims.services.access.accounts import list_users
from lims.services.certificates import register
from lims.services.customers import portal_jobs
from lims.services.customers.enterprises import enterprise_names
from lims.services.jobs.jobs import jobs_by_id
from lims.services.records import audit
from lims.services.records.database import database_answers, schema_revisions
from lims.services.standards.calibrations import possible_sources
from lims.services.standards.standards import list_materials
from tests.factories import make_certificate, make_enterprise, make_job, make_lab, make_standard, make_user


def _customer(enterprise_id: int) -> SimpleNamespace:
    return SimpleNamespace(role=Role.CUSTOMER, enterprise_id=enterprise_id)


STAFF = SimpleNamespace(role=Role.TECHNICIAN, enterprise_id=None)


def test_a_job_by_number_is_found_only_by_whom_may_see_it(session: Session) -> None:
    ours, theirs = make_enterprise(session), make_enterprise(session)
    job = make_job(session, enterprise=ours)
    assert portal_jobs.job_by_number(session, _customer(ours.id), job.number) is job
    assert portal_jobs.job_by_number(session, STAFF, job.number) is job
    with pytest.raises(NotFound):
        portal_jobs.job_by_number(session, _customer(theirs.id), job.number)
    with pytest.raises(NotFound):
        portal_jobs.job_by_number(session, STAFF, "CV-NO-SUCH")


def test_jobs_narrowed_by_state(session: Session) -> None:
    enterprise = make_enterprise(session)
    received = make_job(session, enterprise=enterprise, state=JobState.RECEIVED)
    issued = make_job(session, enterprise=enterprise, state=JobState.ISSUED)
    caller = _customer(enterprise.id)
    assert {j.id for j in portal_jobs.list_jobs(session, caller).items} == {received.id, issued.id}
    assert [j.id for j in portal_jobs.list_jobs(session, caller, state=JobState.ISSUED).items] == [issued.id]


def test_certificates_by_number_status_and_revision(session: Session) -> None:
    ours, theirs = make_enterprise(session), make_enterprise(session)
    job = make_job(session, enterprise=ours, state=JobState.ISSUED)
    first = make_certificate(session, job, status=CertificateStatus.SUPERSEDED)
    second = make_certificate(session, job, revision=1, replaces_id=first.id)
    caller = _customer(ours.id)
    assert portal_jobs.certificate_by_number(session, caller, second.number) == (second, job)
    with pytest.raises(NotFound):
        portal_jobs.certificate_by_number(session, _customer(theirs.id), second.number)
    valid = portal_jobs.list_certificates(session, caller, status=CertificateStatus.VALID)
    assert [c.id for c in valid.items] == [second.id]
    assert register.numbers_of_job(session, job.id) == [first.number, second.number]
    assert register.replaced_numbers(session, {first.id}) == {first.id: first.number}
    assert register.replaced_numbers(session, set()) == {}
    assert jobs_by_id(session, {job.id}) == {job.id: job}
    assert jobs_by_id(session, set()) == {}


def test_users_page_and_enterprise_names(session: Session) -> None:
    users = [make_user(session) for _ in range(3)]
    page = list_users(session, size=2)
    assert page.items == [users[2], users[1]] and page.next_after == users[1].id  # newest first
    rest = list_users(session, after=page.next_after, size=50)
    assert users[0] in rest.items and not set(rest.items) & set(page.items)
    make_enterprise(session, name="Công ty B")
    make_enterprise(session, name="Công ty A")
    names = [name for _id, name in enterprise_names(session)]
    assert names == sorted(names) and {"Công ty A", "Công ty B"} <= set(names)
    assert len(enterprise_names(session, limit=1)) == 1


def test_audit_entries_of_one_table(session: Session) -> None:
    make_enterprise(session)
    make_user(session)
    session.flush()
    every = audit.list_entries(session, size=200).items
    only = audit.list_entries(session, table_name="enterprise", size=200).items
    assert only and {e.table_name for e in only} == {"enterprise"}
    assert len(only) < len(every)


def test_materials_by_code_and_sources_of_the_same_quantity(session: Session) -> None:
    lab = make_lab(session)
    for code in ("CC-2", "CC-1"):
        session.add(
            ReferenceMaterial(
                lab_id=lab.id,
                code=code,
                name=code,
                producer="Merck",
                lot="L1",
                certified_value=Decimal("7.01"),
                expanded_uncertainty=Decimal("0.02"),
                unit="pH",
                expiry_on=date(2030, 1, 1),
            )
        )
    session.flush()
    assert [m.code for m in list_materials(session)] == ["CC-1", "CC-2"]
    standard = make_standard(session, lab_id=lab.id, asset_number="M-2")
    other_mass = make_standard(session, lab_id=lab.id, asset_number="M-1")
    make_standard(session, lab_id=lab.id, asset_number="T-1", quantity=Quantity.TEMPERATURE, unit="°C")
    sources = possible_sources(session, standard)
    assert [(s.standard_id, s.asset_number) for s in sources] == [(other_mass.id, "M-1")]


def test_the_health_check_queries(session: Session) -> None:
    assert database_answers(session) is True
    assert isinstance(schema_revisions(session), set)
