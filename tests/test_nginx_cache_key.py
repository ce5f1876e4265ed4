"""nginx's page cache cannot be poisoned: the app sees exactly what the cache key holds.

nginx matches cookie names in any case and takes the first of repeated headers; Werkzeug reads
cookies case-sensitively (and skips a tab before a name) and gunicorn joins repeated headers.
A crafted request could otherwise store a page under a key other visitors hit
(deploy/nginx/lesnamax.conf, the ``lesnamax_page_cookie`` map and the cached location).
"""

from __future__ import annotations

import re
from contextlib import closing

from .test_nginx import HOST, connect, fetch, stack  # noqa: F401


def language(body: bytes) -> str:
    return re.search(rb'<html lang="([^"]+)"', body)[1].decode()


def raw(stack, path: str, headers: list[tuple[str, str]]):  # noqa: F811
    """A request with headers repeated as given (http.client would not let us otherwise)."""
    with closing(connect(stack)) as connection:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", HOST)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read()


def test_a_tab_before_a_cookie_name_does_not_poison_the_page(stack):  # noqa: F811
    path = "/products?poison=tab"
    fetch(stack, "GET", path, headers={"Cookie": "a=b;\tlang=en"})
    _status, _headers, body = fetch(stack, "GET", path)
    assert language(body) == "sq-XK"


def test_a_cookie_name_in_capitals_does_not_poison_the_page(stack):  # noqa: F811
    path = "/products?poison=upper"
    fetch(stack, "GET", path, headers={"Cookie": "LANG=sq", "Accept-Language": "en"})
    _status, headers, body = fetch(stack, "GET", path,
                                   headers={"Cookie": "lang=sq", "Accept-Language": "en"})
    assert language(body) == "sq-XK"


def test_repeated_accept_language_headers_do_not_poison_the_page(stack):  # noqa: F811
    path = "/products?poison=languages"
    raw(stack, path, [("Accept-Language", "de-DE,de;q=0.9"), ("Accept-Language", "en")])
    _status, _headers, body = fetch(stack, "GET", path,
                                    headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert language(body) == "sq-XK"


def test_repeated_htmx_headers_do_not_store_a_page_as_a_fragment(stack):  # noqa: F811
    path = "/products?poison=htmx"
    raw(stack, path, [("HX-Request", "true"), ("HX-Request", "true")])
    _status, _headers, body = fetch(stack, "GET", path, headers={"HX-Request": "true"})
    assert b"<html" not in body
