"""Where journaled readings go: the :class:`Sink` interface and its errors.

The bench agent only needs ``deliver``: the HTTP client in :mod:`instruments.agent.http_sink` implements it
against the lab's JSON API; the lab application can add a direct-to-database sink with the same signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from instruments.agent.journal import JournalEntry
from instruments.errors import InstrumentError


@dataclass(frozen=True, slots=True)
class Delivery:
    """The server's answer: keys it holds now (new or duplicate) and keys refused for good, with reasons."""

    confirmed: frozenset[str]
    rejected: dict[str, str] = field(default_factory=dict)


class Sink(Protocol):
    """Delivers readings of one job's test point; must be idempotent per ``idempotency_key``."""

    def deliver(self, job_number: str, point_id: str, entries: Sequence[JournalEntry]) -> Delivery:
        """Send ``entries``; raise :class:`SinkUnavailable` if it is worth retrying later."""
        ...


class SinkUnavailable(InstrumentError, ConnectionError):
    """The server cannot be reached or failed (network down, timeout, HTTP 5xx): retry later."""


class SinkRefused(InstrumentError, PermissionError):
    """The server refused the whole request (bad token, unknown job or point): retrying cannot help."""

    def __init__(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason
        super().__init__(f"server refused the readings (HTTP {status}): {reason}")
