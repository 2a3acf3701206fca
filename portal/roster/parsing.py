"""Reading roster files as a stream of rows: header and cell rules (format and encoding: ``formats``).

Nothing here touches the database: ``portal.roster.services`` feeds the rows to the two passes
(validate, then write). Files are read from disk in chunks and row by row, never whole.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

from flask_babel import lazy_gettext as _l

from portal.roster import formats, limits, xlsx
from portal.roster.formats import FileProblem, SourceInfo, detect_encoding, sniff  # noqa: F401 (the module's API)
from portal.roster.limits import MAX_ROWS
from portal.validation import control_char_message, forbidden_char

MAX_TEXT = 20                         # building, entrance and room columns (the database's String(20))
MAX_AREA = Decimal("10000")
FLOOR_RANGE = (-10, 300)

# Canonical field -> accepted header names (compared after normalise_header). The first name of
# each is what the export writes, so an export re-imports unchanged.
FIELDS: dict[str, tuple[str, ...]] = {
    "building": ("楼栋", "楼号", "楼栋号", "building"),
    # "unit" is how 单元 (one stairwell of a building) is usually translated on Chinese rosters.
    "entrance": ("单元", "单元号", "entrance", "unit", "unit_no"),
    "room": ("房号", "房间号", "室号", "room"),
    "floor": ("楼层", "所在楼层", "floor"),
    "floor_area": ("建筑面积", "面积", "floor_area", "floorarea", "area"),
}
REQUIRED = ("building", "room", "floor_area")
EXPORT_HEADER = [names[0] for names in FIELDS.values()]
FIELD_LABELS = {
    "building": _l("Building"),
    "entrance": _l("Entrance"),
    "room": _l("Room"),
    "floor": _l("Floor"),
    "floor_area": _l("Floor area (m²)"),
}

OPTIONAL_FIELDS = frozenset(FIELDS) - frozenset(REQUIRED)


def accepted_headers(fields: dict[str, tuple[str, ...]] | None = None) -> str:
    """Every header name the import reads, field by field ("楼栋/楼号/楼栋号/building; ..."), for messages."""
    return "; ".join("/".join(names) for names in (fields or FIELDS).values())


def header_lookup(fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Accepted header name (as normalise_header spells it) -> field."""
    return {name.lower(): field for field, names in fields.items() for name in names}


_HEADER_LOOKUP = header_lookup(FIELDS)
_UNIT_SUFFIX = re.compile(r"[\(（\[【]\s*(m2|m²|㎡|平方米|平米|sqm)?\s*[\)）\]】]$", re.I)
# ASCII digits only: cells are NFKC-normalised first (full-width "９０．５" reads 90.5), and \d would
# also take digits of other scripts ("٣"), which no roster means.
_NUMBER_RE = re.compile(r"^[+-]?[0-9]{1,12}(\.[0-9]{1,12})?$")
_INT_RE = re.compile(r"^[+-]?[0-9]{1,4}$")
_FORMULA_START = ("=", "+", "@", "-")


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad cell or row: the row number as a spreadsheet shows it (the header is row 1)."""

    row: int | None
    column: str
    field: str
    reason: object  # a lazy string, rendered in the reader's language

    @property
    def text(self) -> str:
        """The reason as plain text. Never render ``reason`` itself: flask-babel's lazy strings claim to
        be safe HTML (``__html__``), and the reason quotes cells of the uploaded file."""
        return str(self.reason)

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "field": self.field, "reason": self.text}


# -- raw rows --------------------------------------------------------------------------------

def raw_rows(path: Path, info: SourceInfo) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every row, header included; blank rows are skipped."""
    rows = _csv_rows(path, info.codec) if info.kind == "csv" else _xlsx_rows(path)
    for number, cells in rows:
        if number > MAX_ROWS + 1:
            raise FileProblem(_l("The file has more than %(limit)s rows; split it into several files.", limit=MAX_ROWS),
                              row=number)
        if any(_present(c) for c in cells):
            yield number, cells


