"""Issuing, printing, revoking and reissuing claim codes; who may do it; the audit trail."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from portal.communities.models import Unit
from portal.extensions import db
from portal.owners.qr import qr_svg
from portal.owners.views import SLIPS_PER_PAGE
from tenants.roles import Role
from tests.conftest import table_snapshot
from tests.portal import bulk
from tests.portal.owners.helpers import (
    active_codes,
    audit_actions,
    bindings_of,
    codes_of,
    make_other_community,
    scoped,
)
from tests.portal.pages import csrf_token_for, field_error, flashes, in_english, page_text


@pytest.fixture
def admin(client_as):
    return in_english(client_as(Role.BUREAU_ADMIN, "a"))


def post(client, url: str, **data):
    token = csrf_token_for(client, "/t/alpha/claim-codes/" if "/t/alpha/" in url else "/t/beta/claim-codes/")
    return client.post(url, data={"csrf_token": token, **data})


def test_issue_codes_for_a_building_one_active_code_per_unit_and_audited(app, world, admin):
    other = make_other_community(app, world.a.tenant_id, units=3)
    base = f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}"
    response = post(admin, base + "/issue")
    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).text
    assert "3 new claim codes issued for 9号楼." in flashes(page)
    codes = {u: active_codes(app, world.a.tenant_id, u) for u in other.unit_ids}
    assert all(len(c) == 1 for c in codes.values())
    for unit_id, (code,) in codes.items():
        assert code in page  # the manager sees the unused code of each unit
    issued = audit_actions(app, world.a.tenant_id, "claim_code.issued")
    assert len(issued) == 3 and {a[1] for a in issued} == {world.a.users[Role.BUREAU_ADMIN]}

    # Issuing again adds nothing: every unit already has its active code.
    assert post(admin, base + "/issue").status_code == 303
    assert {u: active_codes(app, world.a.tenant_id, u) for u in other.unit_ids} == codes
    assert len(audit_actions(app, world.a.tenant_id, "claim_code.issued")) == 3

    summary = admin.get(f"/t/alpha/claim-codes/{other.community_id}").text
    assert re.search(r"Units</dt><dd>3</dd>.*Unused codes</dt><dd>3</dd>.*Bound</dt><dd>0</dd>", summary, re.S)


def test_units_with_a_bound_account_get_a_code_only_when_asked(app, world, admin):
    w = world.a
    base = f"/t/alpha/claim-codes/{w.community_id}/buildings/{w.building_id}"
    assert post(admin, base + "/issue").status_code == 303
    assert active_codes(app, w.tenant_id, w.unit_id) == []          # bound to the owner: skipped
    assert active_codes(app, w.tenant_id, w.unit2_id) == [w.claim_code]  # already had one: unchanged
    assert post(admin, base + "/issue", include_bound="y").status_code == 303
    assert len(active_codes(app, w.tenant_id, w.unit_id)) == 1
    assert active_codes(app, w.tenant_id, w.unit2_id) == [w.claim_code]


def test_revoke_needs_a_reason_and_erases_the_code(app, world, admin):
    w = world.a
    before = table_snapshot(app)
    response = post(admin, f"/t/alpha/claim-codes/codes/{w.claim_code_id}/revoke", reason="  ")
    assert response.status_code == 400
    assert field_error(response.text, f"code-reason-{w.claim_code_id}") == "Give a reason."
    assert table_snapshot(app) == before and active_codes(app, w.tenant_id, w.unit2_id) == [w.claim_code]

    response = post(admin, f"/t/alpha/claim-codes/codes/{w.claim_code_id}/revoke", reason="slip lost")
    assert response.status_code == 303
    ((code_id, status, plain, _issued, used_by, revoked_by),) = codes_of(app, w.tenant_id, w.unit2_id)
    assert (status.value, plain, used_by, revoked_by) == ("revoked", None, None, w.users[Role.BUREAU_ADMIN])
    assert audit_actions(app, w.tenant_id, "claim_code.revoked") == [
        ("claim_code.revoked", w.users[Role.BUREAU_ADMIN], "claim_code", str(code_id), "slip lost")]
    # A revoked code can't be revoked (or reissued) again.
    response = post(admin, f"/t/alpha/claim-codes/codes/{w.claim_code_id}/reissue", reason="again")
    assert "This code is no longer active (already used or revoked)." in flashes(admin.get(response.headers["Location"]).text)
    assert active_codes(app, w.tenant_id, w.unit2_id) == []


def test_reissue_revokes_the_old_code_and_issues_a_new_one(app, world, admin):
    w = world.a
    response = post(admin, f"/t/alpha/claim-codes/codes/{w.claim_code_id}/reissue", reason="slip damaged")
    assert response.status_code == 303
    rows = codes_of(app, w.tenant_id, w.unit2_id)
    assert [r[1].value for r in rows] == ["revoked", "active"]
    (new_code,) = active_codes(app, w.tenant_id, w.unit2_id)
    assert new_code != w.claim_code
    actions = [(a[0], a[1], a[4]) for a in audit_actions(app, w.tenant_id, "claim_code.")]
    assert actions == [("claim_code.revoked", w.users[Role.BUREAU_ADMIN], "slip damaged"),
                       ("claim_code.reissued", w.users[Role.BUREAU_ADMIN], "slip damaged")]


def test_building_page_filters_by_the_codes_state_and_shows_a_refused_row_alone(app, world, admin):
    """The units are listed a page at a time (tests/portal/test_lists.py); the state filter narrows them,
    and a refused revoke shows that unit's row with the error, whatever page it was on."""
    w = world.a
    bulk.in_tenant(app, w, lambda: bulk.building_units(w, 30, "ZZ"))  # no codes; after 101 and 102
    base = f"/t/alpha/claim-codes/{w.community_id}/buildings/{w.building_id}"
    client = in_english(admin)
    page = page_text(client.get(base).text)
    assert "1–20 of 32" in page and "32 units · 1 with an unused code · 1 with a bound account" in page
    assert "1–1 of 1" in page_text(client.get(base + "?state=unused").text)
    assert "1–20 of 31" in page_text(client.get(base + "?state=no_code").text)
    assert "1–1 of 1" in page_text(client.get(base + "?state=bound").text)
    assert "1–10 of 10" in page_text(client.get(base + "?state=no_code&q=zz01").text)  # ZZ010 to ZZ019
    refused = client.get(base + "?state=nope")
    assert refused.status_code == 400 and 'id="state"' in refused.text
    response = post(client, f"/t/alpha/claim-codes/codes/{w.claim_code_id}/revoke", reason=" ")
    assert response.status_code == 400
    assert field_error(response.text, f"code-reason-{w.claim_code_id}") == "Give a reason."
    assert "1–1 of 1" in page_text(response.text) and "All units of the building" in page_text(response.text)


