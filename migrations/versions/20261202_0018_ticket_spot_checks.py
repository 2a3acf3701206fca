"""ticket spot checks: the bureau's half-monthly sample of closed tickets (抽查回访) and the call results

Revision ID: 0018_ticket_spot_checks
Revises: 0015_tenant_exports
Create Date: 2026-12-02 01:00:00

Additive only (one new table, behind row-level security): safe to run while the portal serves.
"""
from alembic import op
import sqlalchemy as sa

import portal.db
from tenants.rls import disable_tenant_rls, enable_tenant_rls

# revision identifiers, used by Alembic.
revision = '0018_ticket_spot_checks'
down_revision = '0016_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('half_month', sa.Date(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('drawn_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('called_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['tickets.tenant_id', 'tickets.id'], name=op.f('fk_ticket_spot_checks_tenant_id_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_spot_checks_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_ticket_spot_checks_drawn_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['caller_id'], ['users.id'], name=op.f('fk_ticket_spot_checks_caller_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_spot_checks')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ticket_spot_checks_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'half_month', 'ticket_id', name=op.f('uq_ticket_spot_checks_tenant_id_half_month_ticket_id'))
    )
    with op.batch_alter_table('ticket_spot_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_spot_checks_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_ticket_spot_checks_tenant_ticket', ['tenant_id', 'ticket_id'], unique=False)
    enable_tenant_rls(op, 'ticket_spot_checks')


def downgrade():
    disable_tenant_rls(op, 'ticket_spot_checks')
    with op.batch_alter_table('ticket_spot_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_spot_checks_tenant_ticket')
        batch_op.drop_index(batch_op.f('ix_ticket_spot_checks_tenant_id'))
    op.drop_table('ticket_spot_checks')
