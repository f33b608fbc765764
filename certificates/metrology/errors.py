"""The one error of the metrology vocabulary (house style 5: a root that is also a builtin)."""

from __future__ import annotations


class MetrologyError(ValueError):
    """A value, rule or stored point result that cannot be used; ``field`` names the culprit.

    >>> str(MetrologyError("must be a finite number", field="expanded_uncertainty"))
    'expanded_uncertainty: must be a finite number'
    """

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        self.field, self.detail = field, detail
        super().__init__(f"{field}: {detail}" if field else detail)
