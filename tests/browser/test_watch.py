"""A control for the watch every browser test runs under: it must report what it claims to."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from .support import Watch


def test_watch_reports_foreign_requests_csp_violations_and_script_errors(
    browser: Browser, browser_context_args, live_server: str
):
    watch = Watch(live_server)
    context = watch.attach(browser.new_context(**browser_context_args))
    page = context.new_page()
    page.goto("/")
    watch.check()  # the home page on its own is clean

    # The same shop under another name is another origin.
    page.goto(live_server.replace("127.0.0.1", "localhost") + "/cmimore")
    # The CSP refuses a third-party image (and says so in the console).
    with page.expect_console_message(lambda m: m.type == "error"):
        page.evaluate("""() => { const img = document.createElement("img");
                                 img.src = "https://cdn.example.invalid/pixel.gif";
                                 document.body.append(img); }""")
    with page.expect_event("pageerror"):
        page.evaluate("() => { setTimeout(() => { throw new Error('boom from a test'); }); }")
    context.close()

    with pytest.raises(AssertionError) as failure:
        watch.check()
    report = str(failure.value)
    assert "left the shop's origin" in report and "//localhost:" in report
    assert "Content Security Policy" in report
    assert "boom from a test" in report
