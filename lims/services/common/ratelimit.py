"""Rate limiting in the database, so that every gunicorn worker on every machine counts together.

A fixed-window counter per key: one row holds the start of the key's current window and the hits in
it. Each hit is ONE statement — ``INSERT … ON CONFLICT (key) DO UPDATE … RETURNING`` — on both
PostgreSQL and SQLite (3.35+). On PostgreSQL concurrent hits on the same key serialise on the row
lock taken by ``ON CONFLICT DO UPDATE``, and each sees the count the previous one left, so no more
than ``limit`` requests per window are ever allowed, however many workers run. A fixed window may
let up to ``2 × limit`` through across a window boundary; that is the accepted trade for one row per
key and one statement per request.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete
from sqlalchemy.orm import Session

from lims.errors import N_, ConfigurationError, LimsError
from lims.models import RateLimitCounter

KEY_MAX_LENGTH = 200


class InvalidRateLimit(LimsError, ValueError):
    template = N_("A rate limit needs a positive limit and window, not %(limit)s per %(window_s)s s.")


class RateLimitUnsupported(ConfigurationError):
    """The database cannot count rate limits in one statement (only PostgreSQL and SQLite can here): the
    deployment's configuration is at fault, said in the user's language (a finished refusal, not a feature
    left for later)."""

    template = N_(
        "Rate limits are counted in the database, which must be PostgreSQL or SQLite, not %(dialect)s. "
        "Please tell the administrator."
    )


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    allowed: bool
    hits: int  # hits in the current window, this one included
    limit: int
    retry_after_s: int  # seconds until the window ends (0 when allowed)

    @property
    def remaining(self) -> int:
        return max(self.limit - self.hits, 0)


def counter_key(key: str) -> str:
    """Keys longer than the column are replaced by a digest (still unique per key).

    >>> counter_key("verify:203.0.113.7")
    'verify:203.0.113.7'
    >>> len(counter_key("api:" + "x" * 500))
    71
    """
    if len(key) <= KEY_MAX_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def window_start(now_s: float, window_s: int) -> int:
    """Start of the fixed window holding ``now_s`` (seconds since the epoch).

    >>> window_start(1_800_000_059.9, 60), window_start(1_800_000_060.0, 60)
    (1800000000, 1800000060)
    """
    return int(now_s // window_s) * window_s


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_update`` (PostgreSQL and SQLite spell it alike)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(RateLimitCounter)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(RateLimitCounter)
    raise RateLimitUnsupported(dialect=dialect)


def hit(
    session: Session, key: str, *, limit: int, window_s: int, now_s: float | None = None
) -> RateLimitResult:
    """Count one request for ``key`` and say whether it is within ``limit`` per ``window_s`` seconds.

    The caller commits (the web decorator does so at once, in its own short transaction, so the row
    lock is held for one statement and a failed request still counts).

    :raises InvalidRateLimit: ``limit`` or ``window_s`` below 1.
    :raises RateLimitUnsupported: the session's database is neither PostgreSQL nor SQLite.
    """
    if limit < 1 or window_s < 1:
        raise InvalidRateLimit(limit=limit, window_s=window_s)
    now = time.time() if now_s is None else now_s
    start = window_start(now, window_s)
    table = RateLimitCounter.__table__
    statement = _insert(session).values(key=counter_key(key), window_start_epoch_s=start, hits=1)
    newer = statement.excluded.window_start_epoch_s > table.c.window_start_epoch_s
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            # A later window starts again at 1; a request stamped with an earlier window (a worker
            # whose clock lags) counts towards the current one.
            "hits": case((newer, 1), else_=table.c.hits + 1),
            "window_start_epoch_s": case(
                (newer, statement.excluded.window_start_epoch_s), else_=table.c.window_start_epoch_s
            ),
        },
    ).returning(table.c.hits, table.c.window_start_epoch_s)
    hits, current_start = session.execute(statement).one()
    if hits <= limit:
        return RateLimitResult(True, hits, limit, 0)
    retry_after = max(1, math.ceil(current_start + window_s - now))
    return RateLimitResult(False, hits, limit, retry_after)


def prune(session: Session, *, older_than_s: int, now_s: float | None = None) -> int:
    """Delete counters whose window started more than ``older_than_s`` seconds ago; return how many."""
    now = time.time() if now_s is None else now_s
    result = session.execute(
        delete(RateLimitCounter).where(RateLimitCounter.window_start_epoch_s < now - older_than_s)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
