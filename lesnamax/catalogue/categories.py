"""Category changes made by the shop owner: create, rename, nest, reorder, delete.

Every product's ``search_text`` contains its category's and ancestors' names, so a rename or
a move rewrites that column for every product below, in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_ngettext
from sqlalchemy import bindparam, func, select, update

from .. import audit
from ..extensions import db
from ..i18n import _l
from ..text import slugify
from .models import Category, Product, category_names, search_text_for
from .services import CategoryTree, category_tree

#: ``models.category_names`` walks at most 10 levels; deeper categories would lose names in
#: search, and a furniture shop needs far fewer levels anyway.
MAX_DEPTH = 5
#: Products whose search text is rewritten per batch (keeps memory flat on big categories).
BATCH = 2000


class CategoryError(Exception):
    """A refused change, with a message for the person and the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Row:
    """One line of the admin tree: a category, how deep it sits, what it holds."""

    category: Category
    depth: int
    products: int
    children: int
    first: bool
    last: bool


def tree_rows() -> list[Row]:
    """Return every category in tree order (parents before their children, by position)."""
    tree = category_tree()
    counts = dict(
        db.session.execute(
            select(Product.category_id, func.count()).group_by(Product.category_id)
        ).all()
    )
    rows: list[Row] = []

    def walk(parent_id: int | None, depth: int) -> None:
        siblings = tree.children.get(parent_id, [])
        for index, category in enumerate(siblings):
            rows.append(Row(category, depth, counts.get(category.id, 0),
                            len(tree.children.get(category.id, [])),
                            index == 0, index == len(siblings) - 1))
            walk(category.id, depth + 1)

    walk(None, 0)
    return rows


def parent_choices(exclude_id: int | None = None) -> list[tuple[int, str, int]]:
    """Return ``(id, name, depth)`` of the categories that may be a parent.

    When editing, the category itself and its descendants are left out (no cycles).
    """
    tree = category_tree()
    excluded: set[int] = set()
    if exclude_id is not None and exclude_id in tree.by_id:
        excluded = set(tree.descendant_ids(tree.by_id[exclude_id]))
    return [(r.category.id, r.category.name_sq, r.depth) for r in tree_rows()
            if r.category.id not in excluded]