def test_print_sheet_has_every_unused_code_with_a_qr_of_the_register_link(app, world, admin):
    w = world.a
    other = make_other_community(app, w.tenant_id, units=3)
    post(admin, f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}/issue")
    response = admin.get(f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}/print")
    assert response.status_code == 200
    page = response.text
    assert "style=" not in page and "<script" not in page  # nothing the CSP would block
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert "/static/css/print.css" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    for unit_id in other.unit_ids:
        (code,) = active_codes(app, w.tenant_id, unit_id)
        assert f'<p class="claim-code" translate="no">{code}</p>' in page
        link = f"http://localhost/t/alpha/register?code={code}"
        with app.test_request_context():
            expected = qr_svg(link, title="QR code: registration link with the claim code")
        assert str(expected) in page
    assert "另一个小区" in page and "9号楼" in page and "Entrance 2" in page and "Room 101" in page


def test_a_large_building_prints_part_by_part(app, world, admin):
    """A tower's slips come SLIPS_PER_PAGE (four A4 sheets) to a page, each page drawing only its own QR
    codes, cut by the database; past the last, 404."""
    w = world.a
    count = SLIPS_PER_PAGE + 4
    other = make_other_community(app, w.tenant_id, units=count)
    base = f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}"
    post(admin, base + "/issue")
    first = in_english(admin).get(base + "/print")
    assert first.status_code == 200
    assert first.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == SLIPS_PER_PAGE
    assert first.text.count('<div class="sheet-page">') == SLIPS_PER_PAGE // 8  # full A4 sheets of eight
    assert f"{count} slips: one per unit with an unused code." in first.text
    assert f"This page holds slips 1 to {SLIPS_PER_PAGE}; print each page in turn." in first.text
    assert "9号楼-2-101 – 9号楼-2-" in page_text(first.text)  # the units this print job covers
    assert f'href="{base}/print?page=2" rel="next"' in first.text
    second = admin.get(base + "/print?page=2")
    assert second.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 4
    assert f"This page holds slips {SLIPS_PER_PAGE + 1} to {count}" in second.text
    assert f'href="{base}/print?page=1" rel="prev"' in second.text
    codes = {c for unit_id in other.unit_ids for c in active_codes(app, w.tenant_id, unit_id)}
    printed = re.findall(r'<p class="claim-code" translate="no">([^<]+)</p>', first.text + second.text)
    assert len(printed) == count and set(printed) == codes
    assert admin.get(base + "/print?page=3").status_code == 404
    for junk in ("-1", "abc", "１", "99999999999999999999"):
        assert admin.get(base + f"/print?page={junk}").status_code == 200  # read as the first page


