"""The first worksheet of an .xlsx roster as a stream of rows, with every size bounded.

An .xlsx is a ZIP of XML parts, and a few hundred kilobytes of ZIP can unpack to gigabytes of XML:
one shared-strings part of 185 MiB, or one row of 185 MiB of text. So nothing is parsed before
the ZIP's directory has been checked (number of entries, each part's declared size and
compression ratio), and while a part is unpacked its bytes are counted against the same limit,
since a declared size may lie. The XML is parsed with expat in 64 KiB pieces; the reader counts
what it builds (shared strings, their total and single lengths, rows, cells per row and per
sheet) and stops at the first limit of ``portal.roster.limits`` with a message naming it.

Values come out as openpyxl's read-only mode gives them with ``data_only=True``: texts as str,
numbers as int or float, date-formatted numbers as datetime, booleans as bool, formulas as their
cached result, missing cells as None.
"""
from __future__ import annotations

import zipfile
from typing import Iterator

from flask_babel import lazy_gettext as _l

from portal.roster import limits
from portal.roster.xlsx_parts import (
    CELL,
    DAMAGED,
    INLINE,
    PHONETIC,
    ROW,
    TAG_CODES,
    TEXT,
    VALUE,
    Refused,
    Workbook,
    check_container,
    date_styles_of,
    new_parser,
    parse_part,
    prefixed_code,
    shared_strings_of,
)

__all__ = ["Refused", "check_container", "iter_rows"]

_DIGITS = "0123456789"


# -- the sheet ---------------------------------------------------------------------------------

def _column_index(letters: str) -> int:
    """1-based column of a cell reference's letters ("AB" -> 28); 0 if they are not letters."""
    index = 0
    for char in letters:
        if not "A" <= char <= "Z":
            return 0
        index = index * 26 + ord(char) - 64
    return index


