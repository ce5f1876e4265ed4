"""Bytes on the wire: gzip as the deploy's nginx compresses, and the home page's own weight.

The app sends no compression; nginx does (deploy/nginx/lesnamax.conf). So compressed sizes
are computed here with the level that file sets (``gzip_comp_level``), or nginx's own default
of 1 when it sets none. The home page's weight is its HTML plus every stylesheet and script it
links from its own origin (the issue's "own HTML + CSS + JS", images aside), each compressed
on its own as nginx would send it.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from servers import ROOT

NGINX_CONF = ROOT / "deploy" / "nginx" / "lesnamax.conf"
NGINX_DEFAULT_LEVEL = 1  # nginx's gzip_comp_level when the config names none


def gzip_level() -> tuple[int, str]:
    """Return the level and where it came from, for the report."""
    try:
        found = re.search(r"^\s*gzip_comp_level\s+(\d+)\s*;", NGINX_CONF.read_text(), re.M)
    except OSError:
        found = None
    if found:
        return int(found.group(1)), f"gzip_comp_level {found.group(1)} from {NGINX_CONF.name}"
    return NGINX_DEFAULT_LEVEL, "nginx's default gzip_comp_level 1"


LEVEL, LEVEL_SOURCE = gzip_level()


def gzipped(data: bytes) -> int:
    """Size of ``data`` as nginx would send it (gzip at the deploy's level)."""
    return len(gzip.compress(data, compresslevel=LEVEL, mtime=0))


class _Assets(HTMLParser):
    """Collect <link rel=stylesheet href> and <script src> in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self.urls.append(values.get("href", ""))
        elif tag == "script" and values.get("src"):
            self.urls.append(values["src"])


@dataclass
class Weight:
    files: list[tuple[str, int, int]] = field(default_factory=list)  # (what, raw, gzip)
    foreign: list[str] = field(default_factory=list)  # linked from another origin: not counted

    @property
    def raw(self) -> int:
        return sum(raw for _what, raw, _gz in self.files)

    @property
    def compressed(self) -> int:
        return sum(gz for _what, _raw, gz in self.files)


def home_weight(client, path: str = "/") -> Weight:
    """Fetch the page and its own stylesheets and scripts with a Flask test client."""
    page = client.get(path)
    if page.status_code != 200:
        raise RuntimeError(f"GET {path} answered {page.status_code}")
    html = page.get_data()
    weight = Weight([(f"HTML {path}", len(html), gzipped(html))])
    parser = _Assets()
    parser.feed(html.decode("utf-8", "replace"))
    for url in parser.urls:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:  # the shop links none today; a CDN would be theirs
            weight.foreign.append(url)
            continue
        asset = client.get(url)
        if asset.status_code != 200:
            raise RuntimeError(f"GET {url} (linked from {path}) answered {asset.status_code}")
        body = asset.get_data()
        weight.files.append((url, len(body), gzipped(body)))
    return weight


def report(weight: Weight, goal: int) -> list[str]:
    state = "met" if weight.compressed < goal else "NOT met"
    lines = [
        f"home page own HTML + CSS + JS compressed: {weight.compressed / 1000:.1f} kB "
        f"(target < {goal / 1000:.0f} kB): {state}  [gzip level {LEVEL}: {LEVEL_SOURCE}; "
        "1 kB = 1,000 bytes]"
    ]
    lines += [f"    {what:<48} {raw:>9,} B raw  {gz:>8,} B gzip" for what, raw, gz in weight.files]
    lines += [f"    not counted (another origin): {url}" for url in weight.foreign]
    return lines
