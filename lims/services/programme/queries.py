"""Queries the indicators and their drill-down share: what counts as in service, and the lab's own
certificates for enterprises in the Measurement Assurance Programme."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import Select, select

from lims.models import (
    Certificate,
    CertificateStatus,
    Job,
    MeasurementAssuranceSupport,
    StandardStatus,
    SupportGrant,
)

# Standards and reference materials withdrawn from use no longer count as 'developed and in service'.
NOT_IN_SERVICE = (StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE)


def _utc_bounds(start: date, end: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants that open ``start`` and close ``end`` in the lab's time zone ``zone`` (certificates
    carry an instant, the plans count days: a certificate issued on 31 December at 23:30 lab time counts
    in that year although it is 1 January in some other zone)."""
    opens = datetime.combine(start, time.min, zone).astimezone(UTC)
    closes = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    return opens, closes


def in_programme(end: date) -> Select[tuple[int]]:
    """Enterprises in the Measurement Assurance Programme by ``end``: a support recorded or a content
    granted on or before that day."""
    supported = select(MeasurementAssuranceSupport.enterprise_id).where(
        MeasurementAssuranceSupport.withdrawn_at.is_(None), MeasurementAssuranceSupport.supported_on <= end
    )
    granted = select(SupportGrant.enterprise_id).where(SupportGrant.granted_on <= end)
    return select(supported.union(granted).subquery().c.enterprise_id)


def certified_services(start: date, end: date, *, zone: tzinfo) -> Select[tuple[int, int]]:
    """The lab's own calibrations and verifications for enterprises in the programme: certificates first
    issued in the period, days read in the lab's time zone ``zone`` (``LIMS_TIMEZONE``, from
    ``Settings.timezone``); an amendment is the same service; a withdrawn certificate is none."""
    opens, closes = _utc_bounds(start, end, zone)
    return (
        select(Job.enterprise_id, Certificate.id)
        .join(Job, Job.id == Certificate.job_id)
        .where(
            Certificate.revision == 0,
            Certificate.status != CertificateStatus.WITHDRAWN,
            Certificate.issued_at >= opens,
            Certificate.issued_at < closes,
            Job.enterprise_id.in_(in_programme(end)),
        )
    )
