"""The laboratory this installation serves: one per installation, the first row of ``lab``.

Certificates, reminders, impact notices and new jobs and standards name it (ISO/IEC 17025:2017 7.8.2.1 b:
the name and address of the laboratory on every report). This is the one query that finds it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import N_, LimsError
from lims.models import Lab


class LaboratoryMissing(LimsError, LookupError):
    """No laboratory is recorded yet (a fresh database before ``lims demo load`` or the set-up)."""

    template = N_("The laboratory is not set up yet.")


def find_laboratory(session: Session) -> Lab | None:
    """The installation's laboratory, or None before it is set up (for pages that still show without it)."""
    return session.scalar(select(Lab).order_by(Lab.id).limit(1))


def current_laboratory(session: Session) -> Lab:
    """The installation's laboratory.

    :raises LaboratoryMissing: none is recorded yet.
    """
    lab = find_laboratory(session)
    if lab is None:
        raise LaboratoryMissing()
    return lab
