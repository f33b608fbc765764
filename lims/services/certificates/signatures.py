"""Electronic approval of a job's results by an authorised signatory.

The manifestation an ISO/IEC 17025 7.5 / 21 CFR Part 11 auditor expects (11.50, 11.70, 11.200): the signer
re-enters their password at the moment of signing (checked, never stored); the signature records the
signer's printed name, the date and time and the meaning of the signature, and a SHA-256 of the results it
signed. The signatory must not be the technician who measured (state machine), and must hold an
authorisation to sign the procedure on that day. A signed job cannot be edited.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain import workflow as wf
from lims.errors import N_, LimsError
from lims.models import ElectronicSignature, Job, User
from lims.services.access.accounts import verify_password
from lims.services.bench import rooms
from lims.services.bench.measurements import flags
from lims.services.jobs.jobs import apply_transition, check_version, get_job
from lims.services.jobs.points import measurements

DEFAULT_MEANING = N_("Approval: I have reviewed these results and authorise their release")


class SignatureRefused(LimsError, PermissionError):
    template = N_("The password is not correct: the results were not signed.")


class MeaningRequired(LimsError, ValueError):
    template = N_("State the meaning of your signature.")


def content_digest(session: Session, job: Job) -> str:
    """SHA-256 of the job's results as signed (canonical JSON), linking the signature to its record."""
    content = {
        "job": job.number,
        "procedure": [job.procedure.code, job.procedure.version] if job.procedure else None,
        "points": [
            {
                "index": m.point_index,
                "nominal": str(m.nominal),
                "unit": m.unit,
                "readings": m.readings,
                "reference_value": None if m.reference_value is None else str(m.reference_value),
                "environment": m.environment,
                **({"environment_record": m.environment_record} if m.environment_record else {}),
                "result": {k: v for k, v in m.result.items() if k != "budget"},
                "as_found": m.as_found.get("result", {}).get("error") if m.as_found else None,
            }
            for m in measurements(session, job.id).values()
        ],
    }
    justified = rooms.justification(session, job.id)
    if justified is not None:  # signed with the results it lets through
        content["environment_justification"] = justified
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def sign_job(
    session: Session,
    job_id: int,
    *,
    user: User,
    password: str,
    meaning: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> ElectronicSignature:
    """Approve the job (reviewed → approved) with an electronic signature; see the module docstring."""
    now = now or datetime.now(UTC)
    job = get_job(session, job_id)
    check_version(job, expected_version)
    if not meaning.strip():
        raise MeaningRequired()
    if not verify_password(user.password_hash, password):
        raise SignatureRefused()
    if flags(session, job)["environment"] and rooms.justification(session, job.id) is None:
        raise rooms.JustificationRequired(number=job.number)  # ISO/IEC 17025:2017 6.3.3, 7.8.4.1 b
    apply_transition(session, job, wf.State.APPROVED, user=user, comment=meaning.strip(), now=now)
    job.signatory_id = user.id
    signature = ElectronicSignature(
        job_id=job.id,
        signer_id=user.id,
        printed_name=user.full_name,
        meaning=meaning.strip(),
        signed_at=now,
        content_sha256=content_digest(session, job),
    )
    session.add(signature)
    session.flush()
    return signature


def signatures(session: Session, job_id: int) -> list[ElectronicSignature]:
    return list(
        session.scalars(
            select(ElectronicSignature)
            .where(ElectronicSignature.job_id == job_id)
            .order_by(ElectronicSignature.signed_at)
        )
    )
