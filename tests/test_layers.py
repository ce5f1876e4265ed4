"""The import order of docs/architecture.md, checked on every module of lesnamax/.

An ast walk (no import-linter: one small function, and it also sees imports inside functions):
every ``import lesnamax…``, ``from lesnamax… import …`` and relative import, wherever it sits
in the module, is resolved to the module it names and checked against ``ORDER``. An area may
import core and the areas to its left; core imports no area; the wiring may import anything.
No area imports another area's ``views`` or ``*_views`` module.

What the walk cannot follow is refused too: importing by name at run time (``importlib``,
``__import__``, ``werkzeug.utils.import_string``), a relative import climbing above
``lesnamax``, and a subpackage of ``lesnamax/`` that is neither an area nor wiring (a new area
is placed in ``ORDER`` on purpose, not counted as core by default).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lesnamax"

#: The one statement of the order; docs/architecture.md must say the same line.
ORDER = ("core", "catalogue", "cart", "orders", "payments", "returns", "invoices", "privacy",
         "account", "checkout", "contact", "newsletter", "admin", "wiring")
AREAS = frozenset(ORDER[1:-1])
#: The app wiring: the factory, the model list, cli, templating, errors, demo data, the
#: page cache, which the factory registers and which reads the policy notice through
#: templating, and the periodic jobs (tasks). Every other top-level module is core.
WIRING = frozenset({"lesnamax", "lesnamax.models", "lesnamax.cli", "lesnamax.templating",
                    "lesnamax.errors", "lesnamax.pagecache", "lesnamax.tasks"})
WIRING_PACKAGES = ("lesnamax.demo",)

#: (importing module, imported module, why it is allowed). At most three, each with its reason.
EXCEPTIONS: tuple[tuple[str, str, str], ...] = ()

VIEWS = re.compile(r"(^|_)views$")
#: Names that import a module given as a string, out of the walk's sight.
DYNAMIC = frozenset({"import_module", "__import__", "import_string"})
#: What ``imports`` yields for a relative import that climbs above ``lesnamax``.
ABOVE = "<above lesnamax>"


def layer(module: str) -> str:
    if module in WIRING or module.startswith(tuple(p + "." for p in WIRING_PACKAGES)) \
            or module in WIRING_PACKAGES:
        return "wiring"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in AREAS:
        return parts[1]
    return "core"


def imports(module: str, source: str, is_package: bool, known: set[str]):
    """Yield ``(line, imported module)`` for every lesnamax import in ``source``, at any depth.

    ``from X import y`` names the module ``X.y`` when that is a module, else ``X``. A relative
    import that climbs above ``lesnamax`` yields ``ABOVE``.
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "lesnamax":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level - 1 >= len(base):  # "from ..." in lesnamax/x.py, say
                    yield node.lineno, ABOVE
                    continue
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "lesnamax":
                continue
            for alias in node.names:
                name = f"{target}.{alias.name}"
                yield node.lineno, name if name in known else target


def dynamic_imports(source: str):
    """Yield ``(line, name)`` for every mention of a run-time import function (a call, an
    attribute such as ``importlib.import_module``, or ``from werkzeug.utils import
    import_string``)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in DYNAMIC:
            yield node.lineno, node.id
        elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC:
            yield node.lineno, node.attr
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in DYNAMIC:
                    yield node.lineno, alias.name


def unplaced_packages(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Return the subpackages of ``lesnamax`` that are neither an area nor wiring."""
    placed = AREAS | {p.removeprefix("lesnamax.") for p in WIRING_PACKAGES}
    found = set()
    for module, (_source, is_package) in modules.items():
        parts = module.split(".")
        if parts[0] == "lesnamax" and (len(parts) > 2 or (len(parts) == 2 and is_package)):
            found.add(parts[1])
    return sorted(found - placed)


