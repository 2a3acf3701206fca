"""The roster JSON API (units, multipart import with dry_run) and the CLI commands."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from tests.conftest import table_snapshot
from tests.factories import World
from tests.portal.pages import in_english
from tests.portal.roster.helpers import building_name, csv_bytes, units_of, xlsx_bytes


def bearer(w) -> dict:
    return {"Authorization": f"Bearer {w.token_secret}"}


def post_roster(app, w, data: bytes, *, dry_run=None, name="roster.csv", slug=None, community_id=None, extra=None):
    form = {"file": (io.BytesIO(data), name)}
    if dry_run is not None:
        form["dry_run"] = dry_run
    form.update(extra or {})
    # English messages: the API answers in Chinese unless the client asks for English.
    return in_english(app.test_client()).post(f"/api/v1/t/{slug or w.slug}/roster/{community_id or w.community_id}/import",
                                  data=form, content_type="multipart/form-data", headers=bearer(w))


def test_units_api_is_paginated(app, world: World):
    client = app.test_client()
    url = f"/api/v1/t/alpha/roster/{world.a.community_id}/units"
    response = client.get(url, headers=bearer(world.a))
    assert json.loads(response.headers["X-Pagination"]) == {"total": 2, "total_pages": 1, "first_page": 1,
                                                            "last_page": 1, "page": 1}
    first = response.json[0]
    assert first["room"] == "101" and first["floor_area"] == "88.50" and first["building"] == building_name(world.a)
    response = client.get(url + "?page_size=1&page=2", headers=bearer(world.a))
    assert [u["room"] for u in response.json] == ["102"]
    assert json.loads(response.headers["X-Pagination"])["previous_page"] == 1
    response = client.get(url + f"?building_id={world.a.building_id}", headers=bearer(world.a))
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    for query, field in (("page_size=0", "page_size"), ("page_size=101", "page_size"), ("page=abc", "page"),
                         ("zz=1", "zz"), (f"building_id={world.b.building_id}", "building_id")):
        response = client.get(f"{url}?{query}", headers=bearer(world.a))
        assert response.status_code == 422 and field in response.json["error"]["fields"], query


def test_dry_run_previews_with_row_errors_and_writes_nothing(app, world: World):
    b = building_name(world.a)
    data = csv_bytes([[b, "1", "101", 1, "88.50"], [b, "1", "201", "x", "1.234"], ["无此楼", "1", "1", 1, "5"]],
                     encoding="gbk")
    before = table_snapshot(app)
    response = post_roster(app, world.a, data, dry_run="true")
    assert response.status_code == 200
    body = response.json
    assert body["valid"] is False and body["encoding"] == "GBK" and body["format"] == "csv"
    assert body["error_count"] == 3 and body["rows"] == 3 and body["unchanged"] == 1
    assert {(e["row"], e["column"], e["field"]) for e in body["errors"]} == {
        (3, "楼层", "floor"), (3, "建筑面积", "floor_area"), (4, "楼栋", "building")}
    assert body["unknown_buildings"] == ["无此楼"] and body["registered_buildings"] == [b]
    assert table_snapshot(app) == before


def test_import_all_or_nothing_then_idempotent(app, world: World):
    b = building_name(world.a)
    bad = csv_bytes([[b, "5", "501", 5, "70"], [b, "5", "501", 5, "70"]])
    before = table_snapshot(app)
    response = post_roster(app, world.a, bad)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_roster"
    assert response.json["preview"]["errors"][0]["row"] == 3 and "Duplicate" in response.json["preview"]["errors"][0]["reason"]
    assert table_snapshot(app) == before

    good = xlsx_bytes([[b, "5", "501", 5, 70], [b, "1", "102", 1, "91.00"]])
    response = post_roster(app, world.a, good, name="r.xlsx", dry_run="false")
    assert response.status_code == 200, response.json
    assert response.json == {"inserted": 1, "updated": 1, "unchanged": 0, "format": "xlsx", "encoding": "XLSX",
                             "rows": 2, "kept_units_missing_from_file": 1}
    assert units_of(app, world.a.community_id)[("1", "102")] == (1, Decimal("91.00"))
    again = post_roster(app, world.a, good, name="r.xlsx")
    assert again.json["inserted"] == 0 and again.json["updated"] == 0 and again.json["unchanged"] == 2


def test_import_api_refuses_junk_requests(app, world: World):
    url = f"/api/v1/t/alpha/roster/{world.a.community_id}/import"
    client = app.test_client()
    before = table_snapshot(app)
    response = client.post(url, json={"file": "x"}, headers=bearer(world.a))
    assert response.status_code == 415 and "multipart/form-data" in response.json["error"]["message"]
    response = client.post(url, data={"dry_run": "true"}, content_type="multipart/form-data", headers=bearer(world.a))
    assert response.status_code == 422 and "file" in response.json["error"]["fields"]
    response = client.post(url, data={"file": "text, not a file"}, content_type="multipart/form-data", headers=bearer(world.a))
    assert response.status_code == 422 and "file" in response.json["error"]["fields"]
    response = post_roster(app, world.a, b"x", dry_run="maybe")
    assert response.status_code == 422 and "dry_run" in response.json["error"]["fields"]
    response = post_roster(app, world.a, b"x", extra={"tenant_id": "2"})
    assert response.status_code == 422 and "tenant_id" in response.json["error"]["fields"]
    response = post_roster(app, world.a, b"", dry_run="true")
    assert response.status_code == 200 and response.json["errors"][0]["reason"] == "The file is empty."
    response = post_roster(app, world.a, b"\x00\x01\x02" * 1000)
    assert response.status_code == 422 and "binary" in response.json["preview"]["errors"][0]["reason"]
    assert table_snapshot(app) == before


@pytest.mark.parametrize("method, path", [
    ("GET", "/roster/{cid}/units"), ("POST", "/roster/{cid}/import"),
])
def test_api_cross_tenant_is_404(app, world: World, method, path):
    """B's token with B's slug and A's community id; and B's token with A's slug: 404, nothing written."""
    before = table_snapshot(app)
    data = {"file": (io.BytesIO(csv_bytes([[building_name(world.a), "6", "601", 6, "60"]])), "r.csv")}
    for slug in ("beta", "alpha"):
        response = app.test_client().open(f"/api/v1/t/{slug}{path.format(cid=world.a.community_id)}", method=method,
                                          data=data if method == "POST" else None, headers=bearer(world.b),
                                          content_type="multipart/form-data" if method == "POST" else None)
        # Under B's slug A's community does not exist; under A's slug B's token is no credential at all.
        assert response.status_code == (404 if slug == "beta" else 401), (slug, response.json)
        data = {"file": (io.BytesIO(b"x"), "r.csv")}
    assert table_snapshot(app) == before


