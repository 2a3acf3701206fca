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

import posixpath
import struct
import zipfile
import zlib
from typing import Callable, Iterator
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from portal.roster import limits

CHUNK = 1 << 16
_DAMAGED = _l("The Excel file cannot be read: save it again as .xlsx or CSV.")


_DIGITS = "0123456789"
# The elements the handlers act on, by local name; a handler looks the tag up once and branches on the code.
_CELL, _VALUE, _INLINE, _TEXT, _PHONETIC, _ROW, _STRING = range(1, 8)
_CODES = {"c": _CELL, "v": _VALUE, "is": _INLINE, "t": _TEXT, "rPh": _PHONETIC, "row": _ROW, "si": _STRING}


def _code(tag: str) -> int | None:
    """The code of a prefixed tag ("x:c"): rare, so handlers try the plain name first."""
    return _CODES.get(tag.rpartition(":")[2])


class Refused(Exception):
    """The workbook is damaged or breaks a limit; ``message`` says which (a lazy string)."""

    def __init__(self, message, row: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.row = row


def _mb(size: int) -> int:
    return size // limits.MiB


def _too_large(part: str, limit: int) -> Refused:
    return Refused(_l("The file is too large once unpacked (%(part)s: more than %(limit)s MB); split the roster "
                      "into several files.", part=posixpath.basename(part), limit=_mb(limit)))


# -- the container -----------------------------------------------------------------------------

def declared_entries(path) -> int | None:
    """The entry count of the ZIP's end-of-directory record, read before zipfile builds its list.

    None when no record is found (zipfile then reports the damage); 0xFFFF means "see ZIP64", which
    no roster needs.
    """
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - (22 + 0xFFFF)))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack("<H", tail[at + 10:at + 12])[0]


def check_container(path) -> None:
    """Refuse before unpacking: not a ZIP, not a workbook, too many parts, a part too large or too packed."""
    entries = declared_entries(path)
    if entries is not None and entries > limits.MAX_ZIP_ENTRIES:
        raise Refused(_l("The workbook holds too many parts (more than %(limit)s); save it again from Excel or "
                         "upload CSV.", limit=limits.MAX_ZIP_ENTRIES))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused(_l("The file looks like an Excel file but is damaged: save it again as .xlsx or CSV."))
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise Refused(_l("The workbook holds too many parts (more than %(limit)s); save it again from Excel or "
                         "upload CSV.", limit=limits.MAX_ZIP_ENTRIES))
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise Refused(_l("This ZIP file is not an Excel workbook (.xlsx)."))
    for info in infos:
        limit = _part_limit(info.filename)
        if info.file_size > limit:
            raise _too_large(info.filename, limit)
        if info.file_size > limits.RATIO_FLOOR and info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise Refused(_l("The workbook is packed suspiciously tightly (%(part)s unpacks to more than %(ratio)s "
                             "times its size); save it again from Excel or upload CSV.",
                             part=posixpath.basename(info.filename), ratio=limits.MAX_RATIO))


def _part_limit(name: str) -> int:
    # The parts the reader opens get tighter limits again while they are unpacked (MAX_SMALL_PART_BYTES
    # for the workbook, relationships and styles); parts it never opens may not be larger than a sheet.
    return limits.MAX_SHARED_STRINGS_BYTES if name.startswith("xl/sharedStrings") else limits.MAX_SHEET_BYTES


def _parse(archive: zipfile.ZipFile, name: str, limit: int, parser, after_chunk: Callable[[], None] | None = None):
    """Feed one part to ``parser`` in CHUNK pieces, counting the unpacked bytes against ``limit``."""
    unpacked = 0
    try:
        with archive.open(name) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                unpacked += len(chunk)
                if unpacked > limit:
                    raise _too_large(name, limit)
                parser.Parse(chunk, False)
                if after_chunk is not None:
                    yield from after_chunk()
            parser.Parse(b"", True)
            if after_chunk is not None:
                yield from after_chunk()
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, NotImplementedError,
            RuntimeError, ValueError) as error:
        raise Refused(_DAMAGED) from error


