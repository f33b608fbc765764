"""The customer portal: an enterprise's instruments (search, due lists, add, edit, export) and colleagues.

Every read goes through :mod:`lims.services.access.tenancy`, so a customer never reaches another enterprise's
records: they are reported as not found.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from lims.errors import N_, LimsError, NotFound
from lims.models import CustomerInstrument, Role, User
from lims.services.access.accounts import NewUser, create_user
from lims.services.access.tenancy import Caller, enterprise_of, get_scoped, scoped
from lims.services.common.pagination import Page, keyset_page
from lims.services.customers.instrument_fields import InstrumentData, InstrumentInvalid, Problem

DUE_WINDOWS_DAYS = (30, 60, 90)
DUE_LIST_LIMIT = 200
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = (
    "instrument_type",
    "manufacturer",
    "model",
    "serial_number",
    "range_min",
    "range_max",
    "unit",
    "resolution",
    "accuracy_class",
    "legally_controlled",
    "location",
    "last_calibrated_on",
    "next_due_on",
)


class PortalError(LimsError, ValueError):
    pass


class NotEnterpriseAdmin(PortalError, PermissionError):
    template = N_("Only an administrator of your enterprise may invite colleagues.")


def _customer_enterprise(user: Caller) -> int:
    enterprise_id = enterprise_of(user)
    if enterprise_id is None:
        raise NotFound()
    return enterprise_id


@dataclass(frozen=True, slots=True)
class InstrumentQuery:
    text: str = ""
    instrument_type: str = ""
    due_within_days: int | None = None


def search_instruments(
    session: Session,
    user: Caller,
    query: InstrumentQuery,
    *,
    today: date,
    after: int | None = None,
    size: int = 50,
) -> Page[CustomerInstrument]:
    """One keyset page of the instruments the user may see, newest first."""
    stmt = scoped(select(CustomerInstrument), CustomerInstrument, user)
    text = unicodedata.normalize("NFC", query.text).strip()
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                CustomerInstrument.serial_number.ilike(pattern),
                CustomerInstrument.instrument_type.ilike(pattern),
                CustomerInstrument.manufacturer.ilike(pattern),
                CustomerInstrument.model.ilike(pattern),
            )
        )
    if query.instrument_type:
        stmt = stmt.where(CustomerInstrument.instrument_type == query.instrument_type)
    if query.due_within_days is not None:
        stmt = stmt.where(CustomerInstrument.next_due_on <= today + timedelta(days=query.due_within_days))
    return keyset_page(session, stmt, CustomerInstrument.id, after=after, size=size)


def instrument_types(session: Session, user: Caller) -> list[str]:
    stmt = scoped(select(CustomerInstrument.instrument_type).distinct(), CustomerInstrument, user)
    return sorted(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class DueList:
    days: int
    count: int
    overdue: int
    # soonest first, at most DUE_LIST_LIMIT; ``count`` says how many in all
    items: Sequence[CustomerInstrument]


def due_list(session: Session, user: Caller, *, today: date, days: int) -> DueList:
    """Instruments due within ``days`` of ``today`` (overdue ones included), soonest first."""
    horizon = today + timedelta(days=days)
    base = scoped(select(CustomerInstrument), CustomerInstrument, user).where(
        CustomerInstrument.next_due_on <= horizon
    )
    counts = session.execute(
        scoped(
            select(
                func.count(),
                func.coalesce(func.sum(case((CustomerInstrument.next_due_on < today, 1), else_=0)), 0),
            ),
            CustomerInstrument,
            user,
        ).where(CustomerInstrument.next_due_on <= horizon)
    ).one()
    count, overdue = int(counts[0]), int(counts[1])
    items = session.scalars(
        base.order_by(CustomerInstrument.next_due_on, CustomerInstrument.id).limit(DUE_LIST_LIMIT)
    ).all()
    return DueList(days, count, overdue, items)


def due_counts(
    session: Session, user: Caller, *, today: date, windows: Sequence[int] = DUE_WINDOWS_DAYS
) -> dict[int, int]:
    """How many instruments fall due within each window (overdue included): one aggregate, no rows loaded."""
    columns = [
        func.coalesce(
            func.sum(case((CustomerInstrument.next_due_on <= today + timedelta(days=d), 1), else_=0)), 0
        )
        for d in windows
    ]
    horizon = today + timedelta(days=max(windows))
    row = session.execute(
        scoped(select(*columns), CustomerInstrument, user).where(CustomerInstrument.next_due_on <= horizon)
    ).one()
    return {d: int(n) for d, n in zip(windows, row, strict=True)}


def get_instrument(session: Session, user: Caller, instrument_id: int) -> CustomerInstrument:
    return get_scoped(session, CustomerInstrument, instrument_id, user)


def serial_taken(
    session: Session, enterprise_id: int, serials: Iterable[str], *, except_id: int | None = None
) -> set[str]:
    """Which of ``serials`` another instrument of the enterprise already carries."""
    wanted = list(set(serials))
    taken: set[str] = set()
    for start in range(0, len(wanted), 500):  # keep IN lists within every database's parameter limit
        stmt = select(CustomerInstrument.serial_number).where(
            CustomerInstrument.enterprise_id == enterprise_id,
            CustomerInstrument.serial_number.in_(wanted[start : start + 500]),
        )
        if except_id is not None:
            stmt = stmt.where(CustomerInstrument.id != except_id)
        taken.update(session.scalars(stmt))
    return taken


def _apply(instrument: CustomerInstrument, data: InstrumentData) -> None:
    for name, value in asdict(data).items():
        setattr(instrument, name, value)


def add_instruments(
    session: Session, enterprise_id: int, rows: Sequence[InstrumentData]
) -> list[CustomerInstrument]:
    """Store checked instruments of one enterprise (the caller has already refused duplicate serials)."""
    created = []
    for data in rows:
        instrument = CustomerInstrument(enterprise_id=enterprise_id)
        _apply(instrument, data)
        session.add(instrument)
        created.append(instrument)
    session.flush()
    return created


def add_instrument(session: Session, user: Caller, data: InstrumentData) -> CustomerInstrument:
    enterprise_id = _customer_enterprise(user)
    if serial_taken(session, enterprise_id, [data.serial_number]):
        raise InstrumentInvalid(
            [
                Problem(
                    "serial_number",
                    N_("Serial number %(serial)s is already registered."),
                    {"serial": data.serial_number},
                )
            ]
        )
    return add_instruments(session, enterprise_id, [data])[0]


def update_instrument(
    session: Session, user: Caller, instrument_id: int, data: InstrumentData
) -> CustomerInstrument:
    instrument = get_instrument(session, user, instrument_id)
    if serial_taken(session, instrument.enterprise_id, [data.serial_number], except_id=instrument.id):
        raise InstrumentInvalid(
            [
                Problem(
                    "serial_number",
                    N_("Serial number %(serial)s is already registered."),
                    {"serial": data.serial_number},
                )
            ]
        )
    _apply(instrument, data)
    instrument.updated_at = datetime.now(UTC)
    session.flush()
    return instrument


def escape_cell(text: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP CSV injection).

    >>> escape_cell("=HYPERLINK(\\"http://x\\")"), escape_cell("@SUM(A1)"), escape_cell("Cân")
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", 'Cân')
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # a number written by us cannot carry a formula
    if isinstance(value, date):
        return value.isoformat()
    return escape_cell(str(value))


def export_csv(session: Session, user: Caller) -> str:
    """Every instrument the user may see as CSV (UTF-8 with BOM so that spreadsheets read Vietnamese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    stmt = scoped(select(CustomerInstrument), CustomerInstrument, user).order_by(CustomerInstrument.id)
    for instrument in session.scalars(stmt).yield_per(1000):
        writer.writerow([_cell(getattr(instrument, name)) for name in EXPORT_COLUMNS])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Invitation:
    username: str
    full_name: str
    password: str
    email: str | None = None
    function_title: str | None = None
    language: str = "vi"
    is_enterprise_admin: bool = False


def invite_colleague(session: Session, inviter: User, invitation: Invitation) -> User:
    """An enterprise administrator creates a customer account of the same enterprise."""
    if inviter.role != Role.CUSTOMER or not inviter.is_enterprise_admin or inviter.enterprise_id is None:
        raise NotEnterpriseAdmin()
    user = create_user(
        session,
        NewUser(
            username=invitation.username,
            full_name=invitation.full_name,
            role=Role.CUSTOMER,
            password=invitation.password,
            email=invitation.email,
            function_title=invitation.function_title,
            enterprise_id=inviter.enterprise_id,
            language=invitation.language,
            is_enterprise_admin=invitation.is_enterprise_admin,
        ),
    )
    return user


def colleagues(session: Session, user: Caller) -> list[User]:
    enterprise_id = _customer_enterprise(user)
    return list(
        session.scalars(select(User).where(User.enterprise_id == enterprise_id).order_by(User.full_name))
    )
