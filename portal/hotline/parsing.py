"""The 12345 export's columns and the rules of its cells. Files are sniffed, decoded and read row by row by
the roster import's readers (portal.roster.parsing: CSV in UTF-8/GBK/GB18030 or XLSX, every size bounded);
only what a work order is differs."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from portal.roster import formats
from portal.roster.parsing import Header, Problem, _present, _text
from portal.tickets.models import TicketType, Urgency
from portal.validation import control_char_message, forbidden_char

# Canonical field -> accepted header names; the first of each is what the template writes. The caller's
# name column of real exports (诉求人/来电人) is accepted and never read: the portal does not keep it.
FIELDS: dict[str, tuple[str, ...]] = {
    "order_number": ("工单编号", "工单号", "order_number"),
    "received_at": ("受理时间", "来电时间", "received_at"),
    "ticket_type": ("诉求类型", "工单类型", "ticket_type"),
    "category": ("问题分类", "诉求分类", "category"),
    "urgency": ("紧急程度", "urgency"),
    "community": ("小区名称", "小区", "community"),
    "address": ("诉求地址", "地址", "address"),
    "content": ("诉求内容", "工单内容", "content"),
    "caller_phone": ("来电号码", "联系电话", "caller_phone"),
    "caller_name": ("诉求人", "来电人", "caller_name"),
}
REQUIRED = ("order_number", "received_at", "content")
TEMPLATE_HEADER = [names[0] for field, names in FIELDS.items() if field != "caller_name"]
TEMPLATE_EXAMPLE = ["GD20261130000123", "2026-11-30 09:15", "投诉", "噪声/装修扰民", "一般", "阳光花园",
                    "幸福路88号阳光花园5栋", "楼上装修每天早上七点开始施工，影响休息。", "13800138000"]
FIELD_LABELS = {
    "order_number": _l("Work-order number"), "received_at": _l("Time received"), "ticket_type": _l("Type"),
    "category": _l("Category"), "urgency": _l("Urgency"), "community": _l("Community"), "address": _l("Address"),
    "content": _l("What the caller asks"), "caller_phone": _l("Caller's phone"),
    "caller_name": _l("Caller's name (not stored)"),
}

TYPE_WORDS = {"投诉": TicketType.COMPLAINT, "举报": TicketType.COMPLAINT, "报修": TicketType.REPAIR,
              "维修": TicketType.REPAIR, "咨询": TicketType.ENQUIRY, "求助": TicketType.ENQUIRY,
              "建议": TicketType.SUGGESTION, "表扬": TicketType.PRAISE, "感谢": TicketType.PRAISE}
URGENCY_WORDS = {"一般": Urgency.NORMAL, "普通": Urgency.NORMAL, "紧急": Urgency.URGENT, "加急": Urgency.URGENT,
                 "特急": Urgency.URGENT}
_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_PHONE_RE = re.compile(r"^\+?[0-9]{5,20}$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%dT%H:%M", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日 %H时%M分")
YEARS = (2000, 2100)
CONTENT_MAX = 2000
TEXT_MAX = 120


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One work order read and checked (communities and categories are looked up afterwards)."""

    number: int
    order_number: str
    received_at: dt.datetime      # UTC
    ticket_type: TicketType
    category: str
    urgency: Urgency
    community: str
    address: str
    content: str
    caller_phone: str


def read_row(number: int, cells: list, header: Header, zone: ZoneInfo) -> tuple[OrderRow | None, list[Problem]]:
    """The row's work order, or every rule it breaks (row, column, rule)."""
    problems: list[Problem] = []
    values = {field: cells[index] if index < len(cells) else None for index, field in header.columns.items()}

    def problem(field: str, reason) -> None:
        problems.append(Problem(number, header.names.get(field, FIELDS[field][0]), field, reason))

    def checked(field: str, limit: int, required=None) -> str:
        value = _text(values.get(field)) or ""
        if not value:
            if required:
                problem(field, required)
        elif len(value) > limit:
            problem(field, _l("At most %(max)s characters.", max=limit))
        elif (char := forbidden_char(value, multiline=field == "content")) is not None:
            problem(field, control_char_message(char))
        return value

    order_number = checked("order_number", 40, _l("Missing: every row needs its work-order number."))
    if order_number and len(order_number) <= 40 and not _NUMBER_RE.match(order_number):
        problem("order_number", _l("A work-order number holds letters, digits, - and _ only, not \"%(value)s\".",
                                   value=order_number[:40]))
    received_at = _time(values.get("received_at"), zone)
    if not _present(values.get("received_at")):
        problem("received_at", _l("Missing: every row needs the time the hotline received it."))
    elif received_at is None:
        problem("received_at", _l("Write the time as 2026-11-30 09:15 (year-month-day hour:minute), not \"%(value)s\".",
                                  value=str(values.get("received_at")).strip()[:30]))
    kind_text = checked("ticket_type", 10)
    kind = TYPE_WORDS.get(kind_text, TicketType.COMPLAINT if not kind_text else None)
    if kind is None:
        problem("ticket_type", _l("The type is one of %(words)s, not \"%(value)s\".", words="、".join(TYPE_WORDS),
                                  value=kind_text[:10]))
    urgency_text = checked("urgency", 10)
    urgency = URGENCY_WORDS.get(urgency_text, Urgency.NORMAL if not urgency_text else None)
    if urgency is None:
        problem("urgency", _l("The urgency is one of %(words)s, not \"%(value)s\".", words="、".join(URGENCY_WORDS),
                              value=urgency_text[:10]))
    category = checked("category", 80)
    community = checked("community", TEXT_MAX)
    address = checked("address", TEXT_MAX)
    content = checked("content", CONTENT_MAX, _l("Missing: every row needs what the caller asks."))
    phone = re.sub(r"[\s()（）-]", "", _text(values.get("caller_phone")) or "")
    if phone and not _PHONE_RE.match(phone):
        problem("caller_phone", _l("A phone number holds 5 to 20 digits (a leading + allowed), not \"%(value)s\".",
                                   value=phone[:24]))
    if problems:
        return None, problems
    return OrderRow(number, order_number, received_at, kind, category, urgency, community, address, content, phone), []


def _time(value, zone: ZoneInfo) -> dt.datetime | None:
    """A cell's time (an Excel date-time or text in a usual spelling), local to ``zone``, as UTC."""
    if isinstance(value, dt.datetime):
        local = value
    elif isinstance(value, str):
        text = formats.normalise_cell(value).strip()
        local = None
        for pattern in _TIME_FORMATS:
            try:
                local = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if local is None:
            return None
    else:
        return None
    if not YEARS[0] <= local.year <= YEARS[1]:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    return local.astimezone(dt.timezone.utc)


def normalise_name(text: str) -> str:
    """A community name as matching compares it: NFKC, without spaces."""
    return re.sub(r"\s+", "", formats.normalise_cell(text or ""))
