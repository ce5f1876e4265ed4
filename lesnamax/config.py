"""Settings from the environment (``LESNAMAX_*``) with safe development defaults."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def _dev_secret_key(instance_path: Path) -> str:
    """Return a key generated once into ``instance/`` so dev sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def defaults(instance_path: Path) -> dict:
    """Return the defaults; each key can be overridden with ``LESNAMAX_<KEY>``."""
    return {
        "DATABASE_URL": f"sqlite:///{instance_path / 'lesnamax.sqlite'}",
        "REDIS_URL": "",
        "BASE_URL": "http://127.0.0.1:5000",
        # "live" in production; "sandbox" (the local bank page) only in development. Unset, a
        # debug or testing app uses the sandbox and any other start is refused (check_bank).
        "BANK_MODE": "",
        "MEDIA_ROOT": str(instance_path / "media"),
        "IP_RETENTION_DAYS": 365,
        # How many reverse proxies (nginx) stand in front of the app. Their X-Forwarded-For
        # gives the customer's address (recorded IPs, per-address login limits); 0 ignores
        # the header, so nobody can fake an address when the app is reached directly.
        "TRUSTED_PROXIES": 0,
        "PRODUCTS_PER_PAGE": 24,
        # Catalogue pages for visitors who are not logged in (lesnamax/pagecache.py): the
        # catalogue stamp keeps them right; the time limit only bounds edits made outside the
        # app. 0 turns the page cache off. The bytes are per worker process.
        "PAGE_CACHE_SECONDS": 300,
        "PAGE_CACHE_BYTES": 64 * 1024 * 1024,
        # Where the catalogue stamp lives without Redis; empty = next to the SQLite file.
        "CACHE_STAMP_FILE": "",
        "BABEL_DEFAULT_LOCALE": "sq_XK",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Belgrade",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Long enough for any honest search, short enough to keep FTS queries cheap.
        "SEARCH_MAX_LENGTH": 100,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # Uploads (admin images and CSV files): the whole request, then per kind.
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "IMAGE_MAX_BYTES": 10 * 1024 * 1024,
        "IMAGE_MAX_PIXELS": 40_000_000,
        "CSV_MAX_ROWS": 100_000,
        #: Validated CSV uploads wait here until the owner confirms them.
        "IMPORT_DIR": str(instance_path / "imports"),
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_DEFAULT_SENDER": "LESNA MAX <online.lesnamax@gmail.com>",
        "MAIL_OUTBOX": str(instance_path / "outbox"),
        # A mailbox whose messages the owner reads as unsubscribe requests: named next to the
        # https link in every newsletter's List-Unsubscribe header when set (RFC 2369).
        "NEWSLETTER_UNSUBSCRIBE_MAILTO": "",
        # The job queue (lesnamax/jobs.py): Redis when REDIS_URL is set, else this SQLite file.
        "JOBS_FILE": str(instance_path / "jobs.sqlite"),
        # Run every job at once inside the call that queues it, with no consumer (the tests).
        "JOBS_IMMEDIATE": False,
        # An e-mail that could not be sent waits this long, then twice that, … (at most 4 h),
        # and is given up after MAIL_MAX_ATTEMPTS tries (about 16 h with these values).
        "MAIL_RETRY_SECONDS": 60,
        "MAIL_MAX_ATTEMPTS": 12,
        # Sent (or given-up) messages stay in the outbox table this long: they hold addresses
        # and sign-in links.
        "OUTBOX_KEEP_DAYS": 30,
        "PASSWORD_RESET_MAX_AGE": 3600,
        # Argon2id cost of a password hash (account/services.py): argon2-cffi's defaults, RFC
        # 9106's low-memory choice. Each hash carries its parameters, so a change rehashes at
        # the next login. The tests set the lowest cost (tests/conftest.py), never production.
        "PASSWORD_HASH_TIME_COST": 3,
        "PASSWORD_HASH_MEMORY_COST": 65536,  # KiB (64 MiB)
        "PASSWORD_HASH_PARALLELISM": 4,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        # Wrong passwords (Flask-Limiter syntax; account/throttle.py): per account from one
        # address, per address, and per account from anywhere (keeps brute force out of reach).
        # The owner always gets in: a browser they logged in from counts on its own, and a
        # one-time sign-in link by e-mail (SIGNIN_LINK_MAX_AGE seconds) works whatever the counts.
        # A link lives at least as long as the mail cap's window (ACCOUNT_MAILS_LIMIT): whenever
        # the cap refuses a new link, one sent within that window is still valid in the inbox.
        "LOGIN_LIMIT_PER_IP": "20 per 10 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 10 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE": "30 per day",
        # Every POST to the login page from one address, counted or refused (a coarse limit:
        # refused attempts cost the sender something too).
        "LOGIN_REQUESTS_PER_IP": "60 per minute",
        # Registrations sent from one address.
        "REGISTER_REQUESTS_PER_IP": "10 per hour",
        "SIGNIN_LINK_MAX_AGE": 3600,
        # Account mails (sign-in links, "someone registered your address") per mailbox and kind.
        "ACCOUNT_MAILS_LIMIT": "3 per hour",
        # The contact form (lesnamax/contact/): messages from one address (Flask-Limiter
        # syntax), messages per e-mail address or phone number from anywhere, the seconds a
        # person needs at least to fill it in (a robot posts at once), and how long messages are
        # kept before the hourly housekeeping deletes them (the privacy page states it).
        "CONTACT_REQUESTS_PER_IP": "5 per hour",
        "CONTACT_LIMIT_PER_ADDRESS": "3 per day",
        "CONTACT_MIN_SECONDS": 3,
        "CONTACT_RETENTION_MONTHS": 12,
        # "Tell me when it is back" (lesnamax/account/stock_alerts.py): requests from one IP
        # address, requests for one e-mail address from anywhere (nobody floods a stranger's
        # inbox), the most a single address may have waiting, and the days a request is kept.
        "STOCK_ALERT_REQUESTS_PER_IP": "10 per hour",
        "STOCK_ALERT_LIMIT_PER_ADDRESS": "5 per day",
        "STOCK_ALERT_MAX_WAITING": 20,
        "STOCK_ALERT_DAYS": 90,
        # A registration waits this long (seconds) for its e-mail to be confirmed.
        "REGISTRATION_MAX_AGE": 24 * 3600,
        # --- The shop's settings until the owner first saves /admin/settings ---------------
        # The one place these values are written (tests/test_no_literals.py keeps it so):
        # lesnamax/shopsettings.py seeds its row and the first store from them, and reads them
        # while no row exists. LESNAMAX_* environment variables override them as usual.
        "SHOP_LEGAL_NAME": "LESNA ING",
        "SHOP_TRADE_NAME": "LESNA MAX",
        "SHOP_NRB": "",  # Numri i Regjistrimit të Biznesit: the owner types it in
        "SHOP_NF": "",  # Numri Fiskal
        "SHOP_VAT_NUMBER": "",
        "SHOP_ADDRESS_SQ": "Magjistralja Prishtinë – Fushë Kosovë",
        "SHOP_ADDRESS_EN": "Prishtinë – Fushë Kosovë highway",
        "SHOP_PHONE": "+383 44 779 977",
        "SHOP_EMAIL": "online.lesnamax@gmail.com",
        "SHOP_VIBER": "+383 44 779 977",
        "SHOP_WHATSAPP": "+383 44 779 977",
        # The shop's own theme (KOSOVO.md §4.1).
        "SHOP_HOURS_SQ": "E hënë – e premte: 08:00–20:00\nE shtunë – e diel: 09:00–18:00",
        "SHOP_HOURS_EN": "Monday – Friday: 08:00–20:00\nSaturday – Sunday: 09:00–18:00",
        # Delivery: near the shop (Prishtinë – Fushë Kosovë) is cheaper; "*" is everywhere else.
        "DELIVERY_FEES_CENTS": {
            "prishtine": 250, "fushe-kosove": 250, "obiliq": 250, "gracanice": 250,
            "lipjan": 350, "*": 500,
        },
        # Working days from order to door, [fewest, most], by municipality; "*" for the rest.
        "DELIVERY_DAYS": {
            "prishtine": [1, 2], "fushe-kosove": [1, 2], "obiliq": [1, 2], "gracanice": [1, 2],
            "lipjan": [1, 3], "*": [2, 5],
        },
        # Checkout's delivery day, by municipality ("*" for the rest): the days of the week the
        # van goes there (ISO numbers, "123456" is Monday to Saturday), the working days from
        # the order to the first day offered, and the orders one day takes.
        "DELIVERY_SCHEDULE": {
            "prishtine": ["123456", 1, 12], "fushe-kosove": ["123456", 1, 6],
            "obiliq": ["246", 1, 4], "gracanice": ["246", 1, 4], "lipjan": ["135", 2, 4],
            "*": ["25", 2, 8],
        },
        "FREE_DELIVERY_FROM_CENTS": 15000,
        # Kosovo's VAT (Law 05/L-037): standard, and reduced (basic food, utilities).
        "VAT_STANDARD_PERCENT": 18,
        "VAT_REDUCED_PERCENT": 8,
        # The showroom seeded as the first store (its place on the highway is approximate:
        # the owner corrects it in /admin/settings/stores).
        "SHOP_STORES": [{
            "name": "LESNA MAX", "address_sq": "Magjistralja Prishtinë – Fushë Kosovë",
            "address_en": "Prishtinë – Fushë Kosovë highway", "phone": "+383 44 779 977",
            "latitude": "42.6497", "longitude": "21.1290",
        }],
        # Instalment plans seeded with the settings (lesnamax/instalments.py), off unless named:
        # "TEB:3,6,12:300:0;BKT:3,6:200:2.5" = bank:counts:minimum €:fee %.
        "INSTALMENT_PLANS": "",
        # The sandbox bank's own floor for instalments (a real bank has one): below it, a
        # request with an Instalment number is refused, whatever the shop's settings say.
        "SANDBOX_INSTALMENT_MIN_CENTS": 10000,
        # NestPay 3D Pay Hosting (BANK-PORTAL.md). Sandbox values are the protocol's test data.
        "NESTPAY_CLIENT_ID": "190100000",
        "NESTPAY_STORE_KEY": "TEST1234",
        "NESTPAY_GATE_URL": "",
        "NESTPAY_ACCEPTED_MD_STATUS": "1",
        # The bank's XML API (status, void, refund: payments/bankapi.py). An API user is not the
        # store key: the bank creates it, with the "API" role, in the NestPay Merchant Center.
        # Empty in sandbox mode: the sandbox bank's /fim/api and its own test user are used.
        "NESTPAY_API_URL": "",
        "NESTPAY_API_USER": "",
        "NESTPAY_API_PASSWORD": "",
        #: Seconds to wait for the bank's API. No retry follows: a repeated Credit could refund
        #: twice, so a timeout is reported as "unknown" and the owner asks the bank first.
        "NESTPAY_API_TIMEOUT": 15,
        #: Minutes a card payment may stay unanswered before purge-expired gives up on it.
        "PAYMENT_EXPIRY_MINUTES": 30,
    }