def test_openapi_documents_the_roster_operations(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    op = spec["paths"]["/api/v1/t/{tenant_slug}/roster/{community_id}/import"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert "RosterUpload" in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["RosterUpload"]["properties"]["file"]["format"] == "binary"
    assert "422" in op["responses"]
    assert "/api/v1/t/{tenant_slug}/roster/{community_id}/units" in spec["paths"]


# -- CLI ---------------------------------------------------------------------------------------

def run(app, *args):
    return app.test_cli_runner(mix_stderr=False).invoke(args=["roster", *args]) if _mix_stderr_supported() else \
        app.test_cli_runner().invoke(args=["roster", *args])


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_cli_import_dry_run_import_and_export(app, world: World, tmp_path):
    b = building_name(world.a)
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes([[b, "7", "701", 7, "77.70"], [b, "1", "101", 1, "88.50"]], encoding="gbk"))
    before = table_snapshot(app)
    result = run(app, "import", "--tenant", "alpha", "--community", f"小区{world.a.sentinel}", str(roster), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "GBK" in result.output and "1 new" in result.output and "dry run" in result.output
    assert table_snapshot(app) == before
    result = run(app, "import", "--tenant", "alpha", "--community", str(world.a.community_id), str(roster))
    assert result.exit_code == 0, result.output
    assert "imported: 1 new, 0 updated, 1 unchanged" in result.output
    assert units_of(app, world.a.community_id)[("7", "701")] == (7, Decimal("77.70"))

    out = tmp_path / "out.xlsx"
    result = run(app, "export", "--tenant", "alpha", "--community", str(world.a.community_id), "--format", "xlsx",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    result = run(app, "import", "--tenant", "alpha", "--community", str(world.a.community_id), str(out), "--dry-run")
    assert "0 new, 0 updated, 3 unchanged" in result.output
    out_csv = tmp_path / "out.csv"
    assert run(app, "export", "--tenant", "alpha", "--community", str(world.a.community_id), "-o", str(out_csv)).exit_code == 0
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_cli_bad_file_exits_non_zero_with_row_errors(app, world: World, tmp_path):
    roster = tmp_path / "bad.csv"
    roster.write_bytes(csv_bytes([["9号楼", "1", "101", 1, "88.5"], [building_name(world.a), "1", "x", 1, "-1"]]))
    before = table_snapshot(app)
    result = run(app, "import", "--tenant", "alpha", "--community", str(world.a.community_id), str(roster))
    assert result.exit_code == 1
    output = result.output + (result.stderr if _mix_stderr_supported() or hasattr(result, "stderr") else "")
    assert "rejected: 2 problem(s)" in output
    assert 'row 2, column 楼栋: The building "9号楼" is not registered' in output
    assert "row 3, column 建筑面积" in output
    assert table_snapshot(app) == before


def test_cli_refuses_a_community_of_another_tenant(app, world: World, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_bytes(csv_bytes([[building_name(world.a), "1", "101", 1, "88.5"]]))
    result = run(app, "import", "--tenant", "beta", "--community", str(world.a.community_id), str(roster))
    assert result.exit_code != 0 and "no community" in (result.output + getattr(result, "stderr", ""))
