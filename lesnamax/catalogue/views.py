"""Catalogue pages: home, listings, product page, live search, price list, stores, sitemap."""

from __future__ import annotations

from dataclasses import replace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import htmx, shopsettings, shoptime
from ..i18n import current_code
from ..text import whole_number
from . import filters, listing, services, variants
from .current import tree
from .facets import facets_in

bp = Blueprint("catalogue", __name__)


@bp.get("/")
def home():
    featured, discounted = services.home_products()
    return render_template("catalogue/home.html", featured=featured, discounted=discounted)


@bp.get("/products")
def products():
    return _listing(None)


@bp.get("/category/<slug>")
def category(slug: str):
    found = tree().by_slug.get(slug)
    if found is None:
        abort(404)
    return _listing(found)


def _listing(category):
    query = filters.parse(request.args, current_app.config["SEARCH_MAX_LENGTH"])
    if category is not None:
        query = replace(query, category=category.slug)
    elif query.category and query.category not in tree().by_slug:
        query = replace(query, category="", ignored=(*query.ignored, "category"))
    scope = tree().by_slug.get(query.category)
    page = listing.list_products(
        query, tree(), current_code(), current_app.config["PRODUCTS_PER_PAGE"]
    )
    return htmx.page_or_partial(
        "catalogue/listing.html",
        "catalogue/_product_grid.html",
        query=query,
        page=page,
        category=category,
        scope=scope,
        breadcrumbs=tree().ancestors(scope) if scope else [],
        facets=facets_in(tree().descendant_ids(scope) if scope else None),
        sorts=filters.SORTS,
        base_endpoint=("catalogue.category", {"slug": category.slug})
        if category
        else ("catalogue.products", {}),
    )


@bp.get("/products/<slug>")
def product(slug: str):
    found = services.product_by_slug(slug)
    if found is None:
        abort(404)
    if found.parent_id is not None:  # a variant's page is its family's, with it chosen
        parent = services.product_by_id(found.parent_id)
        if parent is None:
            abort(404)
        args = variants.family(parent, {}, current_code()).args(found)
        return redirect(url_for("catalogue.product", slug=parent.slug, **args), 301)
    family = variants.family(found, request.args, current_code()) if found.is_family else None
    shown = family.chosen if family is not None and family.chosen is not None else found
    if family is not None and family.asked:
        # Each variant has its own URL: its options, all of them, in the axes' order.
        g.canonical_args = family.args() if family.chosen is not None else family.asked
    category = tree().by_id.get(found.category_id)
    return htmx.page_or_partial(
        "catalogue/product.html",
        "catalogue/_product_main.html",
        product=found,
        family=family,
        shown=shown,
        offer=shown.today,
        category=category,
        breadcrumbs=tree().ancestors(category) if category else [],
        related=services.related_products(found),
    )


@bp.get("/search/suggest")
def suggest():
    q = request.args.get("q", "")[: current_app.config["SEARCH_MAX_LENGTH"]]
    return htmx.page_or_partial(
        "catalogue/suggest.html",
        "catalogue/_search_suggestions.html",
        q=q,
        suggestions=listing.suggest(q),
    )


@bp.get("/cmimore")
def price_list():
    raw = request.args.get("page", "1")
    number = whole_number(raw, 6) or 1
    page = services.price_list(max(number, 1), per_page=100)
    return render_template(
        "catalogue/price_list.html", page=page, list_date=shoptime.shop_today(),
        bad_page=raw != str(number),
    )


@bp.get("/stores")
def stores():
    """The showrooms: address, hours, phone and a plain link to a maps app (no map on the
    page: nothing is loaded from another origin). A shared page: the settings' stamp keys it."""
    return render_template("catalogue/stores.html",
                           stores=shopsettings.current().active_stores)


@bp.get("/sitemap.xml")
def sitemap():
    """A sitemap index: one file of pages, then products in files of SITEMAP_CHUNK."""
    chunks = max(1, -(-services.active_product_count() // services.SITEMAP_CHUNK))
    body = render_template("catalogue/sitemap_index.xml", chunks=chunks)
    return Response(body, mimetype="application/xml")


@bp.get("/sitemap-pages.xml")
def sitemap_pages():
    paths = [
        url_for(e)
        for e in ("catalogue.home", "catalogue.products", "catalogue.price_list",
                  "catalogue.stores", "privacy.policy")
    ]
    paths += [url_for("catalogue.category", slug=c.slug) for c in tree().all]
    body = render_template("catalogue/sitemap.xml", entries=[(p, None) for p in paths])
    return Response(body, mimetype="application/xml")


@bp.get("/sitemap-products-<int:number>.xml")
def sitemap_products(number: int):
    rows = services.sitemap_products(number)
    if not rows and number != 1:
        abort(404)
    entries = [(url_for("catalogue.product", slug=slug), updated) for slug, updated in rows]
    body = render_template("catalogue/sitemap.xml", entries=entries)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    base = current_app.config["BASE_URL"].rstrip("/")
    body = "User-agent: *\nDisallow: /account\nDisallow: /cart\nDisallow: /checkout\n"
    body += "Disallow: /admin\nDisallow: /search/suggest\n"
    body += f"Sitemap: {base}{url_for('catalogue.sitemap')}\n"
    return Response(body, mimetype="text/plain")
