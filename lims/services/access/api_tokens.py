"""Personal API tokens: create (the secret is returned once), list, revoke, and authenticate a bearer secret.

A secret looks like ``lims_Ab3dE6gH_<43 random characters>``: the part up to the second underscore is the
token's *prefix*, stored in clear and shown in lists; the whole secret is stored only as its SHA-256.
The secret carries 256 random bits, so an unsalted digest is enough (nothing to guess, nothing to
look up in a table), and the digest column is unique, so authentication is one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lims.errors import N_, LimsError, NotFound
from lims.models import ApiToken, Role, User

SECRET_PREFIX = "lims_"  # noqa: S105 - the public start of every secret, not a secret
MAX_LIFETIME_DAYS = 366
DEFAULT_LIFETIME_DAYS = 90
MAX_ACTIVE_TOKENS = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute


class Scope(StrEnum):
    READ = "read"  # read instruments, jobs, certificates, traceability
    WRITE = "write"  # customers: register instruments of their enterprise
    BENCH = "bench"  # lab staff: upload bench readings


SCOPE_LABELS = {
    Scope.READ: N_("Read (instruments, jobs, certificates, traceability)"),
    Scope.WRITE: N_("Write (register instruments of your enterprise)"),
    Scope.BENCH: N_("Bench (upload readings of jobs)"),
}


class TokenError(LimsError, ValueError):
    pass


class TokenNameRequired(TokenError):
    template = N_("Give the token a name.")


class TokenNameTooLong(TokenError):
    template = N_("The token name has at most %(max)s characters.")


class TokenLifetimeInvalid(TokenError):
    template = N_("A token expires between 1 and %(max)s days from today.")


class TokenScopeInvalid(TokenError):
    template = N_("Choose at least one scope your role may use.")


class TooManyTokens(TokenError):
    template = N_("You already have %(max)s active tokens; revoke one first.")


class TokenRejected(LimsError):
    """The bearer secret does not authenticate anyone; ``reason`` says why (for logs, never for clients)."""

    template = N_("The token is missing, invalid, expired or revoked.")

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def scopes_for(role: Role | str) -> tuple[Scope, ...]:
    """The scopes a user of ``role`` may put on a token (the API's checks apply the role anyway).

    >>> scopes_for(Role.CUSTOMER), scopes_for(Role.TECHNICIAN), scopes_for(Role.AUDITOR)
    ((<Scope.READ: 'read'>, <Scope.WRITE: 'write'>), (<Scope.READ: 'read'>, <Scope.BENCH: 'bench'>), (<Scope.READ: 'read'>,))
    """
    if str(role) == Role.CUSTOMER.value:
        return (Scope.READ, Scope.WRITE)
    if str(role) in (Role.ADMIN.value, Role.TECHNICIAN.value):
        return (Scope.READ, Scope.BENCH)
    return (Scope.READ,)


def digest(secret: str) -> str:
    """SHA-256 (hex) of a secret, the only form in which it is stored.

    >>> digest("lims_x")[:12]
    'e9ac5f677cbe'
    """
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh (secret, prefix) pair."""
    prefix = SECRET_PREFIX + secrets.token_urlsafe(6)[:8]
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


@dataclass(frozen=True, slots=True)
class NewToken:
    name: str
    days: int
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown to the user once; never stored


def create_token(
    session: Session, user: User, data: NewToken, *, now: datetime | None = None
) -> CreatedToken:
    """Make a token for ``user``; the caller commits and shows ``secret`` once."""
    now = now or datetime.now(UTC)
    name = " ".join(data.name.split())
    if not name:
        raise TokenNameRequired()
    if len(name) > 100:
        raise TokenNameTooLong(max=100)
    if not 1 <= data.days <= MAX_LIFETIME_DAYS:
        raise TokenLifetimeInvalid(max=MAX_LIFETIME_DAYS)
    allowed = {str(s) for s in scopes_for(user.role)}
    scopes = sorted(set(data.scopes))
    if not scopes or not set(scopes) <= allowed:
        raise TokenScopeInvalid()
    if len(active_tokens(session, user, now=now)) >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(max=MAX_ACTIVE_TOKENS)
    secret, prefix = new_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        secret_sha256=digest(secret),
        scopes=" ".join(scopes),
        created_at=now,
        expires_at=now + timedelta(days=data.days),
    )
    session.add(token)
    session.flush()
    return CreatedToken(token, secret)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """Every token of ``user``, newest first (revoked and expired ones included, for the record)."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )


def active_tokens(session: Session, user: User, *, now: datetime | None = None) -> list[ApiToken]:
    now = now or datetime.now(UTC)
    return [t for t in tokens_of(session, user) if t.revoked_at is None and t.expires_at > now]


def revoke_token(session: Session, user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens (another user's token is not found); idempotent."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now or datetime.now(UTC)
        session.flush()
    return token


def authenticate(session: Session, secret: str, *, now: datetime | None = None) -> tuple[ApiToken, User]:
    """The token and its user for a bearer ``secret``; :class:`TokenRejected` if it must not be honoured."""
    now = now or datetime.now(UTC)
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        raise TokenRejected("malformed")
    wanted = digest(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.secret_sha256 == wanted))
    if token is None or not hmac.compare_digest(token.secret_sha256, wanted):
        raise TokenRejected("unknown")
    if token.revoked_at is not None:
        raise TokenRejected("revoked")
    if token.expires_at <= now:
        raise TokenRejected("expired")
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise TokenRejected("user inactive")
    return token, user


def touch(session: Session, token_id: int, *, now: datetime | None = None) -> None:
    """Record the token's use, at most once per :data:`LAST_USED_RESOLUTION` (one UPDATE, caller commits)."""
    now = now or datetime.now(UTC)
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
