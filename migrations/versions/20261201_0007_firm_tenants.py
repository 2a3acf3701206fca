"""firm tenants: project roles (project_manager, project_staff) and branch/region areas

Revision ID: 0007_firm_tenants
Revises: 0006_public_url
Create Date: 2026-12-01 17:00:00

In a property firm's own tenant the firm is the tenant: its areas are branches (分公司) and regions
(片区), its people are head-office staff, branch/region managers and project teams. Existing firm
tenants are converted: their streets become branches, their community offices regions, and "firm
staff" of the firm itself become head-office staff (that is what they were: the whole firm's staff,
seeing every project).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_firm_tenants'
down_revision = '0006_public_url'
branch_labels = None
depends_on = None

OLD_ROLES = ('bureau_admin', 'bureau_staff', 'area_officer', 'firm_staff', 'committee_member', 'owner')
NEW_ROLES = ('bureau_admin', 'bureau_staff', 'area_officer', 'firm_staff', 'committee_member',
             'project_manager', 'project_staff', 'owner')
OLD_AREA_KINDS = ('street', 'community_office')
NEW_AREA_KINDS = ('street', 'community_office', 'branch', 'region')

FIRM_TENANTS = "SELECT id FROM tenants WHERE kind = 'firm'"


def _allowed(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _set_check(table: str, name: str, column: str, values) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(name, _allowed(column, values))


def upgrade():
    _set_check('memberships', 'role', 'role', NEW_ROLES)
    _set_check('areas', 'areakind', 'kind', NEW_AREA_KINDS)
    # Row-level security is FORCEd, so even the owner role running migrations sees rows of every
    # tenant only with the across-tenants setting on (for this transaction only).
    op.execute("SELECT set_config('portal.across_tenants', 'on', true)"
               if op.get_bind().dialect.name == 'postgresql' else "SELECT 1")
    op.execute(f"UPDATE areas SET kind = 'branch' WHERE kind = 'street' AND tenant_id IN ({FIRM_TENANTS})")
    op.execute(f"UPDATE areas SET kind = 'region' WHERE kind = 'community_office' AND tenant_id IN ({FIRM_TENANTS})")
    # Someone who is already head-office staff keeps that one membership.
    op.execute(f"""DELETE FROM memberships WHERE role = 'firm_staff' AND tenant_id IN ({FIRM_TENANTS})
                   AND EXISTS (SELECT 1 FROM memberships AS other WHERE other.tenant_id = memberships.tenant_id
                               AND other.user_id = memberships.user_id AND other.role = 'bureau_staff')""")
    op.execute(f"UPDATE memberships SET role = 'bureau_staff', firm_id = NULL "
               f"WHERE role = 'firm_staff' AND tenant_id IN ({FIRM_TENANTS})")


def downgrade():
    op.execute("SELECT set_config('portal.across_tenants', 'on', true)"
               if op.get_bind().dialect.name == 'postgresql' else "SELECT 1")
    op.execute("UPDATE areas SET kind = 'street' WHERE kind = 'branch'")
    op.execute("UPDATE areas SET kind = 'community_office' WHERE kind = 'region'")
    # Project teams have no equivalent before this revision: their memberships go.
    op.execute("DELETE FROM memberships WHERE role IN ('project_manager', 'project_staff')")
    _set_check('areas', 'areakind', 'kind', OLD_AREA_KINDS)
    _set_check('memberships', 'role', 'role', OLD_ROLES)
