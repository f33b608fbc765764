"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

from lims.app import create_app

app = create_app()
