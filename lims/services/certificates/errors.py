"""Errors of issuing, amending and withdrawing certificates."""

from __future__ import annotations

from lims.errors import N_, LimsError


class CertificateError(LimsError, ValueError):
    """A certificate could not be issued, amended or withdrawn; nothing was changed."""

    template = N_("The certificate could not be issued.")
