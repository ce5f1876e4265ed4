"""The consent to the privacy policy links to the policy the customer accepts (issue 15).

The label printed its link as text (``<a href=…>``) in both languages; a customer must be able
to open the policy from the label, and the link opens it beside the form they are filling.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def consent_label(page: Page):
    return page.locator("label[for=accept_policy]")


def test_the_register_consent_opens_the_policy(page: Page):
    page.goto("/account/register")
    label = consent_label(page)
    expect(label).to_have_text("E kam lexuar dhe e pranoj politikën e privatësisë.")
    expect(label).not_to_contain_text("<a")
    with page.context.expect_page() as opened:
        label.get_by_role("link", name="politikën e privatësisë").click()
    policy = opened.value
    policy.wait_for_load_state()
    expect(policy).to_have_url(re.compile(r"/privacy$"))
    expect(policy.locator(".policy-meta")).to_contain_text("Versioni 1")
    # The form stays as it was: following the link did not tick the consent.
    expect(page.locator("#accept_policy")).not_to_be_checked()


def test_the_english_consent_opens_the_policy(page: Page):
    page.goto("/account/register?lang=en")
    label = consent_label(page)
    expect(label).to_have_text("I have read and accept the privacy policy.")
    with page.context.expect_page() as opened:
        label.get_by_role("link", name="privacy policy").click()
    opened.value.wait_for_load_state()
    expect(opened.value).to_have_url(re.compile(r"/privacy$"))
