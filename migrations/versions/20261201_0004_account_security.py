"""account security: membership invitations (invited_at, invited_login, invited_by_id, accepted_at)

Revision ID: 0004_account_security
Revises: 0002_registry
Create Date: 2026-12-01 14:20:00

An administrator adding someone creates a pending invitation; the membership stays inactive until
that person accepts it. Existing memberships have no invitation and stay as they are.
"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0004_account_security'
down_revision = '0003_row_level_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('invited_login', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_memberships_invited_by_id_users'), 'users', ['invited_by_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_memberships_invited_by_id_users'), type_='foreignkey')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('invited_by_id')
        batch_op.drop_column('invited_login')
        batch_op.drop_column('invited_at')