def violations(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Check ``{module name: (source, is a package)}``; return one line per broken rule."""
    known = set(modules)
    found = [f"lesnamax.{name} is a subpackage that is neither an area nor wiring: place it "
             f"in ORDER" for name in unplaced_packages(modules)]
    for module, (source, is_package) in sorted(modules.items()):
        mine = layer(module)
        for line, name in dynamic_imports(source):
            found.append(f"{module}:{line} imports by name at run time ({name})")
        for line, target in imports(module, source, is_package, known):
            if target == ABOVE:
                found.append(f"{module}:{line} has a relative import above lesnamax")
                continue
            theirs = layer(target)
            if any(module == a and target == b for a, b, _why in EXCEPTIONS):
                continue
            if mine != "wiring" and ORDER.index(theirs) > ORDER.index(mine):
                found.append(f"{module}:{line} imports {target} ({mine} → {theirs})")
            elif (mine in AREAS and theirs in AREAS and theirs != mine
                  and VIEWS.search(target.rpartition(".")[2])):
                found.append(f"{module}:{line} imports another area's views: {target}")
    return list(dict.fromkeys(found))  # "from x import a, b" is one import


def project_modules() -> dict[str, tuple[str, bool]]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_package)
    return modules


def test_every_import_follows_the_order():
    assert violations(project_modules()) == []


def test_the_exceptions_are_few_and_explained():
    assert len(EXCEPTIONS) <= 3
    assert all(reason.strip() for _a, _b, reason in EXCEPTIONS)


def test_the_documentation_states_the_same_order():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert " → ".join(ORDER) in text


def test_the_walker_catches_what_it_must():
    fake = {
        "lesnamax": ("", True),
        "lesnamax.audit": ("", False),
        "lesnamax.catalogue": ("", True),
        "lesnamax.catalogue.models": ("", False),
        "lesnamax.orders": ("", True),
        "lesnamax.orders.models": ("", False),
        "lesnamax.orders.views": ("", False),
        "lesnamax.checkout": ("", True),
        "lesnamax.checkout.views": ("", False),
        # Upward, hidden in a function, relative: caught.
        "lesnamax.catalogue.manage": (
            "from .. import audit\n\ndef f():\n    from ..orders import models\n", False),
        # Upward, absolute, and through the package ("from lesnamax import x").
        "lesnamax.cart.services": ("import lesnamax.orders.models\n", False),
        "lesnamax.money": ("from lesnamax import checkout\n", False),
        # Downward but into another area's views: caught. Its models: fine.
        "lesnamax.checkout.place": ("from ..orders import views, models\n", False),
        # The wiring may import anything.
        "lesnamax.cli": ("from .checkout import views\nfrom lesnamax.orders.views import x\n",
                         False),
        # Imports by name at run time, which the walk cannot resolve: caught, wiring too.
        "lesnamax.orders.services": (
            "import importlib\n\ndef f():\n    return importlib.import_module('lesnamax.x')\n",
            False),
        "lesnamax.catalogue.services": ("def f():\n    return __import__('lesnamax.admin')\n",
                                        False),
        "lesnamax.errors": ("from werkzeug.utils import import_string\n", False),
        # Relative imports climbing above lesnamax: caught, however deep the module.
        "lesnamax.shoptime": ("from .. import flask\n", False),
        "lesnamax.catalogue.csv": ("", True),
        "lesnamax.catalogue.csv.rows": ("def f():\n    from .... import admin\n", False),
        # A subpackage nobody placed in the order (not core by default): caught.
        "lesnamax.loyalty": ("", True),
        "lesnamax.loyalty.models": ("", False),
        "lesnamax.demo": ("", True),
    }
    found = violations(fake)
    assert found == [
        "lesnamax.loyalty is a subpackage that is neither an area nor wiring: place it in ORDER",
        "lesnamax.cart.services:1 imports lesnamax.orders.models (cart → orders)",
        "lesnamax.catalogue.csv.rows:2 has a relative import above lesnamax",
        "lesnamax.catalogue.manage:4 imports lesnamax.orders.models (catalogue → orders)",
        "lesnamax.catalogue.services:2 imports by name at run time (__import__)",
        "lesnamax.checkout.place:1 imports another area's views: lesnamax.orders.views",
        "lesnamax.errors:1 imports by name at run time (import_string)",
        "lesnamax.money:1 imports lesnamax.checkout (core → checkout)",
        "lesnamax.orders.services:4 imports by name at run time (import_module)",
        "lesnamax.shoptime:1 has a relative import above lesnamax",
    ]
