"""tickets: repairs and complaints (报修投诉), their events, photos, consultations, follow-up visits,
the tenant's ticket categories and its working-day calendar

Revision ID: 0014_tickets
Revises: 0013_objections
Create Date: 2026-12-01 19:59:36

Every table belongs to a tenant: tenant_id, row-level security. Categories are seeded per tenant by the
application (``flask --app wsgi tickets seed`` or on first use), not here.
"""
from alembic import op
import sqlalchemy as sa

import portal.db
from tenants.rls import disable_tenant_rls, enable_tenant_rls

TABLES = ('calendar_days', 'ticket_categories', 'tickets', 'ticket_events', 'ticket_photos', 'ticket_consultations',
          'ticket_follow_ups')

# The default taxonomy as of this revision (portal/tickets/defaults.py), for the tenants that exist already;
# tenants created later get the application's current defaults.
DEFAULT_CATEGORIES = [
    # code, type, name_zh, name_en, response, unit, resolution, unit
    ('repair_emergency', 'repair', '急修（漏水、停电、困梯、燃气味等）', 'Emergency repair (flooding, power cut, trapped in a lift, gas smell)', 1, 'hours', 24, 'hours'),
    ('repair_routine', 'repair', '一般维修', 'Routine repair', 1, 'working_days', 3, 'working_days'),
    ('repair_paid', 'repair', '户内有偿维修', 'Paid repair inside a home', 1, 'working_days', 7, 'working_days'),
    ('complaint_attitude', 'complaint', '服务态度', 'Staff attitude', 1, 'working_days', 7, 'working_days'),
    ('complaint_cleaning', 'complaint', '保洁卫生', 'Cleaning', 1, 'working_days', 7, 'working_days'),
    ('complaint_greening', 'complaint', '绿化', 'Greening', 1, 'working_days', 7, 'working_days'),
    ('complaint_security', 'complaint', '秩序安保', 'Order and security', 1, 'working_days', 7, 'working_days'),
    ('complaint_parking', 'complaint', '车辆停放/消防通道', 'Parking and fire lanes', 1, 'working_days', 7, 'working_days'),
    ('complaint_noise', 'complaint', '噪声/装修扰民', 'Noise and renovation', 1, 'working_days', 7, 'working_days'),
    ('complaint_structures', 'complaint', '违章搭建/占用公共部位', 'Illegal structures, occupied common areas', 1, 'working_days', 7, 'working_days'),
    ('complaint_ebike', 'complaint', '飞线充电/电动车', 'E-bike charging', 2, 'hours', 5, 'working_days'),
    ('complaint_throwing', 'complaint', '高空抛物', 'Throwing from height', 2, 'hours', 5, 'working_days'),
    ('complaint_fees', 'complaint', '收费争议', 'Fees and charges', 1, 'working_days', 7, 'working_days'),
    ('complaint_disclosure', 'complaint', '信息公示/公共收益', 'Disclosure and public revenue', 1, 'working_days', 7, 'working_days'),
    ('complaint_lift_water', 'complaint', '电梯/二次供水', 'Lifts and secondary water supply', 2, 'hours', 5, 'working_days'),
    ('complaint_pets', 'complaint', '宠物', 'Pets', 1, 'working_days', 7, 'working_days'),
    ('complaint_other', 'complaint', '其他', 'Other', 1, 'working_days', 7, 'working_days'),
    ('enquiry', 'enquiry', '咨询', 'Enquiry', 1, 'working_days', 3, 'working_days'),
    ('suggestion', 'suggestion', '建议', 'Suggestion', 2, 'working_days', 10, 'working_days'),
    ('praise', 'praise', '表扬', 'Praise', 2, 'working_days', 5, 'working_days'),
]


