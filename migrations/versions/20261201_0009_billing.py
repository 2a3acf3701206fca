"""billing: plans (with the default price list), tenants' billing accounts and invoices, Stripe webhook events

Revision ID: 0009_billing
Revises: 0008_mobile_verification
Create Date: 2026-12-10 10:00:00

billing_accounts and billing_invoices belong to a tenant: tenant_id, row-level security. Plans and
webhook events are the platform's (an event may name a customer no tenant has), so they have neither.
Existing tenants get no account: without one a tenant is on the free plan, as every tenant is while
billing is off.
"""
from alembic import op
import sqlalchemy as sa

import portal.db
from tenants.rls import disable_tenant_rls, enable_tenant_rls

# The starting price list, per month in fen (platform area → Plans edits it). Tiers by number of communities.
DEFAULT_PLANS = [
    # code, kind, name_zh, name_en, max_communities, monthly_fen
    ("free", None, "免费版", "Free", None, 0),
    ("county", "bureau", "县级版", "County", 300, 150000),
    ("city", "bureau", "市级版", "City", 2000, 600000),
    ("metro", "bureau", "大城市版", "Metropolis", None, 1500000),
    ("firm_small", "firm", "物业企业入门版", "Firm starter", 10, 30000),
    ("firm_standard", "firm", "物业企业标准版", "Firm standard", 50, 120000),
    ("firm_group", "firm", "物业集团版", "Firm group", None, 300000),
]


# revision identifiers, used by Alembic.
revision = '0009_billing'
down_revision = '0008_mobile_verification'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('bureau', 'firm', name='tenantkind', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('max_communities', sa.Integer(), nullable=True),
    sa.Column('monthly_fen', sa.BigInteger(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('stripe_plan_id', sa.String(length=255), nullable=True),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_communities IS NULL OR max_communities > 0', name=op.f('ck_billing_plans_max_communities_positive')),
    sa.CheckConstraint('monthly_fen >= 0', name=op.f('ck_billing_plans_monthly_fen_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_billing_plans_code'))
    )
    op.create_table('billing_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('stripe_customer_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_subscription_id', sa.String(length=255), nullable=True),
    sa.Column('subscription_status', sa.String(length=24), nullable=True),
    sa.Column('trial_ends_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('current_period_end', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('past_due_since', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('card_brand', sa.String(length=20), nullable=False),
    sa.Column('card_last4', sa.String(length=4), nullable=False),
    sa.Column('billing_name', sa.String(length=160), nullable=False),
    sa.Column('billing_email', sa.String(length=254), nullable=False),
    sa.Column('state_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('holds_read_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['billing_plans.id'], name=op.f('fk_billing_accounts_plan_id_billing_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_billing_accounts_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_accounts')),
    sa.UniqueConstraint('stripe_customer_id', name=op.f('uq_billing_accounts_stripe_customer_id')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_billing_accounts_tenant_id'))
    )
    with op.batch_alter_table('billing_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_accounts_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_accounts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('billing_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stripe_event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=80), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('affected_tenant_id', sa.Integer(), nullable=True),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.Column('effect', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['affected_tenant_id'], ['tenants.id'], name=op.f('fk_billing_events_affected_tenant_id_tenants'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_events')),
    sa.UniqueConstraint('stripe_event_id', name=op.f('uq_billing_events_stripe_event_id'))
    )
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_events_affected_tenant_id'), ['affected_tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_events_received_at'), ['received_at'], unique=False)

    op.create_table('billing_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stripe_invoice_id', sa.String(length=255), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amount_due_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issued_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_start', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('period_end', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_failed', sa.Boolean(), nullable=False),
    sa.Column('state_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_billing_invoices_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_invoices')),
    sa.UniqueConstraint('tenant_id', 'stripe_invoice_id', name=op.f('uq_billing_invoices_tenant_id_stripe_invoice_id'))
    )
    with op.batch_alter_table('billing_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_invoices_tenant_id'), ['tenant_id'], unique=False)

    enable_tenant_rls(op, 'billing_accounts')
    enable_tenant_rls(op, 'billing_invoices')
    plans = sa.table('billing_plans', sa.column('code', sa.String), sa.column('kind', sa.String),
                     sa.column('name_zh', sa.String), sa.column('name_en', sa.String),
                     sa.column('max_communities', sa.Integer), sa.column('monthly_fen', sa.BigInteger),
                     sa.column('is_active', sa.Boolean), sa.column('sort_order', sa.Integer),
                     sa.column('updated_at', portal.db.UTCDateTime(timezone=True)))
    created = portal.db.utcnow()
    op.bulk_insert(plans, [
        {"code": code, "kind": kind, "name_zh": zh, "name_en": en, "max_communities": limit, "monthly_fen": fen,
         "is_active": True, "sort_order": order, "updated_at": created}
        for order, (code, kind, zh, en, limit, fen) in enumerate(DEFAULT_PLANS)])


def downgrade():
    disable_tenant_rls(op, 'billing_invoices')
    disable_tenant_rls(op, 'billing_accounts')
    with op.batch_alter_table('billing_invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_invoices_tenant_id'))

    op.drop_table('billing_invoices')
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_events_received_at'))
        batch_op.drop_index(batch_op.f('ix_billing_events_affected_tenant_id'))

    op.drop_table('billing_events')
    with op.batch_alter_table('billing_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_accounts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_billing_accounts_plan_id'))

    op.drop_table('billing_accounts')
    op.drop_table('billing_plans')
