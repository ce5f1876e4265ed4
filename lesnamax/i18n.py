"""Locale selection: ``?lang=`` > cookie > user preference > Accept-Language > sq_XK."""

from __future__ import annotations

from functools import cache, lru_cache

from babel.core import Locale
from flask import g, has_app_context, request
from flask_babel import get_locale, get_translations, gettext
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header


class LazyText(LazyString):
    """A lazy translation that templates escape like any other text.

    Flask-Babel's LazyString tells Jinja it is markup already (its ``__html__`` returns it as
    it is), the values put into it included: a CSV file's column name or an upload's file name
    in a message was rendered as HTML (found by tests/test_fuzz.py). Our messages hold no markup.
    """

    def __html__(self) -> Markup:
        return escape(str(self))


def _l(string: str, **variables) -> LazyText:
    """``lazy_gettext`` for messages made before the request's language is known."""
    return LazyText(gettext, string, **variables)

#: Language code people see in URLs and cookies -> Babel locale we format with.
# sq_XK, not plain sq: plain sq formats times on a 12-hour clock (KOSOVO.md §1.2).
LOCALES = {"sq": "sq_XK", "en": "en"}
DEFAULT = "sq"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """Pick the locale for this request (the Flask-Babel selector)."""
    return LOCALES[choose_code(request, getattr(g, "user_lang", None))]


def choose_code(req, user_lang: str | None = None) -> str:
    """Return the language code for ``req`` (a Flask or plain Werkzeug request)."""
    code = req.args.get("lang", "")
    if code not in LOCALES:
        code = req.cookies.get(COOKIE)
    if code not in LOCALES:
        code = user_lang
    if code not in LOCALES:
        code = _from_accept_language(req.headers.get("Accept-Language", ""))
    return code


@lru_cache(maxsize=512)
def _from_accept_language(header: str) -> str:
    # Werkzeug's best_match tries exact tags first, so "sq-AL, en;q=0.8" would pick "en"
    # against our "sq_XK"; match on the primary subtag instead (KOSOVO.md §1.5). Browsers
    # send a handful of distinct headers, so each is parsed once per process.
    for value, _quality in parse_accept_header(header, LanguageAccept):
        primary = value.replace("_", "-").split("-")[0].lower()
        if primary in LOCALES:
            return primary
    return DEFAULT


def current_code() -> str:
    """Return ``"sq"`` or ``"en"`` for the current request."""
    return _language(str(get_locale()))


@cache
def _language(locale: str) -> str:
    return Locale.parse(locale).language


def html_lang() -> str:
    """Return the BCP 47 tag for ``<html lang>``: ``sq-XK`` or ``en``."""
    return str(get_locale()).replace("_", "-")


def _translations():
    """The request's translations, looked up once per locale instead of once per string.

    Flask-Babel's own lookup costs two context lookups, a Locale → str and a dict lookup for
    every string; a page has a few hundred. Keyed on the Locale object itself, so
    ``force_locale`` (e-mails in the customer's language) and ``refresh`` are followed.
    """
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    cached = g.get("_lesnamax_translations")
    if cached is None or cached[0] is not locale:
        cached = g._lesnamax_translations = (locale, get_translations())
    return cached[1]


def install_template_gettext(app) -> None:
    """Let templates translate through ``_translations`` (after Babel's init_app).

    Jinja's own newstyle gettext takes a translation as markup in an HTML template; ours
    escapes it, so a message is text and the only markup is what the template passes in as
    a value (a ``{% set %}`` block or a macro's output, see templates/privacy/_consent.html).
    The values are escaped by Markup's ``%`` as before, markup values excepted.
    """
    # The i18n extension (added by Flask-Babel) reads these globals; newstyle so that
    # {% trans %} blocks format the same way.
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(gettext=_template_gettext, ngettext=_template_ngettext,
                                 pgettext=_template_pgettext, npgettext=_template_npgettext)


def _formatted(context, text: str, variables: dict):
    # Jinja's newstyle rule kept: always a format string, so "%%" means "%" everywhere.
    if context.eval_ctx.autoescape:
        return escape(text) % variables
    return text % variables


@pass_context
def _template_gettext(context, string: str, **variables):
    return _formatted(context, _translations().ugettext(string), variables)


@pass_context
def _template_ngettext(context, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    return _formatted(context, _translations().ungettext(singular, plural, num), variables)


@pass_context
def _template_pgettext(context, ctx: str, string: str, **variables):
    variables.setdefault("context", ctx)
    return _formatted(context, _translations().upgettext(ctx, string), variables)


@pass_context
def _template_npgettext(context, ctx: str, singular: str, plural: str, num: int, **variables):
    variables.setdefault("context", ctx)
    variables.setdefault("num", num)
    return _formatted(context, _translations().unpgettext(ctx, singular, plural, num), variables)
