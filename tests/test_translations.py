"""Albanian first: both catalogues complete, in step with the code, and no English on sq pages."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {
    lang: ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po" for lang in ("sq", "en")
}


def load(lang):
    with CATALOGUES[lang].open("rb") as f:
        return read_po(f, locale=lang)


def code_msgids() -> set:
    """Every message the code and templates use, extracted as ``make translate`` does."""
    method_map = [
        ("lesnamax/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    keywords = {
        "_": None,
        "_l": None,
        "gettext": None,
        "lazy_gettext": None,
        "ngettext": (1, 2),
        "lazy_ngettext": (1, 2),
    }
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_catalogue_is_complete(lang):
    catalogue = load(lang)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(message.id)
    assert problems == [], f"untranslated or fuzzy in {lang}: {problems}"


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_catalogue_covers_every_string_in_the_code(lang):
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in load(lang) if m.id}
    missing = code_msgids() - ids
    assert missing == set(), f"run `make translate` and translate: {sorted(missing)}"


def test_albanian_uses_its_letters():
    # A catalogue typed without ë and ç is a sign of a careless translation.
    text = " ".join(
        m.string if isinstance(m.string, str) else " ".join(m.string) for m in load("sq")
    )
    assert text.count("ë") > 50 and "ç" in text


def test_placeholders_survive_translation():
    for message in load("sq"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for translated in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", translated)) == wanted, message.id


class Visible(HTMLParser):
    """Collect the text a person reads: text nodes and the readable attributes."""

    ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        # Text marked as another language (lang="en": the English policy text shown next
        # to the Albanian one) is content in that language on purpose, not a UI string.
        self._foreign: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        if self._foreign and tag == self._foreign[0]:
            self._foreign.append(tag)
        elif (not self._foreign and tag not in ("a", "html")
              and (dict(attrs).get("lang") or "sq")[:2] != "sq"):
            self._foreign.append(tag)
        for key, value in attrs:
            if key in self.ATTRIBUTES and value:
                self.chunks.append(value)
            if tag == "meta" and key == "content" and dict(attrs).get("name") == "description":
                self.chunks.append(value)
            if tag == "a" and key == "href" and value:
                self.links.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1
        if self._foreign and tag == self._foreign[0]:
            self._foreign.pop()

    def handle_data(self, data):
        if not self._skip and not self._foreign and data.strip():
            self.chunks.append(" ".join(data.split()))


def wtforms_messages() -> list[str]:
    """WTForms' own messages: it has no Albanian catalogue, so none may reach a page."""
    import wtforms

    pot = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    with pot.open("rb") as f:
        return [m.id for m in read_po(f) if m.id and isinstance(m.id, str)]


def english_patterns():
    """Regexes for each UI string whose Albanian differs from the English."""
    patterns = [(m, re.compile(re.escape(m))) for m in wtforms_messages() if len(m) > 12]
    for message in load("sq"):
        if not message.id:
            continue
        for english in message.id if isinstance(message.id, tuple) else (message.id,):
            english = english.replace("%%", "%")
            if english in {
                str(s)
                for s in (
                    message.string if isinstance(message.string, tuple) else (message.string,)
                )
            }:
                continue
            parts = re.split(r"%\(\w+\)[sd]", english)
            regex = ".+?".join(re.escape(p) for p in parts)
            patterns.append((english, re.compile(regex if len(english) >= 16 else rf"^{regex}$")))
    return patterns


def english_leaks(pages: dict[str, str]) -> list[tuple[str, str]]:
    """(page, English UI string) for every English string a person would read."""
    patterns = english_patterns()
    leaks = []
    for path, html in pages.items():
        parser = Visible()
        parser.feed(html)
        for chunk in parser.chunks:
            leaks += [(path, english) for english, regex in patterns if regex.search(chunk)]
    return leaks


def crawl(client, start: list[str], limit: int = 400, within: str = "/") -> dict[str, str]:
    """Follow the links of the pages from ``start`` whose path starts with ``within``."""
    seen, queue, pages = set(), list(start), {}
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code == 302 and response.location.startswith("/account/login"):
            continue  # for customers only: the shared pages' no-JavaScript account link
        assert response.status_code in {200, 404}, (path, response.status_code)
        if not response.mimetype == "text/html":
            continue
        pages[path] = response.text
        parser = Visible()
        parser.feed(response.text)
        for link in parser.links:
            parts = urlsplit(link)
            if (
                parts.netloc
                or not parts.path.startswith(within)
                or parts.path.startswith(("/static", "/media", "/lang"))
            ):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


