"""The shipped defaults: seeded once per tenant, the weights, list B's thresholds, the to-be-verified tags; CLI."""
from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa

from portal.checklists import services
from portal.checklists.models import ChecklistVersion, ListKind, VersionStatus
from portal.extensions import db
from tenants import tenant_scope
from tenants.models import Tenant
from tenants.roles import Role
from tests.factories import World
from tests.portal.checklists.helpers import english_client, versions_of
from tests.portal.pages import page_text


def _published(kind):
    version = services.current_version(kind)
    assert version is not None and version.status == VersionStatus.PUBLISHED and version.number == 1
    return version


def test_defaults_are_published_with_weights_summing_to_100(app_ctx, world: World):
    tenant = db.session.get(Tenant, world.a.tenant_id)
    with tenant_scope(tenant):
        a, b, c = _published(ListKind.A), _published(ListKind.B), _published(ListKind.C)
        assert [s.code for s in a.sections] == ["A1", "A2", "A3", "A4", "A5", "A6"]
        assert [s.weight for s in a.sections] == [Decimal(w) for w in (20, 15, 20, 20, 15, 10)]
        assert a.total_weight == Decimal(100)
        assert [s.code for s in c.sections] == ["C1", "C2", "C3", "C4", "C5"]
        assert [s.weight for s in c.sections] == [Decimal(w) for w in (35, 20, 20, 15, 10)]
        assert c.total_weight == Decimal(100)
        assert all(s.weight is None for s in b.sections)
        assert services.publish_problems(a) == [] and services.publish_problems(c) == []
        # A1.3 (hotline hours) has the three grade variants and is marked as to be verified.
        a13 = next(i for s in a.sections for i in s.items if i.code == "A1.3")
        assert (a13.grade1, a13.grade2, a13.grade3, a13.to_verify) == ("24小时", "16小时", "8小时", True)
        assert sum(i.to_verify for s in a.sections for i in s.items) >= 10


def test_list_b_has_the_nine_assembly_matters_with_civil_code_thresholds(app_ctx, world: World):
    with tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        b1 = _published(ListKind.B).sections[0]
        assert b1.code == "B1" and len(b1.items) == 9
        thresholds = {i.code: (i.threshold_area, i.threshold_headcount, i.threshold_strict) for i in b1.items}
        double, three_quarters = ("1/2", "1/2", True), ("3/4", "3/4", False)
        assert thresholds == {"B1.1": double, "B1.2": double, "B1.3": double, "B1.4": double, "B1.5": double,
                              "B1.6": three_quarters, "B1.7": three_quarters, "B1.8": three_quarters,
                              "B1.9": double}
        assert services.threshold_text(b1.items[0]) == "专有部分面积过半数且人数过半数"
        assert services.threshold_text(b1.items[5]) == "≥3/4 面积且 ≥3/4 人数"


def test_seeding_again_changes_nothing(app_ctx, world: World):
    tenant = db.session.get(Tenant, world.a.tenant_id)
    with tenant_scope(tenant):
        before = db.session.scalar(sa.select(sa.func.count(ChecklistVersion.id)))
        assert services.seed_defaults(tenant) == []
        assert db.session.scalar(sa.select(sa.func.count(ChecklistVersion.id))) == before


def test_pages_show_thresholds_and_to_be_verified_tags(app, world: World, client_as):
    staff = client_as(Role.BUREAU_STAFF)  # default language: Chinese data as stored
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        ids = {k: services.current_version(k).id for k in ListKind}
        db.session.remove()
    page = staff.get(f"/t/alpha/checklists/versions/{ids[ListKind.B]}")
    assert page.status_code == 200
    text = page_text(page.text)
    assert text.count("专有部分面积过半数且人数过半数") == 6 and text.count("≥3/4 面积且 ≥3/4 人数") == 3

    english = english_client(client_as, Role.FIRM_STAFF)
    page = english.get(f"/t/alpha/checklists/versions/{ids[ListKind.A]}")
    text = page_text(page.text)
    assert page.status_code == 200 and "To be verified" in text
    # Three grade columns by default; the chosen grade only when asked for.
    assert "24小时" in text and "16小时" in text and "8小时" in text and 'class="grades"' in page.text
    page = english.get(f"/t/alpha/checklists/versions/{ids[ListKind.A]}?grade=grade2")
    text = page_text(page.text)
    assert "16小时" in text and "8小时" not in text and "≤30分钟" not in text and "≤60分钟" in text
    assert 'class="grades"' not in page.text


def test_platform_admin_creating_a_tenant_gets_the_default_lists(app, world: World):
    from portal.auth.models import User
    from portal.platform.services import create_tenant
    from tenants.models import TenantKind

    with app.app_context():
        admin = db.session.get(User, world.platform_admin_id)
        tenant = create_tenant(actor=admin, slug="gamma", kind=TenantKind.BUREAU, name_zh="伽马县住建局",
                               admin_login="13800000123", admin_name="管理员",
                               admin_password="a rather long passphrase for gamma")
        tenant_id = tenant.id
        db.session.commit()
        db.session.remove()
    for kind in ListKind:
        assert versions_of(app, tenant_id, kind) == [(versions_of(app, tenant_id, kind)[0][0], 1, "published")]


def test_cli_seed_export_import_and_freeze(app, world: World):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["checklists", "seed", "--tenant", "alpha"])
    assert result.exit_code == 0 and "nothing changed" in result.output

    result = runner.invoke(args=["checklists", "export", "--tenant", "alpha", "--kind", "A", "--format", "json"])
    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)
    assert exported["kind"] == "A" and [s["weight"] for s in exported["sections"]] == ["20", "15", "20", "20", "15", "10"]

    # Import as a new draft of list C (no draft open there), validated: a bad weight refuses all of it.
    exported_c = json.loads(runner.invoke(args=["checklists", "export", "--tenant", "alpha", "--kind", "C"]).output)
    before = versions_of(app, world.a.tenant_id, ListKind.C)
    broken = {**exported_c, "sections": [{**exported_c["sections"][0], "weight": "33.333"}] + exported_c["sections"][1:]}
    result = runner.invoke(args=["checklists", "import", "--tenant", "alpha", "--file", "-"], input=json.dumps(broken))
    assert result.exit_code != 0 and "two decimals" in result.output
    assert versions_of(app, world.a.tenant_id, ListKind.C) == before
    result = runner.invoke(args=["checklists", "import", "--tenant", "alpha", "--file", "-"], input=json.dumps(exported_c))
    assert result.exit_code == 0, result.output
    assert [v[1:] for v in versions_of(app, world.a.tenant_id, ListKind.C)] == [(1, "published"), (2, "draft")]

    result = runner.invoke(args=["checklists", "freeze", "--tenant", "alpha", "--version-id", str(world.a.version_id),
                                 "--reason", "2026 Q1 assessment"])
    assert result.exit_code == 0, result.output
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        frozen = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == world.a.version_id))
        assert frozen.frozen_at is not None and frozen.frozen_reason == "2026 Q1 assessment"
        db.session.remove()
    # Tenant B's version id through tenant A's slug: not found.
    result = runner.invoke(args=["checklists", "freeze", "--tenant", "alpha", "--version-id", str(world.b.version_id),
                                 "--reason", "x"])
    assert result.exit_code != 0 and "no version" in result.output
