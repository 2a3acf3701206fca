"""evaluation: schemes, periods, owner scores, assessments, adjustments, evidence, runs and results, the
elimination ladder, rectification plans and appeals (comprehensive evaluation, 综合评价)

Revision ID: 0016_evaluation
Revises: 0015_tenant_exports
Create Date: 2026-12-02 00:35:44

Additive only: new tables, each belonging to a tenant (tenant_id, composite foreign keys, row-level security).
One owner score per unit per period is a unique constraint, so concurrent submissions cannot make two.
"""
from alembic import op
import sqlalchemy as sa

import portal.db
from tenants.rls import disable_tenant_rls, enable_tenant_rls

TABLES = ('evaluation_schemes', 'evaluation_periods', 'evaluation_period_transitions', 'evaluation_owner_scores',
          'evaluation_assessments', 'evaluation_adjustments', 'evaluation_evidence_files', 'evaluation_runs',
          'evaluation_project_results', 'evaluation_firm_results', 'evaluation_ladder_entries',
          'evaluation_rectification_plans', 'evaluation_rectification_milestones', 'evaluation_appeals')


# revision identifiers, used by Alembic.
revision = '0016_evaluation'
down_revision = '0015_tenant_exports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Enum('assessment', 'adjustment', 'appeal', 'rectification', name='evidencesubject', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_evidence_files_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evaluation_evidence_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_evidence_files')),
    sa.UniqueConstraint('tenant_id', 'storage_key', name=op.f('uq_evaluation_evidence_files_tenant_id_storage_key'))
    )
    with op.batch_alter_table('evaluation_evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_evidence_files_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_evidence_files_tenant_subject', ['tenant_id', 'subject', 'subject_id'], unique=False)

    op.create_table('evaluation_schemes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'frozen', 'retired', name='schemestatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('change_note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('frozen_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluation_schemes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_schemes_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_schemes')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_schemes_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_evaluation_schemes_tenant_id_number'))
    )
    with op.batch_alter_table('evaluation_schemes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_schemes_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('evaluation_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', 'computed', 'appeal', 'final', name='periodstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=True),
    sa.Column('list_a_version_id', sa.Integer(), nullable=True),
    sa.Column('list_c_version_id', sa.Integer(), nullable=True),
    sa.Column('scoring_closes_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('appeal_until', sa.Date(), nullable=True),
    sa.Column('published_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('current_run_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_evaluation_periods_date_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluation_periods_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'list_a_version_id'], ['checklist_versions.tenant_id', 'checklist_versions.id'], name=op.f('fk_evaluation_periods_tenant_id_list_a_version_id_checklist_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'list_c_version_id'], ['checklist_versions.tenant_id', 'checklist_versions.id'], name=op.f('fk_evaluation_periods_tenant_id_list_c_version_id_checklist_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'scheme_id'], ['evaluation_schemes.tenant_id', 'evaluation_schemes.id'], name=op.f('fk_evaluation_periods_tenant_id_scheme_id_evaluation_schemes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_periods_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_periods')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_periods_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_evaluation_periods_tenant_id_name'))
    )
    with op.batch_alter_table('evaluation_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_periods_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_periods_tenant_start', ['tenant_id', 'start_date'], unique=False)

    op.create_table('evaluation_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('bonus', 'penalty', 'veto', name='adjustmentkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('points_cp', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('source', sa.Enum('manual', 'board_overdue', 'objection_late', name='adjustmentsource', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('source_ref', sa.String(length=80), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('points_cp >= 0 AND points_cp <= 10000', name=op.f('ck_evaluation_adjustments_points_range')),
    sa.CheckConstraint('valid_until >= occurred_on', name=op.f('ck_evaluation_adjustments_validity_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluation_adjustments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_evaluation_adjustments_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_evaluation_adjustments_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_adjustments_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_adjustments_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_adjustments')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_adjustments_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'source', 'source_ref', name=op.f('uq_evaluation_adjustments_tenant_id_source_source_ref'))
    )
    with op.batch_alter_table('evaluation_adjustments', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_adjustments_tenant_community_date', ['tenant_id', 'community_id', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_adjustments_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('evaluation_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('community', 'authority', name='assessmentkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('checklist_version_id', sa.Integer(), nullable=False),
    sa.Column('item_scores', sa.Text(), nullable=False),
    sa.Column('total_cp', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('total_cp >= 0 AND total_cp <= 10000', name=op.f('ck_evaluation_assessments_total_range')),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_evaluation_assessments_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'checklist_version_id'], ['checklist_versions.tenant_id', 'checklist_versions.id'], name=op.f('fk_evaluation_assessments_tenant_id_checklist_version_id_checklist_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_evaluation_assessments_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_assessments_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'period_id'], ['evaluation_periods.tenant_id', 'evaluation_periods.id'], name=op.f('fk_evaluation_assessments_tenant_id_period_id_evaluation_periods'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_assessments_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_assessments')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_assessments_tenant_id_id'))
    )
    with op.batch_alter_table('evaluation_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_assessments_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_assessments_tenant_period_community', ['tenant_id', 'period_id', 'community_id', 'kind'], unique=False)

    op.create_table('evaluation_ladder_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('none', 'yellow', 'red', 'removal', name='ladderlevel', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('previous_level', sa.Enum('none', 'yellow', 'red', 'removal', name='previous_level', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('consecutive_bad', sa.Integer(), nullable=False),
    sa.Column('consecutive_good', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_evaluation_ladder_entries_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_ladder_entries_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'period_id'], ['evaluation_periods.tenant_id', 'evaluation_periods.id'], name=op.f('fk_evaluation_ladder_entries_tenant_id_period_id_evaluation_periods'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_ladder_entries_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_ladder_entries')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_ladder_entries_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'period_id', 'community_id', name=op.f('uq_evaluation_ladder_entries_tenant_id_period_id_community_id'))
    )
    with op.batch_alter_table('evaluation_ladder_entries', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_ladder_entries_tenant_firm', ['tenant_id', 'firm_id', 'period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_ladder_entries_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('evaluation_period_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'open', 'closed', 'computed', 'appeal', 'final', name='from_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('to_status', sa.Enum('draft', 'open', 'closed', 'computed', 'appeal', 'final', name='to_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_evaluation_period_transitions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'period_id'], ['evaluation_periods.tenant_id', 'evaluation_periods.id'], name=op.f('fk_evaluation_period_transitions_tenant_id_period_id_evaluation_periods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_period_transitions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_period_transitions'))
    )
    with op.batch_alter_table('evaluation_period_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_period_transitions_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_period_transitions_tenant_period', ['tenant_id', 'period_id'], unique=False)

    op.create_table('evaluation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('draft', 'recompute', 'final', name='runpurpose', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('inputs_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('results_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('ticket_component', sa.Boolean(), nullable=False),
    sa.Column('projects', sa.Integer(), nullable=False),
    sa.Column('scores', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('computed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_evaluation_runs_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'period_id'], ['evaluation_periods.tenant_id', 'evaluation_periods.id'], name=op.f('fk_evaluation_runs_tenant_id_period_id_evaluation_periods'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'scheme_id'], ['evaluation_schemes.tenant_id', 'evaluation_schemes.id'], name=op.f('fk_evaluation_runs_tenant_id_scheme_id_evaluation_schemes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_runs_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_runs')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_runs_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'period_id', 'seq', name=op.f('uq_evaluation_runs_tenant_id_period_id_seq'))
    )
    with op.batch_alter_table('evaluation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_runs_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('evaluation_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.Enum('owner', 'community', 'authority', 'ticket', 'adjustment', name='appealitem', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('item_ref', sa.Integer(), nullable=False),
    sa.Column('filed_as', sa.String(length=16), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('filed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('filed', 'upheld', 'partly', 'rejected', name='appealstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('correction', sa.Text(), nullable=False),
    sa.Column('decided_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result_run_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_evaluation_appeals_filed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_evaluation_appeals_reviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_evaluation_appeals_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_appeals_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'period_id'], ['evaluation_periods.tenant_id', 'evaluation_periods.id'], name=op.f('fk_evaluation_appeals_tenant_id_period_id_evaluation_periods'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'run_id'], ['evaluation_runs.tenant_id', 'evaluation_runs.id'], name=op.f('fk_evaluation_appeals_tenant_id_run_id_evaluation_runs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_appeals_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_appeals')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_appeals_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'period_id', 'community_id', 'item', 'item_ref', 'filed_as', name=op.f('uq_evaluation_appeals_tenant_id_period_id_community_id_item_item_ref_filed_as'))
    )
    with op.batch_alter_table('evaluation_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_appeals_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_appeals_tenant_period_status', ['tenant_id', 'period_id', 'status'], unique=False)

    op.create_table('evaluation_firm_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('projects', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('composite_cp', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'good', 'pass', 'basic', 'fail', name='grade', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('vetoed_projects', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('pool_size', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_firm_results_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'run_id'], ['evaluation_runs.tenant_id', 'evaluation_runs.id'], name=op.f('fk_evaluation_firm_results_tenant_id_run_id_evaluation_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_firm_results_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_firm_results')),
    sa.UniqueConstraint('tenant_id', 'run_id', 'firm_id', name=op.f('uq_evaluation_firm_results_tenant_id_run_id_firm_id'))
    )
    with op.batch_alter_table('evaluation_firm_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_firm_results_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_firm_results_tenant_run_rank', ['tenant_id', 'run_id', 'rank'], unique=False)

    op.create_table('evaluation_project_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('pool', sa.String(length=80), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('sample_n', sa.Integer(), nullable=False),
    sa.Column('sample_needed', sa.Integer(), nullable=False),
    sa.Column('sample_ok', sa.Boolean(), nullable=False),
    sa.Column('owner_raw_cp', sa.Integer(), nullable=True),
    sa.Column('owner_cp', sa.Integer(), nullable=True),
    sa.Column('owner_ci_low_cp', sa.Integer(), nullable=True),
    sa.Column('owner_ci_high_cp', sa.Integer(), nullable=True),
    sa.Column('community_cp', sa.Integer(), nullable=True),
    sa.Column('authority_cp', sa.Integer(), nullable=True),
    sa.Column('ticket_cp', sa.Integer(), nullable=True),
    sa.Column('w_owner', sa.Integer(), nullable=False),
    sa.Column('w_community', sa.Integer(), nullable=False),
    sa.Column('w_authority', sa.Integer(), nullable=False),
    sa.Column('w_ticket', sa.Integer(), nullable=False),
    sa.Column('weighted_cp', sa.Integer(), nullable=False),
    sa.Column('bonus_cp', sa.Integer(), nullable=False),
    sa.Column('penalty_cp', sa.Integer(), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('composite_cp', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'good', 'pass', 'basic', 'fail', name='grade', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('ranked', sa.Boolean(), nullable=False),
    sa.Column('not_ranked_reason', sa.String(length=40), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('pool_size', sa.Integer(), nullable=False),
    sa.Column('bottom', sa.Boolean(), nullable=False),
    sa.Column('under_appeal', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_evaluation_project_results_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_project_results_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'run_id'], ['evaluation_runs.tenant_id', 'evaluation_runs.id'], name=op.f('fk_evaluation_project_results_tenant_id_run_id_evaluation_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_project_results_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_project_results')),
    sa.UniqueConstraint('tenant_id', 'run_id', 'community_id', name=op.f('uq_evaluation_project_results_tenant_id_run_id_community_id'))
    )
    with op.batch_alter_table('evaluation_project_results', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_project_results_tenant_firm', ['tenant_id', 'firm_id', 'run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_project_results_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_project_results_tenant_run_rank', ['tenant_id', 'run_id', 'pool', 'rank'], unique=False)

    op.create_table('evaluation_rectification_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ladder_entry_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'submitted', 'verified', 'failed', name='rectificationstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('submitted_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reinspected_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reinspected_by_id', sa.Integer(), nullable=True),
    sa.Column('reinspection_note', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['reinspected_by_id'], ['users.id'], name=op.f('fk_evaluation_rectification_plans_reinspected_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_evaluation_rectification_plans_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_rectification_plans_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'ladder_entry_id'], ['evaluation_ladder_entries.tenant_id', 'evaluation_ladder_entries.id'], name=op.f('fk_evaluation_rectification_plans_tenant_id_ladder_entry_id_evaluation_ladder_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_rectification_plans_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rectification_plans')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_evaluation_rectification_plans_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'ladder_entry_id', name=op.f('uq_evaluation_rectification_plans_tenant_id_ladder_entry_id'))
    )
    with op.batch_alter_table('evaluation_rectification_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rectification_plans_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('evaluation_owner_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('ratings', sa.Text(), nullable=False),
    sa.Column('score_cp', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('comment_status', sa.Enum('none', 'pending', 'published', 'hidden', name='commentstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('moderation_reason', sa.String(length=500), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('score_cp >= 0 AND score_cp <= 10000', name=op.f('ck_evaluation_owner_scores_score_range')),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_evaluation_owner_scores_moderated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_evaluation_owner_scores_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'community_id'], ['communities.tenant_id', 'communities.id'], name=op.f('fk_evaluation_owner_scores_tenant_id_community_id_communities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'firm_id'], ['firms.tenant_id', 'firms.id'], name=op.f('fk_evaluation_owner_scores_tenant_id_firm_id_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'period_id'], ['evaluation_periods.tenant_id', 'evaluation_periods.id'], name=op.f('fk_evaluation_owner_scores_tenant_id_period_id_evaluation_periods'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'unit_id'], ['units.tenant_id', 'units.id'], name=op.f('fk_evaluation_owner_scores_tenant_id_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_owner_scores_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_owner_scores')),
    sa.UniqueConstraint('tenant_id', 'period_id', 'unit_id', name=op.f('uq_evaluation_owner_scores_tenant_id_period_id_unit_id'))
    )
    with op.batch_alter_table('evaluation_owner_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_owner_scores_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_owner_scores_tenant_period_comment', ['tenant_id', 'period_id', 'comment_status'], unique=False)
        # Covering for the evaluation engine: its per-project aggregates read the index alone.
        batch_op.create_index('ix_evaluation_owner_scores_tenant_period_community', ['tenant_id', 'period_id', 'community_id', 'firm_id', 'unit_id', 'score_cp'], unique=False)

    op.create_table('evaluation_rectification_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'plan_id'], ['evaluation_rectification_plans.tenant_id', 'evaluation_rectification_plans.id'], name=op.f('fk_evaluation_rectification_milestones_tenant_id_plan_id_evaluation_rectification_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evaluation_rectification_milestones_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rectification_milestones'))
    )
    with op.batch_alter_table('evaluation_rectification_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rectification_milestones_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_evaluation_rectification_milestones_tenant_plan', ['tenant_id', 'plan_id'], unique=False)

    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    with op.batch_alter_table('evaluation_rectification_milestones', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_rectification_milestones_tenant_plan')
        batch_op.drop_index(batch_op.f('ix_evaluation_rectification_milestones_tenant_id'))

    op.drop_table('evaluation_rectification_milestones')
    with op.batch_alter_table('evaluation_owner_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_owner_scores_tenant_period_community')
        batch_op.drop_index('ix_evaluation_owner_scores_tenant_period_comment')
        batch_op.drop_index(batch_op.f('ix_evaluation_owner_scores_tenant_id'))

    op.drop_table('evaluation_owner_scores')
    with op.batch_alter_table('evaluation_rectification_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_rectification_plans_tenant_id'))

    op.drop_table('evaluation_rectification_plans')
    with op.batch_alter_table('evaluation_project_results', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_project_results_tenant_run_rank')
        batch_op.drop_index(batch_op.f('ix_evaluation_project_results_tenant_id'))
        batch_op.drop_index('ix_evaluation_project_results_tenant_firm')

    op.drop_table('evaluation_project_results')
    with op.batch_alter_table('evaluation_firm_results', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_firm_results_tenant_run_rank')
        batch_op.drop_index(batch_op.f('ix_evaluation_firm_results_tenant_id'))

    op.drop_table('evaluation_firm_results')
    with op.batch_alter_table('evaluation_appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_appeals_tenant_period_status')
        batch_op.drop_index(batch_op.f('ix_evaluation_appeals_tenant_id'))

    op.drop_table('evaluation_appeals')
    with op.batch_alter_table('evaluation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_runs_tenant_id'))

    op.drop_table('evaluation_runs')
    with op.batch_alter_table('evaluation_period_transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_period_transitions_tenant_period')
        batch_op.drop_index(batch_op.f('ix_evaluation_period_transitions_tenant_id'))

    op.drop_table('evaluation_period_transitions')
    with op.batch_alter_table('evaluation_ladder_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_ladder_entries_tenant_id'))
        batch_op.drop_index('ix_evaluation_ladder_entries_tenant_firm')

    op.drop_table('evaluation_ladder_entries')
    with op.batch_alter_table('evaluation_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_assessments_tenant_period_community')
        batch_op.drop_index(batch_op.f('ix_evaluation_assessments_tenant_id'))

    op.drop_table('evaluation_assessments')
    with op.batch_alter_table('evaluation_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_adjustments_tenant_id'))
        batch_op.drop_index('ix_evaluation_adjustments_tenant_community_date')

    op.drop_table('evaluation_adjustments')
    with op.batch_alter_table('evaluation_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_periods_tenant_start')
        batch_op.drop_index(batch_op.f('ix_evaluation_periods_tenant_id'))

    op.drop_table('evaluation_periods')
    with op.batch_alter_table('evaluation_schemes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_schemes_tenant_id'))

    op.drop_table('evaluation_schemes')
    with op.batch_alter_table('evaluation_evidence_files', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_evidence_files_tenant_subject')
        batch_op.drop_index(batch_op.f('ix_evaluation_evidence_files_tenant_id'))

    op.drop_table('evaluation_evidence_files')
