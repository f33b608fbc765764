"""In-app notifications: stored as an English message id and its parameters, shown in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.types import created_at, intpk

LAB_AUDIENCE = "lab"  # every lab user who handles customers' requests


class Notification(Base):
    """One message for one user, for every customer user of an enterprise, or for the lab's request handlers.

    Exactly one of ``user_id``, ``enterprise_id`` and ``audience`` names the readers. Who has read it is
    kept per reader in :class:`NotificationRead` (an enterprise-wide message is read by each colleague).
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_id_id", "user_id", "id"),
        Index("ix_notification_enterprise_id_id", "enterprise_id", "id"),
        Index("ix_notification_audience_id", "audience", "id"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    audience: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(50))
    msgid: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # parameters that are themselves message ids (a job state in plain words…), translated when shown
    translated_params: Mapped[list[Any]] = mapped_column(default=list)
    link_endpoint: Mapped[str | None] = mapped_column(String(100))
    link_args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]


class NotificationRead(Base):
    """When one reader marked one notification as read."""

    __tablename__ = "notification_read"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)
    read_at: Mapped[datetime]