def _new_parser(start, end=None, text=None):
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text

    def no_doctype(*_args):
        # Workbooks never declare a DOCTYPE; refusing it rules out entity expansion altogether.
        raise Refused(_DAMAGED)

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _read_small(archive: zipfile.ZipFile, name: str, start) -> None:
    for _ in _parse(archive, name, limits.MAX_SMALL_PART_BYTES, _new_parser(start)):
        pass


# -- workbook structure ------------------------------------------------------------------------

class _Workbook:
    """Where the first worksheet, the shared strings and the styles are, and the date epoch."""

    def __init__(self, archive: zipfile.ZipFile):
        sheets: list[str] = []
        self.date1904 = False

        def on_workbook(name, attrs):
            local = _local(name)
            if local == "sheet":
                rel = next((v for k, v in attrs.items() if _local(k) == "id"), None)
                if rel:
                    sheets.append(rel)
            elif local == "workbookPr":
                self.date1904 = attrs.get("date1904") in ("1", "true")

        rels: dict[str, tuple[str, str]] = {}

        def on_rels(name, attrs):
            if _local(name) == "Relationship" and "Id" in attrs and "Target" in attrs:
                rels[attrs["Id"]] = (attrs.get("Type", ""), attrs["Target"])

        names = set(archive.namelist())
        _read_small(archive, "xl/workbook.xml", on_workbook)
        if "xl/_rels/workbook.xml.rels" not in names:
            raise Refused(_DAMAGED)
        _read_small(archive, "xl/_rels/workbook.xml.rels", on_rels)

        def target(rel_type: str, rel_id: str | None = None) -> str | None:
            for key, (kind, where) in rels.items():
                if (rel_id is None or key == rel_id) and kind.rpartition("/")[2] == rel_type:
                    path = where.lstrip("/") if where.startswith("/") else posixpath.normpath(posixpath.join("xl", where))
                    return path if path in names else None
            return None

        self.sheet = next((found for found in (target("worksheet", rel) for rel in sheets) if found), None)
        if self.sheet is None:
            raise Refused(_DAMAGED)
        self.shared_strings = target("sharedStrings")
        self.styles = target("styles")


def _date_styles(archive: zipfile.ZipFile, name: str | None) -> set[int]:
    """Indices of the cell formats that show a number as a date or time (openpyxl turns those into datetime)."""
    if name is None:
        return set()
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": False}

    def start(tag, attrs):
        local = _local(tag)
        if local == "numFmt" and attrs.get("numFmtId", "").isdigit():
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] = True
        elif local == "xf" and depth["cellXfs"]:
            number = attrs.get("numFmtId", "0")
            formats.append(int(number) if number.isdigit() else 0)

    def end(tag):
        if _local(tag) == "cellXfs":
            depth["cellXfs"] = False

    for _ in _parse(archive, name, limits.MAX_SMALL_PART_BYTES, _new_parser(start, end)):
        pass
    return {index for index, number in enumerate(formats)
            if is_date_format(custom.get(number) or BUILTIN_FORMATS.get(number) or "")}