def test_print_one_entrance_or_the_units_searched(app, world, admin):
    """The office prints an entrance (or the units it found on the building's page), not the whole tower."""
    w = world.a
    other = make_other_community(app, w.tenant_id, units=5)  # entrance 2, rooms 101..501

    def third_entrance():
        for room in ("101", "102"):
            db.session.add(Unit(community_id=other.community_id, building_id=other.building_id, entrance="3",
                                room=room, floor=1, floor_area=Decimal("70.00")))
        db.session.commit()

    scoped(app, w.tenant_id, third_entrance)
    base = f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}"
    post(admin, base + "/issue")
    client = in_english(admin)
    listing = client.get(base + "?entrance=3")
    assert listing.status_code == 200 and "1–2 of 2" in page_text(listing.text)
    assert f'href="{base}/print?entrance=3"' in listing.text  # the print link takes the list's choice along
    sheet = client.get(base + "/print?entrance=3")
    assert sheet.status_code == 200 and "2 slips" in sheet.text
    assert sheet.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2 and "Entrance 3" in sheet.text
    assert "Entrance 2" not in sheet.text
    sheet = client.get(base + "/print?q=501")
    assert sheet.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 1 and "Room 501" in sheet.text
    # An entrance the building does not have is refused next to the field; nothing printed.
    refused = client.get(base + "/print?entrance=9")
    assert refused.status_code == 400 and "<svg" not in refused.text and 'id="entrance"' in refused.text
    assert client.get(base + "?entrance=9").status_code == 400


def test_print_sheet_leaves_out_used_and_revoked_codes(app, world, admin):
    w = world.a
    page = admin.get(f"/t/alpha/claim-codes/{w.community_id}/buildings/{w.building_id}/print").text
    assert w.claim_code in page
    post(admin, f"/t/alpha/claim-codes/codes/{w.claim_code_id}/revoke", reason="slip lost")
    page = admin.get(f"/t/alpha/claim-codes/{w.community_id}/buildings/{w.building_id}/print").text
    assert w.claim_code not in page and "<svg" not in page
    assert "No unused codes in this building. Issue codes first." in page


def test_committee_member_manages_only_their_own_community(app, world, client_as):
    w = world.a
    other = make_other_community(app, w.tenant_id, units=2)
    member = in_english(client_as(Role.COMMITTEE_MEMBER, "a"))
    index = member.get("/t/alpha/claim-codes/").text
    assert f"小区{w.sentinel}" in index and "另一个小区" not in index
    assert member.get(f"/t/alpha/claim-codes/{w.community_id}").status_code == 200
    # Issue, revoke and reissue in their own community work, with the member as the actor.
    assert post(member, f"/t/alpha/claim-codes/codes/{w.claim_code_id}/reissue", reason="lost").status_code == 303
    assert audit_actions(app, w.tenant_id, "claim_code.reissued")[0][1] == w.users[Role.COMMITTEE_MEMBER]

    admin = client_as(Role.BUREAU_ADMIN, "a")
    post(admin, f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}/issue")
    foreign_code_id = codes_of(app, w.tenant_id, other.unit_ids[0])[0][0]
    before = table_snapshot(app)
    for method, url in [
        ("GET", f"/t/alpha/claim-codes/{other.community_id}"),
        ("GET", f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}"),
        ("GET", f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}/print"),
        ("POST", f"/t/alpha/claim-codes/{other.community_id}/buildings/{other.building_id}/issue"),
        ("POST", f"/t/alpha/claim-codes/codes/{foreign_code_id}/revoke"),
        ("POST", f"/t/alpha/claim-codes/codes/{foreign_code_id}/reissue"),
        # A building of another community under their own community's id is not theirs either.
        ("GET", f"/t/alpha/claim-codes/{w.community_id}/buildings/{other.building_id}/print"),
        ("GET", f"/api/v1/t/alpha/claim-codes/communities/{other.community_id}"),
        ("GET", f"/api/v1/t/alpha/claim-codes/buildings/{other.building_id}"),
    ]:
        response = (member.get(url) if method == "GET" else post(member, url, reason="x"))
        assert response.status_code == 404, (method, url, response.status_code)
    assert table_snapshot(app) == before


@pytest.mark.parametrize("role", [Role.AREA_OFFICER, Role.FIRM_STAFF, Role.OWNER])
def test_other_roles_may_not_manage_codes(world, client_as, role):
    client = client_as(role, "a")
    assert client.get("/t/alpha/claim-codes/").status_code == 403
    assert client.get(f"/t/alpha/claim-codes/{world.a.community_id}/buildings/{world.a.building_id}/print").status_code == 403


