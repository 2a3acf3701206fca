"""Helpers of the hotline tests: 12345 exports in CSV (UTF-8, GBK) and XLSX, the upload and confirm requests."""
from __future__ import annotations

import io
import re

from tests.conftest import csrf_token_for
from tests.portal.roster import helpers as roster_files
from tests.factories import TenantWorld

HEADER = ["工单编号", "受理时间", "诉求类型", "问题分类", "紧急程度", "小区名称", "诉求地址", "诉求内容", "来电号码", "诉求人"]


def rows_for(w: TenantWorld) -> list[list]:
    """Three work orders: one names the world's community, one has it in the address, one names nothing known."""
    return [
        ["GD001", "2026-09-30 16:00", "投诉", "噪声/装修扰民", "一般", f"小区{w.sentinel}", "5栋", "楼上装修太吵", "13800138000", "张三丰"],
        ["GD002", "2026/09/30 16:00", "报修", "", "紧急", "", f"幸福路小区{w.sentinel}3栋", "电梯困人", "", "李四光"],
        ["GD003", "2026-09-30 16:00", "", "", "", "不存在的花园", "远方路1号", "路灯不亮", "139-0013-9000", ""],
    ]


def csv_bytes(rows: list[list], *, header=HEADER, encoding: str = "utf-8", bom: bool = False) -> bytes:
    return roster_files.csv_bytes(rows, header=header, encoding=encoding, bom=bom)


def xlsx_bytes(rows: list[list], *, header=HEADER) -> bytes:
    return roster_files.xlsx_bytes(rows, header=header)


def upload(client, slug: str, data: bytes, name: str = "12345.csv"):
    return client.post(f"/t/{slug}/hotline/import", data={"file": (io.BytesIO(data), name),
                                                          "csrf_token": csrf_token_for(client)},
                       content_type="multipart/form-data")


def token_in(page: str) -> str:
    match = re.search(r'name="upload"[^>]*value="([0-9a-f]{32})"|value="([0-9a-f]{32})"[^>]*name="upload"', page)
    assert match, "the preview has no import button"
    return match.group(1) or match.group(2)


def confirm(client, slug: str, token: str):
    return client.post(f"/t/{slug}/hotline/import/confirm", data={"upload": token, "csrf_token": csrf_token_for(client)})


def import_rows(client, slug: str, data: bytes, name: str = "12345.csv"):
    preview = upload(client, slug, data, name)
    assert preview.status_code == 200, preview.text
    return confirm(client, slug, token_in(preview.text))
