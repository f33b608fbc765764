"""Pure rules and numerics: no Flask, no SQLAlchemy, no web code (see tests/test_architecture.py)."""
