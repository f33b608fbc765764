"""Server-side login sessions: revocable, unlike a signed cookie alone (issue 21, finding 5).

Flask's session is a signed cookie: the server keeps nothing, so a cookie copied before logout stayed valid
for its whole lifetime. Each login now stores the SHA-256 of a random id (:class:`~lims.models.LoginSession`);
the cookie carries the id and is honoured only while the row lives. Logout removes the row, a password change
and disabling an account remove every row of the user (OWASP ASVS 4.0 V3.3.1 "logout and expiration
invalidate the session token", V3.3.3 "terminate all other sessions after a password change").
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lims.models import LoginSession, User

SESSION_LIFETIME = timedelta(hours=8)  # as PERMANENT_SESSION_LIFETIME and the CSRF token's limit


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def start(session: Session, user: User, *, now: datetime | None = None) -> str:
    """Record a new login of ``user``; return the id the cookie carries (shown nowhere else).

    Expired rows of the same user are swept at the same time, so the table holds live sessions only."""
    now = now or datetime.now(UTC)
    session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            user_id=user.id, token_sha256=_digest(raw), created_at=now, expires_at=now + SESSION_LIFETIME
        )
    )
    session.flush()
    return raw


def is_live(session: Session, user_id: int, raw: str | None, *, now: datetime | None = None) -> bool:
    """True when ``raw`` names an unexpired login of ``user_id``."""
    if not raw or len(raw) > 100:
        return False
    now = now or datetime.now(UTC)
    expires = session.scalar(
        select(LoginSession.expires_at).where(
            LoginSession.token_sha256 == _digest(raw), LoginSession.user_id == user_id
        )
    )
    return expires is not None and expires > now


def end(session: Session, raw: str | None) -> None:
    """Logout: the session named by ``raw`` ends (nothing happens for an unknown id)."""
    if raw:
        session.execute(delete(LoginSession).where(LoginSession.token_sha256 == _digest(raw)))


def end_all(session: Session, user_id: int) -> int:
    """Every session of the user ends (password changed, account disabled); returns how many."""
    result = session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)
