"""Tenant isolation: the one place where customer-facing queries are narrowed to the caller's enterprise.

Every customer-facing view and API endpoint reads through :func:`scoped` or :func:`get_scoped`, so isolation
is enforced by the query, not by templates. A record of another enterprise is reported as *not found*
(the web answers 404): a customer must not even learn that the identifier exists.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.models import Role

T = TypeVar("T")


class Caller(Protocol):
    """What isolation needs to know about the user (a :class:`lims.models.User` fits)."""

    @property
    def role(self) -> Role | str: ...

    @property
    def enterprise_id(self) -> int | None: ...


def is_customer(user: Caller) -> bool:
    return str(user.role) == Role.CUSTOMER.value


def enterprise_of(user: Caller) -> int | None:
    """The enterprise the user is confined to, or None for lab staff (who see every enterprise)."""
    if not is_customer(user):
        return None
    if user.enterprise_id is None:  # the database forbids it; refuse rather than widen the scope
        raise NotFound()
    return user.enterprise_id


def scoped(stmt: Select[Any], model: type[Any], user: Caller) -> Select[Any]:
    """Add ``model.enterprise_id == user.enterprise_id`` for a customer; lab staff are not narrowed."""
    enterprise_id = enterprise_of(user)
    if enterprise_id is None:
        return stmt
    return stmt.where(model.enterprise_id == enterprise_id)


def get_scoped(session: Session, model: type[T], ident: int, user: Caller) -> T:
    """The record ``ident`` of ``model`` if the user may see it; :class:`lims.errors.NotFound` otherwise."""
    pk = model.id  # type: ignore[attr-defined]
    found: T | None = session.scalar(scoped(select(model).where(pk == ident), model, user))
    if found is None:
        raise NotFound()
    return found
