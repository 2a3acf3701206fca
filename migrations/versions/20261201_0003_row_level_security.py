"""row-level security: every tenant-owned table behind the tenant_isolation policy (PostgreSQL)

Revision ID: 0003_row_level_security
Revises: 0002_registry
Create Date: 2026-12-01 14:30:00

The second tenant wall (see tenants/rls.py and README, Security). SQLite has no row-level
security: there this revision changes nothing. Every later migration that creates a tenant-owned
table calls ``enable_tenant_rls`` for it in the same revision.
"""
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

# revision identifiers, used by Alembic.
revision = '0003_row_level_security'
down_revision = '0002_registry'
branch_labels = None
depends_on = None

# The tables with a tenant_id at revision 0002 (listed, not read from the models: a migration
# describes the schema as it was then).
TENANT_TABLES = (
    'api_tokens', 'areas', 'audit_events', 'buildings', 'checklist_items', 'checklist_sections',
    'checklist_versions', 'claim_codes', 'committee_members', 'communities', 'contracts', 'firms',
    'memberships', 'owners_committees', 'project_managers', 'unit_bindings', 'units',
)


def upgrade():
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TENANT_TABLES):
        disable_tenant_rls(op, table)
