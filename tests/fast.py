"""What keeps the suite fast: Argon2 at its lowest cost, work shared between the apps of one
test process, and the slowest files first for the two workers of ``make test``.

Nothing here changes what a test checks; tests/conftest.py imports it.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import BytecodeCache
from werkzeug.routing import Rule

#: Argon2 at its lowest cost (0.3 s a hash at production cost made the suite twice as slow).
#: Production keeps config.py's defaults (test_password_hash_cost.py asserts both).
CHEAP_PASSWORD_HASH = {
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 64,
    "PASSWORD_HASH_PARALLELISM": 1,
}
# The same for the servers the tests start in other processes (gunicorn reads LESNAMAX_*),
# and for any app a test builds without base_config.
for _key, _value in CHEAP_PASSWORD_HASH.items():
    os.environ.setdefault(f"LESNAMAX_{_key}", str(_value))
# Those servers run jobs at once too (an e-mail's .eml is written at its commit), unless a test
# runs a real consumer and says false.
os.environ.setdefault("LESNAMAX_JOBS_IMMEDIATE", "true")


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every app a test process creates.

    Each test gets a new app, and each new app compiled every template it rendered again (most
    of a short test's time). Jinja keys the code by template file and checks the source's
    checksum, so an edited template is compiled afresh; every app comes from create_app, so
    all environments compile alike (same extensions, autoescape, new-style gettext).
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()}


def _share_url_builders() -> None:
    """Compile each URL rule's builder functions once per test process, not once per app.

    Werkzeug builds them with ``ast`` and ``compile`` for every rule of every new app: a third
    of a short test's time once templates were shared. Their code depends only on the rule's
    text, its parts and its defaults (converters are read through ``self`` when called), so
    rules of the same text can share it. Werkzeug's private method: should it go, the tests
    only get slower.
    """
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    shared: dict = {}

    def builder(self, append_unknown: bool = True):
        key = (append_unknown, self.rule, tuple(self._trace),
               repr(sorted((self.defaults or {}).items())))
        if key not in shared:
            shared[key] = compile_builder(self, append_unknown)
        return shared[key]

    Rule._compile_builder = builder


_share_url_builders()


#: The longest test files (tests/ paths), longest first. They run first, so that with two
#: workers (make test: pytest-xdist, --dist loadfile --no-loadscope-reorder) none of them is
#: left running alone at the end. Measured with --durations=0; order only, no test depends on it.
SLOWEST_FIRST = (
    "test_soak.py",
    "test_fuzz.py",
    "browser/test_buying.py",
    "test_admin_csv.py",
    "browser/test_privacy_flow.py",
    "browser/test_account.py",
    "test_translations.py",
    "test_cli.py",
    "test_checkout.py",
    "test_search_at_scale.py",
    "test_newsletter_scale.py",
    "browser/test_admin.py",
    "browser/test_a11y.py",
    "browser/test_consent_link.py",
    "test_two_processes.py",
    "test_hostile.py",
)


def slowest_first(items) -> None:
    rank = {name: n for n, name in enumerate(SLOWEST_FIRST)}
    tests = Path(__file__).parent
    # A stable sort: the other files, and the tests inside every file, keep their order.
    items.sort(key=lambda item: rank.get(item.path.relative_to(tests).as_posix(), len(rank)))
