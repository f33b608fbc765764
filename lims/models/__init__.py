"""Every model module, imported so that Alembic's autogenerate sees the whole metadata."""

from lims.models.audit import AuditChainHead, AuditEntry
from lims.models.certificate import Certificate
from lims.models.instrument import CustomerInstrument
from lims.models.job import (
    ElectronicSignature,
    Job,
    JobCounter,
    JobReferenceMaterial,
    JobStandard,
    JobTransition,
    Measurement,
)
from lims.models.organisation import Enterprise, Lab
from lims.models.personnel import CmcEntry, PersonnelAuthorisation
from lims.models.procedure import Procedure
from lims.models.standard import (
    IntermediateCheck,
    MeasurementStandard,
    ReferenceMaterial,
    StandardCalibration,
    StandardCalibrationSource,
    StandardStatusChange,
)
from lims.models.stored_file import StoredFile
from lims.models.types import (
    CertificateStatus,
    JobKind,
    JobState,
    Quantity,
    Role,
    StandardLevel,
    StandardStatus,
)
from lims.models.user import LoginAttempt, User

__all__ = [
    "AuditChainHead",
    "AuditEntry",
    "Certificate",
    "CertificateStatus",
    "CmcEntry",
    "CustomerInstrument",
    "ElectronicSignature",
    "Enterprise",
    "IntermediateCheck",
    "Job",
    "JobCounter",
    "JobKind",
    "JobReferenceMaterial",
    "JobStandard",
    "JobState",
    "JobTransition",
    "Lab",
    "LoginAttempt",
    "Measurement",
    "MeasurementStandard",
    "PersonnelAuthorisation",
    "Procedure",
    "Quantity",
    "ReferenceMaterial",
    "Role",
    "StandardCalibration",
    "StandardCalibrationSource",
    "StandardLevel",
    "StandardStatus",
    "StandardStatusChange",
    "StoredFile",
    "User",
]