# revision identifiers, used by Alembic.
revision = '0014_tickets'
down_revision = '0013_objections'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_calendar_days_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('tenant_id', 'day', name=op.f('uq_calendar_days_tenant_id_day'))
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ticket_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_type', sa.Enum('repair', 'complaint', 'enquiry', 'suggestion', 'praise', name='tickettype', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('response_limit', sa.Integer(), nullable=False),
    sa.Column('response_unit', sa.Enum('hours', 'working_days', name='response_unit', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('resolve_limit', sa.Integer(), nullable=False),
    sa.Column('resolve_unit', sa.Enum('hours', 'working_days', name='resolve_unit', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('response_limit > 0 AND resolve_limit > 0', name=op.f('ck_ticket_categories_limits_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_categories_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_categories')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_ticket_categories_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ticket_categories_tenant_id_id'))
    )
    with op.batch_alter_table('ticket_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_categories_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('firm_id', sa.Integer(), nullable=True),
    sa.Column('ticket_type', sa.Enum('repair', 'complaint', 'enquiry', 'suggestion', 'praise', name='tickettype', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.Enum('normal', 'urgent', name='urgency', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('source', sa.Enum('online', 'phone', 'walk_in', 'reception_day', 'hotline', name='ticketsource', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('caller_name', sa.String(length=80), nullable=False),
    sa.Column('caller_phone', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'in_progress', 'resolved', 'confirmed', 'followed_up', 'closed', name='ticketstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('complexity', sa.Enum('simple', 'complex', name='complexity', native_enum=False, create_constraint=True, length=8), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_resolved_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.Column('confirmed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('auto_confirmed', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.String(length=500), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('followed_up_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_due_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolve_due_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('extended_days', sa.Integer(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('urge_count', sa.Integer(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name=op.f('ck_tickets_rating_range')),
    sa.CheckConstraint('reopen_count >= 0 AND escalation_level >= 0 AND escalation_level <= 2', name=op.f('ck_tickets_counters_in_range')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tickets_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_tickets_filed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_tickets_firm_id_firms'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tickets_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['ticket_categories.tenant_id', 'ticket_categories.id'], name=op.f('fk_tickets_tenant_id_category_id_ticket_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_tickets_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tickets_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_tickets_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_tickets_tenant_id_id'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_tenant_community_status', ['tenant_id', 'community_id', 'status'], unique=False)
        batch_op.create_index('ix_tickets_tenant_due', ['tenant_id', 'due_at'], unique=False)
        batch_op.create_index('ix_tickets_tenant_filed', ['tenant_id', 'filed_at'], unique=False)
        batch_op.create_index('ix_tickets_tenant_firm_status', ['tenant_id', 'firm_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_owner', ['tenant_id', 'owner_id'], unique=False)
        batch_op.create_index('ix_tickets_tenant_resolved', ['tenant_id', 'resolved_at'], unique=False)

    op.create_table('ticket_consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('parties', sa.String(length=200), nullable=False),
    sa.Column('other_parties', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('tasks', sa.Text(), nullable=False),
    sa.Column('tasks_due_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_ticket_consultations_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['tickets.tenant_id', 'tickets.id'], name=op.f('fk_ticket_consultations_tenant_id_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_consultations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_consultations'))
    )
    with op.batch_alter_table('ticket_consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_consultations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_ticket_consultations_tenant_ticket', ['tenant_id', 'ticket_id'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_ticket_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['tickets.tenant_id', 'tickets.id'], name=op.f('fk_ticket_events_tenant_id_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_events_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_ticket_events_tenant_ticket', ['tenant_id', 'ticket_id'], unique=False)

    op.create_table('ticket_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.Enum('very_satisfied', 'satisfied', 'unsatisfied', 'very_unsatisfied', name='satisfaction', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['tickets.tenant_id', 'tickets.id'], name=op.f('fk_ticket_follow_ups_tenant_id_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_follow_ups_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['visitor_id'], ['users.id'], name=op.f('fk_ticket_follow_ups_visitor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_follow_ups'))
    )
    with op.batch_alter_table('ticket_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_follow_ups_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_ticket_follow_ups_tenant_ticket', ['tenant_id', 'ticket_id'], unique=False)

    op.create_table('ticket_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('report', 'resolution', name='photostage', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['tickets.tenant_id', 'tickets.id'], name=op.f('fk_ticket_photos_tenant_id_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ticket_photos_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_ticket_photos_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_photos')),
    sa.UniqueConstraint('tenant_id', 'storage_key', name=op.f('uq_ticket_photos_tenant_id_storage_key'))
    )
    with op.batch_alter_table('ticket_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_photos_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_ticket_photos_tenant_ticket', ['tenant_id', 'ticket_id'], unique=False)

    seed_categories()  # before the wall goes up: FORCE row-level security binds the owner too
    for table in TABLES:
        enable_tenant_rls(op, table)


def seed_categories():
    conn = op.get_bind()
    table = sa.table('ticket_categories', sa.column('tenant_id', sa.Integer), sa.column('ticket_type', sa.String),
                     sa.column('code', sa.String), sa.column('name_zh', sa.String), sa.column('name_en', sa.String),
                     sa.column('position', sa.Integer), sa.column('response_limit', sa.Integer),
                     sa.column('response_unit', sa.String), sa.column('resolve_limit', sa.Integer),
                     sa.column('resolve_unit', sa.String), sa.column('is_active', sa.Boolean))
    tenant_ids = [row[0] for row in conn.execute(sa.text('SELECT id FROM tenants ORDER BY id'))]
    rows = [dict(tenant_id=tenant_id, code=code, ticket_type=kind, name_zh=zh, name_en=en, position=position,
                 response_limit=a, response_unit=au, resolve_limit=b, resolve_unit=bu, is_active=True)
            for tenant_id in tenant_ids
            for position, (code, kind, zh, en, a, au, b, bu) in enumerate(DEFAULT_CATEGORIES)]
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    with op.batch_alter_table('ticket_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_photos_tenant_ticket')
        batch_op.drop_index(batch_op.f('ix_ticket_photos_tenant_id'))

    op.drop_table('ticket_photos')
    with op.batch_alter_table('ticket_follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_follow_ups_tenant_ticket')
        batch_op.drop_index(batch_op.f('ix_ticket_follow_ups_tenant_id'))

    op.drop_table('ticket_follow_ups')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_tenant_ticket')
        batch_op.drop_index(batch_op.f('ix_ticket_events_tenant_id'))

    op.drop_table('ticket_events')
    with op.batch_alter_table('ticket_consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_consultations_tenant_ticket')
        batch_op.drop_index(batch_op.f('ix_ticket_consultations_tenant_id'))

    op.drop_table('ticket_consultations')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_tenant_resolved')
        batch_op.drop_index('ix_tickets_tenant_owner')
        batch_op.drop_index(batch_op.f('ix_tickets_tenant_id'))
        batch_op.drop_index('ix_tickets_tenant_firm_status')
        batch_op.drop_index('ix_tickets_tenant_filed')
        batch_op.drop_index('ix_tickets_tenant_due')
        batch_op.drop_index('ix_tickets_tenant_community_status')

    op.drop_table('tickets')
    with op.batch_alter_table('ticket_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_categories_tenant_id'))

    op.drop_table('ticket_categories')
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_tenant_id'))

    op.drop_table('calendar_days')
