"""What the fuzz test (tests/test_fuzz.py) sends: hypothesis strategies for field values, files
and URLs, and the requests every target gets whatever hypothesis draws."""

from __future__ import annotations

import io
from datetime import date

from hypothesis import strategies as st

from . import fuzz_support as fz

MISSING = object()
#: Names a view may read though its form does not show them (pages, return addresses), and
#: names of columns nobody may set.
OTHER_NAMES = ["page", "next", "lang", "q", "sort", "back", "is_admin", "id", "price_cents"]
TEXT = st.one_of(
    st.sampled_from(fz.HOSTILE),
    st.sampled_from(fz.NUMBERS),
    st.sampled_from(fz.DATES),
    st.dates().map(date.isoformat),
    st.integers().map(str),
    st.floats().map(str),
    # Any Unicode text a browser can send (no lone surrogates), NUL and RTL marks included.
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.builds(fz.long_text, st.sampled_from(["x", "ë", "😀", "\u202e", "9", fz.PAYLOADS[0]]),
              st.integers(200, 10_240)),
)
FILENAMES = st.one_of(st.sampled_from(["a.png", "p.csv", "../../etc/passwd", "", "x" * 300,
                                       fz.PAYLOADS[1] + ".csv"]), st.text(max_size=20))


def file_values(files: dict):
    samples = [b"", b"<html><script>alert(1)</script></html>", b"PK\x03\x04zip",
               files["image"], files["image"][:60], files["csv"],
               files["csv"].replace(b"Produkt", fz.PAYLOADS[0].encode()),
               files["csv"][:200] + b"\x00\xff\xfe" + "😀;=1+2\n".encode()]
    content = st.one_of(st.sampled_from(samples), st.binary(max_size=2_000))
    return st.tuples(content, FILENAMES)


def field_values(spec: fz.Field, files: dict):
    if spec.kind == "file":
        one = file_values(files)
        return st.one_of(st.just(MISSING), one, st.lists(one, min_size=2, max_size=3))
    choices = [st.just(MISSING), TEXT, st.lists(TEXT, min_size=2, max_size=3)]
    if spec.values:
        choices.append(st.sampled_from(spec.values))
    return st.one_of(*choices)


def url_values(target: fz.Target, adapter):
    """The target's own URL, or one with an argument that does not exist or cannot."""
    if not target.args:
        return st.just(target.url)

    def build(name, value):
        try:
            return adapter.build(target.endpoint, {**target.args, name: value},
                                 method=target.method)
        except Exception:  # noqa: BLE001 - a value the URL cannot carry: send the real one
            return target.url

    wrong = st.one_of(*(
        st.builds(build, st.just(name), st.sampled_from([*fz.BAD_IDS, -1]))
        if isinstance(value, int) else st.builds(build, st.just(name), TEXT)
        for name, value in target.args.items()))
    return st.one_of(st.just(target.url), wrong)


@st.composite
def requests(draw, target: fz.Target, files: dict, adapter):
    """(url, htmx?, data): the page's values with some fields changed, dropped or repeated."""
    url = draw(url_values(target, adapter))
    htmx = draw(st.booleans())
    data = fz.baseline_values(target, files)
    names = sorted(target.fields)
    for name in draw(st.lists(st.sampled_from(names), unique=True)) if names else ():
        value = draw(field_values(target.fields[name], files))
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    if draw(st.integers(0, 7)) == 0:  # a name this form does not have
        data[draw(st.sampled_from(OTHER_NAMES))] = draw(TEXT)
    return url, htmx, data


def encoded(data: dict) -> dict:
    """Files as the test client wants them: fresh streams for every request."""
    def one(value):
        return (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
    return {name: [one(v) for v in value] if isinstance(value, list) else one(value)
            for name, value in data.items()}


def explicit(target: fz.Target, files: dict, adapter) -> list[tuple]:
    """Requests every target gets, whatever hypothesis draws: the page's own values (plain
    and htmx), nothing at all, every name set to one awkward value, and ids that do not
    exist or do not fit a database integer."""
    base = fz.baseline_values(target, files)
    found = [(target.url, False, base), (target.url, True, base), (target.url, False, {})]
    names = [*OTHER_NAMES, *(n for n, spec in target.fields.items() if spec.kind != "file")]
    # "²" passes str.isdigit() but not int(); NUL is refused by PostgreSQL in any text.
    for value in ("²", "9" * 30, "nul\x00" + fz.PAYLOADS[1] + fz.long_text("ë", 10_000)):
        found.append((target.url, True, dict.fromkeys(names, value)))
    for name, value in target.args.items():
        for wrong in (999_999, 10**30) if isinstance(value, int) else ("\x00<b>",):
            url = adapter.build(target.endpoint, {**target.args, name: wrong},
                                method=target.method)
            found.append((url, False, base))
    return found
