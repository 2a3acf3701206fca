"""The tenant's part of the schema, discovered, never listed: every table with a ``tenant_id`` column.

Features merged later are covered without a change here. The people a tenant's rows point at (``users``,
through any foreign key to ``users.id``) are exported with it, minus what only the account holder may know.
"""
from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa

from portal.backup.inventory import reflect

# Never leave the installation: the password hash and the session token (a restored account sets a new
# password through the reset flow); platform administration is not the tenant's to give.
USER_SECRET_COLUMNS = frozenset({"password_hash", "session_token"})


def tenant_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """Tables owned by a tenant, parents before children (foreign-key order)."""
    return [t for t in metadata.sorted_tables if "tenant_id" in t.c]


def user_columns(metadata: sa.MetaData) -> dict[str, list[str]]:
    """For each tenant table, its columns that hold a ``users.id`` (remapped on import)."""
    found = {}
    for table in tenant_tables(metadata):
        columns = sorted({fk.parent.name for fk in table.foreign_keys
                          if fk.column.table.name == "users" and fk.column.name == "id"})
        if columns:
            found[table.name] = columns
    return found


def self_references(table: sa.Table) -> list[str]:
    """Columns (other than tenant_id) of foreign keys from ``table`` to itself, e.g. an area's parent."""
    return sorted({fk.parent.name for fk in table.foreign_keys
                   if fk.column.table is table and fk.parent.name != "tenant_id"})


def from_canonical(column: sa.Column, value):
    """The Python value to insert for an exported (canonical JSON) value of ``column``."""
    if value is None:
        return None
    if isinstance(value, dict) and "$bytes" in value:
        return bytes.fromhex(value["$bytes"])
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc)
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return dt.time.fromisoformat(value)
    if isinstance(kind, sa.Float):
        return float(value)
    if isinstance(kind, sa.Numeric):
        return decimal.Decimal(value)
    return value


__all__ = ["reflect", "tenant_tables", "user_columns", "self_references", "from_canonical", "USER_SECRET_COLUMNS"]
