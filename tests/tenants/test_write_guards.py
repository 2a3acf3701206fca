"""The write walls of tenants/scoping.py that the ORM flush does not reach on its own.

Two guards are easy to lose without any other test noticing, because a second check or the
database often refuses the same write for another reason:

* ORM bulk INSERT (``session.execute(insert(Model), rows)``, how the roster import writes) skips
  ``before_flush``; ``_check_bulk_insert`` checks every row's tenant instead.
* In ``before_flush``, a row may never change its ``tenant_id`` — even when the new tenant is the
  one in context, or in the audited across-tenants mode where writes are otherwise allowed.

Each test here fails when its guard is switched off (see .ci/tenancy_mutants.py).
"""
from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.communities.models import Community, Unit
from portal.extensions import db
from portal.firms.models import Firm
from portal.roster import services as roster
from tenants import CrossTenantWrite, TenantContextMissing, across_tenants, tenant_scope
from tenants.models import Tenant
from tenants.scoping import _check_bulk_insert, _guard_writes
from tests.factories import World, credit_code
from tests.portal.roster.helpers import HEADER_ZH, building_name, csv_bytes


def tenant(world_part) -> Tenant:
    return db.session.get(Tenant, world_part.tenant_id)


def unit_rows(world_part, tenant_id, rooms) -> list[dict]:
    """Bulk INSERT rows for new units in ``world_part``'s building, stamped with ``tenant_id``."""
    rows = []
    for room in rooms:
        row = {"community_id": world_part.community_id, "building_id": world_part.building_id, "entrance": "9",
               "room": room, "floor": 9, "floor_area": Decimal("66.00")}
        if tenant_id is not None:
            row["tenant_id"] = tenant_id
        rows.append(row)
    return rows


def units_by_tenant() -> dict[int, set[tuple[int, str, str]]]:
    """tenant id -> (community, entrance, room) of every unit, read across tenants (the oracle)."""
    with across_tenants("test oracle: every unit"):
        rows = db.session.execute(sa.select(Unit.tenant_id, Unit.community_id, Unit.entrance, Unit.room)).all()
    found: dict[int, set] = {}
    for tenant_id, community_id, entrance, room in rows:
        found.setdefault(tenant_id, set()).add((community_id, entrance, room))
    return found


def roster_file(tmp_path, world_part, rooms) -> Path:
    """A roster CSV of new units in ``world_part``'s building (entrance 9)."""
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([[building_name(world_part), "9", room, 9, "66"] for room in rooms], header=HEADER_ZH))
    return path


# --- bulk INSERT, as the roster import does it ---------------------------------------------------


def test_roster_import_stamped_for_another_tenant_is_refused_and_writes_nothing(app_ctx, world: World, tmp_path):
    """A caller that hands the import the wrong tenant (A's community, B's tenant) gets an error, not B's rows."""
    before = units_by_tenant()
    path = roster_file(tmp_path, world.a, ["901", "902"])
    with tenant_scope(tenant(world.a)):
        community = db.session.get(Community, world.a.community_id)
        with pytest.raises(CrossTenantWrite):
            roster.import_file(tenant=tenant(world.b), actor=None, community=community, path=path, filename="r.csv")
    db.session.rollback()
    assert units_by_tenant() == before
    with across_tenants("test: no import recorded"):
        assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "roster.imported")).all()


def test_roster_import_for_the_right_tenant_still_writes_every_row(app_ctx, world: World, tmp_path):
    """The control: the same file and community, with A's own tenant, imports both units into A."""
    path = roster_file(tmp_path, world.a, ["901", "902"])
    with tenant_scope(tenant(world.a)):
        community = db.session.get(Community, world.a.community_id)
        result = roster.import_file(tenant=tenant(world.a), actor=None, community=community, path=path,
                                    filename="r.csv")
    assert result.inserted == 2
    added = {(world.a.community_id, "9", "901"), (world.a.community_id, "9", "902")}
    assert added <= units_by_tenant()[world.a.tenant_id]


@pytest.mark.parametrize("foreign_at", [0, 1], ids=["first-row", "last-row"])
def test_bulk_insert_with_one_row_of_another_tenant_is_refused_whole(app_ctx, world: World, foreign_at):
    before = units_by_tenant()
    rows = unit_rows(world.a, world.a.tenant_id, ["911", "912"])
    rows[foreign_at]["tenant_id"] = world.b.tenant_id
    with tenant_scope(tenant(world.a)):
        with pytest.raises(CrossTenantWrite, match="every row needs tenant_id"):
            db.session.execute(sa.insert(Unit), rows)
    db.session.rollback()
    assert units_by_tenant() == before


def test_bulk_insert_rows_without_a_tenant_id_are_refused(app_ctx, world: World):
    before = units_by_tenant()
    with tenant_scope(tenant(world.a)):
        with pytest.raises(CrossTenantWrite):
            db.session.execute(sa.insert(Unit), unit_rows(world.a, None, ["921"]))
    db.session.rollback()
    assert units_by_tenant() == before


