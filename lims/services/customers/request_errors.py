"""Errors of the service-request services: one root, so that a page or the CLI shows any of them the same way."""

from __future__ import annotations

from lims.errors import N_, LimsError


class RequestError(LimsError, ValueError):
    template = N_("The request could not be saved.")


class RequestStateRefused(RequestError):
    """The request's state does not allow the action (a rejected, cancelled or converted request is final)."""
