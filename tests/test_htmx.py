"""htmx-flask behind lesnamax/htmx.py: the shop's requests know htmx, our helpers write the
same HX-* response headers as the package, and the one value it refuses is set by hand."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from flask import request
from htmx_flask import make_response as htmx_response
from htmx_flask.requests import HtmxAwareRequest

from lesnamax import htmx

PACKAGE = Path(htmx.__file__).parent


def test_the_factory_installs_htmx_flask(app):
    assert "htmx" in app.extensions
    assert issubclass(app.request_class, HtmxAwareRequest)


@pytest.mark.parametrize(("headers", "sent_by_htmx", "partial"), [
    ({}, False, False),
    ({"HX-Request": "false"}, False, False),
    ({"HX-Request": "true"}, True, True),
    ({"HX-Request": "true", "HX-Boosted": "true"}, True, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True, False),
])
def test_request_htmx_and_our_readers(app, headers, sent_by_htmx, partial):
    with app.test_request_context("/", headers=headers):
        assert bool(request.htmx) is sent_by_htmx
        assert htmx.is_htmx() is sent_by_htmx
        assert htmx.is_partial() is partial


def test_a_page_or_partial_varies_on_hx_request(app):
    with app.test_request_context("/", headers={"HX-Request": "true"}):
        response = htmx.page_or_partial("errors/error.html", "errors/_error.html", code=404,
                                        title="t", message="m")
        assert "HX-Request" in response.vary


@pytest.mark.parametrize("options", [
    {"trigger": "cart-changed"},
    {"trigger": {"cart-changed": {"count": 2}}},
    {"redirect": "/orders/LM-2026-000001"},
    {"retarget": "#cart-lines", "reswap": "outerHTML"},
    {"reswap": "none"},
    {"push_url": "/products?page=2"},
    {"push_url": False},
    {"refresh": True},
])
def test_our_helper_writes_the_packages_headers(app, options):
    with app.test_request_context("/"):
        ours = htmx.respond("body", 201, **options)
        theirs = htmx_response("body", 201, **options)
    hx = sorted((k, v) for k, v in ours.headers.items() if k.startswith("HX-"))
    assert hx and hx == sorted((k, v) for k, v in theirs.headers.items() if k.startswith("HX-"))
    assert (ours.status_code, ours.get_data()) == (201, b"body")
    if isinstance(options.get("trigger"), dict):
        assert json.loads(ours.headers["HX-Trigger"]) == options["trigger"]


@pytest.mark.parametrize("value", ["afterbegin", "beforebegin", "innerHTML swap:200ms",
                                   "textContent"])
def test_swap_values_the_package_refuses_are_set_by_hand(app, value):
    with app.test_request_context("/"):
        # htmx-flask 0.1.0: a missing comma in its list glued two styles into one word.
        with pytest.raises(ValueError):
            htmx_response("x", reswap=value)
        assert htmx.respond("x", reswap=value).headers["HX-Reswap"] == value


def test_a_swap_style_htmx_does_not_know_is_refused(app):
    with app.test_request_context("/"), pytest.raises(ValueError):
        htmx.respond("x", reswap="sideways")


def test_only_lesnamax_htmx_touches_the_package_and_the_headers():
    """Everywhere else calls our helpers: no htmx_flask import, request.htmx or HX- header."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == Path(htmx.__file__):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            imported = (
                [alias.name for alias in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "htmx_flask" for name in imported):
                offenders.append(f"{path.name}:{node.lineno} imports htmx_flask")
            if isinstance(node, ast.Attribute) and node.attr == "htmx" and isinstance(
                    node.value, ast.Name) and node.value.id == "request":
                offenders.append(f"{path.name}:{node.lineno} reads request.htmx")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                    node.value.startswith("HX-")):
                offenders.append(f"{path.name}:{node.lineno} names {node.value}")
    assert offenders == []
