"""Request counters of the database-backed rate limiter (shared by every worker on every machine)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base


class RateLimitCounter(Base):
    """Hits of one key (e.g. ``verify:203.0.113.7``) in its current fixed window."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start_epoch_s: Mapped[int] = mapped_column(BigInteger, index=True)
    hits: Mapped[int] = mapped_column(Integer)