def _shared_strings(archive: zipfile.ZipFile, name: str | None) -> list[str]:
    """Every shared string, refused past MAX_SHARED_STRINGS, MAX_SHARED_TEXT or MAX_CELL_CHARS."""
    strings: list[str] = []
    if name is None:
        return strings
    code_of = _CODES.get
    parts: list[str] | None = None   # the runs of the <si> being read
    text: list[str] | None = None    # where character data goes, if anywhere
    length = total = phonetic = 0

    def start(tag, attrs):
        nonlocal parts, text, length, phonetic
        code = code_of(tag) or (_code(tag) if ":" in tag else None)
        if code == _STRING:
            if len(strings) >= limits.MAX_SHARED_STRINGS:
                raise Refused(_l("The workbook holds more than %(limit)s different texts; split the roster into "
                                 "several files.", limit=limits.MAX_SHARED_STRINGS))
            parts, length = [], 0
        elif code == _TEXT:
            if parts is not None and not phonetic:
                text = parts
        elif code == _PHONETIC:
            phonetic += 1  # phonetic guides are not part of the cell's text

    def end(tag):
        nonlocal parts, text, phonetic
        code = code_of(tag) or (_code(tag) if ":" in tag else None)
        if code == _TEXT:
            text = None
        elif code == _STRING:
            strings.append("".join(parts or ()))
            parts = None
        elif code == _PHONETIC:
            phonetic -= 1

    def characters(data):
        nonlocal length, total
        if text is None:
            return
        length += len(data)
        total += len(data)
        if length > limits.MAX_CELL_CHARS:
            raise Refused(_l("A text in the workbook is longer than %(limit)s characters; a roster cell holds at "
                             "most a few dozen.", limit=limits.MAX_CELL_CHARS))
        if total > limits.MAX_SHARED_TEXT:
            raise Refused(_l("The workbook's texts are too long altogether (more than %(limit)s characters); split "
                             "the roster into several files.", limit=limits.MAX_SHARED_TEXT))
        text.append(data)

    for _ in _parse(archive, name, limits.MAX_SHARED_STRINGS_BYTES, _new_parser(start, end, characters)):
        pass
    return strings


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
    code_of = _CODES.get
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
        code = code_of(tag) or (_code(tag) if ":" in tag else None)
        if code == _CELL:
            if values is None:
                raise Refused(_DAMAGED)
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
                raise Refused(_DAMAGED, row=row_number)
            kind = attrs.get("t", "n")
            style = attrs.get("s")
            raw = inline = None
        elif code == _VALUE:
            if values is not None:
                text, length = [], 0
        elif code == _TEXT:
            if inline is not None and not phonetic:
                text = inline
        elif code == _INLINE:
            inline, length = [], 0
        elif code == _ROW:
            row_elements += 1
            reference = attrs.get("r")
            if reference is not None:
                if not reference.isdigit() or len(reference) > 9:
                    raise Refused(_DAMAGED)
                number = int(reference)
            else:
                number = row_number + 1
            if number > max_rows or row_elements > max_rows:
                raise Refused(_l("The file has more than %(limit)s rows; split it into several files.",
                                 limit=max_rows - 1), row=number)
            row_number = number
            values, cells_in_row, column = {}, 0, 0
        elif code == _PHONETIC:
            phonetic += 1

    def end(tag):
        nonlocal values, text, raw, phonetic
        code = code_of(tag) or (_code(tag) if ":" in tag else None)
        if code == _CELL:
            value = cell_value()
            if value is not None and value != "":
                if column > limits.MAX_COLUMNS:
                    raise Refused(_l("Row %(row)s has a value beyond column %(limit)s; a roster has 5 columns.",
                                     row=row_number, limit=limits.MAX_COLUMNS), row=row_number)
                values[column] = value
        elif code == _VALUE:
            if text is not None:
                raw = "".join(text)
                text = None
        elif code == _TEXT:
            text = None
        elif code == _ROW:
            found = values or {}
            cells = [None] * (max(found) if found else 0)
            for index, value in found.items():
                cells[index - 1] = value
            ready.append((row_number, cells))
            values = None
        elif code == _PHONETIC:
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
            raise Refused(_DAMAGED, row=row_number) from error
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
        raise Refused(_DAMAGED) from error
    with archive:
        workbook = _Workbook(archive)
        strings = _shared_strings(archive, workbook.shared_strings)
        start, end, characters, take = _sheet_handlers(strings, _date_styles(archive, workbook.styles),
                                                       workbook.date1904, max_rows)
        parser = _new_parser(start, end, characters)
        yield from _parse(archive, workbook.sheet, limits.MAX_SHEET_BYTES, parser, after_chunk=take)