def test_tenant_b_cannot_see_print_or_revoke_tenant_a_codes(app, world, client_as):
    a = world.a
    b_admin = client_as(Role.BUREAU_ADMIN, "b")
    token = csrf_token_for(b_admin, "/t/beta/claim-codes/")
    before = table_snapshot(app)
    urls = [
        ("GET", f"/t/beta/claim-codes/{a.community_id}"),
        ("GET", f"/t/beta/claim-codes/{a.community_id}/buildings/{a.building_id}"),
        ("GET", f"/t/beta/claim-codes/{a.community_id}/buildings/{a.building_id}/print"),
        ("POST", f"/t/beta/claim-codes/{a.community_id}/buildings/{a.building_id}/issue"),
        ("POST", f"/t/beta/claim-codes/codes/{a.claim_code_id}/revoke"),
        ("POST", f"/t/beta/claim-codes/codes/{a.claim_code_id}/reissue"),
        ("POST", f"/t/beta/claim-codes/bindings/{a.binding_id}/revoke"),
        ("GET", f"/api/v1/t/beta/claim-codes/communities/{a.community_id}"),
        ("GET", f"/api/v1/t/beta/claim-codes/buildings/{a.building_id}"),
        ("POST", f"/api/v1/t/beta/claim-codes/buildings/{a.building_id}/issue"),
        ("POST", f"/api/v1/t/beta/claim-codes/{a.claim_code_id}/revoke"),
        ("POST", f"/api/v1/t/beta/claim-codes/{a.claim_code_id}/reissue"),
    ]
    for method, url in urls:
        if method == "GET":
            response = b_admin.get(url)
        elif "/api/" in url:
            response = b_admin.post(url, json={"reason": "takeover"}, headers={"X-CSRFToken": token})
        else:
            response = b_admin.post(url, data={"csrf_token": token, "reason": "takeover", "include_bound": "y"})
        assert response.status_code == 404, (url, response.status_code)
        assert a.sentinel not in response.get_data(as_text=True) and a.claim_code not in response.get_data(as_text=True)
    # And with A's slug B's administrator is no member at all.
    assert b_admin.get(f"/t/alpha/claim-codes/{a.community_id}/buildings/{a.building_id}/print").status_code == 404
    assert table_snapshot(app) == before
    assert active_codes(app, a.tenant_id, a.unit2_id) == [a.claim_code]


def test_revoking_a_binding_ends_the_owners_access(app, world, client_as):
    w = world.a
    owner = client_as(Role.OWNER, "a")
    assert owner.get(f"/t/alpha/my/communities/{w.community_id}").status_code == 200
    member = in_english(client_as(Role.COMMITTEE_MEMBER, "a"))
    page = member.get(f"/t/alpha/claim-codes/{w.community_id}/buildings/{w.building_id}").text
    assert f"owner-{w.sentinel}" in page  # the bound account is listed with its unit
    response = post(member, f"/t/alpha/claim-codes/bindings/{w.binding_id}/revoke", reason="")
    assert response.status_code == 400
    assert field_error(response.text, f"binding-reason-{w.binding_id}") == "Give a reason."
    assert bindings_of(app, w.tenant_id, w.unit_id) == [(w.users[Role.OWNER], True)]

    response = post(member, f"/t/alpha/claim-codes/bindings/{w.binding_id}/revoke", reason="sold the flat")
    assert response.status_code == 303
    assert bindings_of(app, w.tenant_id, w.unit_id) == [(w.users[Role.OWNER], False)]
    assert audit_actions(app, w.tenant_id, "owner.unbound") == [
        ("owner.unbound", w.users[Role.COMMITTEE_MEMBER], "unit_binding", str(w.binding_id), "sold the flat")]
    assert owner.get(f"/t/alpha/my/communities/{w.community_id}").status_code == 404
    assert f"小区{w.sentinel}" not in owner.get("/t/alpha/my/units").text


def test_committee_member_cannot_revoke_bindings_elsewhere(app, world, client_as):
    # The B committee member, with B's slug and A's binding id: 404 and nothing changes.
    member_b = client_as(Role.COMMITTEE_MEMBER, "b")
    response = member_b.post(f"/t/beta/claim-codes/bindings/{world.a.binding_id}/revoke",
                             data={"csrf_token": csrf_token_for(member_b, "/t/beta/claim-codes/"), "reason": "x"})
    assert response.status_code == 404
    assert bindings_of(app, world.a.tenant_id, world.a.unit_id) == [(world.a.users[Role.OWNER], True)]
