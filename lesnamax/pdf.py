"""PDF documents (invoices, credit notes, the terms of sale) from a Jinja template, by WeasyPrint.

A document is a template under ``templates/pdf/`` that extends ``pdf/_layout.html`` (the page,
the font, the trader's line). The renderer loads nothing from another origin, nor any file but
the fonts shipped in ``lesnamax/fonts``: a product name carrying ``<img src="http://...">`` or
``file:///etc/passwd`` cannot make the server fetch or embed it.
"""

from __future__ import annotations

from pathlib import Path

from flask import render_template

FONTS = Path(__file__).parent / "fonts"


def render(template: str, **context) -> bytes:
    """The PDF of ``templates/pdf/<template>.html`` rendered with ``context``."""
    # Imported here: WeasyPrint takes ~0.3 s to import and only a few requests make PDFs.
    import weasyprint
    from PIL import ImageFile

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES: from then on this
    # worker would take a cut-off upload as a picture (catalogue/uploads.py refuses them). Our
    # PDFs embed no images, so the flag goes back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    html = render_template(f"pdf/{template}.html", fonts_url=FONTS.as_uri(), **context)
    return weasyprint.HTML(string=html, base_url=FONTS.as_uri() + "/",
                           url_fetcher=_fonts_only()).write_pdf()


def _fonts_only():
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if not url.startswith("file://") or not path.is_relative_to(FONTS.resolve()):
                raise ValueError(f"a PDF loads only the shop's fonts, not {url[:80]}")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols=["file"])
