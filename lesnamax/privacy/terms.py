"""The terms of sale as a document: the PDF of a version (the download and the confirmation
e-mail's attachment), and the receiver that hands it to the order confirmation.

The trader's identity is read from ``trader.details()`` when the document is made, never typed
into the versioned text: a change of address shows in the next PDF without a new version.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail, pdf, trader
from ..i18n import LOCALES
from ..shoptime import shop_day
from . import services
from .models import TERMS, PolicyVersion


def filename(number: int) -> str:
    """The attachment's name in the active language (``kushtet-e-shitjes-v1.pdf``)."""
    return _("terms-of-sale-v%(num)d.pdf", num=number)


def pdf_of(version: PolicyVersion, language: str) -> bytes:
    """The PDF of ``version`` in ``language`` ("sq"/"en"), with today's trader details."""
    with force_locale(LOCALES.get(language, LOCALES["sq"])):
        who = trader.details()
        # Kept per process: WeasyPrint takes about a second, and every order's confirmation
        # carries it. The key holds everything the page shows.
        return _rendered(version.version, version.localized("body", language),
                         version.effective_from, language,
                         tuple(str(value) for value in astuple(who)))


@lru_cache(maxsize=16)
def _rendered(number, body, effective_from, language, _trader_key) -> bytes:
    with force_locale(LOCALES.get(language, LOCALES["sq"])):
        return pdf.render("terms", number=number, body=body, effective_from=effective_from,
                          trader=trader.details())


#: Languages whose terms this process has rendered (see ``warm``).
_warmed: set[str] = set()


def warm(language: str, today) -> None:
    """Render the terms in force into this process's cache before the first confirmation.

    The first render takes about a second; the job consumer (``flask jobs``), which composes
    the confirmations, calls this when it starts. Web workers need the PDF for no order: the
    confirmation is composed after the order's commit, by the job. Once per process and
    language: a newer version is rendered by the first confirmation that needs it.
    """
    if language in _warmed:
        return
    number = services.state(today, TERMS).in_force
    version = services.version(number, TERMS) if number is not None else None
    if version is not None:
        pdf_of(version, language)
        _warmed.add(language)


def confirmation_attachments(_app, order) -> list[mail.Attachment]:
    """Answer ``orders.signals.confirmation_attachments``: the terms the order was made on.

    An order placed without the review page (a tool, an old order) gets the version that was
    in force on its day. Only reads: the question is asked while the confirmation is composed.
    """
    number = order.terms_version
    if number is None:
        placed = order.created_at
        placed = placed if placed.tzinfo else placed.replace(tzinfo=UTC)  # SQLite drops it
        number = services.state(shop_day(placed), TERMS).in_force
    version = services.version(number, TERMS) if number is not None else None
    if version is None:
        return []
    with force_locale(LOCALES.get(order.language, LOCALES["sq"])):
        name = filename(version.version)
    return [mail.Attachment(name, pdf_of(version, order.language))]