def _number(text: str):
    # As openpyxl reads numbers: a decimal point or an exponent makes a float, else an int.
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _sheet_handlers(strings: list[str], date_styles: set[int], date1904: bool, max_rows: int):
    """expat handlers turning <row>/<c> elements into (row number, cells) pairs, within the limits.

    They run once per element of a sheet of up to a million cells, so their state lives in closure
    variables (the fastest Python has) and each call does the least it can. Returns the start, end
    and character-data handlers and ``take``, which hands over the rows finished so far.
    """
    epoch = None
    if date_styles:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    code_of = TAG_CODES.get
    column_of: dict[str, int] = {}   # "AB" -> 28, filled as references are met
    ready: list[tuple[int, list]] = []
    row_number = row_elements = cells_in_sheet = cells_in_row = column = length = phonetic = 0
    values: dict[int, object] | None = None
    kind, style = "n", None
    text: list[str] | None = None      # where character data goes, if anywhere
    raw: str | None = None              # the <v> text of the current cell
    inline: list[str] | None = None     # the <is> text runs of the current cell

    def start(tag, attrs):
        nonlocal row_number, row_elements, cells_in_sheet, cells_in_row, column, length, phonetic
        nonlocal values, kind, style, text, raw, inline
        code = code_of(tag) or (prefixed_code(tag) if ":" in tag else None)
        if code == CELL:
            if values is None:
                raise Refused(DAMAGED)
            cells_in_row += 1
            cells_in_sheet += 1
            if cells_in_row > limits.MAX_CELLS_PER_ROW:
                raise Refused(_l("Row %(row)s has too many cells (more than %(limit)s); a roster has 5 columns.",
                                 row=row_number, limit=limits.MAX_CELLS_PER_ROW), row=row_number)
            if cells_in_sheet > limits.MAX_CELLS:
                raise Refused(_l("The sheet has too many cells (more than %(limit)s); split the roster into "
                                 "several files.", limit=limits.MAX_CELLS), row=row_number)
            reference = attrs.get("r")
            if reference:
                letters = reference.rstrip(_DIGITS)
                column = column_of.get(letters) or column_of.setdefault(
                    letters, _column_index(letters) if len(letters) <= 3 else 0)
            else:
                column += 1
            if not 0 < column <= 16384:
                raise Refused(DAMAGED, row=row_number)
            kind = attrs.get("t", "n")
            style = attrs.get("s")
            raw = inline = None
        elif code == VALUE:
            if values is not None:
                text, length = [], 0
        elif code == TEXT:
            if inline is not None and not phonetic:
                text = inline
        elif code == INLINE:
            inline, length = [], 0
        elif code == ROW:
            row_elements += 1
            reference = attrs.get("r")
            if reference is not None:
                if not reference.isdigit() or len(reference) > 9:
                    raise Refused(DAMAGED)
                number = int(reference)
            else:
                number = row_number + 1
            if number > max_rows or row_elements > max_rows:
                raise Refused(_l("The file has more than %(limit)s rows; split it into several files.",
                                 limit=max_rows - 1), row=number)
            row_number = number
            values, cells_in_row, column = {}, 0, 0
        elif code == PHONETIC:
            phonetic += 1

    def end(tag):
        nonlocal values, text, raw, phonetic
        code = code_of(tag) or (prefixed_code(tag) if ":" in tag else None)
        if code == CELL:
            value = cell_value()
            if value is not None and value != "":
                if column > limits.MAX_COLUMNS:
                    raise Refused(_l("Row %(row)s has a value beyond column %(limit)s; a roster has 5 columns.",
                                     row=row_number, limit=limits.MAX_COLUMNS), row=row_number)
                values[column] = value
        elif code == VALUE:
            if text is not None:
                raw = "".join(text)
                text = None
        elif code == TEXT:
            text = None
        elif code == ROW:
            found = values or {}
            cells = [None] * (max(found) if found else 0)
            for index, value in found.items():
                cells[index - 1] = value
            ready.append((row_number, cells))
            values = None
        elif code == PHONETIC:
            phonetic -= 1

    def cell_value():
        if kind == "inlineStr":
            return "".join(inline) if inline is not None else None
        if raw is None:
            return None
        try:
            if kind == "n":
                if not raw:
                    return None
                number = _number(raw)
                if style and date_styles and int(style) in date_styles:
                    from openpyxl.utils.datetime import from_excel

                    try:
                        return from_excel(number, epoch)
                    except (ValueError, OverflowError):
                        return number
                return number
            if kind == "s":
                return strings[int(raw)]
            if kind == "b":
                return bool(int(raw))
        except (ValueError, IndexError) as error:
            raise Refused(DAMAGED, row=row_number) from error
        return raw  # "str" (a formula's text), "e" (an error such as #N/A), "d" (an ISO date)

    def characters(data):
        nonlocal length
        if text is None:
            return
        length += len(data)
        if length > limits.MAX_CELL_CHARS:
            raise Refused(_l("Row %(row)s has a cell longer than %(limit)s characters; a roster cell holds at most "
                             "a few dozen.", row=row_number, limit=limits.MAX_CELL_CHARS), row=row_number)
        text.append(data)

    def take() -> Iterator[tuple[int, list]]:
        rows = ready[:]
        ready.clear()
        yield from rows

    return start, end, characters, take


def iter_rows(path, *, max_rows: int) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the first worksheet, row numbers as Excel shows them; ``max_rows`` counts the header."""
    check_container(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise Refused(DAMAGED) from error
    with archive:
        workbook = Workbook(archive)
        strings = shared_strings_of(archive, workbook.shared_strings)
        start, end, characters, take = _sheet_handlers(strings, date_styles_of(archive, workbook.styles),
                                                       workbook.date1904, max_rows)
        parser = new_parser(start, end, characters)
        yield from parse_part(archive, workbook.sheet, limits.MAX_SHEET_BYTES, parser, after_chunk=take)
