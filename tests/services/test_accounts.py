"""Accounts: password policy, duplicates, roles bound to enterprises, login throttling."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import LoginAttempt, Role, User
from lims.services.access import accounts
from tests.factories import PASSWORD, make_enterprise, make_user


@pytest.mark.parametrize(
    "password", ["short1!A", "alllowercaseletters", "NoDigitsOrSymbolsHere", "Contains-ktv.x-2026"]
)
def test_weak_passwords_are_refused(session: Session, password: str) -> None:
    with pytest.raises(accounts.WeakPassword):
        accounts.create_user(
            session,
            accounts.NewUser(username="ktv.x", full_name="X", role=Role.TECHNICIAN, password=password),
        )
    assert session.scalar(select(func.count()).select_from(User).where(User.username == "ktv.x")) == 0


def test_password_is_hashed_with_argon2(session: Session) -> None:
    user = make_user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert accounts.verify_password(user.password_hash, PASSWORD)


def test_production_hasher_is_argon2id_at_full_cost() -> None:
    """Tests hash at minimal cost (tests/passwords.py); the application's own hasher is argon2id with RFC 9106's
    low-memory parameters (t = 3, m = 64 MiB, p = 4), above OWASP's minimum (m = 19 MiB, t = 2, p = 1)."""
    from argon2 import Type

    from tests.passwords import PRODUCTION_HASHER as hasher

    assert hasher is not accounts._hasher  # the suite runs with the cheap one
    assert hasher.type is Type.ID
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 64 * 1024, 4)
    assert hasher.hash("Test#Password2026").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_duplicate_user_name(session: Session) -> None:
    make_user(session, username="trung")
    with pytest.raises(accounts.DuplicateUser, match="trung"):
        make_user(session, username="Trung")


def test_customer_needs_exactly_one_enterprise(session: Session) -> None:
    with pytest.raises(accounts.InvalidUser):
        accounts.create_user(
            session, accounts.NewUser(username="kh1", full_name="K", role=Role.CUSTOMER, password=PASSWORD)
        )
    with pytest.raises(accounts.InvalidUser):
        accounts.create_user(
            session,
            accounts.NewUser(
                username="ktv9",
                full_name="K",
                role=Role.TECHNICIAN,
                password=PASSWORD,
                enterprise_id=make_enterprise(session).id,
            ),
        )


def test_failures_slow_down_the_same_address_with_growing_delays(session: Session) -> None:
    user = make_user(session)
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for second in range(accounts.FAILURES_BEFORE_LOCK):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(
                session, user.username, "wrong", address="10.0.0.1", now=start + timedelta(seconds=second)
            )
    last = start + timedelta(seconds=accounts.FAILURES_BEFORE_LOCK - 1)
    with pytest.raises(accounts.LoginLocked) as locked:  # from this address, even the right password waits
        accounts.authenticate(
            session, user.username, PASSWORD, address="10.0.0.1", now=last + timedelta(seconds=5)
        )
    assert locked.value.params["seconds"] == 10  # 15 s after the fifth failure (hand count: 15 - 5)
    with pytest.raises(accounts.LoginFailed):  # the wait is over: one more try, then twice as long
        accounts.authenticate(
            session, user.username, "wrong", address="10.0.0.1", now=last + timedelta(seconds=15)
        )
    with pytest.raises(accounts.LoginLocked) as longer:
        accounts.authenticate(
            session, user.username, PASSWORD, address="10.0.0.1", now=last + timedelta(seconds=16)
        )
    assert longer.value.params["seconds"] == 29  # 30 s after the sixth failure, 1 s of it gone
    assert (
        accounts.authenticate(
            session, user.username, PASSWORD, address="10.0.0.1", now=last + timedelta(seconds=45)
        ).id
        == user.id
    )
    attempts = session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == user.username)
    )
    assert attempts == accounts.FAILURES_BEFORE_LOCK + 2  # refused attempts while waiting are not counted


def test_an_attacker_elsewhere_never_keeps_the_owner_out(session: Session) -> None:
    """Issue 21: five wrong passwords used to lock ``admin`` for 15 minutes against the right password too."""
    user = make_user(session)
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for n in range(40):  # an attacker keeps guessing, as fast as the delays let it
        with contextlib.suppress(accounts.LoginFailed, accounts.LoginLocked):
            accounts.authenticate(
                session, user.username, "wrong", address="198.51.100.7", now=start + timedelta(minutes=n // 4)
            )
    owner = accounts.authenticate(
        session, user.username, PASSWORD, address="10.1.2.3", now=start + timedelta(minutes=10)
    )
    assert owner.id == user.id


def test_delays_are_bounded_and_an_address_is_slowed_for_a_minute_at_most(session: Session) -> None:
    assert accounts.growing_delay(
        1000, free=accounts.FAILURES_BEFORE_LOCK, first=accounts.FIRST_DELAY, cap=accounts.MAX_DELAY
    ) == timedelta(minutes=15)
    assert accounts.growing_delay(
        1000,
        free=accounts.ADDRESS_FAILURE_LIMIT,
        first=accounts.ADDRESS_FIRST_DELAY,
        cap=accounts.ADDRESS_MAX_DELAY,
    ) == timedelta(seconds=60)


def test_an_admin_sees_and_clears_a_throttle(session: Session) -> None:
    user = make_user(session)
    admin = make_user(session, Role.ADMIN)
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for second in range(accounts.FAILURES_BEFORE_LOCK):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(
                session, user.username, "wrong", address="10.0.0.9", now=start + timedelta(seconds=second)
            )
    now = start + timedelta(seconds=6)
    [throttle] = [t for t in accounts.throttles(session, now=now) if t.username == user.username]
    assert (throttle.address, throttle.failures) == ("10.0.0.9", accounts.FAILURES_BEFORE_LOCK)
    assert throttle.wait_until == start + timedelta(seconds=4 + 15)
    accounts.clear_throttle(session, username=user.username, address="10.0.0.9", by=admin, now=now)
    assert not [t for t in accounts.throttles(session, now=now) if t.username == user.username]
    assert accounts.authenticate(session, user.username, PASSWORD, address="10.0.0.9", now=now).id == user.id
    kept = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.success.is_(False), LoginAttempt.username == user.username)
    )
    assert kept == accounts.FAILURES_BEFORE_LOCK  # the record of the failures stays


def test_success_resets_the_failure_count(session: Session) -> None:
    user = make_user(session)
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for minute in range(accounts.FAILURES_BEFORE_LOCK - 1):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(
                session, user.username, "wrong", address="10.0.0.2", now=start + timedelta(minutes=minute)
            )
    accounts.authenticate(
        session, user.username, PASSWORD, address="10.0.0.2", now=start + timedelta(minutes=5)
    )
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(
            session, user.username, "wrong", address="10.0.0.2", now=start + timedelta(minutes=6)
        )


def test_inactive_user_cannot_log_in(session: Session) -> None:
    user = make_user(session)
    user.is_active = False
    session.flush()
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(session, user.username, PASSWORD, address="10.0.0.3")
