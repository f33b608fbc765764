"""Root of the application's error hierarchy.

Errors carry an English message template with ``%(name)s`` fields and its parameters. ``str(error)``
is the English text (command line, logs); the web layer translates ``template`` through its message
catalogue and fills in ``params``, so users read the message in their own language.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message template for extraction into the catalogues; it is translated where it is shown."""
    return message


class LimsError(Exception):
    """Base class of every error the application raises on purpose."""

    template: str = N_("The request could not be completed.")

    def __init__(self, template: str | None = None, /, **params: Any) -> None:
        if template is not None:
            self.template = template
        self.params = params
        super().__init__(self.template % params if params else self.template)


class ConfigurationError(LimsError, RuntimeError):
    """The deployment is configured in a way the application cannot run with."""


class NotFound(LimsError, LookupError):
    """The record does not exist, or the caller may not know that it exists."""

    template = N_("Not found.")


class Conflict(LimsError):
    """Someone else changed the record first."""

    template = N_("Someone else changed this record while you were editing it. Reload and try again.")
