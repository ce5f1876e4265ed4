"""The request's view of the catalogue: the category tree, looked up at most once a request.

Outside the views so the page layout (templating) and later areas can use it.
"""

from __future__ import annotations

from flask import g

from . import services


def tree() -> services.CategoryTree:
    """Return the shop's category tree, looked up at most once per request."""
    if "category_tree" not in g:
        g.category_tree = services.menu_tree()
    return g.category_tree