@pytest.fixture
def demo_shop(app):
    from pathlib import Path as P

    from lesnamax import demo

    with app.app_context():
        demo.seed(P(app.config["MEDIA_ROOT"]), products=40)


def test_no_english_ui_string_on_albanian_pages(client, hx, demo_shop):
    client.set_cookie("lang", "sq")
    pages = crawl(client, ["/", "/header/me", "/products?page=2", "/nuk-ekziston", "/cmimore",
                           "/privacy"])
    hx.set_cookie("lang", "sq")
    for path in [
        "/products?sort=price_asc",
        "/search/suggest?q=ka",
        "/search/suggest?q=zzz",
        "/products/nuk-ekziston",
    ]:
        pages[f"htmx:{path}"] = hx.get(path).text
    assert len(pages) > 40
    assert english_leaks(pages) == []


def test_the_check_catches_english(client, demo_shop):
    """The crawl check bites: an English page trips it."""
    # The header's personal links come from their own partial (lesnamax/pagecache.py).
    html = client.get("/?lang=en").text + client.get("/header/me?lang=en").text
    parser = Visible()
    parser.feed(html)
    patterns = english_patterns()  # once: reading the catalogue per chunk took half a minute
    hits = {
        english for chunk in parser.chunks for english, regex in patterns if regex.search(chunk)
    }
    assert {"Search", "Log in", "Privacy policy"} <= hits


def test_no_english_on_albanian_account_pages(app, client, hx, make_user, login):
    from datetime import date, timedelta

    from lesnamax.privacy import services

    with app.app_context():  # a pending version, so the notice shows too
        services.publish(
            "Politika\n\nTekst.",
            "Policy\n\nText.",
            date.today() + timedelta(20),
            services.utcnow(),
            "Ndryshim.",
            "A change.",
        )
    client.set_cookie("lang", "sq")
    pages = {}
    for path in [
        "/account/register",
        "/account/login",
        "/account/password/reset",
        "/account/password/reset/bad-token",
        "/privacy/versions/2",
    ]:
        pages[path] = client.get(path).text
    pages["register-errors"] = client.post("/account/register", data={}).text
    pages["login-errors"] = client.post("/account/login", data={"email": "x"}).text
    pages["bad-municipality"] = client.post(
        "/account/register", data={"municipality": "atlantis"}
    ).text
    login(make_user())
    for path in [
        "/account",
        "/account/privacy",
        "/account/export",
        "/account/delete",
        "/privacy/accept",
        "/account/fields/address/edit",
    ]:
        pages[path] = client.get(path).text
    for field in ("first_name", "last_name", "email", "phone", "address"):
        pages[f"htmx-edit-{field}"] = hx.get(f"/account/fields/{field}/edit").text
        pages[f"htmx-bad-{field}"] = hx.post(f"/account/fields/{field}", data={}).text
    pages["htmx-saved"] = hx.post("/account/fields/phone", data={"phone": "049555666"}).text
    pages["htmx-marketing"] = hx.post("/account/privacy/marketing", data={"granted": "1"}).text
    patterns = english_patterns()
    leaks = []
    for path, html in pages.items():
        parser = Visible()
        parser.feed(html)
        for chunk in parser.chunks:
            leaks += [(path, english) for english, regex in patterns if regex.search(chunk)]
    assert leaks == []


def test_no_message_is_defined_twice():
    """Two definitions of one msgid (merged .po files append) make GNU msgfmt refuse the file,
    and Babel silently keeps one of the two translations."""
    import re
    from collections import Counter
    from pathlib import Path

    for po in Path("translations").glob("*/LC_MESSAGES/messages.po"):
        text = po.read_text(encoding="utf-8")
        ids = re.findall(r'^(?:msgctxt ("[^\n]*")\n)?msgid ((?:"[^\n]*"\n)+)', text, re.M)
        twice = [i for i, n in Counter(ids).items() if n > 1 and i[1].strip() != '""']
        assert not twice, (po, twice[:3])
        # Each entry starts after a blank line: one glued to the last is easy to misread.
        assert not re.search(r'^msgstr(?:\[\d\])? "[^\n]*"\n(?:msgid|#)', text, re.M), po
