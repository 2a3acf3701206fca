"""What each section of a notice board holds: structured fields and rows, their rules, and the cleaning
that turns form or JSON input into the canonical content of a version (money always integer fen)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.disclosures.models import BoardSection
from portal.domain import DomainError
from portal.money import yuan_plain
from portal.validation import forbidden_char

MAX_ROWS = 200
MAX_FEN = 10**12  # ten billion yuan: beyond any community's figures, inside every integer type


class DisclosureError(DomainError):
    """A notice-board rule broken by the requested change."""


@dataclass(frozen=True)
class Field:
    """One field of a section or of its rows. ``kind``: text, long, fen, date, int, year, quarter, month, choice."""

    name: str
    label: object
    kind: str = "text"
    required: bool = False
    max_len: int = 120
    choices: tuple[tuple[str, object], ...] = ()
    default: object = None


@dataclass(frozen=True)
class SectionSpec:
    fields: tuple[Field, ...] = ()
    rows: tuple[Field, ...] = ()
    min_rows: int = 0
    notes: object = ""


PAYERS = (("owner", _l("Owner")), ("occupant", _l("Occupant")), ("developer", _l("Developer")))
PRICING = (("market", _l("Market price")), ("government_guided", _l("Government-guided price")))
EQUIPMENT = (("lift", _l("Lifts")), ("fire", _l("Fire systems")), ("water", _l("Water supply")),
             ("other", _l("Other equipment")))
UTILITIES = (("water", _l("Water")), ("electricity", _l("Electricity")))
PARKING_KINDS = (("sale", _l("Sale")), ("rental", _l("Rental")))

SPECS: dict[BoardSection, SectionSpec] = {
    BoardSection.IDENTITY: SectionSpec(fields=(
        Field("firm_name", _l("Property firm"), required=True),
        Field("licence_no", _l("Business licence number"), max_len=60),
        Field("project_manager", _l("Project manager"), required=True, max_len=80),
        Field("manager_phone", _l("Project manager's phone"), required=True, max_len=32),
        Field("hotline", _l("Service and complaint hotline"), required=True, max_len=32),
        Field("complaint_channels", _l("Other complaint channels"), kind="long", max_len=500),
        Field("price_complaint_line", _l("Price complaint line"), required=True, max_len=32, default="12358"),
    )),
    BoardSection.SERVICE_STANDARD: SectionSpec(fields=(
        Field("grade", _l("Contracted service grade"), kind="choice", required=True,
              choices=(("grade1", _l("Grade 1")), ("grade2", _l("Grade 2")), ("grade3", _l("Grade 3")))),
        Field("list_version", _l("Version of the service-standard list"), kind="int"),
    ), rows=(
        Field("code", _l("Item"), max_len=16),
        Field("item", _l("Service content"), required=True, max_len=500),
        Field("standard", _l("Standard for this grade"), max_len=120),
    ), min_rows=1),
    BoardSection.FEES: SectionSpec(rows=(
        Field("item", _l("Fee item"), required=True, max_len=80),
        Field("payer", _l("Who pays"), kind="choice", required=True, choices=PAYERS),
        Field("method", _l("Charging method"), required=True, max_len=120),
        Field("price_fen", _l("Price (yuan)"), kind="fen", required=True),
        Field("unit", _l("Unit"), required=True, max_len=40),
        Field("pricing", _l("Pricing form"), kind="choice", required=True, choices=PRICING),
        Field("basis", _l("Legal basis"), required=True, max_len=200),
        Field("start_date", _l("Start date"), kind="date", required=True),
    ), min_rows=1, notes=_l("A new or changed price must be posted at least a month before its start date.")),
    BoardSection.CONTRACTORS: SectionSpec(rows=(
        Field("equipment", _l("Equipment"), kind="choice", required=True, choices=EQUIPMENT),
        Field("contractor", _l("Contractor"), required=True, max_len=120),
        Field("qualification", _l("Qualification"), max_len=120),
        Field("contact", _l("Contact phone"), required=True, max_len=32),
        Field("maintenance_plan", _l("Maintenance plan"), max_len=200),
        Field("emergency_plan", _l("Emergency plan"), required=True, max_len=300),
    ), min_rows=1),
    BoardSection.FINANCE: SectionSpec(fields=(
        Field("last_year", _l("Year reported"), kind="year", required=True),
        Field("income_fen", _l("Income that year (yuan)"), kind="fen", required=True),
        Field("expense_fen", _l("Spending that year (yuan)"), kind="fen", required=True),
        Field("budget_year", _l("Budget year"), kind="year", required=True),
        Field("budget_income_fen", _l("Budgeted income (yuan)"), kind="fen", required=True),
        Field("budget_expense_fen", _l("Budgeted spending (yuan)"), kind="fen", required=True),
    )),
    BoardSection.APPORTIONMENT: SectionSpec(rows=(
        Field("cycle", _l("Billing cycle"), kind="month", required=True),
        Field("utility", _l("Utility"), kind="choice", required=True, choices=UTILITIES),
        Field("quantity", _l("Quantity (kWh or m³)"), kind="int", required=True),
        Field("unit_price_fen", _l("Unit price (yuan)"), kind="fen", required=True),
        Field("amount_fen", _l("Amount shared (yuan)"), kind="fen", required=True),
        Field("method", _l("How it is shared"), max_len=120),
    ), min_rows=1),
    BoardSection.PUBLIC_REVENUE: SectionSpec(rows=(
        Field("quarter", _l("Quarter"), kind="quarter", required=True),
        Field("income_fen", _l("Income (yuan)"), kind="fen", required=True),
        Field("spending_fen", _l("Spending (yuan)"), kind="fen", required=True),
        Field("balance_fen", _l("Balance (yuan)"), kind="fen", required=True),
    ), min_rows=1),
    BoardSection.REPAIR_FUND: SectionSpec(rows=(
        Field("date", _l("Date"), kind="date", required=True),
        Field("item", _l("Repair work"), required=True, max_len=200),
        Field("amount_fen", _l("Amount (yuan)"), kind="fen", required=True),
        Field("approval", _l("Approved by"), max_len=120),
    )),
    BoardSection.RENOVATIONS: SectionSpec(rows=(
        Field("building", _l("Building"), required=True, max_len=40),
        Field("work", _l("Work"), required=True, max_len=200),
        Field("start_date", _l("From"), kind="date", required=True),
        Field("end_date", _l("Until"), kind="date"),
    )),
    BoardSection.PARKING: SectionSpec(rows=(
        Field("kind", _l("Sale or rental"), kind="choice", required=True, choices=PARKING_KINDS),
        Field("spaces", _l("Spaces"), kind="int", required=True),
        Field("price_fen", _l("Price (yuan)"), kind="fen", required=True),
        Field("unit", _l("Unit"), required=True, max_len=40),
        Field("note", _l("Note"), max_len=200),
    )),
    BoardSection.HANDOVER: SectionSpec(rows=(
        Field("date", _l("Date"), kind="date", required=True),
        Field("item", _l("Part inspected"), required=True, max_len=200),
        Field("result", _l("Result"), required=True, max_len=300),
    ), min_rows=1),
    BoardSection.EXTRA_SERVICES: SectionSpec(rows=(
        Field("service", _l("Service"), required=True, max_len=120),
        Field("price_fen", _l("Price (yuan)"), kind="fen", required=True),
        Field("unit", _l("Unit"), required=True, max_len=40),
    )),
}

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YUAN = re.compile(r"^-?\d{1,10}(\.\d{1,2})?$")


def empty_content(section: BoardSection) -> dict:
    spec = SPECS[section]
    return {"fields": {f.name: f.default for f in spec.fields if f.default is not None}, "rows": []}


def yuan_to_fen(text: str) -> int | None:
    """'12.5' → 1250; None when the text is not an amount in yuan with at most two decimals."""
    text = (text or "").strip().replace(",", "")
    if not _YUAN.match(text):
        return None
    try:
        return int((Decimal(text) * 100).to_integral_value())
    except InvalidOperation:
        return None


def fen_to_yuan(fen: int | None) -> str:
    """1250 → '12.50' (no float anywhere)."""
    return "" if fen is None else yuan_plain(fen)


def _error(where: str, spec: Field, message) -> DisclosureError:
    return DisclosureError(where, _l("%(field)s: %(rule)s", field=spec.label, rule=message))


def _clean_value(spec: Field, value, where: str, money_in: str):
    """One value, cleaned; None when empty. Strings come from forms, native types from JSON."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if spec.required:
            raise _error(where, spec, _l("this field is required."))
        return None
    kind = spec.kind
    if kind in ("text", "long"):
        if not isinstance(value, str):
            raise _error(where, spec, _l("enter text."))
        if len(value) > spec.max_len:
            raise _error(where, spec, _l("at most %(n)s characters.", n=spec.max_len))
        if forbidden_char(value, multiline=kind == "long"):
            raise _error(where, spec, _l("remove the invisible control characters."))
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in {code for code, _ in spec.choices}:
            raise _error(where, spec, _l("choose one of the listed values."))
        return value
    if kind == "fen":
        if isinstance(value, bool):
            raise _error(where, spec, _l("enter an amount in yuan with at most two decimals."))
        if isinstance(value, int) and money_in == "fen":
            fen = value
        elif isinstance(value, str) and money_in == "yuan":
            fen = yuan_to_fen(value)
        else:
            fen = None
        if fen is None:
            raise _error(where, spec, _l("enter an amount in yuan with at most two decimals.") if money_in == "yuan"
                         else _l("enter a whole number of fen."))
        if fen < 0 or fen > MAX_FEN:
            raise _error(where, spec, _l("the amount must be between 0 and %(max)s yuan.", max=MAX_FEN // 100))
        return fen
    if kind in ("int", "year"):
        if isinstance(value, bool):
            raise _error(where, spec, _l("enter a whole number."))
        if isinstance(value, str):
            value = int(value) if re.fullmatch(r"\d{1,12}", value) else None
        if not isinstance(value, int) or value < 0 or value > MAX_FEN:
            raise _error(where, spec, _l("enter a whole number."))
        if kind == "year" and not 2000 <= value <= 2100:
            raise _error(where, spec, _l("enter a year between 2000 and 2100."))
        return value
    if kind == "date":
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None or not 2000 <= day.year <= 2100:
            raise _error(where, spec, _l("enter a date as YYYY-MM-DD."))
        return day.isoformat()
    if kind == "quarter":
        if not isinstance(value, str) or not _QUARTER.match(value.upper()):
            raise _error(where, spec, _l("enter a quarter as YYYYQn, e.g. 2026Q3."))
        return value.upper()
    if kind == "month":
        if not isinstance(value, str) or not _MONTH.match(value):
            raise _error(where, spec, _l("enter a month as YYYY-MM."))
        return value
    raise AssertionError(kind)


def clean_content(section: BoardSection, data, *, money_in: str = "fen") -> dict:
    """The canonical content of ``section`` from ``data`` ({"fields": {...}, "rows": [{...}]}); raises
    DisclosureError naming the field (``fields.<name>`` or ``rows.<i>.<name>``) and the rule."""
    spec = SPECS[section]
    if not isinstance(data, dict):
        raise DisclosureError("content", _l("The content must be an object with fields and rows."))
    unknown = set(data) - {"fields", "rows"}
    if unknown:
        raise DisclosureError("content", _l("Unknown part of the content: %(name)s.", name=sorted(unknown)[0]))
    fields_in = data.get("fields") or {}
    rows_in = data.get("rows") or []
    if not isinstance(fields_in, dict) or not isinstance(rows_in, list):
        raise DisclosureError("content", _l("The content must be an object with fields and rows."))
    known = {f.name for f in spec.fields}
    extra = set(fields_in) - known
    if extra:
        raise DisclosureError("content", _l("Unknown field: %(name)s.", name=sorted(extra)[0]))
    fields = {}
    for f in spec.fields:
        value = _clean_value(f, fields_in.get(f.name), f"fields.{f.name}", money_in)
        if value is not None:
            fields[f.name] = value
    if len(rows_in) > MAX_ROWS:
        raise DisclosureError("rows", _l("At most %(n)s rows.", n=MAX_ROWS))
    if rows_in and not spec.rows:
        raise DisclosureError("rows", _l("This section has no rows."))
    row_names = {f.name for f in spec.rows}
    rows = []
    for index, row in enumerate(rows_in):
        if not isinstance(row, dict):
            raise DisclosureError(f"rows.{index}", _l("Row %(n)s: each row must be an object.", n=index + 1))
        extra = set(row) - row_names
        if extra:
            raise DisclosureError(f"rows.{index}", _l("Unknown field: %(name)s.", name=sorted(extra)[0]))
        cleaned = {}
        for f in spec.rows:
            value = _clean_value(f, row.get(f.name), f"rows.{index}.{f.name}", money_in)
            if value is not None:
                cleaned[f.name] = value
        rows.append(cleaned)
    if len(rows) < spec.min_rows:
        raise DisclosureError("rows", _l("Add at least %(n)s row.", n=spec.min_rows))
    _check_section_rules(section, fields, rows)
    return {"fields": fields, "rows": rows}


def _check_section_rules(section: BoardSection, fields: dict, rows: list[dict]) -> None:
    if section == BoardSection.FINANCE and fields.get("budget_year") != fields.get("last_year", 0) + 1:
        raise DisclosureError("fields.budget_year", _l("Budget year: it must be the year after the year reported."))
    if section == BoardSection.RENOVATIONS:
        for index, row in enumerate(rows):
            if row.get("end_date") and row["end_date"] < row["start_date"]:
                raise DisclosureError(f"rows.{index}.end_date", _l("Until: it cannot be before the start."))
    if section == BoardSection.PUBLIC_REVENUE:
        quarters = [row["quarter"] for row in rows]
        if len(set(quarters)) != len(quarters):
            raise DisclosureError("rows", _l("Quarter: each quarter appears once."))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of the month when it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


def _fee_key(row: dict) -> tuple:
    return (row.get("item"), row.get("payer"))


def _fee_terms(row: dict) -> tuple:
    return (row.get("price_fen"), row.get("unit"), row.get("method"), row.get("pricing"))


def check_fee_notice(new: dict, published: dict | None, today: dt.date, days: int) -> None:
    """A fee item that is new or whose price, unit, method or pricing form changed must start at least a
    month (and at least ``days`` days) after the day it is posted. The first fee list of a board is exempt:
    it states the prices agreed in the contract."""
    if published is None:
        return
    before = {_fee_key(row): _fee_terms(row) for row in published.get("rows", [])}
    earliest = max(add_months(today, 1), today + dt.timedelta(days=days))
    for index, row in enumerate(new.get("rows", [])):
        if before.get(_fee_key(row)) == _fee_terms(row):
            continue
        if dt.date.fromisoformat(row["start_date"]) < earliest:
            raise DisclosureError(
                f"rows.{index}.start_date",
                _l("Start date: a new or changed fee must be posted at least a month before it takes effect; "
                   "the earliest start date today is %(day)s.", day=earliest.isoformat()))
