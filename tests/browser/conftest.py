"""Real-browser tests: Debian Chromium driven by Playwright against a live shop.

The shop runs once per session on 127.0.0.1 (a free port) over a migrated SQLite file filled
with the demo catalogue. Every browser context the tests use is watched (``support.Watch``):
a request to another origin, a console error (CSP violations included), an uncaught script
error or a 5xx response fails the test that caused it.

Never run ``playwright install``: the tests use the system Chromium (``make test-deps``).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from lesnamax import create_app, demo
from lesnamax.extensions import db

from ..conftest import base_config, migrate
from . import support
from .support import Shelf, Stocked, Watch

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Small pages so that 60 demo products make 5 pages of listing.
PER_PAGE = 12
DEMO_PRODUCTS = 60


class QuietHandler(WSGIRequestHandler):
    """Keep the per-request access log out of the test output (errors still print)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'shop.sqlite'}"
    migrate(url, tmp)
    app = create_app(
        {
            **base_config(url, tmp),
            "PRODUCTS_PER_PAGE": PER_PAGE,
            # A real browser sends the tokens the pages carry: check them as production does.
            "WTF_CSRF_ENABLED": True,
            # The e-mails the shop sends, as .eml files (the default is the repo's instance/).
            "MAIL_OUTBOX": str(tmp / "outbox"),
            # Every browser test registers its customer from 127.0.0.1 on this one shop.
            "REGISTER_REQUESTS_PER_IP": "10000 per hour",
        }
    )
    with app.app_context():
        demo.seed(tmp / "media", DEMO_PRODUCTS)
    support.OUTBOX = Path(app.config["MAIL_OUTBOX"])  # registering reads its link there
    yield app
    with app.app_context():
        db.engine.dispose()


def buffered(app):
    """Read each response whole and close it before the server writes it out.

    Werkzeug's development server skips ``close()`` on the response when the browser resets
    the connection (it does when it leaves a page while lazy images still load), which leaks
    the image file that ``send_file`` opened: a ResourceWarning, an error under
    ``filterwarnings = error``. Production servers (gunicorn) do close; bodies here are small.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


#: Paths the live server answers only after a pause (seconds); see the ``slow_path`` fixture.
PAUSES: dict[str, float] = {}


def paused(app):
    """Wait before handling a request to a path in ``PAUSES`` (a slow network or server)."""

    def wsgi(environ, start_response):
        pause = PAUSES.get(environ.get("PATH_INFO", ""))
        if pause:
            time.sleep(pause)
        return app(environ, start_response)

    return wsgi


@pytest.fixture
def slow_path(live_server):
    """Make the live shop wait before answering requests to a path (for this test only).

    A second click reaches the server only if the first request is still being answered:
    a local shop answers faster than any person double-clicks.
    """

    def slow(path: str, seconds: float) -> None:
        PAUSES[path] = seconds

    yield slow
    PAUSES.clear()


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server(
        "127.0.0.1", 0, paused(buffered(live_app)), threaded=True, request_handler=QuietHandler
    )
    url = f"http://127.0.0.1:{server.server_port}"
    # The card payment builds absolute addresses from BASE_URL (the bank form's action, its
    # okUrl/failUrl/callbackUrl) and so do e-mails: they must lead back to this very server.
    live_app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def outbox(live_app) -> Path:
    """The folder the live shop writes its e-mails to (read them with ``support.emails_to``)."""
    return Path(live_app.config["MAIL_OUTBOX"])


@pytest.fixture(scope="session")
def shelf(live_app) -> Shelf:
    """The demo products in the listing's order, handed out so that no two tests buy the same.

    The live database is shared by the whole session: a test that buys a product changes its
    stock for every later test. Each buying test takes its own products from the shelf.
    """
    from sqlalchemy import select

    from lesnamax.catalogue.models import Product

    with live_app.app_context():
        rows = db.session.scalars(
            select(Product)
            .where(Product.active.is_(True))
            .order_by(Product.created_at.desc(), Product.id.desc())  # the listing's default
        ).all()
        products = [
            # The price charged today: a demo product may be on sale.
            Stocked(p.id, p.name_sq, p.slug, p.today.price_cents, p.stock, i // PER_PAGE + 1)
            for i, p in enumerate(rows)
        ]
    return Shelf(products)


@pytest.fixture(scope="session")
def stock_of(live_app):
    """Read a product's stock from the live shop's database now."""
    from lesnamax.catalogue.models import Product

    def read(product: Stocked) -> int:
        with live_app.app_context():
            return db.session.get(Product, product.id).stock

    return read


# --- pytest-playwright overrides -------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, base_url):
    # Chromium sends Accept-Language from the locale: an Albanian (Kosovo) visitor.
    return {**browser_context_args, "base_url": base_url, "locale": "sq-XK"}


# --- the watch on every context --------------------------------------------------------------


@pytest.fixture
def watch(live_server):
    return Watch(live_server)


@pytest.fixture
def context(context, watch):
    return watch.attach(context)


@pytest.fixture
def nojs_page(browser, browser_context_args, watch):
    """A page in a context with JavaScript disabled (the shop must work without it)."""
    context = watch.attach(browser.new_context(**browser_context_args, java_script_enabled=False))
    yield context.new_page()
    context.close()


@pytest.fixture
def new_context(browser, browser_context_args, watch):
    """Open more watched contexts in one test (another device of the same customer)."""
    contexts = []

    def make(**kwargs):
        context = watch.attach(browser.new_context(**{**browser_context_args, **kwargs}))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # Check the watch as part of the test itself, so that a stray request or console error
    # is reported as that test's failure (not as an error in some fixture's teardown).
    result = yield
    watch = item.funcargs.get("watch")
    if watch is not None:
        watch.check()
    return result
