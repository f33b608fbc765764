"""Errors raised by the pure domain layer."""

from lims.errors import LimsError


class DomainError(LimsError):
    """A domain rule refused the input; the message is meant for the user."""
