"""Enterprises (the lab's customers)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lims.domain.taxcode import normalise_tax_code
from lims.errors import N_, LimsError, NotFound
from lims.models import Enterprise
from lims.services.common.pagination import Page, keyset_page


class EnterpriseError(LimsError, ValueError):
    pass


class DuplicateTaxCode(EnterpriseError):
    template = N_("An enterprise with tax code %(code)s already exists.")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).strip()
    return text or None


@dataclass(frozen=True, slots=True)
class EnterpriseInput:
    name: str
    tax_code: str
    address: str
    province: str | None = None
    sector: str | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None


def _apply(session: Session, enterprise: Enterprise, data: EnterpriseInput) -> Enterprise:
    name, address = _clean(data.name), _clean(data.address)
    if not name:
        raise EnterpriseError(N_("The enterprise name is required."))
    if not address:
        raise EnterpriseError(N_("The address is required."))
    code = normalise_tax_code(data.tax_code)
    clash = session.scalar(select(Enterprise.id).where(Enterprise.tax_code == code))
    if clash is not None and clash != enterprise.id:
        raise DuplicateTaxCode(code=code)
    enterprise.name, enterprise.address, enterprise.tax_code = name, address, code
    enterprise.province = _clean(data.province)
    enterprise.sector = _clean(data.sector)
    enterprise.contact_name = _clean(data.contact_name)
    enterprise.email = _clean(data.email)
    enterprise.phone = _clean(data.phone)
    return enterprise


def create_enterprise(session: Session, data: EnterpriseInput) -> Enterprise:
    enterprise = _apply(session, Enterprise(), data)
    session.add(enterprise)
    session.flush()
    return enterprise


def update_enterprise(session: Session, enterprise_id: int, data: EnterpriseInput) -> Enterprise:
    enterprise = get_enterprise(session, enterprise_id)
    _apply(session, enterprise, data)
    enterprise.updated_at = datetime.now(UTC)
    session.flush()
    return enterprise


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound()
    return enterprise


def search_enterprises(
    session: Session, *, query: str = "", after: int | None = None, size: int = 50
) -> Page[Enterprise]:
    stmt = select(Enterprise)
    text = _clean(query)
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Enterprise.name.ilike(pattern), Enterprise.tax_code.like(pattern)))
    return keyset_page(session, stmt, Enterprise.id, after=after, size=size)


def enterprise_names(session: Session, *, limit: int = 500) -> list[tuple[int, str]]:
    """``(id, name)`` of the enterprises by name, for choosing one in a form (at most ``limit``)."""
    rows = session.execute(select(Enterprise.id, Enterprise.name).order_by(Enterprise.name).limit(limit))
    return [(row.id, row.name) for row in rows]
