"""Every model module, imported so that Alembic's autogenerate sees the whole metadata."""

from lims.models.api_token import ApiToken
from lims.models.audit import AuditChainHead, AuditEntry
from lims.models.bench import BenchReading, BenchStation, CaptureRequest, CaptureState
from lims.models.certificate import Certificate, CertificateCounter
from lims.models.impact import ImpactEvaluation, OutboxMessage, SuspectEvent
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
from lims.models.notification import LAB_AUDIENCE, Notification, NotificationRead
from lims.models.organisation import Enterprise, Lab
from lims.models.personnel import CmcEntry, PersonnelAuthorisation
from lims.models.procedure import Procedure
from lims.models.programme import (
    ApplicationStatus,
    AssessmentResult,
    CertificationStandard,
    DemandInstrumentType,
    LabAssessment,
    MeasurementAssuranceSupport,
    ProgrammeTaskProgress,
    ServiceCertification,
    SupportApplication,
    SupportGrant,
    TrainingCourse,
    TrainingParticipation,
)
from lims.models.ratelimit import RateLimitCounter
from lims.models.service_request import RequestState, ServiceRequest, ServiceRequestItem
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
from lims.models.user import LoginAttempt, LoginSession, LoginThrottleClear, User
from lims.models.weighing import WeighingTest

__all__ = [
    "LAB_AUDIENCE",
    "ApiToken",
    "ApplicationStatus",
    "AssessmentResult",
    "AuditChainHead",
    "AuditEntry",
    "BenchReading",
    "BenchStation",
    "CaptureRequest",
    "CaptureState",
    "Certificate",
    "CertificateCounter",
    "CertificateStatus",
    "CertificationStandard",
    "CmcEntry",
    "CustomerInstrument",
    "DemandInstrumentType",
    "ElectronicSignature",
    "Enterprise",
    "ImpactEvaluation",
    "IntermediateCheck",
    "Job",
    "JobCounter",
    "JobKind",
    "JobReferenceMaterial",
    "JobStandard",
    "JobState",
    "JobTransition",
    "Lab",
    "LabAssessment",
    "LoginAttempt",
    "LoginSession",
    "LoginThrottleClear",
    "Measurement",
    "MeasurementAssuranceSupport",
    "MeasurementStandard",
    "Notification",
    "NotificationRead",
    "OutboxMessage",
    "PersonnelAuthorisation",
    "Procedure",
    "ProgrammeTaskProgress",
    "Quantity",
    "RateLimitCounter",
    "ReferenceMaterial",
    "RequestState",
    "Role",
    "ServiceCertification",
    "ServiceRequest",
    "ServiceRequestItem",
    "StandardCalibration",
    "StandardCalibrationSource",
    "StandardLevel",
    "StandardStatus",
    "StandardStatusChange",
    "StoredFile",
    "SupportApplication",
    "SupportGrant",
    "SuspectEvent",
    "TrainingCourse",
    "TrainingParticipation",
    "User",
    "WeighingTest",
]
