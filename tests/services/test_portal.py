"""Portal services: due lists, search, export escaping, invitations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from lims.models import Role
from lims.services.access.accounts import WeakPassword
from lims.services.customers import portal
from tests.factories import PASSWORD, make_enterprise, make_instrument, make_user

TODAY = date(2027, 3, 1)


def test_due_lists_count_overdue_and_window(session: Session) -> None:
    mine, theirs = make_enterprise(session), make_enterprise(session)
    for offset in (-3, 0, 30, 31, 60, 90, 91, 400):
        make_instrument(session, mine, next_due_on=TODAY + timedelta(days=offset))
    make_instrument(session, mine, next_due_on=None)
    make_instrument(session, theirs, next_due_on=TODAY)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=mine.id)
    lists = {d: portal.due_list(session, customer, today=TODAY, days=d) for d in portal.DUE_WINDOWS_DAYS}
    assert {d: (x.count, x.overdue) for d, x in lists.items()} == {30: (3, 1), 60: (5, 1), 90: (6, 1)}
    dates = [i.next_due_on for i in lists[90].items]
    assert dates == sorted(dates) and dates[0] == TODAY - timedelta(days=3)
    staff = make_user(session, Role.TECHNICIAN)
    assert portal.due_list(session, staff, today=TODAY, days=30).count >= 4  # the lab sees every enterprise
    # the portal page's counts come from one aggregate and agree with the lists
    assert portal.due_counts(session, customer, today=TODAY) == {d: x.count for d, x in lists.items()}
    assert portal.due_counts(session, staff, today=TODAY)[30] >= 4


def test_search_filters_compose(session: Session) -> None:
    mine = make_enterprise(session)
    make_instrument(session, mine, serial_number="AB-1", instrument_type="Áp kế", next_due_on=TODAY)
    make_instrument(session, mine, serial_number="AB-2", instrument_type="Cân", next_due_on=TODAY)
    make_instrument(
        session, mine, serial_number="ZZ-3", instrument_type="Áp kế", next_due_on=TODAY + timedelta(days=200)
    )
    customer = make_user(session, Role.CUSTOMER, enterprise_id=mine.id)

    def serials(**query: object) -> set[str]:
        page = portal.search_instruments(session, customer, portal.InstrumentQuery(**query), today=TODAY)  # type: ignore[arg-type]
        return {i.serial_number for i in page.items}

    assert serials(text="ab-") == {"AB-1", "AB-2"}
    assert serials(instrument_type="Áp kế") == {"AB-1", "ZZ-3"}
    assert serials(instrument_type="Áp kế", due_within_days=30) == {"AB-1"}
    assert serials(text="%") == {"AB-1", "AB-2", "ZZ-3"}  # wildcards are not the user's to use
    assert portal.instrument_types(session, customer) == sorted({"Áp kế", "Cân"})


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_prefix_is_escaped(prefix: str) -> None:
    assert portal.escape_cell(prefix + "1+1") == "'" + prefix + "1+1"


def test_only_enterprise_admins_invite(session: Session) -> None:
    ent = make_enterprise(session)
    plain = make_user(session, Role.CUSTOMER, enterprise_id=ent.id)
    invitation = portal.Invitation(username="moi.vao", full_name="Người Mới", password=PASSWORD)
    with pytest.raises(portal.NotEnterpriseAdmin):
        portal.invite_colleague(session, plain, invitation)
    staff = make_user(session, Role.ADMIN)
    with pytest.raises(portal.NotEnterpriseAdmin):
        portal.invite_colleague(session, staff, invitation)
    plain.is_enterprise_admin = True
    invited = portal.invite_colleague(session, plain, invitation)
    assert (invited.role, invited.enterprise_id) == (Role.CUSTOMER, ent.id)
    with pytest.raises(WeakPassword):
        portal.invite_colleague(
            session, plain, portal.Invitation(username="b", full_name="B", password="short")
        )
