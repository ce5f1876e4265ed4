"""The nginx file we ship (deploy/nginx/lesnamax.conf) works: Debian's nginx is started with it
on loopback in front of gunicorn, and customers' requests are checked through it (issue 6).

The shipped file holds production values (ports 80/443, /srv paths, the Let's Encrypt
certificate). The test swaps exactly the values in production_values() for throwaway ones and
includes the result in a minimal main nginx.conf standing in for Debian's /etc/nginx/nginx.conf
(which runs as www-data and logs to /var/log); everything else is tested as shipped.
"""

from __future__ import annotations

import gzip
import html
import http.client
import os
import re
import socket
import ssl
import subprocess
import time
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from lesnamax import create_app
from lesnamax.account.models import LoginEvent
from lesnamax.config import ROOT, defaults
from lesnamax.extensions import db

from .conftest import base_config, fresh_database
from .pg import free_port
from .test_two_processes import Shop

NGINX = "/usr/sbin/nginx"
SHIPPED = ROOT / "deploy" / "nginx" / "lesnamax.conf"
HOST = "lesnamax.com"
#: Far-future caching for files whose URL changes with their content.
FOREVER = "public, max-age=31536000, immutable"
#: A loopback address of the test's "customer"; nginx itself reaches gunicorn from 127.0.0.1.
CUSTOMER_IP = "127.0.0.2"
PICTURE = "0123456789abcdef0123-400.webp"
#: The page cache's lifetime in the test (production: 30 s).
LIFETIME = 2
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy",
                    "Strict-Transport-Security")


def production_values(tmp: Path, ports: SimpleNamespace) -> dict[str, str]:
    """What the test replaces in the shipped file, and with what. Nothing else is changed."""
    return {
        "listen 80;": f"listen 127.0.0.1:{ports.http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{ports.https} ssl http2;",
        # The test machine may have no IPv6; the IPv4 listens above are the ones checked.
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{ports.app};",
        "/etc/letsencrypt/live/lesnamax.com/": f"{tmp}/tls/",
        "/var/www/letsencrypt": f"{tmp}/acme",
        "/srv/lesnamax/app/static/": f"{ROOT}/static/",
        "/srv/lesnamax/media/": f"{tmp}/media/",
        "/var/cache/nginx/lesnamax": f"{tmp}/page-cache",
        # A short lifetime, so the test sees a change arrive without waiting half a minute.
        "proxy_cache_valid 200 404 30s;": f"proxy_cache_valid 200 404 {LIFETIME}s;",
    }


def render(tmp: Path, ports: SimpleNamespace) -> Path:
    text = SHIPPED.read_text()
    for production, test_value in production_values(tmp, ports).items():
        # A value renamed in the shipped file must be renamed here, not silently left live.
        assert production in text, f"{production!r} is no longer in {SHIPPED.name}"
        text = text.replace(production, test_value)
    assert not re.search(r"/srv/|/etc/letsencrypt|/var/cache|:8000|listen (80|443)\b", text)
    (tmp / "lesnamax.conf").write_text(text)
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp}/{kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root (CI) nginx would hand the workers to "nobody", who cannot read pytest's 0700
    # temp dirs; Debian's real nginx.conf says `user www-data` instead (docs/deploy.md).
    user = "user root;" if os.geteuid() == 0 else ""
    main = tmp / "nginx.conf"
    main.write_text(f"""{user}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    # Which requests nginx passed on to gunicorn: $upstream_addr is "-" for a cache hit.
    log_format upstream '$request_method $request_uri $upstream_cache_status $upstream_addr';
    access_log {tmp}/access.log upstream;
{temp_paths}
    include {tmp}/lesnamax.conf;
}}
""")
    return main


def self_signed_certificate(directory: Path) -> None:
    directory.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
         "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem")],
        check=True, capture_output=True)


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nginx did not start: {log.read_text()}") from None
            time.sleep(0.02)


