"""revenue ledger: categories, entries, vouchers, signed-off quarterly statements, the repair-fund rule

Revision ID: 0012_revenue_ledger
Revises: 0011_notice_boards
Create Date: 2026-12-01 20:01:34

Every table belongs to a tenant: tenant_id, composite foreign keys with it, row-level security.
Amounts are BIGINT fen. Categories are seeded per tenant by the application on its first ledger
write (portal.ledger.services.ensure_categories), so no data moves here.
"""
from alembic import op
import sqlalchemy as sa

import portal.db
from tenants.rls import disable_tenant_rls, enable_tenant_rls

TABLES = ('ledger_categories', 'ledger_settings', 'ledger_statements', 'ledger_entries', 'ledger_vouchers')


# revision identifiers, used by Alembic.
revision = '0012_revenue_ledger'
down_revision = '0011_notice_boards'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('income', 'cost', 'repair_fund', 'spending', name='categorykind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_categories_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_categories')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_ledger_categories_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ledger_categories_tenant_id_id'))
    )
    with op.batch_alter_table('ledger_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_categories_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ledger_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('repair_fund_low', sa.Boolean(), nullable=False),
    sa.Column('min_repair_percent', sa.Integer(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('min_repair_percent >= 0 AND min_repair_percent <= 100', name=op.f('ck_ledger_settings_percent_range')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_settings_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_settings')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_ledger_settings_tenant_id'))
    )
    with op.batch_alter_table('ledger_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_settings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ledger_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('opening_fen', sa.BigInteger(), nullable=False),
    sa.Column('income_fen', sa.BigInteger(), nullable=False),
    sa.Column('cost_fen', sa.BigInteger(), nullable=False),
    sa.Column('repair_fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('spending_fen', sa.BigInteger(), nullable=False),
    sa.Column('required_repair_fen', sa.BigInteger(), nullable=False),
    sa.Column('closing_fen', sa.BigInteger(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_name', sa.String(length=80), nullable=False),
    sa.Column('signed_by_capacity', sa.String(length=200), nullable=False),
    sa.Column('signed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('ck_ledger_statements_quarter_range')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_ledger_statements_signed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_ledger_statements_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_statements_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_statements')),
    sa.UniqueConstraint('tenant_id', 'community_id', 'year', 'quarter', name=op.f('uq_ledger_statements_tenant_id_community_id_year_quarter')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ledger_statements_tenant_id_id'))
    )
    with op.batch_alter_table('ledger_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_statements_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('direction', sa.Enum('income', 'expense', name='direction', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('counterparty', sa.String(length=120), nullable=False),
    sa.Column('counterparty_is_individual', sa.Boolean(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('account_type', sa.Enum('dedicated', 'joint', 'committee', name='accounttype', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(reverses_id IS NULL AND amount_fen > 0) OR (reverses_id IS NOT NULL AND amount_fen < 0)', name=op.f('ck_ledger_entries_amount_sign')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_ledger_entries_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['ledger_categories.tenant_id', 'ledger_categories.id'], name=op.f('fk_ledger_entries_tenant_id_category_id_ledger_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_ledger_entries_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'contract_id'], ['contracts.tenant_id', 'contracts.id'], name=op.f('fk_ledger_entries_tenant_id_contract_id_contracts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'reverses_id'], ['ledger_entries.tenant_id', 'ledger_entries.id'], name=op.f('fk_ledger_entries_tenant_id_reverses_id_ledger_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_entries_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ledger_entries_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'reverses_id', name=op.f('uq_ledger_entries_tenant_id_reverses_id'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_tenant_community_date', ['tenant_id', 'community_id', 'entry_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ledger_vouchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'entry_id'], ['ledger_entries.tenant_id', 'ledger_entries.id'], name=op.f('fk_ledger_vouchers_tenant_id_entry_id_ledger_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_vouchers_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_ledger_vouchers_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_vouchers')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ledger_vouchers_tenant_id_id'))
    )
    with op.batch_alter_table('ledger_vouchers', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_vouchers_tenant_entry', ['tenant_id', 'entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_vouchers_tenant_id'), ['tenant_id'], unique=False)


    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    with op.batch_alter_table('ledger_vouchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_vouchers_tenant_id'))
        batch_op.drop_index('ix_ledger_vouchers_tenant_entry')

    op.drop_table('ledger_vouchers')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_tenant_id'))
        batch_op.drop_index('ix_ledger_entries_tenant_community_date')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('ledger_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_statements_tenant_id'))

    op.drop_table('ledger_statements')
    with op.batch_alter_table('ledger_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_settings_tenant_id'))

    op.drop_table('ledger_settings')
    with op.batch_alter_table('ledger_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_categories_tenant_id'))

    op.drop_table('ledger_categories')
