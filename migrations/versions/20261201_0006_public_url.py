"""public url: tenants.public_url, the base of printed links and QR codes

Revision ID: 0006_public_url
Revises: 0004_account_security
Create Date: 2026-12-01 15:40:00

Nullable: existing tenants keep using PORTAL_PUBLIC_URL (or the request's host) until the
platform administrator sets their own address.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_public_url'
down_revision = '0005_password_reset'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_url', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('public_url')
