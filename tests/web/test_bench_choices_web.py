"""The bench page's standard choices (issue 19 item 3): nothing chosen for the technician, and each role's list
holds only the standards the rule offers (the bath role once defaulted to the SPRT and accepted it)."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.services.jobs import jobs, standard_choices
from tests.services import jobsetup
from tests.webutil import login


def _options(page: str, role: str) -> list[tuple[str, bool, bool]]:
    """(value, selected, disabled) of each option of the role's standard list."""
    (select,) = lxml.html.fromstring(page).xpath(f"//select[@id='std-{role}']")
    return [
        (o.get("value"), o.get("selected") is not None, o.get("disabled") is not None)
        for o in select.xpath("option")
    ]


def test_the_bench_offers_each_role_its_standards_with_nothing_chosen(
    client: FlaskClient, session: Session
) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-TH-BATH")
    now = datetime.now(UTC)
    jobs.record_intake(
        session, job.id, jobs.Intake("no visible damage", "carrying case"), expected_version=job.version
    )
    for state in ("received", "in_progress"):
        jobs.transition_job(
            session, job.id, state, user=setup.technician, comment=None, expected_version=job.version, now=now
        )
    prt, bath = setup.standards["CAL-TH-BATH"]["reference"], setup.standards["CAL-TH-BATH"]["bath"]
    offered = standard_choices.choices(session, job, on=now.date())
    assert [s.id for s in offered["bath"]] == [bath.id] and prt.id in {s.id for s in offered["reference"]}
    login(client, setup.technician.username)
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)
    for role in ("reference", "bath"):
        options = _options(page, role)
        # the placeholder alone is selected, and it cannot be submitted
        assert options[0] == ("", True, True), (role, options)
        assert [o for o in options[1:] if o[1]] == []
        assert [int(v) for v, _, _ in options[1:]] == [s.id for s in offered[role]]
    assert str(prt.id) not in {v for v, _, _ in _options(page, "bath")}  # the SPRT is not a bath
    assert str(bath.id) not in {v for v, _, _ in _options(page, "reference")}
