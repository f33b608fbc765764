"""Root of the application's error hierarchy.

Errors carry an English message template with ``%(name)s`` fields and its parameters. ``str(error)``
is the English text (command line, logs); the web layer translates ``template`` through its message
catalogue and fills in ``params``, so users read the message in their own language. A calendar date is
passed as a :class:`~datetime.date`, never as text: the English text writes it as English is written
everywhere (:mod:`lims.localtime`, "1 Mar 2026"), the web layer in the reader's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
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
        super().__init__(self.template % _english(params) if params else self.template)


def _english(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters for the English text: calendar dates by the application's one date formatter.

    >>> str(LimsError("due on %(day)s", day=date(2026, 3, 1)))
    'due on 1 Mar 2026'
    """
    days = {name for name, v in params.items() if isinstance(v, date) and not isinstance(v, datetime)}
    if not days:
        return params
    from lims.localtime import format_lab_date  # here: lims.localtime imports this module

    # a calendar date is not converted between zones, so the zone given does not matter
    return {
        name: format_lab_date(v, locale="en", zone=UTC) if name in days else v for name, v in params.items()
    }


class ConfigurationError(LimsError, RuntimeError):
    """The deployment is configured in a way the application cannot run with."""


class NotFound(LimsError, LookupError):
    """The record does not exist, or the caller may not know that it exists."""

    template = N_("Not found.")


class Conflict(LimsError):
    """Someone else changed the record first."""

    template = N_("Someone else changed this record while you were editing it. Reload and try again.")
