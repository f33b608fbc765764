"""Display labels shared by the register and the public page."""

from __future__ import annotations

from lims.errors import N_
from lims.models import CertificateStatus, JobKind

STATUS_LABELS = {
    CertificateStatus.VALID: N_("Valid"),
    CertificateStatus.SUPERSEDED: N_("Superseded"),
    CertificateStatus.WITHDRAWN: N_("Withdrawn"),
}

KIND_LABELS = {
    JobKind.CALIBRATION: N_("Calibration certificate"),
    JobKind.VERIFICATION: N_("Verification certificate"),
}
