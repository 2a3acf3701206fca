"""Roster test helpers: roster files in CSV (UTF-8, GBK) and XLSX, kept uploads, reading units back."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db as _db
from tenants import across_tenants
from tenants.roles import Role
from tests.factories import TenantWorld

HEADER_ZH = ["楼栋", "单元", "房号", "楼层", "建筑面积"]
HEADER_EN = ["building", "entrance", "room", "floor", "floor_area"]


def building_name(w: TenantWorld) -> str:
    """The name of the world's registered building (it carries the tenant's sentinel)."""
    return f"1号楼{w.sentinel}"


def csv_bytes(rows: list[list], *, header=HEADER_ZH, encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list], *, header=HEADER_ZH) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def one_new_unit(w: TenantWorld) -> list[list]:
    return [[building_name(w), "2", "201", 2, "70.00"]]


def roster_upload(w: TenantWorld, rows: list[list] | None = None, name: str = "roster.csv"):
    """A (stream, filename) pair the test client sends as a file part."""
    return io.BytesIO(csv_bytes(rows if rows is not None else one_new_unit(w))), name


def stage_upload(app, w: TenantWorld, rows: list[list] | None = None, user_role: Role = Role.BUREAU_ADMIN) -> str:
    """Keep an upload on the server as a clean preview does; returns its token."""
    from portal.roster import uploads

    with app.app_context():
        upload = uploads.store(tenant_id=w.tenant_id, user_id=w.users[user_role], community_id=w.community_id,
                               stream=io.BytesIO(csv_bytes(rows if rows is not None else one_new_unit(w))),
                               filename="roster.csv")
    return upload.token


def units_of(app, community_id: int) -> dict[tuple[str, str], tuple[int | None, Decimal]]:
    """(entrance, room) -> (floor, area) of every unit of a community, read across tenants."""
    from portal.communities.models import Unit

    with app.app_context(), across_tenants("test reads units"):
        rows = _db.session.execute(sa.select(Unit.entrance, Unit.room, Unit.floor, Unit.floor_area)
                                   .where(Unit.community_id == community_id)).all()
        _db.session.remove()
    return {(e, r): (f, a) for e, r, f, a in rows}
