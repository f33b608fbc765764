"""Blobs of the default (database) file store."""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.types import created_at, intpk, str100, str200


class StoredFile(Base):
    __tablename__ = "stored_file"

    id: Mapped[intpk]
    key: Mapped[str200] = mapped_column(unique=True)
    content_type: Mapped[str100]
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]
