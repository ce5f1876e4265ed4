"""The fuzz test's tools: read the forms a page offers, crawl the shop, and say what to send.

Field names come from the rendered pages (forms, inputs, selects, textareas, buttons, htmx
attributes, the query strings of links), not from the WTForms classes: several endpoints read
``request.form`` directly (cart, bank replies, CSV confirmation), and a page is what a browser
or an attacker sees. The rendered values are the baseline a browser would send; the fuzzer
changes some of them.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

HOST = "shop.test"
#: A password no account has: a form that asks for one is refused, yet it passes the rules.
OTHER_PASSWORD = "Fuzz-Kalim-i-Gjate-77"
_emails = itertools.count(1)


@dataclass
class Field:
    """One name a form sends: its kind, the values the page offers, what a browser sends."""

    name: str
    kind: str
    values: list[str] = field(default_factory=list)
    baseline: str | None = None
    accept: str = ""


@dataclass
class Target:
    """One URL that takes input, and the fields it was seen with."""

    method: str
    url: str
    endpoint: str
    args: dict
    fields: dict[str, Field] = field(default_factory=dict)
    multipart: bool = False


def made_up_value(kind: str, name: str) -> str | None:
    """What a person would type into an empty input, so that a form can pass its checks."""
    if kind == "email" or name == "email":
        return f"fuzz{next(_emails)}@example.test"
    if kind == "password":
        return OTHER_PASSWORD
    if kind == "tel" or name == "phone":
        return "044123456"
    if kind == "date":
        return date.today().isoformat()
    if kind == "number":
        return "1"
    if "postal" in name:
        return "10000"
    if kind in ("text", "search", "textarea"):
        return "Fuzz"
    return None


class FormParser(HTMLParser):
    """Collect the forms, htmx requests and links of one page."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        for name in ("href", "src", "hx-get"):
            if a.get(name):
                self.links.append(a[name])
        if tag == "form":
            self._form = self._new_form(a, a.get("method", "get"), a.get("action"))
            return
        if "hx-post" in a or ("hx-get" in a and tag != "a"):
            # A request htmx sends on its own (a search box's suggestions, a button).
            method = "post" if "hx-post" in a else "get"
            own = self._new_form(a, method, a.get("hx-post") or a.get("hx-get"))
            if a.get("name") and tag in ("input", "select", "textarea"):
                self._add(own, self._field(tag, a))
            self.forms.append(own)
        if self._form is None:
            return
        if tag in ("input", "button"):
            self._add(self._form, self._field(tag, a))
        elif tag == "select" and a.get("name"):
            self._select = self._add(self._form, Field(a["name"], "select"))
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.values.append(value)
            if self._select.baseline is None or "selected" in a:
                self._select.baseline = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = self._add(self._form, Field(a["name"], "textarea", baseline=""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.baseline = (self._textarea.baseline or "") + data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if not self._textarea.baseline.strip():
                self._textarea.baseline = made_up_value("textarea", self._textarea.name)
            self._textarea = None

    def _new_form(self, a: dict, method: str, action: str | None) -> dict:
        if a.get("hx-post") or a.get("hx-get"):
            method, action = ("post", a["hx-post"]) if a.get("hx-post") else ("get", a["hx-get"])
        encoding = a.get("hx-encoding") or a.get("enctype") or ""
        form = {"method": method.upper(), "action": action or self.page, "fields": {},
                "multipart": "multipart" in encoding}
        for name, value in json.loads(a["hx-vals"]).items() if a.get("hx-vals") else ():
            self._add(form, Field(name, "hidden", [str(value)], str(value)))
        return form

    @staticmethod
    def _field(tag: str, a: dict) -> Field | None:
        name = a.get("name")
        if not name:
            return None
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        value = a.get("value", "")
        if kind in ("submit", "button", "image", "reset"):
            # Only the clicked button is sent; the first one stands for a click.
            return Field(name, "submit", [value], value)
        if kind in ("checkbox", "radio"):
            return Field(name, kind, [value or "on"], (value or "on") if "checked" in a else None)
        if kind == "file":
            return Field(name, "file", accept=a.get("accept", ""))
        if kind == "hidden":
            return Field(name, kind, [value], value)
        return Field(name, kind, [value] if value else [],
                     value or made_up_value(kind, name))

    @staticmethod
    def _add(form: dict, new: Field | None) -> Field | None:
        if new is None:
            return None
        known = form["fields"].get(new.name)
        if known is None:
            form["fields"][new.name] = new
            return new
        # Radio buttons and submit buttons of one name: one field with every offered value.
        known.values += [v for v in new.values if v not in known.values]
        if known.baseline is None:
            known.baseline = new.baseline
        return known


class Discovery:
    """Every URL seen taking input, by (method, URL), and the pages visited."""

    def __init__(self, app):
        self.app = app
        self.adapter = app.url_map.bind(HOST)
        self.targets: dict[tuple[str, str], Target] = {}
        self.pages: dict[str, str] = {}

    def route(self, method: str, url: str) -> tuple[str, dict] | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", HOST) or parts.scheme not in ("", "http", "https"):
            return None
        try:
            return self.adapter.match(parts.path, method=method)
        except RequestRedirect:
            return None
        except HTTPException:
            return None

    def note(self, method: str, url: str, fields: dict[str, Field] | None = None,
             multipart: bool = False) -> Target | None:
        """Record a URL (and its fields); the query string counts as fields of a GET."""
        found = self.route(method, url)
        if found is None:
            return None
        parts = urlsplit(url)
        fields = dict(fields or {})
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            fields.setdefault(name, Field(name, "query", [value], value))
        key = (method, parts.path)
        target = self.targets.setdefault(key, Target(method, parts.path, *found))
        target.multipart |= multipart
        for new in fields.values():
            FormParser._add({"fields": target.fields}, Field(
                new.name, new.kind, list(new.values), new.baseline, new.accept))
        return target

    def read(self, url: str, html: str) -> list[dict]:
        """Note every form and link of a page; return its forms."""
        parser = FormParser(url)
        parser.feed(html)
        for link in parser.links:
            self.note("GET", link)
        for form in parser.forms:
            self.note(form["method"], form["action"], form["fields"], form["multipart"])
        return parser.forms

    def endpoints(self, method: str) -> set[str]:
        return {t.endpoint for t in self.targets.values() if t.method == method}


def crawl(discovery: Discovery, client, seeds: list[str], per_endpoint: int = 5,
          limit: int = 250) -> None:
    """Visit pages from ``seeds`` (at most ``per_endpoint`` URLs of each view)."""
    queue, seen, visits = list(seeds), set(), {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        found = discovery.route("GET", url)
        if path in seen or found is None or found[0] in ("static", "media.product_image",
                                                         "site.set_language"):
            continue
        if visits.get(found[0], 0) >= per_endpoint:
            continue
        visits[found[0]] = visits.get(found[0], 0) + 1
        seen.add(path)
        response = client.get(path)
        discovery.note("GET", path)
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
        if response.mimetype == "text/html":
            discovery.pages[path] = response.text
            discovery.read(path, response.text)
            queue += [link for link in _links(response.text) if link not in seen]
        elif response.mimetype.endswith("xml"):  # sitemaps
            for link in re.findall(r"<loc>([^<]+)</loc>", response.text):
                discovery.note("GET", link)
                queue.append(link)


def _links(html: str) -> list[str]:
    parser = FormParser("")
    parser.feed(html)
    return [link for link in parser.links if not link.startswith(("/static", "/media"))]


def submit(discovery: Discovery, client, endpoint: str, files: dict) -> str | None:
    """Send the first form seen for ``endpoint`` as a browser would, read the answer's forms
    (some forms appear only after another one: the bank's page, the CSV confirmation).
    Return the answer's page (after redirects) or None if no such form was seen."""
    for target in list(discovery.targets.values()):
        if target.endpoint == endpoint and target.method == "POST":
            data = baseline_values(target, files)
            data = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v
                    for k, v in data.items()}
            response = client.post(target.url, data=data, follow_redirects=True)
            path = response.request.path
            if response.mimetype == "text/html":
                discovery.pages[path] = response.text
                discovery.read(path, response.text)
            return response.text
    return None


def baseline_values(target: Target, files: dict) -> dict:
    """What a browser sends for ``target`` untouched; a file is (bytes, name), picked from
    ``files`` by what the input accepts."""
    data = {}
    for name, spec in target.fields.items():
        if spec.kind == "file":
            data[name] = baseline_file(spec, files)
        elif spec.baseline is not None:
            data[name] = spec.baseline
    return data


def baseline_file(spec: Field, files: dict) -> tuple[bytes, str]:
    kind = "image" if "image" in spec.accept else "csv"
    return files[kind], f"fuzz.{'png' if kind == 'image' else 'csv'}"


# --- values -------------------------------------------------------------------------------

#: Markers that must never reach a page unescaped (scripts, handlers, template code).
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{1337*1337}}",
    "javascript:alert(1)",
]
#: The first marker as Jinja escapes it: stored, and shown as text.
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
#: What the markers look like when they did run or were pasted into HTML raw.
UNESCAPED = ["<script>alert(", "<img src=x onerror=", "1787569"]
HOSTILE = PAYLOADS + [
    "' OR '1'='1' --",
    "Robert'); DROP TABLE user;--",
    "%' AND 1=0 UNION SELECT NULL --",
    "nul\x00byte",
    "\x00",
    "\u202eevil\u200f",
    "😀" * 20,
    "../../etc/passwd",
    '=HYPERLINK("http://x.test")',
    "%s%s%n",
    "%00",
    " ",
    "",
    "[]",
    "null",
    "\r\nSet-Cookie: x=1",
    "\ufeffBOM",
    "a\u0301\u0301\u0301",
    "İı",
]
NUMBERS = [
    "-1", "0", "-0", "1e309", "-1e309", "NaN", "inf", "-inf", "0x10", "9" * 30, "1,5",
    "12,5€", "1.000,50", "²", "١٢٣", "1_000", " 7 ", "+5", "2147483648",
    "9223372036854775808", "-9223372036854775809", "1e-7", "0.005",
]
DATES = [
    "2026-02-30", "0001-01-01", "9999-12-31", "10000-01-01", "-0001-01-01", "2026-13-01",
    "31.12.2026", "2026-1-1", "now", "1970-01-01T00:00:00", "0000-00-00",
]
#: Ids that do not exist, or that no integer column can hold.
BAD_IDS = [0, 999_999, 2**31, 2**63, 10**30]


def long_text(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


_SCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def unescaped(html: str) -> list[str]:
    """The markers found raw in ``html`` (each must only ever appear escaped)."""
    found = [marker for marker in UNESCAPED if marker in html]
    return found + [m.group(0) for m in _SCRIPT_URL.finditer(html)]


def every_page(client, url: str, limit: int = 40) -> dict[str, str]:
    """``url`` and the pages after it (``rel="next"`` links), as HTML."""
    pages = {}
    while url and url not in pages and len(pages) < limit:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.mimetype != "text/html":
            break
        pages[url] = response.text
        found = re.search(r'<a rel="next" href="([^"]+)"', response.text)
        url = found and found.group(1).replace("&amp;", "&")
    return pages
