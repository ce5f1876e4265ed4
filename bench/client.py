"""A tiny browser for the benchmark: one keep-alive connection, the session cookie, CSRF.

The standard library only (``http.client``), so the benchmark still needs nothing beyond wrk.
It does not follow redirects: a load test wants to see each 303 and decide what to fetch.
``TestBrowser`` is the same visitor inside this process, on Flask's test client, so that the
in-process counts (queries.py) and profiles (profiling.py) drive the same flows.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass

#: Flask-WTF's token as base.html hands it to htmx (valid for the session cookie it came with).
_CSRF = re.compile(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""")
_INPUT = re.compile(r"<input\b[^>]*>")
_VALUE = re.compile(r'\bvalue="([^"]*)"')

HTMX = {"HX-Request": "true"}


@dataclass
class Answer:
    status: int
    body: bytes
    location: str
    ms: float  # from sending the request to the last byte of the body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _Verbs:
    """GET and POST in the words of ``request``, which each visitor class defines."""

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, None, headers)

    def post(
        self, path: str, form: dict[str, str | int], headers: dict[str, str] | None = None
    ) -> Answer:
        return self.request("POST", path, form, headers)


class Browser(_Verbs):
    """One visitor: keeps its cookies and the CSRF token of the last page it read."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.token = ""
        self._conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"User-Agent": "lesnamax-bench", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["X-CSRFToken"] = self.token
        for attempt in (1, 2):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request(method, path, body, sent)
                response = conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected):
                # gunicorn's sync workers close idle keep-alive connections: reconnect once.
                self.close()
                if attempt == 2:
                    raise
        elapsed = (time.perf_counter() - started) * 1000
        for cookie in response.msg.get_all("Set-Cookie") or []:
            self._remember(cookie)
        answer = Answer(response.status, data, response.getheader("Location", ""), elapsed)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        found = _CSRF.search(answer.text)
        if found:
            self.token = found.group(1)
        return answer

    def cookie_header(self) -> str:
        """The Cookie header this visitor sends (wrk replays it, see bench.lua)."""
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def _remember(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        # Flask deletes a cookie by sending it empty and already expired.
        if not value or "1970" in attributes or "max-age=0" in attributes.lower():
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class TestBrowser(_Verbs):
    """``Browser``'s interface over a Flask test client: one visitor inside this process."""

    def __init__(self, app) -> None:
        self.client = app.test_client()  # keeps the visitor's cookies, like a browser
        self.token = ""

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"User-Agent": "lesnamax-bench", **(headers or {})}
        if form is not None:
            sent["X-CSRFToken"] = self.token
        started = time.perf_counter()
        data = {k: str(v) for k, v in form.items()} if form is not None else None
        response = self.client.open(path, method=method, data=data, headers=sent)
        answer = Answer(
            response.status_code,
            response.get_data(),
            response.headers.get("Location", ""),
            (time.perf_counter() - started) * 1000,
        )
        found = _CSRF.search(answer.text)
        if found:
            self.token = found.group(1)
        return answer

    def close(self) -> None:
        pass


def hidden(page: str, name: str) -> str:
    """Return the value of the form field ``name`` in ``page`` (e.g. the idempotency key)."""
    for tag in _INPUT.findall(page):
        if f'name="{name}"' in tag:
            found = _VALUE.search(tag)
            if found:
                return found.group(1)
    raise LookupError(f"no input named {name!r} in the page")
