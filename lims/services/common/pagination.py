"""Keyset pagination: pages follow the primary key, so deep pages cost what the first one does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_after: int | None  # key to pass for the next page, None on the last page
    size: int


def keyset_page(
    session: Session,
    stmt: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    after: int | None,
    size: int,
    descending: bool = True,
) -> Page[Any]:
    """One page of ``stmt`` ordered by ``key``; ``after`` is the last key of the previous page."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    if after is not None:
        stmt = stmt.where(key < after if descending else key > after)
    stmt = stmt.order_by(key.desc() if descending else key.asc()).limit(size + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > size
    rows = rows[:size]
    next_after = getattr(rows[-1], key.key) if more and rows else None
    return Page(rows, next_after, size)
