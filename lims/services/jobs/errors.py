"""Errors of jobs and of their test points: what was refused, in words the user can act on."""

from __future__ import annotations

from lims.errors import N_, Conflict, LimsError
from lims.models import Job


class JobError(LimsError, ValueError):
    template = N_("The job could not be changed.")


class JobConflict(Conflict):
    template = N_(
        "Job %(number)s was changed by someone else (version %(current)s, you edited version %(seen)s). "
        "Reload the page: your entry was not saved and nothing of theirs was lost."
    )


def no_procedure(job: Job) -> JobError:
    """The error for work on a job that has no procedure yet (a request converted before one was chosen)."""
    return JobError(
        N_("Job %(number)s has no procedure yet: choose one before measuring."), number=job.number
    )


class JobLocked(JobError):
    template = N_("Job %(number)s is %(state)s: its results can no longer be edited.")


class WorkflowRefused(JobError):
    """The state machine refused the transition; ``reason`` names the current state."""

    template = N_("Refused: %(reason)s")


class StandardNotUsable(JobError):
    template = N_("Standard refused by the traceability guard: %(reason)s")


class ReadingError(LimsError, ValueError):
    """Bad bench input; the message names the point and the field."""

    template = N_("The point could not be saved.")
