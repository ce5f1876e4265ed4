"""The baseline: the smallest sensible Flask page, served by gunicorn exactly like the shop.

Its requests/s is what Flask + gunicorn + wrk cost on this machine with no database,
templates or extensions, so the shop's figures can be read as a share of that ceiling.
"""

from flask import Flask

app = Flask(__name__)

# About the size of a tiny real page, so it is not a pure "hello world" socket test.
PAGE = """<!doctype html>
<html lang="sq">
<head><meta charset="utf-8"><title>LESNA MAX</title></head>
<body><main><h1>LESNA MAX</h1><p>Mobilje dhe dekor për shtëpinë tuaj.</p></main></body>
</html>
"""


@app.get("/")
def index():
    return PAGE
