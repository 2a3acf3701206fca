"""satisfaction lists: the monthly satisfaction list (满意度榜单), its cases and its published versions

Revision ID: 0019_satisfaction_lists
Revises: 0018_ticket_spot_checks
Create Date: 2026-12-02 00:00:00

Additive only (three new tables, each behind row-level security): safe to run while the portal serves.
"""
import sqlalchemy as sa
from alembic import op

import portal.db
from tenants.rls import disable_tenant_rls, enable_tenant_rls

# revision identifiers, used by Alembic.
revision = '0019_satisfaction_lists'
down_revision = '0018_ticket_spot_checks'
branch_labels = None
depends_on = None

TABLES = ('satisfaction_lists', 'satisfaction_entries', 'satisfaction_versions')


def upgrade():
    op.create_table('satisfaction_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('min_cases', sa.Integer(), nullable=False),
    sa.Column('min_firm_cases', sa.Integer(), nullable=False),
    sa.Column('published_version', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('min_cases >= 1 AND min_firm_cases >= 1 AND published_version >= 0', name=op.f('ck_satisfaction_lists_counts_in_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_satisfaction_lists_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_satisfaction_lists_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_lists')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_satisfaction_lists_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'month', name=op.f('uq_satisfaction_lists_tenant_id_month'))
    )
    with op.batch_alter_table('satisfaction_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_lists_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('satisfaction_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('problem_text', sa.String(length=500), nullable=False),
    sa.Column('outcome_text', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'list_id'], ['satisfaction_lists.tenant_id', 'satisfaction_lists.id'], name=op.f('fk_satisfaction_entries_tenant_id_list_id_satisfaction_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['tickets.tenant_id', 'tickets.id'], name=op.f('fk_satisfaction_entries_tenant_id_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_satisfaction_entries_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_entries')),
    sa.UniqueConstraint('tenant_id', 'list_id', 'ticket_id', name=op.f('uq_satisfaction_entries_tenant_id_list_id_ticket_id'))
    )
    with op.batch_alter_table('satisfaction_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_entries_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_satisfaction_entries_tenant_list', ['tenant_id', 'list_id', 'position'], unique=False)

    op.create_table('satisfaction_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('published_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_satisfaction_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'list_id'], ['satisfaction_lists.tenant_id', 'satisfaction_lists.id'], name=op.f('fk_satisfaction_versions_tenant_id_list_id_satisfaction_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_satisfaction_versions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_versions')),
    sa.UniqueConstraint('tenant_id', 'list_id', 'number', name=op.f('uq_satisfaction_versions_tenant_id_list_id_number'))
    )
    with op.batch_alter_table('satisfaction_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_versions_tenant_id'), ['tenant_id'], unique=False)

    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    for table in reversed(TABLES):
        op.drop_table(table)
