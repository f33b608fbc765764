"""The HTTP status of every error the services raise on purpose: the one table, read by the pages, the
JSON API and the bench agent's direct database sink (which answers as the API would).

Services raise typed errors (:mod:`lims.errors` and each area's errors) and know nothing of HTTP; this
module is the only place that turns an error type into a status. It imports no Flask, so the command line
can use it without loading the web application (``lims/web/__init__.py`` imports Flask lazily).
"""

from __future__ import annotations

from lims.errors import Conflict, LimsError, NotFound
from lims.services.bench.readings import BatchInvalid
from lims.services.common.ratelimit import RateLimitUnsupported
from lims.services.jobs.errors import JobLocked

# First match wins: the more specific types come first.
ERROR_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (BatchInvalid, 400),  # a body that is not a batch of readings this contract accepts
    (PermissionError, 403),  # AuthorisationRefused, CertificateNotPermitted, SignatureRefused …
    (NotFound, 404),  # also for records the caller may not know exist (tenant isolation)
    (Conflict, 409),  # someone else changed the record first (optimistic locking)
    (JobLocked, 409),  # the job's state no longer accepts the change
    (RateLimitUnsupported, 503),  # the deployment's database cannot count rate limits: said, never a 500
    (OSError, 500),  # storage or mail failed on our side (StoredFileCorrupt, MailError): not the user's input
    (LimsError, 422),  # any other refusal: the request is well formed, its values are not acceptable
)
UNEXPECTED = 500


def status_for(error: BaseException) -> int:
    """The HTTP status answering ``error``; 500 for an error no service raises on purpose.

    >>> status_for(NotFound()), status_for(LimsError()), status_for(RuntimeError())
    (404, 422, 500)
    >>> status_for(PermissionError()), status_for(Conflict()), status_for(RateLimitUnsupported(dialect="mysql"))
    (403, 409, 503)
    """
    for kind, status in ERROR_STATUS:
        if isinstance(error, kind):
            return status
    return UNEXPECTED
