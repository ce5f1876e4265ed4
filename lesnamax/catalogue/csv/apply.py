"""The two steps of a CSV import: check the file and keep it, then confirm and write it.

Between the steps the uploaded file waits under the import folder with a random name that
also carries the admin's id (the token alone, kept in that admin's signed session, finds
it), next to what the check decided about stock (``Plan.stock_seen``): the confirmation plans
the file again (``plan``) but writes only that stock, and only if it did not move meanwhile.
Writing is one transaction with executemany, or nothing.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ... import audit
from ...extensions import db
from ...i18n import _l
from .. import variants
from ..models import Product
from .plan import CHUNK, MAX_REPORTED, MODEL_FIELDS, Plan, plan_import
from .rows import FIELD

UPLOAD_MAX_AGE = 24 * 3600
#: How many stock changes the audit event and the conflict message name.
NAMED = 20
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class NothingToImport(LookupError):
    """The uploaded file is gone (confirmed, cancelled, swept away, or never uploaded)."""


class ImportRefused(Exception):
    """The file (or the catalogue since it was checked) does not allow the import."""

    def __init__(self, plan: Plan, changed: bool = False):
        super().__init__("import refused")
        self.plan, self.changed = plan, changed


class StockChanged(Exception):
    """Stock the import would write was changed (a sale?) since the file was checked."""

    def __init__(self, conflicts: list[tuple[str, int | None]]):
        super().__init__("stock changed")
        self.conflicts = conflicts

    def named(self) -> str:
        """"LM-1 (3), LM-2 (0)": the SKUs and their stock now, the first ``NAMED`` of them."""
        text = ", ".join(f"{sku} ({'—' if now is None else now})"
                         for sku, now in self.conflicts[:NAMED])
        return text + (" …" if len(self.conflicts) > NAMED else "")


# The steps


def check_upload(directory: str, owner_id: int, data: bytes | None, max_rows: int,
                 previous: str | None) -> tuple[Plan, str | None]:
    """Check ``data``; if it can be imported keep it and return its token with the plan.

    ``previous`` is the token of an earlier upload of this admin, which this one replaces.
    """
    plan = plan_import(data, max_rows)
    if plan.problem_count or data is None:
        return plan, None
    discard_upload(directory, owner_id, previous)
    return plan, store_upload(directory, owner_id, data, plan.stock_seen)


def confirm_upload(directory: str, owner_id: int, token: str | None, max_rows: int,
                   expected: tuple[int, int] | None, actor: audit.Actor) -> Plan:
    """Import the kept file. Raises what ``apply_import`` raises, or ``NothingToImport``.

    The file is kept only when the owner is asked to confirm again (the numbers of new and
    updated products changed); otherwise it is gone afterwards, imported or refused.
    """
    kept = load_upload(directory, owner_id, token)
    if kept is None:
        raise NothingToImport(token)
    data, stock_seen = kept
    try:
        plan = apply_import(data, max_rows, expected, actor, stock_seen)
    except ImportRefused as refused:
        if refused.plan.problem_count or not refused.changed:
            discard_upload(directory, owner_id, token)
        raise
    except StockChanged:
        discard_upload(directory, owner_id, token)
        raise
    discard_upload(directory, owner_id, token)
    return plan


# The file between the steps


def store_upload(directory: str, owner_id: int, data: bytes, stock_seen: dict[str, int]) -> str:
    """Save ``data`` and ``stock_seen`` under a random name tied to ``owner_id``.

    Returns the token that finds them again.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    sweep_uploads(directory, time.time() - UPLOAD_MAX_AGE)
    token = secrets.token_urlsafe(24)
    path = _path(directory, owner_id, token)
    path.write_bytes(data)
    path.with_suffix(".json").write_text(json.dumps(stock_seen), encoding="utf-8")
    return token


def load_upload(directory: str, owner_id: int,
                token: str | None) -> tuple[bytes, dict[str, int]] | None:
    """Return the kept file and its stock decisions, or None if there is no such upload."""
    if not token or not _TOKEN.match(token):
        return None
    path = _path(directory, owner_id, token)
    try:
        data = path.read_bytes()
        stock_seen = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    valid = isinstance(stock_seen, dict) and all(
        isinstance(k, str) and type(v) is int for k, v in stock_seen.items())
    return (data, stock_seen) if valid else None


def discard_upload(directory: str, owner_id: int, token: str | None) -> None:
    if token and _TOKEN.match(token):
        path = _path(directory, owner_id, token)
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)


def sweep_uploads(directory: str, cutoff: float) -> None:
    """Delete uploads last written before ``cutoff``: abandoned ones do not pile up."""
    for old in Path(directory).glob("*-*.*"):
        if old.suffix in (".csv", ".json") and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _path(directory: str, owner_id: int, token: str) -> Path:
    return Path(directory) / f"{int(owner_id)}-{token}.csv"


# Writing


