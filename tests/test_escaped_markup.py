"""No page shows escaped markup as text (issue 15): the consent to the privacy policy printed
``<a href="/privacy" …>`` as text on the register page, so nobody could open the policy.

A walk over every GET page of the URL map (as tests/test_query_budget.py walks them) as a
visitor, a customer who still has to accept the policy in force (so the checkout shows the
consent) and the owner, in Albanian and English.
"""

from __future__ import annotations

import re

import pytest

from .test_query_budget import page_urls, shop  # noqa: F401  (shop is a fixture)

#: Tags our messages or templates could carry, escaped: they would show up as text.
ESCAPED_TAG = re.compile(r"&lt;/?(a|strong|em|b|i|br|p|span|abbr|code|ul|li)[\s>/&]", re.I)
#: Text escaped twice (a translation escaped once more on its way): "&amp;amp;", "&amp;#39;".
TWICE_ESCAPED = re.compile(r"&amp;(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", re.I)


def escaped_markup(client, urls, lang: str) -> dict[str, list[str]]:
    """Return url -> the escaped tags found on that page (pages that answer 200)."""
    found = {}
    for url in urls:
        response = client.get(url, headers={"Cookie": f"lang={lang}"})
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        hits = [match.group(0) for pattern in (ESCAPED_TAG, TWICE_ESCAPED)
                for match in pattern.finditer(response.text)]
        if hits:
            found[url] = hits
    return found


def forget_policy_acceptance(app, user) -> None:
    from lesnamax.account.models import User
    from lesnamax.extensions import db
    from lesnamax.privacy.models import PRIVACY_POLICY, ConsentRecord

    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == user.email))
        db.session.execute(db.delete(ConsentRecord).where(
            ConsentRecord.user_id == user_id, ConsentRecord.purpose == PRIVACY_POLICY))
        db.session.commit()


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_visitor_pages_show_no_escaped_markup(app, shop, lang):  # noqa: F811
    visitor = app.test_client()
    urls = page_urls(app, shop["values"])
    assert "/account/register" in urls
    assert escaped_markup(visitor, urls, lang) == {}


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_customer_pages_show_no_escaped_markup(app, client, shop, lang):  # noqa: F811
    forget_policy_acceptance(app, shop["user"])
    review = client.get("/checkout/review", headers={"Cookie": f"lang={lang}"})
    assert 'name="accept_policy"' in review.text  # the consent is on the walked page
    assert escaped_markup(client, page_urls(app, shop["values"]), lang) == {}


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_admin_pages_show_no_escaped_markup(app, client, shop, login, lang):  # noqa: F811
    client.post("/account/logout")
    login(shop["admin"])
    assert client.get("/admin/").status_code == 200
    assert escaped_markup(client, page_urls(app, shop["values"]), lang) == {}


@pytest.mark.parametrize("lang, label, text", [
    ("sq", "E kam lexuar dhe e pranoj", "politikën e privatësisë"),
    ("en", "I have read and accept the", "privacy policy"),
])
def test_the_register_consent_links_to_the_policy(client, lang, label, text):
    html = client.get(f"/account/register?lang={lang}").text
    link = re.search(r'<label for="accept_policy">([^<]*)<a href="/privacy"[^>]*>([^<]*)</a>', html)
    assert link is not None, html[html.find("accept_policy"):][:400]
    assert link.group(1).startswith(label) and link.group(2) == text


def test_translated_text_is_escaped_and_values_stay_escaped(app):
    """A message is text even in a template; only markup passed in as a value is markup."""
    with app.test_request_context("/?lang=en"):
        template = app.jinja_env.from_string(
            '{% set link %}<a href="/x">{{ _("privacy policy") }}</a>{% endset %}'
            '{{ _("I have read and accept the %(link)s.", link=link) }}|'
            '{{ _("Order %(number)s", number="<b>1</b>") }}|{{ _("100%% & <b>") }}')
        assert template.render() == (
            'I have read and accept the <a href="/x">privacy policy</a>.|'
            'Order &lt;b&gt;1&lt;/b&gt;|100% &amp; &lt;b&gt;')
