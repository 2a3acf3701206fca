"""Ledger categories (§3.4, per tenant: add, rename, retire, never delete) and the tenant's repair-fund rule."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.ledger.defaults import DEFAULT_CATEGORIES
from portal.ledger.models import CategoryKind, LedgerCategory, LedgerEntry, LedgerSettings


class LedgerError(DomainError):
    """A ledger rule broken by a change; ``field`` names the form or JSON field."""


def ensure_categories(tenant) -> None:
    """Seed the default categories for a tenant that has none yet (idempotent; on a write path only)."""
    exists = db.session.scalar(sa.select(LedgerCategory.id).limit(1))
    if exists is not None:
        return
    for position, (code, kind, zh, en) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(LedgerCategory(tenant_id=tenant.id, code=code, kind=kind, name_zh=zh, name_en=en,
                                      position=position))
    db.session.flush()


def categories(*, include_retired: bool = False) -> list[LedgerCategory]:
    """The tenant's categories (incomes first); the defaults, unsaved, for a tenant that has none yet."""
    stmt = sa.select(LedgerCategory).order_by(LedgerCategory.kind != CategoryKind.INCOME, LedgerCategory.position,
                                              LedgerCategory.id)
    if not include_retired:
        stmt = stmt.where(LedgerCategory.retired_at.is_(None))
    rows = list(db.session.scalars(stmt))
    if rows or db.session.scalar(sa.select(LedgerCategory.id).limit(1)) is not None:
        return rows
    return [LedgerCategory(code=code, kind=kind, name_zh=zh, name_en=en, position=i)
            for i, (code, kind, zh, en) in enumerate(DEFAULT_CATEGORIES)]


def used_category_ids() -> set[int]:
    return set(db.session.scalars(sa.select(LedgerEntry.category_id).distinct()))


def category_by_code(tenant, code: str, field: str = "category") -> LedgerCategory:
    ensure_categories(tenant)
    found = db.session.scalar(sa.select(LedgerCategory).where(LedgerCategory.code == (code or "")))
    if found is None or found.retired_at is not None:
        raise LedgerError(field, _l("Choose one of the listed categories."))
    return found


def _category_names(values: dict) -> tuple[str, str]:
    name_zh = (values.get("name_zh") or "").strip()
    if not name_zh:
        raise LedgerError("name_zh", _l("Enter the category's Chinese name."))
    return name_zh[:80], (values.get("name_en") or "").strip()[:120]


def add_category(*, tenant, actor, values: dict) -> LedgerCategory:
    ensure_categories(tenant)
    try:
        kind = CategoryKind(values.get("kind"))
    except ValueError:
        raise LedgerError("kind", _l("Choose what the category counts as.")) from None
    name_zh, name_en = _category_names(values)
    if db.session.scalar(sa.select(LedgerCategory.id).where(LedgerCategory.name_zh == name_zh)) is not None:
        raise LedgerError("name_zh", _l("A category with this name exists already."))
    count = db.session.scalar(sa.select(sa.func.count(LedgerCategory.id))) or 0
    category = LedgerCategory(tenant_id=tenant.id, code=f"c{count + 1}", kind=kind, name_zh=name_zh, name_en=name_en,
                              position=100 + count)
    while db.session.scalar(sa.select(LedgerCategory.id).where(LedgerCategory.code == category.code)) is not None:
        count += 1
        category.code = f"c{count + 1}"
    db.session.add(category)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ledger.category_added", object_type="ledger_category",
           object_id=category.id, summary=name_zh, after={"name": name_zh, "kind": kind.value})
    return category


def rename_category(*, tenant, actor, category: LedgerCategory, values: dict) -> LedgerCategory:
    name_zh, name_en = _category_names(values)
    clash = db.session.scalar(sa.select(LedgerCategory.id).where(LedgerCategory.name_zh == name_zh,
                                                                 LedgerCategory.id != category.id))
    if clash is not None:
        raise LedgerError("name_zh", _l("A category with this name exists already."))
    before = {"name": category.name_zh}
    category.name_zh, category.name_en = name_zh, name_en
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ledger.category_renamed", object_type="ledger_category",
           object_id=category.id, summary=name_zh, before=before, after={"name": name_zh})
    return category


def retire_category(*, tenant, actor, category: LedgerCategory) -> LedgerCategory:
    """Retire a category: no new entries in it; entries already in it keep it (a category is never deleted)."""
    if category.retired_at is None:
        category.retired_at = utcnow()
        db.session.flush()
        record(tenant=tenant, actor=actor, action="ledger.category_retired", object_type="ledger_category",
               object_id=category.id, summary=category.name_zh, after={"name": category.name_zh})
    return category


def settings() -> LedgerSettings:
    """The tenant's repair-fund rule (the default, unsaved, until the administrator changes it)."""
    found = db.session.scalar(sa.select(LedgerSettings))
    return found if found is not None else LedgerSettings(repair_fund_low=False, min_repair_percent=50)


def update_settings(*, tenant, actor, repair_fund_low: bool, min_repair_percent) -> LedgerSettings:
    try:
        percent = int(str(min_repair_percent).strip())
    except (TypeError, ValueError):
        raise LedgerError("min_repair_percent", _l("Enter a whole percentage from 0 to 100.")) from None
    if not 0 <= percent <= 100:
        raise LedgerError("min_repair_percent", _l("Enter a whole percentage from 0 to 100."))
    row = db.session.scalar(sa.select(LedgerSettings))
    if row is None:
        row = LedgerSettings(tenant_id=tenant.id)
        db.session.add(row)
    before = {"low": row.repair_fund_low, "percent": row.min_repair_percent}
    row.repair_fund_low, row.min_repair_percent, row.updated_at = bool(repair_fund_low), percent, utcnow()
    db.session.flush()
    record(tenant=tenant, actor=actor, action="ledger.rule_changed", object_type="ledger_settings", object_id=row.id,
           summary=f"≥{percent}%" if row.repair_fund_low else "—", before=before,
           after={"low": row.repair_fund_low, "percent": percent})
    return row
