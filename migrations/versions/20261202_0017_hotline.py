"""hotline: 12345 work orders imported as tickets (with the review list of the unmatched), the tenant's
hotline directory, and the ticket source "12345"

Revision ID: 0017_hotline
Revises: 0016_evaluation
Create Date: 2026-12-02 00:50:00

Additive: two new tenant tables (row-level security) and one more allowed value of tickets.source.
"""
from alembic import op
import sqlalchemy as sa

import portal.db
from tenants.rls import disable_tenant_rls, enable_tenant_rls

# revision identifiers, used by Alembic.
revision = '0017_hotline'
down_revision = '0016_evaluation'
branch_labels = None
depends_on = None

TABLES = ('hotline_orders', 'hotlines')
OLD_SOURCES = ('online', 'phone', 'walk_in', 'reception_day', 'hotline')
NEW_SOURCES = OLD_SOURCES + ('12345',)


def _sources(values):
    return sa.Enum(*values, name='ticketsource', native_enum=False, create_constraint=True, length=16)


def _set_sources(old, new) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_tickets_ticketsource'), 'tickets', type_='check')
        listed = ', '.join(f"'{v}'" for v in new)
        op.create_check_constraint('ticketsource', 'tickets', f'source IN ({listed})')
        return
    # SQLite: the table is rebuilt; given the old type, the old CHECK is dropped and the new one written.
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=_sources(old), type_=_sources(new), existing_nullable=False)


def upgrade():
    _set_sources(OLD_SOURCES, NEW_SOURCES)
    op.create_table('hotline_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('received_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('ticketed', 'review', 'dismissed', name='orderstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('match_problem', sa.Enum('none', 'ambiguous', name='matchproblem', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('community_text', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('ticket_type', sa.Enum('repair', 'complaint', 'enquiry', 'suggestion', 'praise', name='tickettype', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.Enum('normal', 'urgent', name='urgency', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('caller_phone', sa.String(length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('dismiss_reason', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_hotline_orders_imported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_hotline_orders_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['ticket_categories.tenant_id', 'ticket_categories.id'], name=op.f('fk_hotline_orders_tenant_id_category_id_ticket_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_hotline_orders_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['tickets.tenant_id', 'tickets.id'], name=op.f('fk_hotline_orders_tenant_id_ticket_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hotline_orders_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_orders')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_hotline_orders_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'order_number', name=op.f('uq_hotline_orders_tenant_id_order_number'))
    )
    with op.batch_alter_table('hotline_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_orders_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_hotline_orders_tenant_state', ['tenant_id', 'state', 'received_at'], unique=False)

    op.create_table('hotlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('hours', sa.String(length=80), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'area_id'], ['areas.tenant_id', 'areas.id'], name=op.f('fk_hotlines_tenant_id_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hotlines_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotlines')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_hotlines_tenant_id_id'))
    )
    with op.batch_alter_table('hotlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotlines_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_hotlines_tenant_position', ['tenant_id', 'position'], unique=False)
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    with op.batch_alter_table('hotlines', schema=None) as batch_op:
        batch_op.drop_index('ix_hotlines_tenant_position')
        batch_op.drop_index(batch_op.f('ix_hotlines_tenant_id'))
    op.drop_table('hotlines')
    with op.batch_alter_table('hotline_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_orders_tenant_state')
        batch_op.drop_index(batch_op.f('ix_hotline_orders_tenant_id'))
    op.drop_table('hotline_orders')
    op.execute("UPDATE tickets SET source = 'hotline' WHERE source = '12345'")
    _set_sources(NEW_SOURCES, OLD_SOURCES)
