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
from sqlalchemy.orm import Session

from lims.errors import N_, LimsError
from lims.models import Enterprise, LoginAttempt, LoginThrottleClear, Role, User
from lims.services.access import login_sessions
from lims.services.common.pagination import Page, keyset_page

MIN_PASSWORD_LENGTH = 12
# Login throttling (issue 21, finding 7): delays grow per (account, address) pair, so an attacker elsewhere
# can never keep the owner out; an address guessing many accounts is slowed too, but never for long, since
# colleagues behind one NAT share it. OWASP Authentication Cheat Sheet, "Account Lockout": prefer growing
# delays to a hard lock, which lets anyone deny service to any account.
FAILURES_BEFORE_LOCK = 5  # free failures of one account from one address before the first delay
LOCK_WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
FIRST_DELAY = timedelta(seconds=15)
MAX_DELAY = timedelta(minutes=15)
ADDRESS_FAILURE_LIMIT = 30  # free failures from one address (any account) before it is slowed
ADDRESS_FIRST_DELAY = timedelta(seconds=10)
ADDRESS_MAX_DELAY = timedelta(seconds=60)

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
    """Too many recent failures from this address: wait before the next try (never a lock elsewhere)."""

    template = N_("Too many failed attempts from this address. Wait %(seconds)s seconds and try again.")


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


def growing_delay(failures: int, *, free: int, first: timedelta, cap: timedelta) -> timedelta:
    """The wait after ``failures`` recent failures: nothing for the first ``free``, then ``first``,
    doubling with every further failure, never more than ``cap``.

    >>> [int(growing_delay(n, free=5, first=FIRST_DELAY, cap=MAX_DELAY).total_seconds()) for n in (4, 5, 6, 10, 20)]
    [0, 15, 30, 480, 900]
    """
    if failures < free:
        return timedelta(0)
    grown: timedelta = first * (2 ** min(failures - free, 20))
    return min(grown, cap)


@dataclass(frozen=True, slots=True)
class Throttle:
    """Recent failures of one (account, address) pair, or of one address (``username`` None)."""

    username: str | None
    address: str
    failures: int
    last_failure_at: datetime
    wait_until: datetime


def _since(session: Session, username: str | None, address: str, window_start: datetime) -> datetime:
    """Failures count from the latest of: the window's start, a success of the pair, an admin's clearance."""
    success = select(func.max(LoginAttempt.at)).where(
        LoginAttempt.address == address, LoginAttempt.success.is_(True), LoginAttempt.at >= window_start
    )
    cleared = select(func.max(LoginThrottleClear.cleared_at)).where(
        LoginThrottleClear.address == address, LoginThrottleClear.cleared_at >= window_start
    )
    if username is not None:
        success = success.where(LoginAttempt.username == username)
        cleared = cleared.where(
            (LoginThrottleClear.username == username) | LoginThrottleClear.username.is_(None)
        )
    else:
        cleared = cleared.where(LoginThrottleClear.username.is_(None))
    moments = [m for m in (session.scalar(success), session.scalar(cleared)) if m is not None]
    return max([window_start, *moments])


def _throttle(session: Session, username: str | None, address: str, now: datetime) -> Throttle | None:
    start = _since(session, username, address, now - LOCK_WINDOW)
    query = select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.address == address, LoginAttempt.success.is_(False), LoginAttempt.at >= start
    )
    if username is not None:
        query = query.where(LoginAttempt.username == username)
    count, last = session.execute(query).one()
    if not count or last is None:
        return None
    if username is not None:
        delay = growing_delay(int(count), free=FAILURES_BEFORE_LOCK, first=FIRST_DELAY, cap=MAX_DELAY)
    else:
        delay = growing_delay(
            int(count), free=ADDRESS_FAILURE_LIMIT, first=ADDRESS_FIRST_DELAY, cap=ADDRESS_MAX_DELAY
        )
    return Throttle(username, address, int(count), last, last + delay)


def authenticate(
    session: Session, username: str, password: str, *, address: str, now: datetime | None = None
) -> User:
    """Check a login, record the attempt, and refuse while this address must still wait.

    The attempt is recorded in the database so that every worker on every machine sees the same count. The
    wait is per (account, address): failures from one address never delay the owner at another, and the
    right password is always accepted once the (bounded) wait is over; there is no hard lock.
    """
    now = now or datetime.now(UTC)
    name = nfc(username).strip().lower()[:100]
    address = address[:50]
    current = (_throttle(session, name, address, now), _throttle(session, None, address, now))
    waits = [t.wait_until for t in current if t is not None and t.wait_until > now]
    if waits:
        remaining = max(waits) - now
        raise LoginLocked(seconds=max(1, math.ceil(remaining.total_seconds())))
    user = session.scalar(select(User).where(User.username == name))
    ok = user is not None and user.is_active and verify_password(user.password_hash, password)
    if user is None:
        verify_password(_dummy_hash(), password)  # same work whether or not the account exists
    session.add(LoginAttempt(username=name, address=address, at=now, success=ok))
    if not ok or user is None:
        session.flush()
        raise LoginFailed()
    user.last_login_at = now
    session.flush()
    return user


def throttles(session: Session, *, now: datetime | None = None) -> list[Throttle]:
    """Every pair and address with failures in the window, the ones still waiting first (the admin's view)."""
    now = now or datetime.now(UTC)
    rows = session.execute(
        select(LoginAttempt.username, LoginAttempt.address)
        .where(LoginAttempt.success.is_(False), LoginAttempt.at >= now - LOCK_WINDOW)
        .group_by(LoginAttempt.username, LoginAttempt.address)
        .limit(1000)
    ).all()
    found = [t for username, address in rows if (t := _throttle(session, username, address, now))]
    for address in sorted({address for _u, address in rows}):
        whole = _throttle(session, None, address, now)
        if whole is not None and whole.failures >= ADDRESS_FAILURE_LIMIT:
            found.append(whole)
    return sorted(found, key=lambda t: (t.wait_until <= now, -t.failures, t.address, t.username or ""))


def clear_throttle(
    session: Session, *, username: str | None, address: str, by: User, now: datetime | None = None
) -> None:
    """An administrator forgives the recent failures of a pair (or of a whole address, ``username`` None).

    The failed attempts stay recorded; counting restarts after the clearance, which is kept with its author."""
    session.add(
        LoginThrottleClear(
            username=nfc(username).strip().lower()[:100] if username else None,
            address=address[:50],
            cleared_at=now or datetime.now(UTC),
            cleared_by_id=by.id,
        )
    )
    session.flush()


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


def list_users(session: Session, *, after: int | None = None, size: int = 50) -> Page[User]:
    """One keyset page of every account, newest first."""
    return keyset_page(session, select(User), User.id, after=after, size=size)
