"""Use cases: functions taking a SQLAlchemy session first. No Flask imports."""
