"""The API's lists: a page at a time with the total the database counted, the HTML lists' filters
(words of a name, area, grade, firm, role, state), declared in the OpenAPI document; a filter narrows
what the caller may see and never widens it."""
from __future__ import annotations

import json

import pytest

from tenants.roles import Role
from tests.factories import World
from tests.portal import bulk

API = "/api/v1/t/alpha"


def bearer(world: World) -> dict:
    return {"Authorization": f"Bearer {world.a.token_secret}", "Accept-Language": "en"}


def listed(client, world: World, path: str, **query) -> tuple[list, dict]:
    response = client.get(f"{API}{path}", query_string=query, headers=bearer(world))
    assert response.status_code == 200, response.text
    return response.json, json.loads(response.headers["X-Pagination"])


@pytest.fixture
def registry(app, world: World) -> dict:
    def build():
        return {"communities": bulk.communities(world.a, 60, "接口小区"), "firms": bulk.firms(world.a, 60, "接口物业"),
                "offices": bulk.offices(world.a, 30, "接口社区"), "members": bulk.members(world.a, 30, "接口成员"),
                "contracts": bulk.contracts(world.a, 30, "接口合同小区"),
                "elsewhere": bulk.elsewhere(world.a, "接口别处", 903)}

    return bulk.in_tenant(app, world.a, build)


@pytest.mark.parametrize("path, total", [("/communities", 60 + 30 + 2), ("/firms", 60 + 2), ("/areas", 30 + 3),
                                         ("/members", 30 + 6), ("/contracts", 30 + 2)])
def test_every_list_is_a_page_with_the_databases_total(client, world: World, registry, path, total):
    items, meta = listed(client, world, path, page_size=25)
    assert len(items) == 25 and meta["total"] == total and meta["next_page"] == 2
    last, meta = listed(client, world, path, page_size=25, page=meta["last_page"])
    assert len(last) == total - 25 * (meta["last_page"] - 1)


@pytest.mark.parametrize("path, query, expected", [
    ("/communities", {"q": "接口小区05"}, 10),
    ("/communities", {"q": "地址接口小区 059"}, 1),
    ("/communities", {"q": "%"}, 0),
    ("/communities", {"has_contract": "false"}, 60),
    ("/communities", {"grade": "grade3"}, 1),
    ("/firms", {"q": "接口物业00"}, 10),
    ("/areas", {"q": "接口社区"}, 30),
    ("/areas", {"kind": "street"}, 2),
    ("/members", {"q": "接口成员01"}, 10),
    ("/members", {"role": "owner"}, 1),
    ("/members", {"active": "false"}, 0),
    ("/contracts", {"q": "接口合同小区02"}, 10),
    ("/contracts", {"q": "接口别处物业"}, 1),
    ("/contracts", {"state": "in_force"}, 32),
    ("/contracts", {"state": "ended"}, 0),
])
def test_filters(client, world: World, registry, path, query, expected):
    _items, meta = listed(client, world, path, **query)
    assert meta["total"] == expected


def test_the_firm_and_area_filters(client, world: World, registry):
    _items, meta = listed(client, world, "/communities", firm_id=world.a.firm_id)
    assert meta["total"] == 31  # the world's community and the thirty under contract
    items, _meta = listed(client, world, "/communities", area_id=registry["elsewhere"]["area_id"])
    assert [c["name"] for c in items] == ["接口别处小区"]
    _items, meta = listed(client, world, "/communities", firm_id=world.b.firm_id)
    assert meta["total"] == 0  # another tenant's firm serves nothing here


@pytest.mark.parametrize("role", [Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER])
def test_a_filter_never_widens_what_a_role_sees(client_as, world: World, registry, role):
    client = client_as(role, "a")
    where = registry["elsewhere"]
    for path, query in (("/communities", {"q": "接口别处"}), ("/communities", {"area_id": where["area_id"]}),
                        ("/communities", {"firm_id": where["firm_id"]}), ("/firms", {"q": "接口别处"}),
                        ("/contracts", {"q": "接口别处"}), ("/areas", {"q": "接口别处"})):
        response = client.get(f"{API}{path}", query_string=query)
        assert response.status_code == 200 and response.json == [], (role.value, path, query)


@pytest.mark.parametrize("path, query, field", [
    ("/communities", {"q": "x" * 101}, "q"), ("/communities", {"q": "ab\x00cd"}, "q"),
    ("/communities", {"grade": "grade9"}, "grade"), ("/communities", {"has_contract": "perhaps"}, "has_contract"),
    ("/communities", {"firm_id": "１２"}, "firm_id"), ("/firms", {"q": "ab\u202ecd"}, "q"),
    ("/areas", {"kind": "planet"}, "kind"), ("/members", {"role": "king"}, "role"),
    ("/members", {"active": "2"}, "active"), ("/contracts", {"q": "x" * 101}, "q"),
    ("/contracts", {"state": "over"}, "state"),
    ("/firms", {"page": "99999999999"}, "page"), ("/areas", {"page_size": "101"}, "page_size"),
])
def test_junk_filters_are_refused_naming_the_field(client, world: World, path, query, field):
    response = client.get(f"{API}{path}", query_string=query, headers=bearer(world))
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.text


def test_the_filters_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    declared = {path: {p["name"] for p in operation["get"].get("parameters", []) if "name" in p}
                for path, operation in document["paths"].items() if "get" in operation}
    base = "/api/v1/t/{tenant_slug}"
    assert {"q", "area_id", "grade", "firm_id", "has_contract", "page", "page_size"} <= declared[f"{base}/communities"]
    assert {"q", "page"} <= declared[f"{base}/firms"]
    assert {"q", "kind", "page"} <= declared[f"{base}/areas"]
    assert {"q", "role", "active", "page"} <= declared[f"{base}/members"]
    assert {"q", "community_id", "firm_id", "in_force", "state", "page"} <= declared[f"{base}/contracts"]
