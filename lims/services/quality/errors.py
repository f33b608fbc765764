"""The error of the quality services (nonconforming work, complaints, corrective action): a refusal the
pages and the command line show in the user's language."""

from __future__ import annotations

from lims.errors import LimsError


class NcError(LimsError, ValueError):
    pass
