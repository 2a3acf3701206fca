"""parent indexes: composite (tenant_id, parent) indexes for the per-community and per-firm queries

Revision ID: 0010_parent_indexes
Revises: 0009_billing
Create Date: 2026-12-01 17:00:00

Every query the portal sends is tenant-scoped (tenant_id = ? AND community_id = ?), so a parent
index without tenant_id left the planner a choice between the tenant's index (every unit of a city)
and the parent's; SQLite without statistics chose the first. The composite indexes replace the
single-column ones they cover, which also makes bulk roster imports cheaper (fewer indexes to write).
Creating the units index reads the whole table once: a few seconds for a million units.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_parent_indexes'
down_revision = '0009_billing'
branch_labels = None
depends_on = None

# (table, new index, its columns, the single-column indexes it supersedes as (name, column))
COMPOSITES = [
    ('units', 'ix_units_tenant_community_building', ['tenant_id', 'community_id', 'building_id'],
     # building_id alone is covered by the unique key (tenant_id, building_id, entrance, room)
     [('ix_units_community_id', 'community_id'), ('ix_units_building_id', 'building_id')]),
    ('communities', 'ix_communities_tenant_area', ['tenant_id', 'area_id'], [('ix_communities_area_id', 'area_id')]),
    ('contracts', 'ix_contracts_firm_dates', ['tenant_id', 'firm_id', 'start_date'], [('ix_contracts_firm_id', 'firm_id')]),
    ('contracts', 'ix_contracts_tenant_manager', ['tenant_id', 'manager_id'], [('ix_contracts_manager_id', 'manager_id')]),
    # community_id alone is covered by ix_contracts_community_dates (tenant_id, community_id, start_date)
    ('contracts', None, None, [('ix_contracts_community_id', 'community_id')]),
    ('committee_members', 'ix_committee_members_tenant_committee', ['tenant_id', 'committee_id'],
     [('ix_committee_members_committee_id', 'committee_id')]),
]


def upgrade():
    for table, name, columns, superseded in COMPOSITES:
        if name:
            op.create_index(name, table, columns, unique=False)
        for old, _column in superseded:
            op.drop_index(old, table_name=table)


def downgrade():
    for table, name, columns, superseded in reversed(COMPOSITES):
        for old, column in superseded:
            op.create_index(old, table, [column], unique=False)
        if name:
            op.drop_index(name, table_name=table)
