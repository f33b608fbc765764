"""Accounts: password policy, duplicates, roles bound to enterprises, login throttling."""

from __future__ import annotations

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


def test_lock_out_after_repeated_failures(session: Session) -> None:
    user = make_user(session)
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for minute in range(accounts.FAILURES_BEFORE_LOCK):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(
                session, user.username, "wrong", address="10.0.0.1", now=start + timedelta(minutes=minute)
            )
    with pytest.raises(accounts.LoginLocked) as locked:
        accounts.authenticate(
            session, user.username, PASSWORD, address="10.0.0.1", now=start + timedelta(minutes=5)
        )
    assert locked.value.params["minutes"] == 10
    # after the window the right password works again and clears the count
    assert (
        accounts.authenticate(
            session, user.username, PASSWORD, address="10.0.0.1", now=start + timedelta(minutes=16)
        ).id
        == user.id
    )
    attempts = session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == user.username)
    )
    assert attempts == accounts.FAILURES_BEFORE_LOCK + 1  # the refused attempt while locked is not counted


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
