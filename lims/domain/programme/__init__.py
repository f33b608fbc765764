"""City programmes implementing Decision 996/QĐ-TTg: plans as data, target arithmetic, support rules.

Pure: no database and no web. The services compute the actual figures from records and hand them here.
"""

from lims.domain.programme.loader import (
    ProgrammeFileError,
    UnknownProgramme,
    available_programmes,
    load_programme,
    parse_programme,
)
from lims.domain.programme.model import (
    EligibilityItem,
    Phase,
    Policy,
    Programme,
    SupportContent,
    Target,
    TargetKind,
    Task,
)
from lims.domain.programme.targets import FORECAST_METHOD_VI, TargetStatus, Verdict, evaluate
from lims.domain.programme.vocabulary import Counting, Indicator, Measure

__all__ = [
    "FORECAST_METHOD_VI",
    "Counting",
    "EligibilityItem",
    "Indicator",
    "Measure",
    "Phase",
    "Policy",
    "Programme",
    "ProgrammeFileError",
    "SupportContent",
    "Target",
    "TargetKind",
    "TargetStatus",
    "Task",
    "UnknownProgramme",
    "Verdict",
    "available_programmes",
    "evaluate",
    "load_programme",
    "parse_programme",
]
