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
from lims.domain.programme.targets import TargetStatus, evaluate
from lims.domain.programme.vocabulary import Counting, Indicator, Measure

__all__ = [
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
    "available_programmes",
    "evaluate",
    "load_programme",
    "parse_programme",
]
