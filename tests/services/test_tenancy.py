"""The scoped query helper: customers see their own enterprise, lab staff everything, others get NotFound."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.models import CustomerInstrument, Role
from lims.services.access.tenancy import get_scoped, scoped
from tests.factories import make_enterprise, make_instrument, make_user


def test_customer_sees_only_its_enterprise_and_staff_see_all(session: Session) -> None:
    one, two = make_enterprise(session), make_enterprise(session)
    a, b = make_instrument(session, one), make_instrument(session, two)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=one.id)
    technician = make_user(session, Role.TECHNICIAN)
    wanted = select(CustomerInstrument.id).where(CustomerInstrument.id.in_([a.id, b.id]))
    assert set(session.scalars(scoped(wanted, CustomerInstrument, customer))) == {a.id}
    assert set(session.scalars(scoped(wanted, CustomerInstrument, technician))) == {a.id, b.id}
    assert get_scoped(session, CustomerInstrument, a.id, customer) is a
    assert get_scoped(session, CustomerInstrument, b.id, technician) is b


def test_another_enterprises_record_is_not_found(session: Session) -> None:
    one, two = make_enterprise(session), make_enterprise(session)
    theirs = make_instrument(session, two)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=one.id)
    with pytest.raises(NotFound):
        get_scoped(session, CustomerInstrument, theirs.id, customer)
    with pytest.raises(NotFound):
        get_scoped(session, CustomerInstrument, 10**9, customer)
