"""Opening the database the way every entry point must: with the audit trail installed."""

from __future__ import annotations

from lims.db import Database
from lims.services.records import audit


def open_database(url: str) -> Database:
    database = Database.from_url(url)
    audit.install(database.sessionmaker)
    return database