def test_bulk_insert_without_rows_as_parameters_is_refused(app_ctx, world: World):
    """``insert(Unit).values(...)`` carries its rows inside the statement, where the guard cannot check them."""
    before = units_by_tenant()
    row = unit_rows(world.a, world.b.tenant_id, ["931"])[0]
    with tenant_scope(tenant(world.a)):
        with pytest.raises(CrossTenantWrite, match="must pass its rows as parameters"):
            db.session.execute(sa.insert(Unit).values(**row))
    db.session.rollback()
    assert units_by_tenant() == before


def test_bulk_insert_without_a_tenant_in_context_is_refused(app_ctx, world: World):
    before = units_by_tenant()
    with pytest.raises(TenantContextMissing, match="bulk insert into units"):
        db.session.execute(sa.insert(Unit), unit_rows(world.a, world.a.tenant_id, ["941"]))
    db.session.rollback()
    assert units_by_tenant() == before


def test_bulk_insert_across_tenants_needs_each_rows_own_tenant(app_ctx, world: World):
    """The audited across mode (demo loading) may bulk insert for any tenant, but every row must name one."""
    with across_tenants("test: load units for two tenants"):
        db.session.execute(sa.insert(Unit), unit_rows(world.a, world.a.tenant_id, ["951"])
                           + unit_rows(world.b, world.b.tenant_id, ["951"]))
        with pytest.raises(CrossTenantWrite):
            db.session.execute(sa.insert(Unit), unit_rows(world.a, None, ["952"]))
    found = units_by_tenant()
    assert (world.a.community_id, "9", "951") in found[world.a.tenant_id]
    assert (world.b.community_id, "9", "951") in found[world.b.tenant_id]
    assert not any(room == "952" for units in found.values() for _, _, room in units)


def test_bulk_insert_into_a_global_table_needs_no_tenant(app_ctx, world: World):
    """The guard is for tenant-owned tables only: users are global."""
    db.session.execute(sa.insert(User), [{"display_name": "批量用户", "mobile": "13912340001", "password_hash": "x"}])
    assert db.session.scalar(sa.select(User.id).where(User.mobile == "13912340001")) is not None


# --- a row never changes tenant ----------------------------------------------------------------


_credit_codes = itertools.count(5000)


def new_firm(world_part, name: str) -> int:
    """A firm of ``world_part``'s tenant with nothing attached (no FK would stop it from moving)."""
    with tenant_scope(tenant(world_part)):
        firm = Firm(name=name, credit_code=credit_code(next(_credit_codes)))
        db.session.add(firm)
        db.session.flush()
        firm_id = firm.id
    db.session.commit()
    return firm_id


def firm_tenant(firm_id: int) -> int:
    db.session.expunge_all()
    with across_tenants("test oracle: where is the firm"):
        return db.session.scalar(sa.select(Firm.tenant_id).where(Firm.id == firm_id))


def acting_as(world: World, who: str):
    """The context a write runs in: tenant A's scope, tenant B's, or the audited across-tenants mode."""
    if who == "across":
        return across_tenants("test: the platform's cross-tenant path")
    return tenant_scope(tenant(world[who]))


@pytest.mark.parametrize("then_delete", [False, True], ids=["update", "delete"])
@pytest.mark.parametrize("acting_for", ["a", "b", "across"], ids=["acting-for-A", "acting-for-B", "across-tenants"])
def test_a_row_never_moves_to_another_tenant(app_ctx, world: World, acting_for, then_delete):
    """A's firm, loaded earlier in the same session, handed to B: refused whoever acts, and nothing moves.

    Acting for B is the case no other check sees (the row then claims the tenant in context), as in
    a job that loops over tenants with one session; across-tenants mode may write, but not reassign.
    """
    firm_id = new_firm(world.a, f"想搬家的物业{acting_for}{then_delete}")
    with tenant_scope(tenant(world.a)):
        firm = db.session.get(Firm, firm_id)
    with acting_as(world, acting_for):
        firm.tenant_id = world.b.tenant_id
        if then_delete:
            db.session.delete(firm)
        with pytest.raises(CrossTenantWrite, match="may not move to another tenant"):
            db.session.flush()
    db.session.rollback()
    assert firm_tenant(firm_id) == world.a.tenant_id


@pytest.mark.parametrize("then_delete", [False, True], ids=["update", "delete"])
def test_a_loaded_row_changed_with_no_tenant_in_context_is_refused(app_ctx, world: World, then_delete):
    """An object kept from an earlier scope cannot be written once the scope has ended."""
    firm_id = new_firm(world.a, f"散场后的物业{then_delete}")
    with tenant_scope(tenant(world.a)):
        firm = db.session.get(Firm, firm_id)
    if then_delete:
        db.session.delete(firm)
    else:
        firm.contact_name = "无人负责"
    with pytest.raises(TenantContextMissing, match="change to Firm with no tenant in context"):
        db.session.flush()
    db.session.rollback()
    db.session.expunge_all()
    with tenant_scope(tenant(world.a)):
        kept = db.session.get(Firm, firm_id)
        assert kept is not None and kept.contact_name != "无人负责"


