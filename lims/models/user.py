"""Accounts, roles and login attempts (throttling lives in the database, shared by every worker)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.organisation import Enterprise
from lims.models.types import Role, created_at, intpk, str50, str100, str200


class User(Audited, Base):
    __tablename__ = "user_account"
    __audit_redact__ = frozenset({"password_hash"})
    __audit_ignore__ = frozenset({"updated_at", "version", "last_login_at"})
    __table_args__ = (
        CheckConstraint("(role = 'customer') = (enterprise_id IS NOT NULL)", name="customer_has_enterprise"),
    )

    id: Mapped[intpk]
    username: Mapped[str100] = mapped_column(unique=True)
    full_name: Mapped[str200]
    email: Mapped[str200 | None]
    function_title: Mapped[str200 | None]
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A customer user who may invite colleagues of the same enterprise (meaningless for lab staff).
    is_enterprise_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[created_at]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"

    # Flask-Login's user protocol, implemented without importing Flask-Login (models stay web-free).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The password hash's tail invalidates other sessions when the password changes.
        return f"{self.id}:{self.password_hash[-12:]}"


class LoginAttempt(Base):
    """One login attempt; recent failures per account and per address throttle further tries."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[intpk]
    username: Mapped[str100]
    address: Mapped[str50]
    at: Mapped[datetime]
    success: Mapped[bool] = mapped_column(Boolean)


class LoginSession(Base):
    """One live login: the browser's signed cookie carries a random id whose SHA-256 is stored here.

    A cookie is honoured only while its row exists and has not expired, so logging out, changing the password
    or disabling the account ends the session on the server, whatever copy of the cookie anyone kept
    (OWASP Session Management Cheat Sheet, "Session Expiration" and "Manual Session Expiration")."""

    __tablename__ = "login_session"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime]


class LoginThrottleClear(Base):
    """An administrator forgave the recent login failures of an (account, address) pair, or of an address
    (``username`` NULL). The failed attempts stay in ``login_attempt``; counting restarts after ``cleared_at``."""

    __tablename__ = "login_throttle_clear"
    __table_args__ = (Index("ix_login_throttle_clear_address_cleared_at", "address", "cleared_at"),)

    id: Mapped[intpk]
    username: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str50]
    cleared_at: Mapped[datetime]
    cleared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
