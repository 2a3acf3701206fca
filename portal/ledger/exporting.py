"""CSV (UTF-8 with BOM) and XLSX files of the ledger: public entries and statements, and the bureau overview.

Amounts are exact decimals of yuan written from integer fen; a cell a spreadsheet would run as a formula
(= + - @) gets a leading apostrophe. Files are written row by row into a temporary file and sent from disk.
"""
from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from typing import IO, Iterable, Iterator

import sqlalchemy as sa
from flask import send_file
from flask_babel import gettext as _

from portal.communities.models import Community
from portal.extensions import db
from portal.ledger.models import LedgerCategory, LedgerEntry, LedgerStatement
from portal.ledger.services import public_counterparty

BATCH = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def safe_cell(value):
    """Text that would start a formula is kept as text; numbers and Decimals pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def fen_decimal(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)


def entry_header() -> list[str]:
    return [_("Community"), _("Date"), _("Direction"), _("Category"), _("Amount (yuan)"), _("Counterparty"),
            _("Revenue account"), _("Reverses entry"), _("Entry"), _("Note")]


def entry_rows(community_ids: sa.Select | list[int] | None, *, public: bool) -> Iterator[list]:
    """Entries (oldest first) of the given communities; ``public``: individuals masked and notes left out
    (a note is free text and may name people)."""
    stmt = (sa.select(LedgerEntry, Community.name, LedgerCategory.name_zh)
            .join(Community, Community.id == LedgerEntry.community_id)
            .join(LedgerCategory, LedgerCategory.id == LedgerEntry.category_id)
            .order_by(Community.name, LedgerEntry.entry_date, LedgerEntry.id).execution_options(yield_per=BATCH))
    if community_ids is not None:
        stmt = stmt.where(LedgerEntry.community_id.in_(community_ids))
    for entry, community, category in db.session.execute(stmt):
        counterparty = public_counterparty(entry) if public else entry.counterparty
        yield [community, entry.entry_date.isoformat(), str(entry.direction.label), category,
               fen_decimal(entry.amount_fen), counterparty, str(entry.account_type.label), entry.reverses_id or "",
               entry.id, "" if public else entry.note]


def statement_header() -> list[str]:
    return [_("Community"), _("Quarter"), _("Opening balance"), _("Income"), _("Reasonable costs"), _("Net income"),
            _("Repair fund top-up"), _("Required by the rule"), _("Other spending"), _("Closing balance"),
            _("Entries"), _("Signed off by"), _("Signed off at (UTC)")]


def statement_rows(community_ids: sa.Select | list[int] | None) -> Iterator[list]:
    """Signed-off statements, by community and quarter."""
    stmt = (sa.select(LedgerStatement, Community.name).join(Community, Community.id == LedgerStatement.community_id)
            .order_by(Community.name, LedgerStatement.year, LedgerStatement.quarter).execution_options(yield_per=BATCH))
    if community_ids is not None:
        stmt = stmt.where(LedgerStatement.community_id.in_(community_ids))
    for s, community in db.session.execute(stmt):
        yield [community, f"{s.year}Q{s.quarter}", fen_decimal(s.opening_fen), fen_decimal(s.income_fen),
               fen_decimal(s.cost_fen), fen_decimal(s.income_fen - s.cost_fen), fen_decimal(s.repair_fund_fen),
               fen_decimal(s.required_repair_fen), fen_decimal(s.spending_fen), fen_decimal(s.closing_fen),
               s.entry_count, s.signed_by_capacity, s.signed_at.strftime("%Y-%m-%d %H:%M")]


def _csv_value(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(safe_cell(value))


def write_csv(header: list[str], rows: Iterable[list], out: IO[bytes]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe_cell(h) for h in header])
    for count, row in enumerate(rows, 1):
        writer.writerow([_csv_value(v) for v in row])
        if count % BATCH == 0:
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))


def write_xlsx(header: list[str], rows: Iterable[list], out: IO[bytes], title: str) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "ledger")
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    workbook.save(out)


def download(fmt: str, header: list[str], rows: Iterable[list], name: str):
    """A CSV or XLSX attachment written to a temporary file first (memory stays flat)."""
    handle = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    if fmt == "xlsx":
        write_xlsx(header, rows, handle, name)
    else:
        write_csv(header, rows, handle)
    handle.seek(0)
    response = send_file(handle, as_attachment=True, download_name=f"{name}.{fmt}", mimetype=MIMETYPES[fmt])
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