def apply_import(data: bytes, max_rows: int, expected: tuple[int, int] | None,
                 actor: audit.Actor, stock_seen: dict[str, int]) -> Plan:
    """Plan ``data`` again and write it all in one transaction.

    ``stock_seen`` is the check's ``Plan.stock_seen``. Raises ``ImportRefused`` when the file
    has problems now, or when the numbers of new and updated products differ from
    ``expected`` (what the owner confirmed); ``StockChanged`` when stock to be written has
    changed since the check. Either way nothing is written.
    """
    plan = plan_import(data, max_rows, stock_seen)
    if plan.problem_count:
        raise ImportRefused(plan)
    if plan.conflicts:
        raise StockChanged(plan.conflicts)
    if expected is not None and plan.counts != expected:
        raise ImportRefused(plan, changed=True)
    try:
        _write_creates(plan)
        _write_updates(plan)
        _write_stock(plan)
        _write_families(plan)
        audit.record(actor, "csv.import", "product", None, _audit_detail(plan))
        db.session.commit()
    except IntegrityError as error:
        # Someone saved the same SKU or slug meanwhile: nothing of this import stays.
        db.session.rollback()
        plan.add(0, "", _l("The catalogue changed while importing; nothing was saved. "
                           "Please upload the file again."))
        raise ImportRefused(plan, changed=True) from error
    except BaseException:
        db.session.rollback()
        raise
    return plan


def _write_creates(plan: Plan) -> None:
    table = Product.__table__
    keys = (*MODEL_FIELDS, "slug", "search_text", "created_at", "updated_at")
    for start in range(0, len(plan.creates), CHUNK):
        rows = [{k: row[k] for k in keys} for row in plan.creates[start:start + CHUNK]]
        db.session.execute(insert(table), rows)


def _write_updates(plan: Plan) -> None:
    if not plan.updates:
        return
    table = Product.__table__
    # Stock is written apart, compare-and-set, and only where the plan says so.
    fields = [FIELD.get(name, name) for name in plan.present
              if name not in ("sku", "stock", "stock_exported", "family")]
    statement = update(table).where(table.c.id == bindparam("row_id")).values(
        {f: bindparam(f"v_{f}") for f in (*fields, "search_text", "updated_at")})
    for start in range(0, len(plan.updates), CHUNK):
        rows = [{"row_id": row["id"], **{f"v_{f}": row[f]
                                         for f in (*fields, "search_text", "updated_at")}}
                for row in plan.updates[start:start + CHUNK]]
        db.session.execute(statement, rows)


def _write_stock(plan: Plan) -> None:
    # Compare-and-set: a sale after the planning above (``stock = stock - q``) makes a row
    # match nothing, and then nothing of the import is kept. PostgreSQL re-checks the WHERE
    # after waiting for a concurrent sale's row lock.
    table = Product.__table__
    statement = update(table).where(table.c.id == bindparam("row_id"),
                                    table.c.stock == bindparam("seen")).values(
        stock=bindparam("new"))
    written = 0
    for start in range(0, len(plan.stock_writes), CHUNK):
        rows = [{k: w[k] for k in ("row_id", "seen", "new")}
                for w in plan.stock_writes[start:start + CHUNK]]
        written += db.session.execute(statement, rows).rowcount
    if written != len(plan.stock_writes):
        db.session.rollback()
        seen = {w["row_id"]: w for w in plan.stock_writes}
        now = db.session.execute(select(table.c.id, table.c.stock).where(
            table.c.id.in_(list(seen)[:MAX_REPORTED])))
        stock = dict(now.all())
        # A product deleted meanwhile is listed too, without a stock.
        raise StockChanged(sorted((w["sku"], stock.get(w["row_id"])) for w in seen.values()
                                  if stock.get(w["row_id"]) != w["seen"]))


def _write_families(plan: Plan) -> None:
    """Put each line in the family it names (its stock moves with it: the database's
    triggers), then bring every family the file touched in step (names, prices, search)."""
    table = Product.__table__
    skus = sorted({*plan.families, *(f for f in plan.families.values() if f),
                   *(row["sku"] for row in (*plan.creates, *plan.updates))})
    rows = {}
    for start in range(0, len(skus), 500):
        rows.update({r.sku: r for r in db.session.execute(select(
            table.c.id, table.c.sku, table.c.parent_id, table.c.variant_axes).where(
            table.c.sku.in_(skus[start:start + 500])))})
    touched = {r.parent_id or r.id for r in rows.values() if r.parent_id or r.variant_axes}
    moves = []
    for sku, family in plan.families.items():
        wanted = rows[family].id if family else None
        if rows[sku].parent_id != wanted:
            moves.append({"row_id": rows[sku].id, "parent": wanted})
            touched.update(p for p in (rows[sku].parent_id, wanted) if p)
    if moves:
        db.session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
            parent_id=bindparam("parent")), moves)
    db.session.expire_all()  # the rows above changed under the session
    for parent_id in sorted(touched):
        variants.refresh(parent_id)
    db.session.flush()


def _audit_detail(plan: Plan) -> str:
    """Language-neutral: "+1 ~2 =1" (new, updated, unchanged), then stock written, by SKU."""
    new, updated = plan.counts
    detail = f"+{new} ~{updated} ={plan.unchanged}"
    if plan.stock_writes:
        detail += "; stock " + ", ".join(f"{w['sku']} {w['seen']} → {w['new']}"
                                         for w in plan.stock_writes[:NAMED])
        detail += " …" if len(plan.stock_writes) > NAMED else ""
    return detail