def _present(cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or cell.strip() != "")


def _csv_rows(path: Path, codec: str) -> Iterator[tuple[int, list]]:
    with open(path, encoding=codec, newline="", errors="strict") as handle:
        reader = csv.reader(_bounded_lines(handle), strict=False)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise FileProblem(_l("Row %(row)s cannot be read as CSV (a cell is far too long, or a quote is "
                                     "never closed).", row=number + 1), row=number + 1)
            except _LineTooLong:
                raise FileProblem(_l("Row %(row)s is longer than %(limit)s characters; a roster row is far shorter. "
                                     "Is this really a roster?", row=number + 1, limit=limits.MAX_LINE_CHARS),
                                  row=number + 1)
            number += 1
            if len(cells) > limits.MAX_COLUMNS:
                raise FileProblem(_l("Row %(row)s has too many cells (more than %(limit)s); a roster has 5 columns.",
                                     row=number, limit=limits.MAX_COLUMNS), row=number)
            yield number, cells


class _LineTooLong(Exception):
    pass


def _bounded_lines(handle) -> Iterator[str]:
    """The file's lines, never reading more than MAX_LINE_CHARS (and its line break) at once."""
    while True:
        line = handle.readline(limits.MAX_LINE_CHARS + 2)
        if not line:
            return
        if len(line.rstrip("\r\n")) > limits.MAX_LINE_CHARS:
            raise _LineTooLong()
        yield line


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    try:
        yield from xlsx.iter_rows(path, max_rows=MAX_ROWS + 1)
    except xlsx.Refused as refused:
        raise FileProblem(refused.message, row=refused.row) from refused


# -- header ----------------------------------------------------------------------------------

def normalise_header(cell) -> str:
    text = "" if cell is None else formats.normalise_cell(str(cell))
    text = text.replace("\ufeff", "").strip()
    text = _UNIT_SUFFIX.sub("", text).strip()
    return re.sub(r"[\s_]+", "_", text).lower()


@dataclass
class Header:
    """Which column holds which field; ``names`` are the header cells as written in the file."""

    columns: dict[int, str]
    names: dict[str, str]
    width: int


def parse_header(cells: list, fields: dict[str, tuple[str, ...]] | None = None,
                 required: tuple[str, ...] | None = None) -> tuple[Header | None, list[Problem]]:
    """The header row read against ``fields`` (default: the roster's) with ``required`` among them; every
    unknown, unnamed, repeated or missing column is a problem of row 1."""
    fields = FIELDS if fields is None else fields
    required = REQUIRED if required is None else required
    lookup = _HEADER_LOOKUP if fields is FIELDS else header_lookup(fields)
    problems: list[Problem] = []
    columns: dict[int, str] = {}
    names: dict[str, str] = {}
    last = max((i for i, c in enumerate(cells) if _present(c)), default=-1)
    for index, cell in enumerate(cells[:last + 1]):
        written = "" if cell is None else str(cell).replace("\ufeff", "").strip()
        key = normalise_header(cell)
        field = lookup.get(key) or lookup.get(key.replace("_", ""))
        column = written or _column_letter(index)
        if not written:
            problems.append(Problem(1, column, "", _l("Column %(column)s has no header name.", column=_column_letter(index))))
        elif field is None:
            problems.append(Problem(1, written[:40], "", _l(
                "Unknown column \"%(name)s\". Accepted headers: %(headers)s.", name=written[:40],
                headers=accepted_headers(fields))))
        elif field in names:
            problems.append(Problem(1, written[:40], field, _l("The column \"%(name)s\" appears twice.", name=written[:40])))
        else:
            columns[index] = field
            names[field] = written
    for field in required:
        if field not in names:
            problems.append(Problem(1, fields[field][0], field, _l(
                "The required column \"%(chinese)s\" (%(english)s) is missing from the header row (row 1).",
                chinese=fields[field][0], english=field)))
    if problems:
        return None, problems
    return Header(columns=columns, names=names, width=last + 1), []


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- cells -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cells:
    """One data row with each field read and checked, before buildings and duplicates are looked at."""

    building: str
    entrance: str
    room: str
    floor: int | None
    floor_area: Decimal