def test_across_tenants_mode_may_edit_a_row_in_place(app_ctx, world: World):
    """The control for the across-tenants cases above: the same path may change anything but the tenant."""
    firm_id = new_firm(world.a, "平台看到的物业")
    with across_tenants("test: platform edits a firm"):
        db.session.get(Firm, firm_id).contact_name = "平台改名"
        db.session.flush()
    db.session.expunge_all()
    with tenant_scope(tenant(world.a)):
        assert db.session.get(Firm, firm_id).contact_name == "平台改名"


def test_a_tenant_id_set_back_to_its_own_value_is_no_move(app_ctx, world: World):
    firm_id = new_firm(world.a, "来回的物业")
    with tenant_scope(tenant(world.a)):
        firm = db.session.get(Firm, firm_id)
        firm.tenant_id = world.b.tenant_id
        firm.tenant_id = world.a.tenant_id
        firm.contact_name = "还在甲"
        db.session.flush()
    assert firm_tenant(firm_id) == world.a.tenant_id


# --- the guards called directly ----------------------------------------------------------------


def bulk_state(rows, table_model=Unit, statement=None):
    """What ``do_orm_execute`` hands ``_check_bulk_insert``: the statement, the session, the rows."""
    return SimpleNamespace(statement=statement if statement is not None else sa.insert(table_model),
                           session=db.session, parameters=rows)


@pytest.mark.parametrize("rows, error", [
    ([{"tenant_id": "A"}], None),
    ({"tenant_id": "A"}, None),  # a single row as a dict
    ([{"tenant_id": "A"}, {"tenant_id": "B"}], CrossTenantWrite),
    ([{"tenant_id": "B"}], CrossTenantWrite),
    ([{}], CrossTenantWrite),
    ([{"tenant_id": None}], CrossTenantWrite),
    (None, CrossTenantWrite),
], ids=["own", "own-single-dict", "mixed", "foreign", "missing", "null", "no-parameters"])
def test_check_bulk_insert_in_scope(app_ctx, world: World, rows, error):
    ids = {"A": world.a.tenant_id, "B": world.b.tenant_id}
    if isinstance(rows, dict):
        rows = {k: ids.get(v, v) for k, v in rows.items()}
    elif rows is not None:
        rows = [{k: ids.get(v, v) for k, v in row.items()} for row in rows]
    with tenant_scope(tenant(world.a)):
        if error is None:
            _check_bulk_insert(bulk_state(rows))
        else:
            with pytest.raises(error):
                _check_bulk_insert(bulk_state(rows))


def test_check_bulk_insert_without_a_tenant(app_ctx, world: World):
    with pytest.raises(TenantContextMissing):
        _check_bulk_insert(bulk_state([{"tenant_id": world.a.tenant_id}]))
    _check_bulk_insert(bulk_state([{"mobile": "1"}], table_model=User))  # global table: not its business
    with across_tenants("test"):
        _check_bulk_insert(bulk_state([{"tenant_id": world.a.tenant_id}, {"tenant_id": world.b.tenant_id}]))
        with pytest.raises(CrossTenantWrite):
            _check_bulk_insert(bulk_state([{"tenant_id": world.a.tenant_id}, {}]))


def persistent_firm(world_part, name: str) -> Firm:
    firm_id = new_firm(world_part, name)
    with across_tenants("test: load the firm"):
        return db.session.get(Firm, firm_id)


def flush_of(dirty=(), deleted=()):
    return SimpleNamespace(new=[], dirty=list(dirty), deleted=list(deleted))


@pytest.mark.parametrize("acting_for", ["a", "b", "across"])
def test_guard_writes_refuses_a_changed_tenant_id_whoever_acts(app_ctx, world: World, acting_for):
    firm = persistent_firm(world.a, f"直接测试{acting_for}")
    # The context first: loading its tenant would autoflush the change outside any scope.
    context = across_tenants("test") if acting_for == "across" else tenant_scope(tenant(world[acting_for]))
    firm.tenant_id = world.b.tenant_id
    session = flush_of(dirty=[firm])
    with context, pytest.raises(CrossTenantWrite):
        _guard_writes(session, None, None)
    db.session.rollback()


def test_guard_writes_refuses_a_change_with_no_tenant(app_ctx, world: World):
    firm = persistent_firm(world.a, "直接测试无主")
    firm.contact_name = "无人负责"
    for session in (flush_of(dirty=[firm]), flush_of(deleted=[firm])):
        with pytest.raises(TenantContextMissing):
            _guard_writes(session, None, None)
    db.session.rollback()


def test_guard_writes_lets_an_unmoved_row_through(app_ctx, world: World):
    firm = persistent_firm(world.a, "直接测试不动")
    tenant_a = tenant(world.a)
    firm.contact_name = "只改联系人"
    with tenant_scope(tenant_a):
        _guard_writes(flush_of(dirty=[firm]), None, None)
    with across_tenants("test"):
        _guard_writes(flush_of(dirty=[firm], deleted=[firm]), None, None)
    db.session.rollback()
