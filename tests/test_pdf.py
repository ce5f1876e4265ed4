"""PDFs: the shipped font carries the Albanian letters, and the renderer fetches nothing but it."""

import subprocess

import pytest
from jinja2 import ChoiceLoader, DictLoader

from lesnamax import pdf

SAMPLE = """{% extends "pdf/_layout.html" %}
{% block body %}<h1>Faturë {{ number }}</h1><p>Çmimi me TVSH: {{ price }}</p>
<p>{{ extra|safe }}</p>{% endblock %}"""


def text_of(document: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=document,
                          capture_output=True, check=True).stdout.decode()


@pytest.fixture
def sample(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/sample.html": SAMPLE}),
                                         app.jinja_env.loader])
    app.jinja_env.cache.clear()
    yield app


def test_a_pdf_keeps_the_albanian_letters_in_the_shipped_font(sample):
    with sample.test_request_context("/"):
        document = pdf.render("sample", number="2027-000123", price="249,90 €", extra="")
    assert document.startswith(b"%PDF-")
    text = text_of(document)
    assert "Faturë 2027-000123" in text and "Çmimi me TVSH: 249,90 €" in text
    fonts = subprocess.run(["pdffonts", "-"], input=document, capture_output=True,
                           check=True).stdout.decode()
    # WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; the
    # uploads rely on it being off (a cut-off picture is refused, tests/test_admin_images.py).
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert "DejaVu-Sans" in fonts and "DejaVu-Sans-Bold" in fonts and "yes yes yes" in fonts


@pytest.mark.parametrize("source", ["http://127.0.0.1:9/x.png", "file:///etc/passwd",
                                    "file:///etc/hostname"])
def test_the_renderer_fetches_nothing_but_the_fonts(sample, source, monkeypatch):
    asked, refused = [], []
    made = pdf._fonts_only

    def spying():
        fetcher = made()
        fetch = fetcher.fetch

        def spy(url, headers=None):
            asked.append(url)
            try:
                return fetch(url, headers)
            except ValueError:
                refused.append(url)
                raise
        fetcher.fetch = spy
        return fetcher
    monkeypatch.setattr(pdf, "_fonts_only", spying)
    with sample.test_request_context("/"):
        document = pdf.render("sample", number="1", price="1",
                              extra=f'<img src="{source}"><link rel=stylesheet href="{source}">')
    assert document.startswith(b"%PDF-")
    assert source in refused and all(url in refused or "/lesnamax/fonts/" in url for url in asked)
    assert "root:" not in text_of(document)