@pytest.fixture(scope="module")
def stack(migrated, tmp_path_factory):
    """nginx with the shipped file in front of one gunicorn process of the shop."""
    if not os.access(NGINX, os.X_OK):
        raise RuntimeError(f"{NGINX} was not found; install Debian's nginx (make test-deps).")
    tmp = tmp_path_factory.mktemp("nginx")
    url = fresh_database(migrated, tmp)
    ports = SimpleNamespace(http=free_port(), https=free_port(), app=0)
    (tmp / "media" / "products").mkdir(parents=True)
    (tmp / "media" / "products" / PICTURE).write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(64))
    (tmp / "acme" / ".well-known" / "acme-challenge").mkdir(parents=True)
    (tmp / "acme" / ".well-known" / "acme-challenge" / "token-1").write_text("token-1.key\n")
    self_signed_certificate(tmp / "tls")
    env = {**os.environ, "LESNAMAX_DATABASE_URL": url, "LESNAMAX_SECRET_KEY": "behind-nginx",
           "LESNAMAX_MEDIA_ROOT": str(tmp / "media"), "LESNAMAX_MAIL_OUTBOX": str(tmp / "outbox"),
           "LESNAMAX_TRUSTED_PROXIES": "1", "LESNAMAX_BANK_MODE": "sandbox",
           # The stamp file the test's own app writes when it changes a product.
           "LESNAMAX_CACHE_STAMP_FILE": str(tmp / "catalogue.stamp"),
           # http on purpose: then only nginx's X-Forwarded-Proto can make the app add HSTS.
           "LESNAMAX_BASE_URL": f"http://{HOST}"}
    app = create_app(base_config(url, tmp))
    with open(tmp / "gunicorn.log", "wb") as log:
        shop = Shop(env, log)
        try:
            ports.app = shop.port
            conf = render(tmp, ports)
            command = [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")]
            nginx = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            try:
                shop.wait()
                wait_for_port(ports.https, nginx, tmp / "error.log")
                yield SimpleNamespace(tmp=tmp, ports=ports, command=command, app=app)
            finally:
                nginx.terminate()
                nginx.wait(10)
        finally:
            shop.stop()
            with app.app_context():
                db.engine.dispose()


def connect(stack, https: bool = True, source: str = CUSTOMER_IP) -> http.client.HTTPConnection:
    """A connection to nginx from ``source``, checking TLS as a browser at lesnamax.com would."""
    if not https:
        return http.client.HTTPConnection("127.0.0.1", stack.ports.http,
                                          source_address=(source, 0), timeout=30)
    context = ssl.create_default_context(cafile=stack.tmp / "tls" / "fullchain.pem")
    connection = http.client.HTTPSConnection(HOST, stack.ports.https, context=context)
    # Open the socket here: to loopback, while the certificate is checked for lesnamax.com.
    raw = socket.create_connection(("127.0.0.1", stack.ports.https), 30, (source, 0))
    connection.sock = context.wrap_socket(raw, server_hostname=HOST)
    return connection


def fetch(stack, method: str, path: str, *, https: bool = True, headers: dict | None = None,
          body: bytes | None = None):
    """Return ``(status, headers, body)`` of one request for lesnamax.com through nginx."""
    with closing(connect(stack, https)) as connection:
        connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()


def test_nginx_accepts_the_shipped_file(stack):
    result = subprocess.run([*stack.command, "-t"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # nginx 1.25+ prefers `http2 on;`, which 1.22 (Debian 12) does not know yet.
    warnings = [line for line in result.stderr.splitlines()
                if "[warn]" in line and '"listen ... http2" directive is deprecated' not in line]
    assert warnings == []


def test_http_redirects_to_https_except_certificate_renewals(stack):
    status, headers, _ = fetch(stack, "GET", "/products/karrige?lang=en", https=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/products/karrige?lang=en"
    status, _, body = fetch(stack, "GET", "/.well-known/acme-challenge/token-1", https=False)
    assert (status, body) == (200, b"token-1.key\n")


def test_tls_offers_http2(stack):
    context = ssl.create_default_context(cafile=stack.tmp / "tls" / "fullchain.pem")
    context.set_alpn_protocols(["h2", "http/1.1"])
    raw = socket.create_connection(("127.0.0.1", stack.ports.https), 10)
    with context.wrap_socket(raw, server_hostname=HOST) as tls:
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}


def test_pages_come_from_the_app_with_its_headers_once(stack):
    status, headers, body = fetch(stack, "GET", "/", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "LESNA MAX" in gzip.decompress(body).decode()
    # Each header exactly once: nginx adds none of its own to proxied answers. HSTS shows that
    # the app saw X-Forwarded-Proto: https (its BASE_URL is http here).
    assert {name: len(headers.get_all(name) or []) for name in SECURITY_HEADERS} == {
        name: 1 for name in SECURITY_HEADERS}
    assert headers["Server"] == "nginx", "no version number, no gunicorn"


def test_static_files_from_disk_cached_forever_and_compressed(stack):
    _, _, page = fetch(stack, "GET", "/")
    href = html.unescape(re.search(r'href="(/static/css/shop\.css\?v=\w+)"', page.decode())[1])
    status, headers, body = fetch(stack, "GET", href, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get_all("Cache-Control") == [FOREVER]
    assert headers["Content-Type"] == "text/css"
    assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == (ROOT / "static" / "css" / "shop.css").read_bytes()
    # nginx answered, not the app (which puts its CSP on every answer, static files too).
    assert "Content-Security-Policy" not in headers


def test_pictures_from_the_media_root(stack):
    status, headers, body = fetch(stack, "GET", f"/media/products/{PICTURE}")
    assert status == 200 and headers["Content-Type"] == "image/webp"
    assert body == (stack.tmp / "media" / "products" / PICTURE).read_bytes()
    assert headers.get_all("Cache-Control") == [FOREVER]
    assert "Content-Security-Policy" not in headers
    # A missing picture is not cached for a year.
    status, headers, _ = fetch(stack, "GET", "/media/products/ffffffffffffffffffff-400.webp")
    assert status == 404 and "Cache-Control" not in headers


def test_the_app_records_the_customers_address(stack):
    _, headers, page = fetch(stack, "GET", "/account/login")
    cookie = next(c.split(";")[0] for c in headers.get_all("Set-Cookie")
                  if c.startswith("session="))
    token = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page.decode())[1]
    form = urlencode({"email": "nobody@example.test", "password": "gabim-gabim-gabim",
                      "csrf_token": token})
    status, _, _ = fetch(stack, "POST", "/account/login", body=form.encode(), headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        # On HTTPS, Flask-WTF wants a Referer with the Host that nginx passes on.
        "Referer": f"https://{HOST}/account/login",
        # Made up by the client: nginx appends the real address and the app takes the last.
        "X-Forwarded-For": "198.51.100.66"})
    assert status == 422, "wrong password: the form again, so CSRF, Host and scheme held"
    with stack.app.app_context():
        recorded = db.session.scalar(select(LoginEvent.ip).order_by(LoginEvent.id.desc()))
    # gunicorn's peer was nginx at 127.0.0.1; only X-Forwarded-For carried 127.0.0.2.
    assert recorded == CUSTOMER_IP


def test_the_upload_limit_is_the_apps(stack):
    limit = defaults(ROOT / "instance")["MAX_CONTENT_LENGTH"]
    # One byte over: nginx refuses on the Content-Length alone, before reading the body.
    with closing(connect(stack)) as connection:
        connection.putrequest("POST", "/account/login", skip_host=True)
        connection.putheader("Host", HOST)
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(limit + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert "Content-Security-Policy" not in response.headers, "nginx's answer, not the app's"
    # Exactly the limit passes nginx and reaches the app. The app then says 400 (no CSRF token)
    # or, as Werkzeug 3.1 does under gunicorn, 413 when it tries to read past the last byte.
    boundary = "lesnamax"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + b"x" * (limit - len(head) - len(tail)) + tail
    status, headers, _ = fetch(stack, "POST", "/account/login", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert len(body) == limit
    assert status in {400, 413} and "Content-Security-Policy" in headers, "the app's answer"


# --- catalogue pages kept by nginx (proxy_cache) ---

def upstream_requests(stack, path: str) -> int:
    """How many requests for ``path`` nginx passed on to gunicorn so far."""
    time.sleep(0.05)  # nginx writes its log line after the answer
    lines = (stack.tmp / "access.log").read_text().splitlines()
    return sum(1 for line in lines
               if line.split(" ")[1] == path and not line.endswith(" -"))


@pytest.fixture
def product(stack):
    from lesnamax.catalogue.models import Category, Product

    with stack.app.app_context():
        category = Category(slug=f"kategori-{time.monotonic_ns()}", name_sq="Kategori",
                            name_en="Category")
        db.session.add(category)
        db.session.flush()
        item = Product(slug=f"tavoline-{time.monotonic_ns()}", sku=f"T-{time.monotonic_ns()}",
                       name_sq="Tavolinë", name_en="Table", description_sq="", description_en="",
                       price_cents=12_300, stock=4, category_id=category.id, active=True)
        db.session.add(item)
        db.session.commit()
        return SimpleNamespace(id=item.id, slug=item.slug)


def test_a_cached_page_is_answered_without_gunicorn(stack, product):
    path = f"/products/{product.slug}"
    first = fetch(stack, "GET", path)
    assert first[0] == 200 and first[1]["X-Cache"] == "MISS"
    assert upstream_requests(stack, path) == 1
    # Another visitor, with a session of their own: the same bytes, from nginx alone.
    status, headers, body = fetch(stack, "GET", path, headers={"Cookie": "session=someone"})
    assert (status, headers["X-Cache"], body) == (200, "HIT", first[2])
    assert upstream_requests(stack, path) == 1
    # Each header still once, the app's own (kept with the page).
    assert headers.get_all("Content-Security-Policy") and len(
        headers.get_all("Content-Security-Policy")) == 1


def test_a_change_is_visible_within_the_cache_lifetime(stack, product):
    path = f"/products/{product.slug}"
    assert "123,00" in fetch(stack, "GET", path)[2].decode()
    with stack.app.app_context():
        from lesnamax.catalogue.models import Product

        db.session.get(Product, product.id).price_cents = 45_600
        db.session.commit()  # the app's stamp changes: the page's ETag with it
    # Until then nginx may still answer the old page; nginx counts whole seconds.
    assert "123,00" in fetch(stack, "GET", path)[2].decode()
    time.sleep(LIFETIME + 1.2)
    status, headers, body = fetch(stack, "GET", path)
    assert status == 200 and "456,00" in body.decode() and "123,00" not in body.decode()
    assert headers["X-Cache"] in {"EXPIRED", "MISS"}


def test_languages_and_fragments_are_kept_apart(stack, product):
    path = f"/products/{product.slug}"
    assert "Tavolinë" in fetch(stack, "GET", path)[2].decode()
    english = fetch(stack, "GET", path, headers={"Cookie": "lang=en"})[2].decode()
    assert "Table" in english and 'lang="en"' in english
    by_header = fetch(stack, "GET", path, headers={"Accept-Language": "en"})[2].decode()
    assert 'lang="en"' in by_header
    assert 'lang="sq-XK"' in fetch(stack, "GET", path)[2].decode()
    listing = fetch(stack, "GET", "/products")[2].decode()
    fragment = fetch(stack, "GET", "/products", headers={"HX-Request": "true"})[2].decode()
    assert "<html" in listing and "<html" not in fragment


def test_personal_pages_posts_and_messages_always_reach_the_app(stack, product):
    for path in ("/cart", "/header/me"):
        fetch(stack, "GET", path)
        fetch(stack, "GET", path)
        assert upstream_requests(stack, path) == 2, path
    path = f"/products/{product.slug}"
    fetch(stack, "GET", path)
    before = upstream_requests(stack, path)
    fetch(stack, "GET", path, headers={"Cookie": "lm_flash=1"})
    assert upstream_requests(stack, path) == before + 1
    form = urlencode({"product_id": product.id}).encode()
    posted = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):
        status, _, _ = fetch(stack, "POST", "/cart/add", body=form, headers=posted)
        assert status == 303
    assert upstream_requests(stack, "/cart/add") == 2
