"""Errors of the certificate renderers: one root, each subclass also a builtin (house style 5)."""

from __future__ import annotations


class CertificateError(Exception):
    """Base class of every error raised on purpose by :mod:`certificates`."""


class CertificateDataError(CertificateError, ValueError):
    """The data given to a renderer is incomplete or contradictory; ``field`` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


class UnitError(CertificateError, ValueError):
    """A unit is not valid D-SI notation (e.g. ``\\kilo\\pascal``)."""

    def __init__(self, unit: str, reason: str) -> None:
        self.unit, self.reason = unit, reason
        super().__init__(f"unit {unit!r}: {reason}")


class DccValidationError(CertificateError, ValueError):
    """An XML document is not a valid PTB DCC 3.1.2; ``reason`` says where and why."""

    def __init__(self, reason: str, *, path: str | None = None) -> None:
        self.reason, self.path = reason, path
        where = f" at {path}" if path else ""
        super().__init__(f"not a valid DCC 3.1.2{where}: {reason}")


class PdfAttachmentError(CertificateError, ValueError):
    """A PDF could not be read or given its DCC attachment."""
