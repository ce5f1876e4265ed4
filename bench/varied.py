"""Many different search URLs, so that the page cache cannot answer a search benchmark.

The page cache keys on the full URL. A benchmark that sends ``/products?q=karrige`` again and
again measures the cache after the first request, not the search. So the ``varied`` scenarios
replay a list of URLs built from the names in the seeded catalogue, each URL once:

- ``search-uncached``: 300 queries (whole words in Albanian and English, the same words
  without diacritics as people type them, 4-5 letter beginnings, and two-word beginnings of
  product names) × the 5 orders a visitor can pick × pages 1-3: 4,500 URLs, shuffled.
- ``suggest-uncached``: what the live search box sends while someone types a product's name
  or one of its words: every beginning of 2 letters or more, with and without diacritics
  (~12,000 URLs with the demo catalogue), shuffled.

No parameter the app ignores is added (a nonce would change canonical URLs and is not what
visitors send). ``Tracker`` counts the requests sent per list over a server's life (each
worker keeps its own pages): while that stays below the list's length, no URL was repeated,
so no answer can have come from the cache.
"""

from __future__ import annotations

import random
import re
import sqlite3
import unicodedata
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from loadgen import Target
from scenarios import SCENARIOS, Scenario

SORTS = ("", "newest", "price_asc", "price_desc", "name")  # "" = by relevance
PAGES = (1, 2, 3)
#: Queries for search-uncached: with 5 orders × 3 pages, 4,500 URLs.
QUERIES = 300
_WORD = re.compile(r"^[^\W\d_][\w-]*$")


def fold(text: str) -> str:
    """Drop diacritics the way people type without them ("tavolinë" → "tavoline")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def names(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT DISTINCT name_sq, name_en FROM product").fetchall()


def words(rows: list[tuple[str, str]]) -> list[str]:
    """Every word of 3+ letters in the names, most frequent first (ties alphabetically)."""
    counts: Counter[str] = Counter()
    for row in rows:
        for word in " ".join(row).lower().split():
            if len(word) >= 3 and _WORD.match(word):
                counts[word] += 1
    return sorted(counts, key=lambda w: (-counts[w], w))


def search_queries(rows: list[tuple[str, str]], count: int = QUERIES) -> list[str]:
    """Return ``count`` distinct queries (fewer if the names don't have that many)."""
    rng = random.Random(6)
    found: dict[str, None] = {}  # ordered set
    for word in words(rows):
        found[word] = None
        found[fold(word)] = None
        if len(word) >= 6:
            found[word[: rng.choice((4, 5))]] = None
    for name_sq, _name_en in sorted(rows):
        first_two = " ".join(name_sq.lower().split()[:2])
        found[rng.choice((first_two, fold(first_two)))] = None
    queries = list(found)
    rng.shuffle(queries)
    return queries[:count]


def suggest_prefixes(rows: list[tuple[str, str]]) -> list[str]:
    found: dict[str, None] = {}
    typed = [name.lower() for row in sorted(rows) for name in row] + words(rows)
    for text in typed:
        for length in range(2, len(text) + 1):
            prefix = text[:length].strip()
            if len(prefix) >= 2:
                found[prefix] = None
                found[fold(prefix)] = None
    prefixes = list(found)
    random.Random(7).shuffle(prefixes)
    return prefixes


def paths(scenario: Scenario, database: Path) -> list[str]:
    """Return the URLs a ``varied`` scenario replays, in the order wrk sends them."""
    rows = names(database)
    if scenario.name == "search-uncached":
        urls = []
        for q in search_queries(rows):
            for sort in SORTS:
                for page in PAGES:
                    args = {"q": q, "sort": sort, "page": str(page) if page > 1 else ""}
                    urls.append(
                        "/products?" + urllib.parse.urlencode({k: v for k, v in args.items() if v})
                    )
        random.Random(8).shuffle(urls)
        return urls
    if scenario.name == "suggest-uncached":
        return [
            "/search/suggest?" + urllib.parse.urlencode({"q": p}) for p in suggest_prefixes(rows)
        ]
    raise ValueError(f"no URL list for {scenario.name}")


def targets(scenario: Scenario, database: Path) -> list[Target]:
    htmx = scenario.headers.get("HX-Request") == "true"
    # The fixed-URL scenarios ("search", "suggest") ran first and left their pages cached.
    cached = {s.path for s in SCENARIOS if s.kind == "get"}
    return [
        Target("GET", path, htmx=htmx) for path in paths(scenario, database) if path not in cached
    ]


@dataclass
class Tracker:
    """How far into each list wrk has gone on the running server (bench.lua's BENCH_START)."""

    sent: dict[str, int] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)

    def start(self, name: str) -> int:
        return self.sent.get(name, 0)

    def record(self, name: str, requests: int, connections: int) -> None:
        # wrk reports finished requests; up to one more per connection was sent but cut off.
        self.sent[name] = self.sent.get(name, 0) + requests + connections

    def repeats(self, name: str) -> int:
        """Requests that went to a URL sent before on this server (an upper bound)."""
        return max(0, self.sent.get(name, 0) - self.lengths.get(name, 0))
