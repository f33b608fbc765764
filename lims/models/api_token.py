"""Personal API tokens: a user's bearer credentials for the JSON API (``/api/v1``).

Only a SHA-256 digest of the secret is stored; the secret itself is shown once, when the token is made.
A token acts as its user, with that user's role and enterprise, narrowed further by its scopes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str100
from lims.models.user import User


class ApiToken(Audited, Base):
    __tablename__ = "api_token"
    __audit_redact__ = frozenset({"secret_sha256"})
    __audit_ignore__ = frozenset({"last_used_at"})

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str100]
    # The secret's first characters, shown in lists so that a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))  # space-separated, e.g. "read bench"
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