def read_row(number: int, cells: list, header: Header) -> tuple[Cells | None, list[Problem]]:
    problems: list[Problem] = []
    extra = [c for c in cells[header.width:] if _present(c)]
    if extra:
        problems.append(Problem(number, _column_letter(header.width), "", _l(
            "This row has more cells (%(found)s) than the header has columns (%(expected)s).",
            found=header.width + len(extra), expected=header.width)))
    values = {field: cells[index] if index < len(cells) else None for index, field in header.columns.items()}

    def problem(field: str, reason) -> None:
        problems.append(Problem(number, header.names.get(field, FIELDS[field][0]), field, reason))

    text = {}
    for field in ("building", "entrance", "room"):
        value = _text(values.get(field))
        if value is None:
            text[field] = ""
            continue
        if len(value) > MAX_TEXT:
            problem(field, _l("At most %(max)s characters.", max=MAX_TEXT))
        elif (char := forbidden_char(value)) is not None:
            problem(field, control_char_message(char))
        elif (char := formats.symbol_char(value)) is not None:
            problem(field, formats.symbol_message(char))
        elif value.startswith(_FORMULA_START):
            problem(field, _l("May not start with = + - or @ (a spreadsheet formula)."))
        text[field] = value
    for field in ("building", "room"):
        if not text[field] and not any(p.field == field for p in problems):
            problem(field, _l("Missing: every row needs a %(field)s.", field=FIELD_LABELS[field]))

    floor = None
    raw_floor = values.get("floor")
    if "floor" in header.names and _present(raw_floor):
        floor = _integer(raw_floor)
        if floor is None:
            problem("floor", _l("The floor must be a whole number (e.g. 3 or -1), not \"%(value)s\".",
                                value=_shown(raw_floor)))
        elif not FLOOR_RANGE[0] <= floor <= FLOOR_RANGE[1]:
            problem("floor", _l("The floor must be between %(low)s and %(high)s.", low=FLOOR_RANGE[0], high=FLOOR_RANGE[1]))
            floor = None

    area = None
    raw_area = values.get("floor_area")
    if not _present(raw_area):
        problem("floor_area", _l("Missing: every row needs a floor area in m²."))
    else:
        area, reason = _area(raw_area)
        if reason is not None:
            problem("floor_area", reason)
    if problems:
        return None, problems
    return Cells(text["building"], text["entrance"], text["room"], floor, area), []


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = formats.normalise_cell(str(value)).strip()
    return text or None


def _shown(value) -> str:
    return str(value).strip()[:30]


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 10_000 else None
    text = formats.normalise_cell(str(value)).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if _INT_RE.match(text) else None


def _area(value) -> tuple[Decimal | None, object | None]:
    """An exact decimal with at most two places, > 0 and < 10,000; else the reason it is refused."""
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)  # repr: the shortest exact spelling
    else:
        text = formats.normalise_cell(str(value)).strip()
    if not _NUMBER_RE.match(text):
        return None, _l("The floor area must be a number of m² such as 88.50, not \"%(value)s\".", value=text[:30])
    try:
        area = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above already guarantees a number
        return None, _l("The floor area must be a number of m² such as 88.50, not \"%(value)s\".", value=text[:30])
    if area.as_tuple().exponent < -2:
        return None, _l("The floor area \"%(value)s\" has more than 2 decimal places.", value=text[:30])
    if area <= 0 or area >= MAX_AREA:
        return None, _l("The floor area must be more than 0 and less than 10,000 m², not %(value)s.", value=text[:30])
    return area, None