def get(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def create(values: dict, actor: audit.Actor) -> Category:
    """Create a category from ``name_sq``, ``name_en``, ``slug`` (may be empty), ``parent_id``."""
    values = _named(values)
    tree = category_tree()
    parent_id = values.get("parent_id")
    _check_parent(tree, None, parent_id)
    slug = values.get("slug") or ""
    if slug:
        if slug in tree.by_slug:
            raise CategoryError(_l("Another category already uses this address."), "slug")
    else:
        slug = _free_slug(slugify(values["name_sq"]), set(tree.by_slug))
    siblings = tree.children.get(parent_id, [])
    category = Category(slug=slug, name_sq=values["name_sq"], name_en=values.get("name_en") or "",
                        parent_id=parent_id,
                        position=max((c.position for c in siblings), default=-1) + 1)
    db.session.add(category)
    db.session.flush()
    audit.record(actor, "category.create", "category", category.id,
                    f"{category.slug}: {category.name_sq}")
    _commit()
    return category


def update_category(category_id: int, values: dict, actor: audit.Actor) -> Category:
    """Rename (``name_sq``, ``name_en``) and/or move (``parent_id``) a category."""
    values = _named(values)
    tree = category_tree()
    category = tree.by_id.get(category_id)
    if category is None:
        raise CategoryError(_l("This category no longer exists."))
    parent_id = values.get("parent_id")
    _check_parent(tree, category, parent_id)
    changes = []
    for field in ("name_sq", "name_en"):
        new = values.get(field) or ""
        if getattr(category, field) != new:
            changes.append(f"{field}: {getattr(category, field)} → {new}")
            setattr(category, field, new)
    if category.parent_id != parent_id:
        changes.append(f"parent_id: {category.parent_id} → {parent_id}")
        category.parent_id = parent_id
        # A moved category goes last among its new siblings.
        siblings = tree.children.get(parent_id, [])
        category.position = max((c.position for c in siblings), default=-1) + 1
    if not changes:
        return category
    db.session.flush()
    refresh_search_text(tree.descendant_ids(category))
    audit.record(actor, "category.update", "category", category.id, "; ".join(changes))
    _commit()
    return category


def move(category_id: int, direction: str, actor: audit.Actor) -> Category:
    """Move a category one place ``"up"`` or ``"down"`` among its siblings."""
    tree = category_tree()
    category = tree.by_id.get(category_id)
    if category is None:
        raise CategoryError(_l("This category no longer exists."))
    siblings = tree.children.get(category.parent_id, [])
    index = siblings.index(category)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(siblings):
        raise CategoryError(_l("This category cannot move further."))
    siblings[index], siblings[other] = siblings[other], siblings[index]
    # Renumber the siblings: positions may have gaps or ties (e.g. from the demo data).
    for position, sibling in enumerate(siblings):
        sibling.position = position
    # Places, not "up"/"down": audit details are data, read in either language.
    audit.record(actor, "category.reorder", "category", category.id,
                    f"{category.slug}: {index + 1} → {other + 1}")
    _commit()
    return category


def delete(category_id: int, actor: audit.Actor) -> str:
    """Delete an empty category (no products, no subcategories); return its name."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise CategoryError(_l("This category no longer exists."))
    if db.session.scalar(select(func.count()).where(Category.parent_id == category_id)):
        raise CategoryError(_l("“%(name)s” has subcategories: move or delete them first.",
                               name=category.name_sq))
    if db.session.scalar(select(func.count()).where(Product.category_id == category_id)):
        raise CategoryError(_l("“%(name)s” still has products: move them to another "
                               "category first.", name=category.name_sq))
    name = category.name_sq
    audit.record(actor, "category.delete", "category", category.id,
                    f"{category.slug}: {category.name_sq}")
    db.session.delete(category)
    _commit()
    return name


def refresh_search_text(category_ids: list[int]) -> int:
    """Rewrite ``search_text`` of every product in ``category_ids``; return how many.

    Core statements, so the ORM's per-object hook does not run (and load) 100,000 products;
    the SQLite FTS index follows through its UPDATE trigger. The caller commits.
    """
    table = Product.__table__
    connection = db.session.connection()
    names = {cid: category_names(connection, cid) for cid in category_ids}
    statement = (update(table).where(table.c.id == bindparam("product_id"))
                 .values(search_text=bindparam("text")))
    query = select(table.c.id, table.c.category_id, table.c.name_sq, table.c.name_en,
                   table.c.sku, table.c.material, table.c.colour).where(
        table.c.category_id.in_(category_ids)).order_by(table.c.id)
    done, last_id = 0, 0
    while True:
        # Keyset pages rather than one open cursor: we write to the same table as we go.
        rows = connection.execute(query.where(table.c.id > last_id).limit(BATCH)).all()
        if not rows:
            return done
        params = [{"product_id": r.id,
                   "text": search_text_for(r._asdict(), names[r.category_id])} for r in rows]
        connection.execute(statement, params)
        done += len(rows)
        last_id = rows[-1].id


def _named(values: dict) -> dict:
    """Return ``values`` with stripped names; refuse an empty Albanian name.

    The form strips and requires the name already; this keeps any other caller from making
    a nameless category (menus and breadcrumbs would show nothing).
    """
    values = {**values, "name_sq": (values.get("name_sq") or "").strip(),
              "name_en": (values.get("name_en") or "").strip()}
    if not values["name_sq"]:
        raise CategoryError(_l("This field is required."), "name_sq")
    return values


def _check_parent(tree: CategoryTree, category: Category | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parent = tree.by_id.get(parent_id)
    if parent is None:
        raise CategoryError(_l("Choose a parent category from the list."), "parent_id")
    if category is not None and parent_id in tree.descendant_ids(category):
        raise CategoryError(
            _l("A category cannot be placed inside itself or one of its subcategories."),
            "parent_id")
    height = _height(tree, category) if category is not None else 1
    if len(tree.ancestors(parent)) + height > MAX_DEPTH:
        raise CategoryError(lazy_ngettext("Categories can be nested at most %(num)d level deep.",
                                          "Categories can be nested at most %(num)d levels deep.",
                                          MAX_DEPTH), "parent_id")


def _height(tree: CategoryTree, category: Category) -> int:
    """Levels from ``category`` down to its deepest descendant, itself included."""
    children = tree.children.get(category.id, [])
    return 1 + max((_height(tree, child) for child in children), default=0)


def _free_slug(base: str, taken: set[str]) -> str:
    base = base[:110] or "kategori"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _commit() -> None:
    # The commit gives the categories a new stamp (lesnamax/pagecache.py watches the session),
    # so the menu cached under the old one (services.menu_tree) is never read again.
    db.session.commit()
