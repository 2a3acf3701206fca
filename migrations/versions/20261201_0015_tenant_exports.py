"""tenant exports: a record of each export of a tenant; soft delete of tenants with a grace period

Revision ID: 0015_tenant_exports
Revises: 0014_tickets
Create Date: 2026-12-01 20:00:00

Additive only (a new table, three nullable columns): safe to run while the portal serves.

The audit log and the published notice-board versions stay append-only, with one exception the database
itself checks: the rows of a tenant whose grace period after deletion has passed may be deleted (`flask
tenants purge`, the tenant leaving).
"""
import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime
from tenants.rls import disable_tenant_rls, enable_tenant_rls

# revision identifiers, used by Alembic.
revision = '0015_tenant_exports'
down_revision = '0014_tickets'
branch_labels = None
depends_on = None


PURGE_ALLOWED_PG = ("SELECT 1 FROM tenants WHERE tenants.id = OLD.tenant_id AND tenants.purge_after IS NOT NULL "
                    "AND tenants.purge_after <= now()")
PURGE_ALLOWED_SQLITE = ("SELECT 1 FROM tenants WHERE tenants.id = OLD.tenant_id AND tenants.purge_after IS NOT NULL "
                        "AND tenants.purge_after <= strftime('%Y-%m-%d %H:%M:%f', 'now')")


def _audit_guard(purge_allowed: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        exception = f"IF TG_OP = 'DELETE' AND EXISTS ({PURGE_ALLOWED_PG}) THEN RETURN OLD; END IF; " if purge_allowed else ""
        op.execute("CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {exception}RAISE EXCEPTION 'audit_events is append-only'; END $$")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    when = f"WHEN NOT EXISTS ({PURGE_ALLOWED_SQLITE}) " if purge_allowed else ""
    op.execute(f"CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events {when}"
               "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def _board_versions_guard(purge_allowed: bool) -> None:
    """Published notice-board versions stay append-only, with the same one exception as the audit log."""
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the ORM guards the versions (portal.disclosures.services); the purge deletes in SQL
    exception = f"IF TG_OP = 'DELETE' AND EXISTS ({PURGE_ALLOWED_PG}) THEN RETURN OLD; END IF; " if purge_allowed else ""
    op.execute("CREATE OR REPLACE FUNCTION board_versions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN {exception}RAISE EXCEPTION 'published notice-board versions cannot be %', lower(TG_OP) "
               "USING ERRCODE = 'integrity_constraint_violation'; END $$")


def upgrade():
    op.create_table('tenant_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.Column('rows', sa.BigInteger(), nullable=False),
    sa.Column('uploads', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tenant_exports_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_exports_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_exports'))
    )
    with op.batch_alter_table('tenant_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_exports_tenant_id'), ['tenant_id'], unique=False)
    enable_tenant_rls(op, 'tenant_exports')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purge_after', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status_before_delete', sa.String(length=16), nullable=True))
    _audit_guard(purge_allowed=True)
    _board_versions_guard(purge_allowed=True)


def downgrade():
    _board_versions_guard(purge_allowed=False)
    _audit_guard(purge_allowed=False)
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('status_before_delete')
        batch_op.drop_column('purge_after')
        batch_op.drop_column('deleted_at')
    disable_tenant_rls(op, 'tenant_exports')
    with op.batch_alter_table('tenant_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_exports_tenant_id'))
    op.drop_table('tenant_exports')
