"""Roster export in the import format: CSV (UTF-8 with BOM, Chinese headers) and XLSX, streamed.

An export re-imports as "all unchanged": same header names, text cells kept as text, areas as
exact decimals.
"""
from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from typing import IO, Iterator

import sqlalchemy as sa

from portal.communities.models import Building, Community, Unit
from portal.extensions import db
from portal.roster.parsing import EXPORT_HEADER

BATCH = 2000
_FORMULA_START = ("=", "+", "@", "-")


def _safe(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (import refuses such values anyway)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def iter_units(community: Community) -> Iterator[tuple[str, str, str, int | None, Decimal]]:
    """(building, entrance, room, floor, floor area) in roster order, fetched in batches."""
    stmt = (sa.select(Building.name, Unit.entrance, Unit.room, Unit.floor, Unit.floor_area)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.community_id == community.id)
            .order_by(Building.position, Building.name, Unit.entrance, sa.func.length(Unit.room), Unit.room, Unit.id)
            .execution_options(yield_per=BATCH))
    for row in db.session.execute(stmt):
        yield tuple(row)


def _area(value) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def csv_chunks(community: Community) -> Iterator[bytes]:
    """The CSV file as byte chunks: BOM and header first, then about BATCH rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for building, entrance, room, floor, area in iter_units(community):
        writer.writerow([_safe(building), _safe(entrance or ""), _safe(room), "" if floor is None else floor, _area(area)])
        count += 1
        if count % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_csv(community: Community, out: IO[bytes]) -> None:
    for chunk in csv_chunks(community):
        out.write(chunk)


def write_xlsx(community: Community, out: IO[bytes]) -> None:
    """An .xlsx written row by row (openpyxl write-only mode) into ``out``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("roster")
    # Python strings stay text cells ("101" is not turned into a number); _safe() keeps a leading
    # "=" from being written as a formula.
    sheet.append(EXPORT_HEADER)
    for building, entrance, room, floor, area in iter_units(community):
        sheet.append([_safe(building), _safe(entrance or ""), _safe(room), floor, Decimal(area).quantize(Decimal("0.01"))])
    workbook.save(out)


def xlsx_file(community: Community) -> IO[bytes]:
    """A temporary file holding the .xlsx, rewound; it disappears when closed."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    write_xlsx(community, handle)
    handle.seek(0)
    return handle


def csv_file(community: Community) -> IO[bytes]:
    """A temporary file holding the CSV, rewound; it disappears when closed."""
    handle = tempfile.TemporaryFile(suffix=".csv")
    write_csv(community, handle)
    handle.seek(0)
    return handle
