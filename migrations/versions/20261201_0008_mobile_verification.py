"""mobile verification: users.mobile_verified_at, tenants.require_verified_mobile, mobile_codes

Revision ID: 0008_mobile_verification
Revises: 0007_firm_tenants
Create Date: 2026-12-02 09:00:00

Codes belong to a phone number (and, from the account page, to the user asking), not to a tenant:
the table has no tenant_id and no row-level security, like password_resets. Existing tenants keep
the requirement off and existing numbers count as unverified until their owners verify them.
"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0008_mobile_verification'
down_revision = '0007_firm_tenants'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mobile_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.CheckConstraint("purpose IN ('register', 'account')", name=op.f('ck_mobile_codes_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mobile_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mobile_codes'))
    )
    with op.batch_alter_table('mobile_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mobile_codes_mobile'), ['mobile'], unique=False)
        batch_op.create_index(batch_op.f('ix_mobile_codes_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile_verified_at', portal.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_verified_mobile', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('require_verified_mobile')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('mobile_verified_at')
    with op.batch_alter_table('mobile_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mobile_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_mobile_codes_mobile'))
    op.drop_table('mobile_codes')
