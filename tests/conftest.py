"""Fixtures: a migrated database per test (a SQLite file copy, or a real PostgreSQL).

``pytest --db=postgresql`` runs the same tests against a PostgreSQL server started here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import time
from types import SimpleNamespace

import flask_migrate
import pytest
from sqlalchemy import create_engine, event, text

from lesnamax import create_app
from lesnamax.account.models import User
from lesnamax.catalogue.models import Category, Product, ProductImage
from lesnamax.database import import_models
from lesnamax.extensions import db

from .fast import CHEAP_PASSWORD_HASH, slowest_first
from .pg import PostgresServer

# The shop's day is Prishtinë's (lesnamax/shoptime.py); the tests' date.today() means the same
# day. Between 23:00 and midnight UTC (CI may run then) the machine's UTC day is a day behind
# and two dozen tests disagreed with the shop about "today". The servers and browsers the
# tests start inherit it too.
os.environ["TZ"] = "Europe/Belgrade"
time.tzset()


def pytest_collection_modifyitems(config, items):
    slowest_first(items)


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="database engine for the tests",
    )


def base_config(url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BASE_URL": "http://shop.test",
        "CACHE_STAMP_FILE": str(tmp_path / "catalogue.stamp"),
        # Each test reads its own mails (registration is finished from one).
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        # Jobs run at once, inside the commit that queues them: an e-mail's .eml is in
        # MAIL_OUTBOX when the request returns. Tests of the real consumer turn this off.
        "JOBS_IMMEDIATE": True,
        **CHEAP_PASSWORD_HASH,
    }


def migrate(url: str, tmp_path) -> None:
    """Build the schema the way production does: by running every migration."""
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def engine_name(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def migrated(engine_name, tmp_path_factory):
    """Return the URL of a migrated, empty database (a template file for SQLite)."""
    tmp = tmp_path_factory.mktemp("db")
    if engine_name == "sqlite":
        url = f"sqlite:///{tmp / 'template.sqlite'}"
        migrate(url, tmp)
        yield url
        return
    server = PostgresServer().start()
    try:
        url = server.create_database("lesnamax_test")
        migrate(url, tmp)
        yield url
    finally:
        for engine in _CLEANERS.values():
            engine.dispose()
        _CLEANERS.clear()
        server.stop()


def fresh_database(migrated: str, tmp_path) -> str:
    """Return a URL to an empty migrated database for one test.

    SQLite: a copy of the migrated file. PostgreSQL: the one test database, emptied.
    """
    if migrated.startswith("sqlite"):
        copy = tmp_path / "test.sqlite"
        shutil.copy(migrated.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    engine = _CLEANERS.get(migrated)
    if engine is None:
        engine = _CLEANERS[migrated] = create_engine(migrated)
    import_models()  # every table, whichever test comes first
    # Policy version 1 is data from a migration; keep it, drop what tests added.
    kept = {"policy_version"}
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in kept]
    with engine.begin() as connection:
        # Only the tables a test wrote to (rows, or a sequence it drew an id from): truncating
        # all of them took most of a short test's time. The result is the same: every table
        # empty, every id counting from 1 again.
        written = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
        )
        drawn = (
            "SELECT t.relname FROM pg_sequences s "
            "JOIN pg_class q ON q.relname = s.sequencename AND q.relkind = 'S' "
            "JOIN pg_depend d ON d.objid = q.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "WHERE s.schemaname = 'public' AND s.last_value IS NOT NULL"
        )
        dirty = set(connection.scalars(text(f"{written} UNION {drawn}"))) & set(tables)
        if dirty:
            names = ", ".join(f'"{name}"' for name in tables if name in dirty)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.execute(text("DELETE FROM policy_version WHERE version > 1"))
    return migrated


#: One engine per PostgreSQL test database for emptying it (closed with the server).
_CLEANERS: dict = {}


@pytest.fixture
def app(migrated, tmp_path):
    app = create_app(base_config(fresh_database(migrated, tmp_path), tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app():
    """Create extra apps (another config, a second "process"); their engines are closed after
    the test, so no connection is left for the garbage collector to complain about."""
    made = []

    def make(config: dict):
        created = create_app(config)
        made.append(created)
        return created

    yield make
    for created in made:
        with created.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class HxClient:
    """The same browser as ``client`` (same cookies), but every request comes from htmx."""

    def __init__(self, client):
        self._client = client

    def _send(self, method, *args, headers=None, **kwargs):
        headers = {"HX-Request": "true", **(headers or {})}
        return self._client.open(*args, method=method, headers=headers, **kwargs)

    def get(self, *args, **kwargs):
        return self._send("GET", *args, **kwargs)

    def post(self, *args, **kwargs):
        return self._send("POST", *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


@pytest.fixture
def hx(client):
    return HxClient(client)


@pytest.fixture
def make_category(app):
    counter = itertools.count(1)

    def make(**values) -> SimpleNamespace:
        n = next(counter)
        values.setdefault("slug", f"kategoria-{n}")
        values.setdefault("name_sq", f"Kategoria {n}")
        values.setdefault("name_en", f"Category {n}")
        values.setdefault("position", n)
        with app.app_context():
            category = Category(**values)
            db.session.add(category)
            db.session.commit()
            return SimpleNamespace(id=category.id, slug=category.slug, name_sq=category.name_sq)

    return make


@pytest.fixture
def make_product(app, make_category):
    counter = itertools.count(1)
    default_category: list[SimpleNamespace] = []

    def make(image: bool = True, **values) -> SimpleNamespace:
        n = next(counter)
        if "category_id" not in values:
            if not default_category:
                default_category.append(
                    make_category(
                        slug="te-ndryshme", name_sq="Të ndryshme", name_en="Miscellaneous"
                    )
                )
            values["category_id"] = default_category[0].id
        values.setdefault("name_sq", f"Produkt {n}")
        values.setdefault("name_en", f"Product {n}")
        values.setdefault("slug", f"produkt-{n}")
        values.setdefault("sku", f"SKU-{n:05d}")
        values.setdefault("price_cents", 1000 * n)
        values.setdefault("stock", 10)
        with app.app_context():
            product = Product(**values)
            if image:
                product.images.append(
                    ProductImage(key=f"img{n}", width=800, height=600, alt_sq=values["name_sq"])
                )
            db.session.add(product)
            db.session.commit()
            return SimpleNamespace(
                **{
                    c: getattr(product, c)
                    for c in (
                        "id",
                        "slug",
                        "sku",
                        "name_sq",
                        "name_en",
                        "price_cents",
                        "stock",
                        "category_id",
                    )
                }
            )

    return make


@pytest.fixture
def count_queries(app):
    """Use as ``with count_queries() as queries: ...``; ``queries`` lists the SQL run.

    ``count_queries(parameters=True)`` lists ``(statement, parameters)`` pairs instead.
    """

    @contextlib.contextmanager
    def counting(parameters: bool = False):
        statements: list = []

        def record(_conn, _cursor, statement, params, *_args):
            statements.append((statement, params) if parameters else statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


PASSWORD = "Sekret-i-gjate-2026"


@pytest.fixture
def make_user(app):
    """Register a customer through the service (as the form would); return its id and e-mail."""
    from datetime import date

    from lesnamax.account import services as accounts
    from lesnamax.privacy.models import AGE, MARKETING, PRIVACY_POLICY
    from lesnamax.web import Visit

    counter = itertools.count(1)

    def make(marketing: bool = False, **values) -> SimpleNamespace:
        n = next(counter)
        details = {
            "first_name": "Arta",
            "last_name": "Krasniqi",
            "email": f"arta{n}@example.test",
            "phone": "+38344123456",
            "street": "Rr. Bill Clinton, Nr. 33",
            "municipality": "prishtine",
            "postal_code": "10000",
            "password": PASSWORD,
            **values,
        }
        consents = {PRIVACY_POLICY: True, AGE: True, MARKETING: marketing}
        with app.app_context():
            user = accounts.register(
                details, consents, Visit("192.0.2.1", "pytest"), date.today()
            )
            return SimpleNamespace(id=user.id, email=user.email, password=details["password"])

    return make


@pytest.fixture
def login(client):
    """Log ``client`` in as ``user``; return the response."""

    def do(user, password: str | None = None, **extra):
        return client.post(
            "/account/login",
            data={"email": user.email, "password": password or user.password, **extra},
        )

    return do


@pytest.fixture
def make_admin(app, make_user):
    """A customer account given admin rights (it has accepted the policy like anyone)."""

    def make(**values) -> SimpleNamespace:
        user = make_user(**values)
        with app.app_context():
            db.session.get(User, user.id).is_admin = True
            db.session.commit()
        return user

    return make


@pytest.fixture
def admin(make_admin, login):
    """``client`` logged in as an admin; returns that admin (id, email, password)."""
    user = make_admin(first_name="Besa", email="pronari@example.test")
    login(user)
    return user
