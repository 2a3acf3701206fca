"""notifications: in-app notices for every role; each person's e-mail preference and language

Revision ID: 0020_notifications
Revises: 0019_satisfaction_lists
Create Date: 2026-12-02 01:00:00

Additive only (a new table behind row-level security, two columns on users with defaults): safe to run
while the portal serves.
"""
import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime
from tenants.rls import disable_tenant_rls, enable_tenant_rls

# revision identifiers, used by Alembic.
revision = '0020_notifications'
down_revision = '0019_satisfaction_lists'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_notifications_recipient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('tenant_id', 'recipient_id', 'dedupe_key', name=op.f('uq_notifications_tenant_id_recipient_id_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_notifications_tenant_recipient_created', ['tenant_id', 'recipient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_tenant_recipient_read', ['tenant_id', 'recipient_id', 'read_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_by_email', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
    enable_tenant_rls(op, 'notifications')


def downgrade():
    disable_tenant_rls(op, 'notifications')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
        batch_op.drop_column('notify_by_email')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_tenant_recipient_read')
        batch_op.drop_index('ix_notifications_tenant_recipient_created')
        batch_op.drop_index(batch_op.f('ix_notifications_tenant_id'))
    op.drop_table('notifications')
