"""Marker for records whose every change is written to the audit trail."""

from __future__ import annotations

from typing import ClassVar


class Audited:
    """Mix into a model to audit its inserts, updates and deletes field by field.

    ``__audit_redact__`` names columns whose values are secret: the trail records that they changed,
    never what they hold.
    """

    __audit_redact__: ClassVar[frozenset[str]] = frozenset()
    __audit_ignore__: ClassVar[frozenset[str]] = frozenset({"updated_at", "version"})
