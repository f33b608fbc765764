"""Shared column aliases and enumerations of the data model."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from sqlalchemy import String
from sqlalchemy.orm import mapped_column

from lims.db import utc_now

intpk = Annotated[int, mapped_column(primary_key=True)]
str20 = Annotated[str, mapped_column(String(20))]
str50 = Annotated[str, mapped_column(String(50))]
str100 = Annotated[str, mapped_column(String(100))]
str200 = Annotated[str, mapped_column(String(200))]
str500 = Annotated[str, mapped_column(String(500))]
created_at = Annotated[datetime, mapped_column(default=utc_now)]


class Role(StrEnum):
    ADMIN = "admin"
    TECHNICIAN = "technician"
    REVIEWER = "reviewer"
    SIGNATORY = "signatory"
    AUDITOR = "auditor"
    CUSTOMER = "customer"


class Quantity(StrEnum):
    """Fields of measurement of the standards register."""

    MASS = "mass"
    TEMPERATURE = "temperature"
    PRESSURE = "pressure"
    ELECTRICAL = "electrical"
    LENGTH = "length"
    VOLUME_FLOW = "volume_flow"
    TIME_FREQUENCY = "time_frequency"
    FORCE = "force"
    HUMIDITY = "humidity"
    CHEMISTRY = "chemistry"
    OTHER = "other"


class StandardLevel(StrEnum):
    REFERENCE = "reference"
    WORKING = "working"
    CHECK = "check"


class StandardStatus(StrEnum):
    IN_SERVICE = "in_service"
    DUE = "due"
    OVERDUE = "overdue"
    QUARANTINED = "quarantined"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"


class JobKind(StrEnum):
    CALIBRATION = "calibration"
    VERIFICATION = "verification"


class JobState(StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    MEASURED = "measured"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    ISSUED = "issued"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class CertificateStatus(StrEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
