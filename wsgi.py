"""WSGI entry point: ``gunicorn wsgi:app``."""

from lesnamax import create_app

app = create_app()
