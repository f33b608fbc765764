"""A bench agent sink that writes straight into the lab's database (no HTTP server in between).

:class:`DatabaseSink` implements :class:`instruments.agent.sink.Sink` with :func:`record_readings`, so the
agent keeps its journal-first semantics: readings are journaled on the bench PC, then delivered here in
batches; a key the database already holds comes back as a duplicate and is marked sent; a database that is
down raises :class:`SinkUnavailable` and delivery retries with back-off; a refusal of the whole batch (job
not in progress, person not authorised, unknown point) raises :class:`SinkRefused` with the status the
HTTP API would have answered, which the caller's ``refusal_status`` gives (:func:`lims.web.status.status_for`:
services know no HTTP).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from instruments.agent.journal import JournalEntry
from instruments.agent.sink import Delivery, SinkRefused, SinkUnavailable
from lims.errors import LimsError
from lims.services.bench.readings import ReadingActor, record_readings
from lims.services.records.audit import Actor, set_actor

# The status the HTTP API answers an error with (:func:`lims.web.status.status_for`), passed in by the caller.
RefusalStatus = Callable[[BaseException], int]


class DatabaseSink:
    """Delivers journaled readings by calling :func:`record_readings` in a transaction of its own."""

    def __init__(
        self, session_factory: Callable[[], Session], actor: ReadingActor, *, refusal_status: RefusalStatus
    ) -> None:
        self.session_factory = session_factory
        self.actor = actor
        self.refusal_status = refusal_status

    def deliver(self, job_number: str, point_id: str, entries: Sequence[JournalEntry]) -> Delivery:
        """Store one batch and commit; classify failures as retryable or not."""
        try:
            with self.session_factory() as session:
                set_actor(session, Actor(self.actor.user_id, f"bench:{self.actor.source}"))
                try:
                    answer = record_readings(
                        session, job_number, point_id, [entry.to_wire() for entry in entries], self.actor
                    )
                except LimsError as exc:
                    session.rollback()
                    raise SinkRefused(self.refusal_status(exc), str(exc)) from exc
                session.commit()
        except (OperationalError, InterfaceError) as exc:
            raise SinkUnavailable(f"database unavailable: {exc.orig or exc}") from exc
        sent = {entry.key for entry in entries}
        confirmed = frozenset(set(answer["accepted"]) | set(answer["duplicates"])) & sent
        rejected = {str(item["idempotency_key"]): str(item["error"]) for item in answer["rejected"]}
        return Delivery(confirmed, rejected)
