"""Progress of the plan's appendix tasks, per year, with the files that show it.

Hà Nội Plan 16 section V.1 and Đà Nẵng QĐ 202 section V ask the agencies in charge of each appendix task
to report yearly what was done; the annual report prints that text under the task's own number. The
period of a note is the report year. Evidence files (minutes, acceptance records) go to the file store
with their SHA-256 and stay there: a note is withdrawn with a reason, never deleted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Programme
from lims.errors import N_, NotFound
from lims.models import ProgrammeTaskProgress, TaskProgressEvidence
from lims.services.common.storage import Storage, sha256_hex
from lims.services.programme.records import ProgrammeRecordError, _live, record_task_progress


class EmptyEvidence(ProgrammeRecordError):
    template = N_("The evidence file %(name)s is empty.")


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    filename: str
    content_type: str
    data: bytes


def _safe_name(filename: str) -> str:
    """A storage-key-safe version of an uploaded file's name (accents dropped, spaces to dashes).

    >>> _safe_name("Biên bản nghiệm thu 2024.pdf")
    'Bien-ban-nghiem-thu-2024.pdf'
    """
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = plain.replace("đ", "d").replace("Đ", "D")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.") or "file"
    return safe[-80:]


def record_progress(
    session: Session,
    storage: Storage,
    programme: Programme,
    *,
    task_id: str,
    year: int,
    done: str,
    files: tuple[EvidenceFile, ...] = (),
) -> ProgrammeTaskProgress:
    """Record (or replace) a task's note for a year and store its evidence files."""
    for item in files:
        if not item.data:
            raise EmptyEvidence(name=item.filename)
    row = record_task_progress(session, programme, task_id=task_id, year=year, done=done)
    for item in files:
        digest = sha256_hex(item.data)
        key = f"programme/tasks/{row.id}/{digest[:16]}-{_safe_name(item.filename)}"
        stored = storage.put(key, item.data, item.content_type or "application/octet-stream")
        if session.scalar(select(TaskProgressEvidence.id).where(TaskProgressEvidence.storage_key == key)):
            continue  # the same file attached twice
        session.add(
            TaskProgressEvidence(
                progress_id=row.id,
                storage_key=stored.key,
                filename=item.filename[:200],
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
            )
        )
    session.flush()
    return row


def update_progress(
    session: Session,
    storage: Storage,
    programme: Programme,
    progress_id: int,
    *,
    done: str,
    files: tuple[EvidenceFile, ...] = (),
) -> ProgrammeTaskProgress:
    row = _live(session, ProgrammeTaskProgress, progress_id)
    return record_progress(
        session, storage, programme, task_id=row.task_id, year=row.year, done=done, files=files
    )


def evidence(session: Session, evidence_id: int) -> TaskProgressEvidence:
    row = session.get(TaskProgressEvidence, evidence_id)
    if row is None:
        raise NotFound()
    return row
