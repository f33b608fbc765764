"""Accounts: password hashing and policy, login with throttling, user creation."""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lims.errors import N_, LimsError
from lims.models import Enterprise, LoginAttempt, Role, User
from lims.services.access import login_sessions

MIN_PASSWORD_LENGTH = 12
FAILURES_BEFORE_LOCK = 5
LOCK_WINDOW = timedelta(minutes=15)
ADDRESS_FAILURE_LIMIT = 30

_hasher = PasswordHasher()


class AccountError(LimsError, ValueError):
    pass


class WeakPassword(AccountError):
    template = N_(
        "The password is too weak: use at least %(min)s characters mixing letters, digits and symbols, "
        "not containing the user name."
    )


class DuplicateUser(AccountError):
    template = N_("The user name %(username)s is already taken.")


class InvalidUser(AccountError):
    template = N_("The user could not be saved.")


class LoginFailed(LimsError):
    template = N_("Wrong user name or password.")


class LoginLocked(LimsError):
    template = N_("Too many failed attempts. Try again in %(minutes)s minutes.")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def hash_password(password: str) -> str:
    return _hasher.hash(nfc(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, nfc(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, *, username: str) -> None:
    """Refuse short passwords, passwords of fewer than three character classes or containing the user name."""
    text = nfc(password)
    classes = sum(
        (
            any(c.islower() for c in text),
            any(c.isupper() for c in text),
            any(c.isdigit() for c in text),
            any(not c.isalnum() for c in text),
        )
    )
    if len(text) < MIN_PASSWORD_LENGTH or classes < 3 or (username and username.lower() in text.lower()):
        raise WeakPassword(min=MIN_PASSWORD_LENGTH)


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    full_name: str
    role: Role
    password: str
    email: str | None = None
    function_title: str | None = None
    enterprise_id: int | None = None
    language: str = "vi"
    is_enterprise_admin: bool = False  # a customer who may invite colleagues of the same enterprise


def create_user(session: Session, new: NewUser) -> User:
    username = nfc(new.username).strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InvalidUser(N_("The user name may contain only letters, digits, '.', '_' and '-'."))
    if not nfc(new.full_name).strip():
        raise InvalidUser(N_("The full name is required."))
    if (new.role == Role.CUSTOMER) != (new.enterprise_id is not None):
        raise InvalidUser(N_("A customer user belongs to exactly one enterprise; lab staff to none."))
    if new.enterprise_id is not None and session.get(Enterprise, new.enterprise_id) is None:
        raise InvalidUser(N_("The enterprise does not exist."))
    if new.is_enterprise_admin and new.role != Role.CUSTOMER:
        raise InvalidUser(N_("Only a customer user can be an administrator of an enterprise."))
    if new.language not in ("vi", "en"):
        raise InvalidUser(N_("The language must be Vietnamese or English."))
    check_password_policy(new.password, username=username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DuplicateUser(username=username)
    user = User(
        username=username,
        full_name=nfc(new.full_name).strip(),
        role=new.role,
        email=new.email,
        function_title=nfc(new.function_title).strip() if new.function_title else None,
        enterprise_id=new.enterprise_id,
        language=new.language,
        is_enterprise_admin=new.is_enterprise_admin,
        password_hash=hash_password(new.password),
        password_changed_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    return user


def _recent_failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> tuple[int, datetime | None]:
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            column == value, LoginAttempt.success.is_(True), LoginAttempt.at >= since
        )
    )
    start = max(since, last_success) if last_success else since
    row = session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= start
        )
    ).one()
    return int(row[0]), row[1]


def authenticate(
    session: Session, username: str, password: str, *, address: str, now: datetime | None = None
) -> User:
    """Check a login, record the attempt, and refuse while the account or address is locked out.

    The attempt is recorded in the database so that every worker on every machine sees the same count.
    """
    now = now or datetime.now(UTC)
    name = nfc(username).strip().lower()[:100]
    since = now - LOCK_WINDOW
    failures, first = _recent_failures(session, LoginAttempt.username, name, since)
    address_failures, address_first = _recent_failures(session, LoginAttempt.address, address, since)
    if failures >= FAILURES_BEFORE_LOCK or address_failures >= ADDRESS_FAILURE_LIMIT:
        started = first if failures >= FAILURES_BEFORE_LOCK else address_first
        remaining = (started or now) + LOCK_WINDOW - now
        raise LoginLocked(minutes=max(1, math.ceil(remaining.total_seconds() / 60)))
    user = session.scalar(select(User).where(User.username == name))
    ok = user is not None and user.is_active and verify_password(user.password_hash, password)
    if user is None:
        verify_password(_dummy_hash(), password)  # same work whether or not the account exists
    session.add(LoginAttempt(username=name, address=address[:50], at=now, success=ok))
    if not ok or user is None:
        session.flush()
        raise LoginFailed()
    user.last_login_at = now
    session.flush()
    return user


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only equalises timing")


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise LoginFailed(N_("The current password is wrong."))
    check_password_policy(new, username=user.username)
    user.password_hash = hash_password(new)
    user.password_changed_at = datetime.now(UTC)
    login_sessions.end_all(session, user.id)  # every other login ends with the old password (ASVS V3.3.3)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends every session of the user at once."""
    user.is_active = active
    if not active:
        login_sessions.end_all(session, user.id)
    session.flush()
