"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from lesnamax import create_app

app = create_app()

# What the app made at start-up (modules, routes, mappers, the template environment, locale
# data) lives as long as the worker. Frozen, it is left out of the collector's full passes,
# which otherwise walk it every few hundred requests: on 100,000 products those passes took
# 50-85 ms each, the slowest answers of a search run, and ~5 ms frozen (bench/RESULTS.md).
gc.collect()
gc.freeze()
