"""Demo 12345 work orders and hotline directory of the bureau: a dozen work orders from the hotline's export,
imported through the real importer (most become tickets, three wait in the review list), and a hotline per
street with the city's. Dated before the demo's fixed "today"; loading again changes nothing (the work-order
numbers are the key, the directory is only filled when empty)."""
from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import importing, parsing
from portal.hotline.models import Hotline
from portal.tickets.demo import DEMO_NOW

SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# number, days before "today", hour, type, category, urgency, community, address, what the caller asks
ORDERS = [
    ("GT2611190031", 12, 9, "投诉", "噪声/装修扰民", "一般", "金城花园", "金城花园3号楼", "楼上装修每天早上七点开始施工"),
    ("GT2611200102", 11, 15, "投诉", "车辆停放/消防通道", "一般", "", "高唐县汇鑫名苑北门", "消防通道长期被私家车占用"),
    ("GT2611230017", 8, 10, "报修", "一般维修", "一般", "御景园", "", "单元门禁坏了一周没人修"),
    ("GT2611240088", 7, 16, "投诉", "保洁卫生", "一般", "东关新村", "", "垃圾清运不及时，气味很大"),
    ("GT2611250045", 6, 11, "投诉", "收费争议", "一般", "阳光嘉园", "", "物业费上涨没有公示依据"),
    ("GT2611260009", 5, 8, "报修", "急修（漏水、停电、困梯、燃气味等）", "紧急", "人和家园", "人和家园2号楼", "二次供水停水一天"),
    ("GT2611260133", 5, 19, "咨询", "", "一般", "北湖雅居", "", "想了解维修基金怎么申请使用"),
    ("GT2611270061", 4, 14, "投诉", "飞线充电/电动车", "一般", "", "康庄小区5号楼楼道", "楼道里有人飞线给电动车充电"),
    ("GT2611300020", 1, 9, "建议", "", "一般", "清平苑", "", "建议增设电动车充电车棚"),
    # No community the portal knows, or several: the review list.
    ("GT2611210077", 10, 10, "投诉", "", "一般", "新城小区", "高唐县新城路", "小区路灯全部不亮"),
    ("GT2611280042", 3, 17, "投诉", "", "一般", "", "鱼邱湖小区和文庙佳苑之间的道路", "两个小区之间的道路积水无人管"),
    ("GT2611290015", 2, 11, "咨询", "", "一般", "", "高唐县城区", "物业服务收费标准在哪里可以查到"),
]
PHONES = ["13805351234", "13905352345", "", "15805353456", "13605354567", "", "18605355678", "13705356789", "",
          "13505357890", "15905358901", ""]

# name, number, hours, street (None: the whole county)
HOTLINES = [
    ("12345 政务服务便民热线", "12345", "24 小时（含节假日）", None),
    ("县住建局物业管理科", "0635-3951234", "工作日 8:30–12:00，13:30–17:30", None),
    ("鱼邱湖街道物业专班", "0635-3952201", "工作日 8:30–17:30", "鱼邱湖街道"),
    ("汇鑫街道物业专班", "0635-3952202", "工作日 8:30–17:30", "汇鑫街道"),
    ("人和街道物业专班", "0635-3952203", "工作日 8:30–17:30", "人和街道"),
]


def export_rows() -> list[list[str]]:
    """The work orders as the hotline's export writes them (header first)."""
    today = DEMO_NOW.astimezone(SHANGHAI).date()
    rows = [parsing.TEMPLATE_HEADER]
    for (number, days, hour, kind, category, urgency, community, address, content), phone in zip(ORDERS, PHONES):
        received = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(hour, 5))
        rows.append([number, f"{received:%Y-%m-%d %H:%M}", kind, category, urgency, community, address, content, phone])
    return rows


def load(tenant, *, actor, streets: dict) -> dict:
    """Import the demo's 12345 export and fill an empty directory; returns what was added."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "12345-demo.csv"
        with open(path, "w", encoding="gbk", newline="") as handle:  # as the hotline's system saves it
            csv.writer(handle).writerows(export_rows())
        result = importing.import_file(tenant=tenant, actor=actor, path=path, filename=path.name, now=DEMO_NOW)
    added = 0
    if db.session.scalar(sa.select(sa.func.count(Hotline.id))) == 0:
        for position, (name, number, hours, street) in enumerate(HOTLINES):
            db.session.add(Hotline(name=name, number=number, hours=hours, position=position,
                                   area_id=streets[street].id if street else None))
            added += 1
        db.session.flush()
    return {"ticketed": result.ticketed, "review": result.to_review, "hotlines": added}