def load(app, test_config: dict | None) -> None:
    """Fill ``app.config``: defaults, then environment, then the test mapping."""
    app.config.from_mapping(defaults(Path(app.instance_path)))
    app.config.from_prefixed_env("LESNAMAX")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _dev_secret_key(Path(app.instance_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(
        app.config.get("SQLALCHEMY_DATABASE_URI") or app.config["DATABASE_URL"]
    )
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _check_bank(app.config)
    # Flask-Limiter: Redis when REDIS_URL is set, otherwise the database (lesnamax/ratelimit.py);
    # both are shared by every worker, so the documented limits hold with several of them.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "database://")
    app.config["PREFERRED_URL_SCHEME"] = "https" if app.config["SESSION_COOKIE_SECURE"] else "http"


def _normalise_db_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: NestPay's public test store (BANK-PORTAL.md): anyone can sign a reply with its key.
TEST_CLIENT_ID = "190100000"
#: The banks' shared test gateways: their approvals move no money.
TEST_GATEWAY_HOSTS = frozenset({"entegrasyon.asseco-see.com.tr"})
#: The sandbox bank's API user (payments/sandbox_api.py): public, so refused in live mode.
SANDBOX_API_USER = "LESNAMAXAPI"
SANDBOX_API_PASSWORD = "TEST1234"
SANDBOX_API_PATH = "/sandbox-bank/fim/api"


def _is_loopback(host: str) -> bool:
    """This machine: localhost, a loopback address or the unspecified one (0.0.0.0, ::)."""
    host = host.lower().rstrip(".").strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: only DNS could tell, and the bank's own hosts are names
    return address.is_loopback or address.is_unspecified


def _check_bank(config) -> None:
    """Refuse to start with a bank set-up that would take fake payments as real ones.

    The sandbox signs "Approved" replies with the public test key, so it may exist only in
    development: a debug or testing app, or ``BANK_MODE=sandbox`` chosen on purpose for a shop
    that is not served over https. Live mode refuses the public test store, the test
    gateways, and a ``BASE_URL`` the bank cannot reach (http or loopback).
    """
    mode = config["BANK_MODE"]
    development = bool(config.get("DEBUG") or config.get("TESTING"))
    base = urlsplit(str(config.get("BASE_URL") or ""))
    if not mode and development:
        mode = config["BANK_MODE"] = "sandbox"
    if not mode:
        raise RuntimeError(
            "LESNAMAX_BANK_MODE is not set: 'live' in production, or 'sandbox' for a local "
            "development shop with an http BASE_URL (flask --debug picks the sandbox itself)"
        )
    if mode not in {"sandbox", "live"}:
        raise RuntimeError(
            "LESNAMAX_BANK_MODE must be 'live' (production) or 'sandbox' (development only)"
        )
    if mode == "sandbox":
        if not development and base.scheme == "https":
            raise RuntimeError(
                "LESNAMAX_BANK_MODE=sandbox is for development only, but LESNAMAX_BASE_URL is "
                "https: set LESNAMAX_BANK_MODE=live for a public shop"
            )
        if not config.get("NESTPAY_API_URL"):
            config["NESTPAY_API_URL"] = str(config.get("BASE_URL") or "").rstrip("/") + (
                SANDBOX_API_PATH
            )
        config["NESTPAY_API_USER"] = config.get("NESTPAY_API_USER") or SANDBOX_API_USER
        config["NESTPAY_API_PASSWORD"] = config.get("NESTPAY_API_PASSWORD") or SANDBOX_API_PASSWORD
        return
    if not config.get("NESTPAY_GATE_URL") or config.get("NESTPAY_STORE_KEY") in {"", "TEST1234"}:
        raise RuntimeError(
            "BANK_MODE=live needs LESNAMAX_NESTPAY_GATE_URL, LESNAMAX_NESTPAY_CLIENT_ID and a "
            "real LESNAMAX_NESTPAY_STORE_KEY"
        )
    if str(config.get("NESTPAY_CLIENT_ID") or "") in {"", TEST_CLIENT_ID}:
        raise RuntimeError(
            f"BANK_MODE=live refuses LESNAMAX_NESTPAY_CLIENT_ID={TEST_CLIENT_ID!r} (the public "
            "test store): set the client id the bank gave the shop"
        )
    gate = urlsplit(str(config["NESTPAY_GATE_URL"]))
    gate_host = (gate.hostname or "").lower()
    if gate.scheme != "https" or gate_host in TEST_GATEWAY_HOSTS or _is_loopback(gate_host):
        raise RuntimeError(
            "BANK_MODE=live needs the bank's live https LESNAMAX_NESTPAY_GATE_URL, not a test "
            f"or local gateway ({gate_host or 'no host'})"
        )
    if base.scheme != "https" or _is_loopback(base.hostname or ""):
        raise RuntimeError(
            "BANK_MODE=live needs LESNAMAX_BASE_URL to be the shop's public https address "
            "(the bank sends customers and its callback there)"
        )
    _check_live_api(config)


def _check_live_api(config) -> None:
    """The API is optional (a shop can take payments without it; refunds then wait), but when
    it is set it must be the bank's live https API with a real API user."""
    url = str(config.get("NESTPAY_API_URL") or "")
    if not url:
        return
    api = urlsplit(url)
    api_host = (api.hostname or "").lower()
    if api.scheme != "https" or api_host in TEST_GATEWAY_HOSTS or _is_loopback(api_host):
        raise RuntimeError(
            "BANK_MODE=live needs the bank's live https LESNAMAX_NESTPAY_API_URL, not a test "
            f"or local one ({api_host or 'no host'})"
        )
    user = str(config.get("NESTPAY_API_USER") or "")
    password = str(config.get("NESTPAY_API_PASSWORD") or "")
    if not user or not password or password == SANDBOX_API_PASSWORD:
        raise RuntimeError(
            "BANK_MODE=live with LESNAMAX_NESTPAY_API_URL needs LESNAMAX_NESTPAY_API_USER and a "
            "real LESNAMAX_NESTPAY_API_PASSWORD (the API user the bank created for the shop)"
        )
