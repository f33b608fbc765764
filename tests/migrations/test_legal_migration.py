"""0019 (legal verification, issue 17) adds its tables to an existing database and drops them on downgrade."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

LEGAL_TABLES = {
    "verification_designation",
    "verification_officer_card",
    "stamp_batch",
    "stamp_use",
    "verification_failure_notice",
}


def test_0019_legal_tables_upgrade_and_downgrade(db_url: str) -> None:
    from alembic import command

    from lims.migrate import alembic_config, upgrade

    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            users_before = conn.execute(text("SELECT count(*) FROM user_account")).scalar_one()
        command.downgrade(alembic_config(db_url), "0017")
        assert not LEGAL_TABLES & set(inspect(engine).get_table_names())
        upgrade(db_url)
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) >= LEGAL_TABLES
        assert {c["name"] for c in inspector.get_columns("stamp_use")} >= {
            "batch_id", "number", "outcome", "certificate_id", "reason", "used_on", "recorded_by_id"
        }
        unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("stamp_use")}
        assert ("batch_id", "number") in unique  # a stamp is used once: the database's own guard
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM user_account")).scalar_one() == users_before
    finally:
        upgrade(db_url)
        engine.dispose()
